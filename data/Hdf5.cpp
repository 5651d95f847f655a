#include "data/Hdf5.h"

#include "data/Checked.h"

#include <mutex>

namespace ks::data::h5 {

void silenceErrors() {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle fileAccessV110() {
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    return fapl;
}

bool exists(hid_t loc, const std::string& path) {
    // H5Lexists needs every intermediate link to exist: walk the path one component at a time.
    std::string prefix;
    size_t pos = path.front() == '/' ? 1 : 0;
    prefix = path.front() == '/' ? "/" : "";
    while (pos <= path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        prefix += path.substr(pos, next - pos);
        if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        prefix += '/';
        pos = next + 1;
    }
    return H5Oexists_by_name(loc, path.c_str(), H5P_DEFAULT) > 0;
}

bool writeStringAttr(hid_t obj, const char* name, const std::string& value) {
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    Handle space(H5Screate(H5S_SCALAR));
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    Handle attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) return false;
    const char* p = value.c_str();
    return H5Awrite(attr, type, &p) >= 0;
}

bool writeIntAttr(hid_t obj, const char* name, int64_t value) {
    Handle space(H5Screate(H5S_SCALAR));
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    Handle attr(H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
    return attr.valid() && H5Awrite(attr, H5T_NATIVE_INT64, &value) >= 0;
}

std::optional<std::string> readStringAttr(hid_t obj, const char* name) {
    if (H5Aexists(obj, name) <= 0) return std::nullopt;
    Handle attr(H5Aopen(obj, name, H5P_DEFAULT));
    Handle ftype(H5Aget_type(attr));
    if (H5Tget_class(ftype) != H5T_STRING) return std::nullopt;
    Handle space(H5Aget_space(attr));
    if (H5Sget_simple_extent_npoints(space) != 1) return std::nullopt;
    if (H5Tis_variable_str(ftype) > 0) {
        Handle mtype(H5Tcopy(H5T_C_S1));
        H5Tset_size(mtype, H5T_VARIABLE);
        H5Tset_cset(mtype, H5Tget_cset(ftype));
        char* p = nullptr;
        if (H5Aread(attr, mtype, &p) < 0) return std::nullopt;
        std::string s = p ? p : "";
        H5free_memory(p);
        return s;
    }
    // Fixed-length string (NumPy bytes attributes written by h5py).
    // The declared size must fit in what the attribute stores.
    const size_t n = H5Tget_size(ftype);
    if (n == 0 || n > H5Aget_storage_size(attr)) return std::nullopt;
    std::string s(n, '\0');
    Handle mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype, n);
    if (H5Aread(attr, mtype, s.data()) < 0) return std::nullopt;
    s.resize(s.find('\0') == std::string::npos ? n : s.find('\0'));
    return s;
}

std::optional<int64_t> readIntAttr(hid_t obj, const char* name) {
    if (H5Aexists(obj, name) <= 0) return std::nullopt;
    Handle attr(H5Aopen(obj, name, H5P_DEFAULT));
    Handle ftype(H5Aget_type(attr));
    if (H5Tget_class(ftype) != H5T_INTEGER) return std::nullopt;
    Handle space(H5Aget_space(attr));
    if (H5Sget_simple_extent_npoints(space) != 1) return std::nullopt;
    int64_t v = 0;
    if (H5Aread(attr, H5T_NATIVE_INT64, &v) < 0) return std::nullopt;
    return v;
}

static Handle halfType() {
    // IEEE binary16, the way h5py describes numpy.float16.
    Handle t(H5Tcopy(H5T_IEEE_F32LE));
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_ebias(t, 15);
    return t;
}

Handle fileTypeFor(DType t) {
    switch (t) {
    case DType::F16:
        return halfType();
    case DType::BF16:
        return Handle(H5Tcopy(H5T_STD_U16LE)); // raw bits; "dtype" attr says bf16
    case DType::F32:
        return Handle(H5Tcopy(H5T_IEEE_F32LE));
    case DType::F64:
        return Handle(H5Tcopy(H5T_IEEE_F64LE));
    case DType::I8:
        return Handle(H5Tcopy(H5T_STD_I8LE));
    case DType::I16:
        return Handle(H5Tcopy(H5T_STD_I16LE));
    case DType::I32:
        return Handle(H5Tcopy(H5T_STD_I32LE));
    case DType::I64:
        return Handle(H5Tcopy(H5T_STD_I64LE));
    case DType::U8:
        return Handle(H5Tcopy(H5T_STD_U8LE));
    case DType::U16:
        return Handle(H5Tcopy(H5T_STD_U16LE));
    case DType::U32:
        return Handle(H5Tcopy(H5T_STD_U32LE));
    case DType::U64:
        return Handle(H5Tcopy(H5T_STD_U64LE));
    case DType::Bool: {
        // h5py's bool: an int8 enum FALSE=0, TRUE=1.
        Handle e(H5Tenum_create(H5T_NATIVE_INT8));
        int8_t v = 0;
        H5Tenum_insert(e, "FALSE", &v);
        v = 1;
        H5Tenum_insert(e, "TRUE", &v);
        return e;
    }
    }
    return {};
}

Handle memTypeFor(DType t) {
    // Our tensors are little-endian in memory like the machines we run on; the half type and
    // the bool enum are used as they are, the rest as native types.
    switch (t) {
    case DType::F16:
        return halfType();
    case DType::Bool:
        return fileTypeFor(DType::Bool);
    case DType::BF16:
        return Handle(H5Tcopy(H5T_NATIVE_UINT16));
    case DType::F32:
        return Handle(H5Tcopy(H5T_NATIVE_FLOAT));
    case DType::F64:
        return Handle(H5Tcopy(H5T_NATIVE_DOUBLE));
    case DType::I8:
        return Handle(H5Tcopy(H5T_NATIVE_INT8));
    case DType::I16:
        return Handle(H5Tcopy(H5T_NATIVE_INT16));
    case DType::I32:
        return Handle(H5Tcopy(H5T_NATIVE_INT32));
    case DType::I64:
        return Handle(H5Tcopy(H5T_NATIVE_INT64));
    case DType::U8:
        return Handle(H5Tcopy(H5T_NATIVE_UINT8));
    case DType::U16:
        return Handle(H5Tcopy(H5T_NATIVE_UINT16));
    case DType::U32:
        return Handle(H5Tcopy(H5T_NATIVE_UINT32));
    case DType::U64:
        return Handle(H5Tcopy(H5T_NATIVE_UINT64));
    }
    return {};
}

std::optional<DType> datasetDType(hid_t dataset) {
    if (auto name = readStringAttr(dataset, "dtype"))
        if (auto t = dtypeFromName(*name)) return t;
    Handle type(H5Dget_type(dataset));
    const size_t size = H5Tget_size(type);
    switch (H5Tget_class(type)) {
    case H5T_FLOAT:
        if (size == 2) return DType::F16;
        if (size == 4) return DType::F32;
        if (size == 8) return DType::F64;
        return std::nullopt;
    case H5T_INTEGER: {
        const bool isSigned = H5Tget_sign(type) == H5T_SGN_2;
        switch (size) {
        case 1:
            return isSigned ? DType::I8 : DType::U8;
        case 2:
            return isSigned ? DType::I16 : DType::U16;
        case 4:
            return isSigned ? DType::I32 : DType::U32;
        case 8:
            return isSigned ? DType::I64 : DType::U64;
        }
        return std::nullopt;
    }
    case H5T_ENUM:
        if (size == 1 && H5Tget_nmembers(type) == 2) return DType::Bool;
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

std::optional<uint64_t> plausibleBytes(hid_t dataset, uint64_t elements, uint64_t elementSize,
                                       uint64_t fileSize) {
    Handle dcpl(H5Dget_create_plist(dataset));
    const bool filtered = dcpl.valid() && H5Pget_nfilters(dcpl) > 0;
    const auto limit = filtered ? checkedMul<uint64_t>(fileSize, kMaxCompressionRatio) : fileSize;
    return checkedBytes(elements, elementSize, limit.value_or(UINT64_MAX));
}

uint64_t fileSize(hid_t file) {
    hsize_t size = 0;
    return H5Fget_filesize(file, &size) >= 0 ? uint64_t(size) : 0;
}

std::string lastErrorMessage() {
    std::string message;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
            if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
            return 0;
        },
        &message);
    return message;
}

} // namespace ks::data::h5
