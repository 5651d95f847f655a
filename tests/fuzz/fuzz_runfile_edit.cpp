// Structure-aware run-file fuzzing: the input is an edit script applied through the HDF5 API to a
// valid run (kernels, API calls, copies, ranges, a counter, samples, stacks and tensors), so every
// input is a well-formed HDF5 file whose *content* is hostile: datasets deleted, retyped (integer
// <-> float <-> string, other widths, other ranks), resized (empty, shorter, longer, 2^40 rows),
// values overwritten (string ids, stack parents, durations), attributes deleted or retyped
// (format, format_version, dtype), tensors reshaped past the file or past int64, external links.
#include "FuzzSupport.h"
#include "data/Hdf5.h"
#include "data/Hdf5Probe.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace {

using ks::data::h5::Handle;

std::vector<char> g_template;        // bytes of the valid run
std::vector<std::string> g_datasets; // its dataset paths
std::vector<std::string> g_groups;   // its group paths
std::vector<std::string> g_attributeNames = {"format", "format_version", "dtype",    "role",
                                             "step",   "order",          "producer", "clock_domain",
                                             "status", "dropped_records"};

// Reads the edit script byte by byte; past its end every read is 0.
class Script {
public:
    Script(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    bool done() const { return m_pos >= m_size; }
    uint8_t byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    uint64_t u64() {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
        return v;
    }
    template <class T> const T& pick(const std::vector<T>& from) {
        return from[byte() % from.size()];
    }
    // A size picked among the interesting ones.
    hsize_t extent(hsize_t current) {
        switch (byte() % 8) {
        case 0:
            return 0;
        case 1:
            return 1;
        case 2:
            return current / 2;
        case 3:
            return current + 1;
        case 4:
            return current * 2 + 3;
        case 5:
            return hsize_t(1) << 40;
        case 6:
            return hsize_t(1) << 62;
        default:
            return byte();
        }
    }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
};

hid_t pickType(Script& s) {
    static const hid_t kTypes[] = {H5T_STD_I8LE,   H5T_STD_U8LE,   H5T_STD_I16BE, H5T_STD_U16LE,
                                   H5T_STD_I32LE,  H5T_STD_U32BE,  H5T_STD_I64LE, H5T_STD_U64LE,
                                   H5T_IEEE_F32LE, H5T_IEEE_F64BE, H5T_C_S1};
    return kTypes[s.byte() % std::size(kTypes)];
}

hsize_t currentRows(hid_t file, const std::string& path) {
    Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    Handle space(H5Dget_space(ds));
    hsize_t dims[H5S_MAX_RANK] = {};
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank > 0) H5Sget_simple_extent_dims(space, dims, nullptr);
    return dims[0];
}

// Replaces a dataset by one of another type, rank and extent; small ones get script bytes.
void retype(hid_t file, const std::string& path, Script& s) {
    const hsize_t rows = currentRows(file, path);
    H5Ldelete(file, path.c_str(), H5P_DEFAULT);
    const int rank = 1 + s.byte() % 3;
    hsize_t dims[3] = {s.extent(rows), 1, 1}, maxDims[3] = {H5S_UNLIMITED, 4, 4};
    for (int i = 1; i < rank; ++i) dims[i] = 1 + s.byte() % 4;
    Handle type(H5Tcopy(pickType(s)));
    if (H5Tget_class(type) == H5T_STRING) H5Tset_size(type, 1 + s.byte() % 8);
    Handle space(H5Screate_simple(rank, dims, maxDims));
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    hsize_t chunk[3] = {1 + s.byte() % 64u, 1, 1};
    H5Pset_chunk(dcpl, rank, chunk);
    if (s.byte() & 1) H5Pset_deflate(dcpl, 1);
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl, 1);
    Handle ds(H5Dcreate2(file, path.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT));
    uint64_t elements = 1;
    for (int i = 0; i < rank; ++i) elements *= dims[i];
    const size_t bytes = size_t(elements) * H5Tget_size(type);
    if (ds.valid() && elements <= 4096) {
        std::vector<uint8_t> fill(bytes);
        for (auto& b : fill) b = s.byte();
        H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, fill.data());
    }
}

// Overwrites one element of a 1-D integer or float column with a script value.
void overwrite(hid_t file, const std::string& path, Script& s) {
    Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    Handle space(H5Dget_space(ds));
    if (H5Sget_simple_extent_ndims(space) != 1) return;
    hsize_t rows = 0;
    H5Sget_simple_extent_dims(space, &rows, nullptr);
    if (rows == 0) return;
    hsize_t at = s.byte() % rows, one = 1;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, nullptr, &one, nullptr);
    Handle mem(H5Screate_simple(1, &one, nullptr));
    static const uint64_t kValues[] = {
        0, 1, 0xffffffffu, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull};
    const uint64_t v = s.byte() & 1 ? s.u64() : kValues[s.byte() % std::size(kValues)];
    Handle type(H5Dget_type(ds));
    if (H5Tget_class(type) == H5T_FLOAT) {
        double d;
        std::memcpy(&d, &v, sizeof d);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, &d);
    } else {
        H5Dwrite(ds, H5T_NATIVE_UINT64, mem, space, H5P_DEFAULT, &v);
    }
}

// Sets an attribute on the root, a group or a dataset to a value of another kind.
void setAttribute(hid_t file, Script& s) {
    std::vector<std::string> owners = {"/"};
    owners.insert(owners.end(), g_datasets.begin(), g_datasets.end());
    Handle obj(H5Oopen(file, s.pick(owners).c_str(), H5P_DEFAULT));
    const std::string& name = s.pick(g_attributeNames);
    if (!obj.valid()) return;
    switch (s.byte() % 5) {
    case 0:
        H5Adelete(obj, name.c_str());
        break;
    case 1:
        ks::data::h5::writeIntAttr(obj, name.c_str(), int64_t(s.u64()));
        break;
    case 2: {
        static const char* kText[] = {"kernscope-run", "f32", "bf16", "bool", "", "x\xff"};
        ks::data::h5::writeStringAttr(obj, name.c_str(), kText[s.byte() % std::size(kText)]);
        break;
    }
    case 3: { // fixed-length string or a float where a string or an integer is expected
        if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
        Handle type(H5Tcopy(s.byte() & 1 ? H5T_IEEE_F64LE : H5T_C_S1));
        if (H5Tget_class(type) == H5T_STRING) H5Tset_size(type, 16);
        Handle space(H5Screate(H5S_SCALAR));
        Handle attr(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
        char value[16] = "kernscope-run";
        H5Awrite(attr, type, value);
        break;
    }
    default: { // an array where a scalar is expected
        if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
        hsize_t n = 1 + s.byte() % 3;
        Handle space(H5Screate_simple(1, &n, nullptr));
        Handle attr(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
        int64_t v[3] = {1, 1, 1};
        H5Awrite(attr, H5T_NATIVE_INT64, v);
    }
    }
}

void edit(hid_t file, Script& s) {
    for (int steps = 0; !s.done() && steps < 16; ++steps) {
        switch (s.byte() % 7) {
        case 0:
            H5Ldelete(file, s.pick(g_datasets).c_str(), H5P_DEFAULT);
            break;
        case 1:
            H5Ldelete(file, s.pick(g_groups).c_str(), H5P_DEFAULT);
            break;
        case 2:
            retype(file, s.pick(g_datasets), s);
            break;
        case 3: {
            const std::string& path = s.pick(g_datasets);
            Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
            hsize_t rows = s.extent(currentRows(file, path));
            H5Dset_extent(ds, &rows);
            break;
        }
        case 4:
            overwrite(file, s.pick(g_datasets), s);
            break;
        case 5:
            setAttribute(file, s);
            break;
        default: {
            const std::string& path = s.pick(g_groups);
            H5Ldelete(file, path.c_str(), H5P_DEFAULT);
            if (s.byte() & 1)
                H5Lcreate_external("/etc/hostname", "/", file, path.c_str(), H5P_DEFAULT,
                                   H5P_DEFAULT);
            else
                H5Lcreate_soft("/", file, path.c_str(), H5P_DEFAULT, H5P_DEFAULT);
        }
        }
    }
}

ks::data::Run templateRun() {
    using namespace ks::data;
    SyntheticOptions o;
    o.kernels = 120;
    o.kernelsPerStep = 60;
    o.memcpyEvery = 20;
    Run run = makeSyntheticRun(o);
    run.stacks.frame = {run.strings.intern("main"), run.strings.intern("train_step")};
    run.stacks.parent = {kNoParent, 0};
    for (int i = 0; i < 8; ++i) run.samples.add(1000 * i, 0, uint32_t(i % 2), 1 + i, 0);
    Tensor t = makeF32Tensor("step0/fc1/output", {2, 3}, {1, 2, 3, 4, 5, 6});
    t.role = "output";
    run.tensors.push_back(t);
    Tensor h = makeF32Tensor("step0/fc1/weight", {3}, {1, 2, 3});
    h.dtype = DType::F16;
    h.bytes.resize(6);
    h.order = 1;
    run.tensors.push_back(h);
    return run;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const std::string path = ks::fuzz::writeScratch(nullptr, 0, ".template.ksr.h5");
    if (!ks::data::writeRun(templateRun(), path)) std::abort();
    std::ifstream in(path, std::ios::binary);
    g_template.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    ks::data::h5::silenceErrors();
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    H5Ovisit2(
        file, H5_INDEX_NAME, H5_ITER_INC,
        [](hid_t, const char* name, const H5O_info_t* info, void*) -> herr_t {
            if (std::strcmp(name, ".") == 0) return 0;
            (info->type == H5O_TYPE_DATASET ? g_datasets : g_groups)
                .push_back(std::string("/") + name);
            return 0;
        },
        nullptr, H5O_INFO_BASIC);
    if (g_datasets.empty() || g_groups.empty()) std::abort();
    std::remove(path.c_str());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ks::fuzz::writeScratch(
        reinterpret_cast<const uint8_t*>(g_template.data()), g_template.size(), ".edit.ksr.h5");
    {
        Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
        if (!file.valid()) std::abort();
        Script script(data, size);
        edit(file, script);
    }
    ks::data::h5::forgetProbes(); // the scratch file is rewritten in place
    (void)ks::data::readRun(path);
    const std::vector<ks::data::ColumnSpec> columns = {
        {"start_ns", 8, true}, {"end_ns", 8, true}, {"name", 4, false}};
    (void)ks::data::visitColumnChunks(
        path, "/gpu/kernels", columns,
        [](size_t, size_t, const void* const*) { return ks::data::Status{}; }, 2);
    return 0;
}
