#include "data/reference/ReferenceReader.h"
#include "data/reference/NpyDirectory.h"

#include "data/Hdf5.h"
#include "data/Hdf5Probe.h"
#include "data/RunFile.h"
#include "data/reference/MappedFile.h"
#include "data/reference/NpyHeader.h"

#include <nlohmann/json.hpp>
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ks::data {
namespace {

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

// Shared by .npy files and .npz members: header, size check, one copy into the tensor.
Result<Tensor> tensorFromNpy(const npy::Header& h, const std::byte* payload, size_t available,
                             const std::string& where, std::string name) {
    if (available < h.dataBytes)
        return makeError(where + ": data shorter than the shape needs (" +
                         std::to_string(available) + " of " + std::to_string(h.dataBytes) +
                         " bytes)");
    Tensor t;
    t.name = std::move(name);
    t.dtype = h.dtype;
    t.shape = h.shape;
    t.bytes.resize(h.dataBytes);
    if (h.dataBytes) std::memcpy(t.bytes.data(), payload, h.dataBytes);
    npy::normalise(t, h);
    return t;
}

} // namespace

Result<Tensor> parseNpy(const std::byte* data, size_t size, const std::string& where,
                        std::string name) {
    auto h = npy::parseHeader(data, size, where);
    if (!h) return h.error();
    return tensorFromNpy(h.value(), data + h->dataOffset, size - h->dataOffset, where,
                         std::move(name));
}

namespace {

// A .npy file: the data stays in the map when it needs no conversion (and `view` is set).
Result<MappedTensors> mapNpy(const std::string& path, bool view) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    auto map = std::make_shared<MappedFile>(std::move(file.value()));
    const std::string name = std::filesystem::path(path).stem().string();
    const std::string where = path + ": " + name;
    auto h = npy::parseHeader(map->data(), map->size(), where);
    if (!h) return h.error();
    MappedTensors out;
    const bool asIs = (!h->bigEndian || dtypeSize(h->dtype) == 1) &&
                      (!h->fortranOrder || h->shape.size() < 2) && h->dtype != DType::Bool;
    if (view && asIs) {
        if (map->size() - h->dataOffset < h->dataBytes)
            return makeError(where + ": data shorter than the shape needs (" +
                             std::to_string(map->size() - h->dataOffset) + " of " +
                             std::to_string(h->dataBytes) + " bytes)");
        Tensor t;
        t.name = name;
        t.dtype = h->dtype;
        t.shape = h->shape;
        out.tensors.push_back(std::move(t));
        out.data.push_back(map->data() + h->dataOffset);
        out.keepAlive = map;
        return out;
    }
    auto t = tensorFromNpy(h.value(), map->data() + h->dataOffset, map->size() - h->dataOffset,
                           where, name);
    if (!t) return t.error();
    out.tensors.push_back(std::move(t.value()));
    out.data.push_back(out.tensors.back().bytes.data());
    return out;
}

} // namespace

Result<std::vector<Tensor>> readNpyFile(const std::string& path) {
    auto m = mapNpy(path, false);
    if (!m) return m.error();
    return std::move(m->tensors);
}

// ---- .npz: a zip of NAME.npy members, stored or deflated, maybe zip64 ----------------------

namespace {

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// Reads exactly n bytes from a member; false on a short read or a CRC/inflate error.
bool readFully(zip_file_t* f, std::byte* out, size_t n) {
    while (n > 0) {
        const zip_int64_t got = zip_fread(f, out, n);
        if (got <= 0) return false;
        out += got;
        n -= size_t(got);
    }
    return true;
}

} // namespace

Result<std::vector<Tensor>> readNpzFile(const std::string& path) {
    int err = 0;
    std::unique_ptr<zip_t, ZipCloser> archive(zip_open(path.c_str(), ZIP_RDONLY, &err));
    if (!archive) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        std::string msg = path + ": not a readable .npz (zip) file: " + zip_error_strerror(&ze);
        zip_error_fini(&ze);
        return makeError(msg);
    }
    std::vector<Tensor> out;
    const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive.get(), zip_uint64_t(i), 0, &st) != 0 || !st.name)
            return makeError(path + ": member " + std::to_string(i) + ": cannot stat");
        std::string member = st.name;
        if (member.size() < 4 || member.compare(member.size() - 4, 4, ".npy") != 0)
            continue; // np.savez only writes .npy members; anything else is not a tensor
        const std::string name = member.substr(0, member.size() - 4);
        const std::string where = path + ": " + name;
        std::unique_ptr<zip_file_t, ZipFileCloser> f(
            zip_fopen_index(archive.get(), zip_uint64_t(i), 0));
        if (!f)
            return makeError(where + ": cannot open member: " +
                             zip_error_strerror(zip_get_error(archive.get())));
        const size_t total = (st.valid & ZIP_STAT_SIZE) ? size_t(st.size) : SIZE_MAX;
        // Preamble first, then the header, then the data straight into the tensor.
        std::vector<std::byte> head(std::min<size_t>(12, total));
        if (!readFully(f.get(), head.data(), head.size()))
            return makeError(where + ": truncated or corrupt member (preamble)");
        auto end = npy::headerEnd(head.data(), head.size(), where);
        if (!end) return end.error();
        if (end.value() > total) return makeError(where + ": truncated member (header)");
        head.resize(end.value());
        if (!readFully(f.get(), head.data() + 12, end.value() - 12))
            return makeError(where + ": truncated or corrupt member (header)");
        auto h = npy::parseHeader(head.data(), head.size(), where);
        if (!h) return h.error();
        if (total - end.value() < h->dataBytes)
            return makeError(where + ": data shorter than the shape needs (" +
                             std::to_string(total - end.value()) + " of " +
                             std::to_string(h->dataBytes) + " bytes)");
        Tensor t;
        t.name = name;
        t.dtype = h->dtype;
        t.shape = h->shape;
        t.bytes.resize(h->dataBytes);
        if (!readFully(f.get(), t.bytes.data(), t.bytes.size()))
            return makeError(where + ": truncated or corrupt member data: " +
                             zip_error_strerror(zip_file_get_error(f.get())));
        // Read to the end of the member: libzip verifies the CRC only there.
        std::byte rest[4096];
        zip_int64_t got;
        while ((got = zip_fread(f.get(), rest, sizeof rest)) > 0) {
        }
        if (got < 0)
            return makeError(where + ": truncated or corrupt member data: " +
                             zip_error_strerror(zip_file_get_error(f.get())));
        npy::normalise(t, h.value());
        out.push_back(std::move(t));
    }
    return out;
}

// ---- safetensors ------------------------------------------------------------------------

namespace {

constexpr uint64_t kMaxSafetensorsHeader = 100ull * 1000 * 1000;

std::optional<DType> safetensorsDType(const std::string& s) {
    static const struct {
        const char* name;
        DType type;
    } kTypes[] = {{"F16", DType::F16},  {"BF16", DType::BF16}, {"F32", DType::F32},
                  {"F64", DType::F64},  {"I8", DType::I8},     {"I16", DType::I16},
                  {"I32", DType::I32},  {"I64", DType::I64},   {"U8", DType::U8},
                  {"U16", DType::U16},  {"U32", DType::U32},   {"U64", DType::U64},
                  {"BOOL", DType::Bool}};
    for (const auto& t : kTypes)
        if (s == t.name) return t.type;
    return std::nullopt;
}

struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;
};

} // namespace

namespace {

Result<MappedTensors> mapSafetensors(const std::string& path, bool view) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    auto map = std::make_shared<MappedFile>(std::move(mapped.value()));
    const MappedFile& file = *map;
    if (file.size() < 8) return makeError(path + ": truncated safetensors file (no header size)");
    uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) headerSize = (headerSize << 8) | uint64_t(file.data()[i]);
    if (headerSize > kMaxSafetensorsHeader)
        return makeError(path + ": safetensors header of " + std::to_string(headerSize) +
                         " bytes exceeds the 100 MB limit");
    if (headerSize > file.size() - 8)
        return makeError(path + ": truncated safetensors file (header says " +
                         std::to_string(headerSize) + " bytes, file has " +
                         std::to_string(file.size() - 8) + ")");
    const char* text = reinterpret_cast<const char*>(file.data() + 8);
    nlohmann::json header = nlohmann::json::parse(text, text + headerSize, nullptr, false);
    if (header.is_discarded() || !header.is_object())
        return makeError(path + ": safetensors header is not a JSON object");
    const uint64_t dataSize = file.size() - 8 - headerSize;
    const std::byte* dataStart = file.data() + 8 + headerSize;

    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string where = path + ": " + it.key();
        if (it.key() == "__metadata__") {
            if (!it->is_object()) return makeError(where + ": must be a map of strings");
            for (const auto& v : *it)
                if (!v.is_string()) return makeError(where + ": must be a map of strings");
            continue;
        }
        const auto& e = *it;
        if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
            !e.contains("data_offsets"))
            return makeError(where + ": entry needs dtype, shape and data_offsets");
        if (!e["dtype"].is_string()) return makeError(where + ": dtype is not a string");
        const std::string dt = e["dtype"].get<std::string>();
        auto type = safetensorsDType(dt);
        if (!type) return makeError(where + ": unsupported dtype '" + dt + "'");
        Entry entry{it.key(), *type, {}, 0, 0};
        if (!e["shape"].is_array()) return makeError(where + ": shape is not a list");
        for (const auto& d : e["shape"]) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX))
                return makeError(where + ": shape holds a non-integer or negative dimension");
            entry.shape.push_back(int64_t(d.get<uint64_t>()));
        }
        const auto& off = e["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
            !off[1].is_number_unsigned())
            return makeError(where + ": data_offsets must be [begin, end]");
        entry.begin = off[0].get<uint64_t>();
        entry.end = off[1].get<uint64_t>();
        if (entry.begin > entry.end) return makeError(where + ": data_offsets begin > end");
        if (entry.end > dataSize)
            return makeError(where + ": data_offsets end " + std::to_string(entry.end) +
                             " lies outside the file (" + std::to_string(dataSize) +
                             " data bytes)");
        size_t need = 0;
        if (!npy::shapeBytes(entry.shape, dtypeSize(entry.dtype), need))
            return makeError(where + ": shape too large (element count overflows)");
        if (need != entry.end - entry.begin)
            return makeError(where + ": shape needs " + std::to_string(need) +
                             " bytes but data_offsets span " +
                             std::to_string(entry.end - entry.begin));
        entries.push_back(std::move(entry));
    }
    // Tensors must tile the data buffer exactly: no overlap, no holes.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t expected = 0;
    for (const auto& e : entries) {
        if (e.begin < expected)
            return makeError(path + ": " + e.name + ": data overlaps the previous tensor");
        if (e.begin > expected)
            return makeError(path + ": " + e.name + ": hole in the data before this tensor");
        expected = e.end;
    }
    if (expected != dataSize)
        return makeError(path + ": " + std::to_string(dataSize - expected) +
                         " trailing data bytes belong to no tensor");

    MappedTensors out;
    out.tensors.reserve(entries.size());
    for (auto& e : entries) {
        Tensor t;
        t.name = std::move(e.name);
        t.dtype = e.dtype;
        t.shape = std::move(e.shape);
        if (view && t.dtype != DType::Bool) { // little-endian C order: usable as it lies
            out.tensors.push_back(std::move(t));
            out.data.push_back(dataStart + e.begin);
            out.keepAlive = map;
            continue;
        }
        t.bytes.resize(size_t(e.end - e.begin));
        if (!t.bytes.empty()) std::memcpy(t.bytes.data(), dataStart + e.begin, t.bytes.size());
        if (t.dtype == DType::Bool)
            for (auto& b : t.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
        out.tensors.push_back(std::move(t));
        out.data.push_back(out.tensors.back().bytes.data());
    }
    return out;
}

} // namespace

Result<std::vector<Tensor>> readSafetensorsFile(const std::string& path) {
    auto m = mapSafetensors(path, false);
    if (!m) return m.error();
    return std::move(m->tensors);
}

// ---- HDF5 (h5py) -------------------------------------------------------------------------

namespace {

herr_t collectDataset(hid_t, const char* name, const H5O_info_t* info, void* data) {
    if (info->type == H5O_TYPE_DATASET)
        static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
}

} // namespace

Result<std::vector<Tensor>> readHdf5References(const std::string& path,
                                               const ReferenceOptions& options) {
    using h5::Handle;
    h5::silenceErrors();
    if (H5Fis_hdf5(path.c_str()) <= 0) return makeError(path + ": not an HDF5 file");
    // libhdf5 may crash on corrupt metadata: a forked child reads it first (also for run files).
    if (auto probed = h5::probeFile(path); !probed) return probed.error();
    if (looksLikeRunFile(path)) {
        ReadOptions ro;
        ro.samples = false;
        auto run = readRun(path, ro);
        if (!run) return run.error();
        return std::move(run->tensors);
    }
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid())
        return makeError(path + ": cannot open HDF5 file: " + h5::lastErrorMessage());
    const uint64_t fileSize = h5::fileSize(file);
    const std::string group = options.group.empty() ? "/" : options.group;
    if (group != "/" && !h5::exists(file, group))
        return makeError(path + ": group '" + group + "' not found");
    Handle root(H5Oopen(file, group.c_str(), H5P_DEFAULT));
    if (!root.valid()) return makeError(path + ": cannot open group '" + group + "'");
    std::vector<std::string> names;
    if (H5Iget_type(root) == H5I_DATASET) {
        names.push_back(".");
    } else if (H5Ovisit2(root, H5_INDEX_NAME, H5_ITER_INC, collectDataset, &names, H5O_INFO_BASIC) <
               0) {
        return makeError(path + ": cannot list datasets: " + h5::lastErrorMessage());
    }
    std::vector<Tensor> out;
    for (const auto& name : names) {
        const std::string where = path + ": " + (name == "." ? group : name);
        Handle ds(H5Dopen2(root, name.c_str(), H5P_DEFAULT));
        if (!ds.valid()) return makeError(where + ": cannot open dataset");
        auto type = h5::datasetDType(ds);
        if (!type) return makeError(where + ": unsupported HDF5 element type");
        Handle space(H5Dget_space(ds));
        const int nd = H5Sget_simple_extent_ndims(space);
        if (nd < 0) return makeError(where + ": unsupported dataspace");
        std::vector<hsize_t> dims(static_cast<size_t>(nd));
        if (nd > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
        Tensor t;
        t.name = name == "." ? std::filesystem::path(group).filename().string() : name;
        t.dtype = *type;
        for (hsize_t d : dims) {
            if (d > uint64_t(INT64_MAX)) return makeError(where + ": dimension out of range");
            t.shape.push_back(int64_t(d));
        }
        size_t bytes = 0;
        if (!npy::shapeBytes(t.shape, dtypeSize(t.dtype), bytes))
            return makeError(where + ": shape too large");
        if (!h5::plausibleBytes(ds, uint64_t(t.numel()), dtypeSize(t.dtype), fileSize))
            return makeError(where + ": shape needs " + std::to_string(bytes) +
                             " bytes, more than a file of " + std::to_string(fileSize) +
                             " bytes holds");
        t.bytes.resize(bytes);
        if (bytes > 0) {
            Handle mem = h5::memTypeFor(t.dtype);
            if (H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()) < 0)
                return makeError(where + ": cannot read: " + h5::lastErrorMessage());
        }
        out.push_back(std::move(t));
    }
    return out;
}

// ---- dispatch -----------------------------------------------------------------------------

ReferenceFormat detectReferenceFormat(const std::string& path) {
    unsigned char magic[8] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(magic), 8);
    const auto got = in.gcount();
    if (got >= 6 && std::memcmp(magic, "\x93NUMPY", 6) == 0) return ReferenceFormat::Npy;
    if (got >= 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) return ReferenceFormat::Npz;
    if (got >= 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0) return ReferenceFormat::Hdf5;
    const std::string ext = lowerExtension(path);
    if (ext == ".npy") return ReferenceFormat::Npy;
    if (ext == ".npz") return ReferenceFormat::Npz;
    if (ext == ".safetensors" || ext == ".st") return ReferenceFormat::Safetensors;
    if (ext == ".h5" || ext == ".hdf5" || ext == ".hdf") return ReferenceFormat::Hdf5;
    return ReferenceFormat::Unknown;
}

Result<std::vector<Tensor>> readReferenceFile(const std::string& path,
                                              const ReferenceOptions& options) {
    if (std::filesystem::is_directory(path)) return readNpyDirectory(path); // NpyDirectory.h
    if (!std::filesystem::exists(path)) return makeError(path + ": no such file");
    if (lowerExtension(path) == ".pt" || lowerExtension(path) == ".pth")
        return makeError(path + ": PyTorch .pt files are pickles and are not read; save with "
                                "numpy.save/savez or safetensors instead");
    switch (detectReferenceFormat(path)) {
    case ReferenceFormat::Npy:
        return readNpyFile(path);
    case ReferenceFormat::Npz:
        return readNpzFile(path);
    case ReferenceFormat::Safetensors:
        return readSafetensorsFile(path);
    case ReferenceFormat::Hdf5:
        return readHdf5References(path, options);
    case ReferenceFormat::Unknown:
        break;
    }
    return makeError(path + ": unknown reference format (expected .npy, .npz, .safetensors "
                            "or .h5)");
}

Result<MappedTensors> mapReferenceFile(const std::string& path, const ReferenceOptions& options) {
    if (std::filesystem::is_directory(path)) return mapNpyDirectory(path); // NpyDirectory.h
    if (std::filesystem::exists(path) && lowerExtension(path) != ".pt" &&
        lowerExtension(path) != ".pth") {
        const ReferenceFormat f = detectReferenceFormat(path);
        if (f == ReferenceFormat::Npy) return mapNpy(path, true);
        if (f == ReferenceFormat::Safetensors) return mapSafetensors(path, true);
    }
    auto r = readReferenceFile(path, options);
    if (!r) return r.error();
    MappedTensors out;
    out.tensors = std::move(r.value());
    for (const auto& t : out.tensors) out.data.push_back(t.bytes.data());
    return out;
}

} // namespace ks::data
