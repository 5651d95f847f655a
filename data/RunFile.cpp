#include "data/RunFile.h"

#include "data/Checked.h"
#include "data/Hdf5.h"
#include "data/Hdf5Probe.h"
#include "data/HugePages.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>
#include <zlib.h>

namespace ks::data {
namespace {

using h5::Handle;
constexpr hsize_t kChunkRows = 64 * 1024;

std::string nowUtcIso() {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// ---------------------------------------------------------------- writing

class Writer {
public:
    explicit Writer(hid_t file) : m_file(file) {
        m_lcpl = Handle(H5Pcreate(H5P_LINK_CREATE));
        H5Pset_create_intermediate_group(m_lcpl, 1);
        H5Pset_link_creation_order(m_lcpl, 0);
    }

    Handle group(const std::string& path) {
        if (h5::exists(m_file, path)) return Handle(H5Gopen2(m_file, path.c_str(), H5P_DEFAULT));
        return Handle(H5Gcreate2(m_file, path.c_str(), m_lcpl, H5P_DEFAULT, H5P_DEFAULT));
    }

    // One chunked, shuffled, deflated 1-D column.
    template <class T> bool column(hid_t group, const char* name, const std::vector<T>& values) {
        const hsize_t n = values.size();
        const hsize_t maxDims = H5S_UNLIMITED;
        Handle space(H5Screate_simple(1, &n, &maxDims));
        Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
        const hsize_t chunk = std::clamp<hsize_t>(n, 1, kChunkRows);
        H5Pset_chunk(dcpl, 1, &chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 1);
        Handle ds(
            H5Dcreate2(group, name, h5::fileType<T>(), space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
        if (!ds.valid()) return false;
        return n == 0 ||
               H5Dwrite(ds, h5::nativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
    }

    template <class Table> bool table(const std::string& path, const Table& t) {
        Handle g = group(path);
        if (!g.valid()) return false;
        bool ok = true;
        forEachColumn(t,
                      [&](const char* name, const auto& col) { ok = ok && column(g, name, col); });
        // Optional columns only when complete (an empty one means the producer did not know).
        if constexpr (requires(Table & m) { m.forEachOptionalColumn([](const char*, auto&) {}); })
            const_cast<Table&>(t).forEachOptionalColumn([&](const char* name, const auto& col) {
                if (ok && !col.empty() && col.size() == t.size()) ok = column(g, name, col);
            });
        return ok;
    }

    bool tensor(const Tensor& t) {
        const std::string path = "/tensors/" + t.name;
        std::vector<hsize_t> dims(t.shape.begin(), t.shape.end());
        Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                                  : H5Screate_simple(int(dims.size()), dims.data(), nullptr));
        Handle ftype = h5::fileTypeFor(t.dtype);
        Handle mtype = h5::memTypeFor(t.dtype);
        // Contiguous: tensors are read whole, and contiguous data can be memory-mapped.
        Handle ds(H5Dcreate2(m_file, path.c_str(), ftype, space, m_lcpl, H5P_DEFAULT, H5P_DEFAULT));
        if (!ds.valid()) return false;
        if (t.numel() > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()) < 0)
            return false;
        return h5::writeStringAttr(ds, "dtype", std::string(dtypeName(t.dtype))) &&
               h5::writeStringAttr(ds, "role", t.role) && h5::writeStringAttr(ds, "op", t.op) &&
               h5::writeStringAttr(ds, "layer", t.layer) && h5::writeIntAttr(ds, "step", t.step) &&
               h5::writeIntAttr(ds, "order", t.order);
    }

private:
    hid_t m_file;
    Handle m_lcpl;
};

Status writeAll(const Run& run, hid_t file, const std::string& path) {
    Writer w(file);
    auto fail = [&](const std::string& what) {
        const std::string detail = h5::lastErrorMessage();
        return Error{path + ": cannot write " + what + (detail.empty() ? "" : ": " + detail)};
    };
    Handle root(H5Gopen2(file, "/", H5P_DEFAULT));
    const RunInfo& info = run.info;
    bool ok = h5::writeStringAttr(root, "format", kFormatMagic) &&
              h5::writeIntAttr(root, "format_version", kFormatVersion) &&
              h5::writeStringAttr(root, "producer", info.producer) &&
              h5::writeStringAttr(root, "created_utc",
                                  info.created_utc.empty() ? nowUtcIso() : info.created_utc) &&
              h5::writeIntAttr(root, "origin_unix_ns", info.origin_unix_ns) &&
              h5::writeStringAttr(root, "clock_domain", info.clock_domain) &&
              h5::writeStringAttr(root, "backend", info.backend);
    if (!ok) return fail("root attributes");

    Handle meta = w.group("/meta");
    ok = meta.valid() && h5::writeStringAttr(meta, "command_line", info.command_line) &&
         h5::writeStringAttr(meta, "hostname", info.hostname) &&
         h5::writeStringAttr(meta, "model", info.model) &&
         h5::writeStringAttr(meta, "notes", info.notes) &&
         h5::writeStringAttr(meta, "cpu_model", info.cpu_model) &&
         h5::writeStringAttr(meta, "exit_status", info.exit_status) &&
         h5::writeIntAttr(meta, "exit_code", info.exit_code) &&
         h5::writeIntAttr(meta, "wall_ns", info.wall_ns);
    if (!ok) return fail("/meta");

    Handle strings = w.group("/strings");
    if (!strings.valid() || !w.column(strings, "data", run.strings.blob()) ||
        !w.column(strings, "offsets", run.strings.offsets()))
        return fail("/strings");

    if (!w.table(DeviceTable::kPath, run.devices)) return fail(DeviceTable::kPath);
    if (!w.table(ThreadTable::kPath, run.threads)) return fail(ThreadTable::kPath);
    if (!w.table(ProcessTable::kPath, run.processes)) return fail(ProcessTable::kPath);
    if (!w.table(KernelTable::kPath, run.kernels)) return fail(KernelTable::kPath);
    if (!w.table(MemcpyTable::kPath, run.memcpy)) return fail(MemcpyTable::kPath);
    if (!w.table(MemsetTable::kPath, run.memset)) return fail(MemsetTable::kPath);
    if (!w.table(ApiTable::kPath, run.api)) return fail(ApiTable::kPath);
    if (!w.table(RangeTable::kPath, run.ranges)) return fail(RangeTable::kPath);
    if (!w.table(SampleTable::kPath, run.samples)) return fail(SampleTable::kPath);
    if (!w.table(StackTable::kPath, run.stacks)) return fail(StackTable::kPath);
    if (run.kernelMetrics.size() > 0 && !w.table(KernelMetricTable::kPath, run.kernelMetrics))
        return fail(KernelMetricTable::kPath);
    w.group("/counters");
    for (const auto& [name, series] : run.counters) {
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
            return Error{path + ": counter name '" + name + "' is not a valid dataset name"};
        if (!w.table("/counters/" + name, series)) return fail("/counters/" + name);
    }
    w.group("/tensors");
    for (const Tensor& t : run.tensors) {
        if (t.bytes.size() != t.byteSize())
            return Error{path + ": tensor " + t.name + " holds " + std::to_string(t.bytes.size()) +
                         " bytes but its shape needs " + std::to_string(t.byteSize())};
        if (!w.tensor(t)) return fail("/tensors/" + t.name);
    }
    Handle collector = w.group("/collector");
    const CollectorInfo& c = run.collector;
    ok = collector.valid() &&
         h5::writeIntAttr(collector, "dropped_records", int64_t(c.dropped_records)) &&
         h5::writeIntAttr(collector, "zero_timestamp_records", int64_t(c.zero_timestamp_records)) &&
         h5::writeIntAttr(collector, "unmatched_markers", int64_t(c.unmatched_markers)) &&
         h5::writeIntAttr(collector, "buffers", int64_t(c.buffers)) &&
         h5::writeIntAttr(collector, "overhead_ns", int64_t(c.overhead_ns)) &&
         h5::writeStringAttr(collector, "status", c.status);
    if (!ok) return fail("/collector");
    return {};
}

// ---------------------------------------------------------------- reading

// Undoes HDF5's shuffle filter (byte b of element r stored at b * chunkRows + r).
template <size_t kSize>
void unshuffleFixed(const unsigned char* src, size_t chunkRows, size_t rows, unsigned char* dst) {
    for (size_t r = 0; r < rows; ++r)
        for (size_t b = 0; b < kSize; ++b) dst[r * kSize + b] = src[b * chunkRows + r];
}

void unshuffle(const unsigned char* src, size_t chunkRows, size_t size, size_t rows,
               unsigned char* dst) {
    switch (size) { // fixed sizes let the compiler unroll and vectorise
    case 1:
        std::copy(src, src + rows, dst);
        return;
    case 2:
        return unshuffleFixed<2>(src, chunkRows, rows, dst);
    case 4:
        return unshuffleFixed<4>(src, chunkRows, rows, dst);
    case 8:
        return unshuffleFixed<8>(src, chunkRows, rows, dst);
    }
    for (size_t r = 0; r < rows; ++r)
        for (size_t b = 0; b < size; ++b) dst[r * size + b] = src[b * chunkRows + r];
}

// A reusable raw-deflate decoder. HDF5's deflate filter writes zlib streams; decoding the body
// raw skips the Adler-32 pass (about a tenth of the read time); the exact decoded size is still
// checked, and a corrupt stream still fails to decode.
class Inflater {
public:
    Inflater() { m_ok = inflateInit2(&m_z, -15) == Z_OK; }
    ~Inflater() {
        if (m_ok) inflateEnd(&m_z);
    }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
    z_stream* stream() { return m_ok ? &m_z : nullptr; }

private:
    z_stream m_z{};
    bool m_ok = false;
};

bool inflateChunk(Inflater& inflater, std::vector<unsigned char>& in,
                  std::vector<unsigned char>& out) {
    z_stream* z = inflater.stream();
    // zlib header: CM = 8 (deflate), no preset dictionary, header checksum.
    if (!z || in.size() < 6 || (in[0] & 0x0f) != 8 || (in[1] & 0x20) != 0 ||
        ((unsigned(in[0]) << 8) | in[1]) % 31 != 0)
        return false;
    if (inflateReset(z) != Z_OK) return false;
    z->next_in = in.data() + 2;
    z->avail_in = uInt(in.size() - 2);
    z->next_out = out.data();
    z->avail_out = uInt(out.size());
    const int rc = inflate(z, Z_FINISH);
    return rc == Z_STREAM_END && z->avail_out == 0;
}

// Fast path for large columns written the way we write them (chunked, shuffle + deflate, stored
// in the element type we want): HDF5 hands out the raw compressed chunks one after another, and
// all cores inflate and unshuffle them at once. HDF5's own pipeline does this on one thread.
// Returns false (having read nothing) when the column does not qualify; then H5Dread does it.
template <class T>
bool readChunksParallel(hid_t ds, hid_t fileType, hsize_t n, std::vector<T>& out, unsigned threads,
                        uint64_t fileSize, std::string& error) {
    constexpr size_t kSize = sizeof(T);
    constexpr bool kSigned = std::is_signed_v<T> && !std::is_same_v<T, char>;
    if (H5Tget_size(fileType) != kSize || H5Tget_order(fileType) != H5T_ORDER_LE) return false;
    if (std::is_integral_v<T> && (H5Tget_sign(fileType) == H5T_SGN_2) != kSigned) return false;
    Handle dcpl(H5Dget_create_plist(ds));
    if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_nfilters(dcpl) != 2) return false;
    unsigned flags = 0;
    size_t nValues = 8;
    unsigned values[8];
    unsigned config = 0;
    if (H5Pget_filter2(dcpl, 0, &flags, &nValues, values, 0, nullptr, &config) !=
        H5Z_FILTER_SHUFFLE)
        return false;
    nValues = 8;
    if (H5Pget_filter2(dcpl, 1, &flags, &nValues, values, 0, nullptr, &config) !=
        H5Z_FILTER_DEFLATE)
        return false;
    hsize_t chunkRows = 0;
    if (H5Pget_chunk(dcpl, 1, &chunkRows) != 1 || chunkRows == 0) return false;
    const size_t nChunks = size_t((n + chunkRows - 1) / chunkRows);
    if (nChunks < 2) return false; // not worth threads

    std::vector<std::vector<unsigned char>> raw(nChunks);
    uint64_t rawTotal = 0; // chunks are disjoint parts of the file
    for (size_t c = 0; c < nChunks; ++c) {
        hsize_t offset = hsize_t(c) * chunkRows, bytes = 0;
        uint32_t mask = 0;
        if (H5Dget_chunk_storage_size(ds, &offset, &bytes) < 0 || bytes == 0) return false;
        rawTotal += bytes;
        if (bytes > fileSize || rawTotal > fileSize) {
            error = "chunks up to row " + std::to_string(offset) + " hold more than the file";
            return true;
        }
        raw[c].resize(bytes);
        if (H5Dread_chunk(ds, H5P_DEFAULT, &offset, &mask, raw[c].data()) < 0 || mask != 0)
            return false; // unallocated chunk or a filter skipped: let HDF5 handle it
    }
    resizeHuge(out, size_t(n));
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto worker = [&] {
        std::vector<unsigned char> plain(size_t(chunkRows) * kSize);
        Inflater inflater;
        for (size_t c; !failed && (c = next.fetch_add(1)) < nChunks;) {
            if (!inflateChunk(inflater, raw[c], plain)) {
                failed = true;
                return;
            }
            const size_t first = c * size_t(chunkRows);
            const size_t rows = std::min<size_t>(size_t(chunkRows), size_t(n) - first);
            unshuffle(plain.data(), size_t(chunkRows), kSize, rows,
                      reinterpret_cast<unsigned char*>(out.data() + first));
        }
    };
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<size_t>(threads, nChunks));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (failed) error = "corrupt compressed chunk";
    return true;
}

// An open 1-D column with its element type and length. The error holds only the problem: each
// caller names the file and the dataset in its own way.
struct OpenColumn {
    Handle dataset, type;
    hsize_t rows = 0;
};

Result<OpenColumn> openColumn(hid_t file, const std::string& dataset) {
    OpenColumn c;
    c.dataset = Handle(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT));
    if (!c.dataset.valid()) return Error{"missing column"};
    Handle space(H5Dget_space(c.dataset));
    if (H5Sget_simple_extent_ndims(space) != 1) return Error{"column is not 1-D"};
    H5Sget_simple_extent_dims(space, &c.rows, nullptr);
    c.type = Handle(H5Dget_type(c.dataset));
    return c;
}

class Reader {
public:
    Reader(hid_t file, std::string path, const ReadOptions& options = {})
        : m_file(file), m_fileSize(h5::fileSize(file)), m_path(std::move(path)),
          m_options(options) {}

    bool wants(const std::string& column) const {
        // An entry names a column, or a group whose columns are all wanted ("/counters").
        const auto& only = m_options.onlyColumns;
        return only.empty() || std::any_of(only.begin(), only.end(), [&](const std::string& c) {
                   return column == c || (column.starts_with(c) && column[c.size()] == '/');
               });
    }

    Error error(const std::string& dataset, const std::string& problem) const {
        return Error{m_path + ": " + dataset + ": " + problem};
    }

    template <class T> Status column(const std::string& dataset, std::vector<T>& out) {
        if (m_options.progress && !m_options.progress(dataset)) return error(dataset, "cancelled");
        auto opened = openColumn(m_file, dataset);
        if (!opened) return error(dataset, opened.error().message);
        const Handle& ds = opened->dataset;
        const Handle& type = opened->type;
        const hsize_t n = opened->rows;
        const H5T_class_t cls = H5Tget_class(type);
        const bool wantFloat = std::is_floating_point_v<T>;
        if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || (cls == H5T_FLOAT) != wantFloat)
            return error(dataset, "column has the wrong element type");
        if (!h5::plausibleBytes(ds, n, sizeof(T), m_fileSize))
            return error(dataset, std::to_string(n) + " rows do not fit in a file of " +
                                      std::to_string(m_fileSize) + " bytes");
        std::string failure;
        if (readChunksParallel(ds, type, n, out, m_options.threads, m_fileSize, failure))
            return failure.empty() ? Status{} : error(dataset, failure);
        out.resize(n);
        if (n > 0 &&
            H5Dread(ds, h5::nativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
            return error(dataset, "cannot read: " + h5::lastErrorMessage());
        return {};
    }

    // A table group may be absent (an empty table); when present every column must be there and
    // all columns equally long.
    template <class Table> Status table(const std::string& group, Table& t) {
        if (!h5::exists(m_file, group)) return {};
        Status status;
        std::string firstName;
        size_t firstSize = 0;
        t.forEachColumn([&](const char* name, auto& col) {
            if (!status || !wants(group + "/" + name)) return;
            if (isOptionalColumn<Table>(name) && !h5::exists(m_file, group + "/" + name))
                return; // filled with defaults by fillOptionalColumns
            status = column(group + "/" + name, col);
            if (!status) return;
            if (firstName.empty()) {
                firstName = name;
                firstSize = col.size();
            } else if (col.size() != firstSize) {
                status =
                    error(group + "/" + name, "has " + std::to_string(col.size()) + " rows but " +
                                                  firstName + " has " + std::to_string(firstSize));
            }
        });
        if constexpr (requires { t.forEachOptionalColumn([](const char*, auto&) {}); })
            t.forEachOptionalColumn([&](const char* name, auto& col) {
                const std::string dataset = group + "/" + name;
                if (!status || !wants(dataset) || !h5::exists(m_file, dataset)) return;
                status = column(dataset, col);
                if (status && col.size() != t.size())
                    status =
                        error(dataset, "has " + std::to_string(col.size()) +
                                           " rows but the table has " + std::to_string(t.size()));
            });
        return status;
    }

    template <class Table> static bool isOptionalColumn(std::string_view name) {
        if constexpr (requires { Table::isOptional(name); })
            return Table::isOptional(name);
        else
            return false;
    }

    Status stringIds(const std::string& dataset, const std::vector<uint32_t>& ids, size_t count) {
        for (size_t i = 0; i < ids.size(); ++i)
            if (ids[i] >= count)
                return error(dataset, "string id " + std::to_string(ids[i]) + " at row " +
                                          std::to_string(i) + " out of range (" +
                                          std::to_string(count) + " strings)");
        return {};
    }

    template <class Table> Status durations(const std::string& group, const Table& t) {
        if (t.start_ns.size() != t.end_ns.size()) return {}; // one of them was not read
        for (size_t i = 0; i < t.size(); ++i)
            if (t.end_ns[i] < t.start_ns[i])
                return error(group, "negative duration at row " + std::to_string(i) + " (start " +
                                        std::to_string(t.start_ns[i]) + " ns, end " +
                                        std::to_string(t.end_ns[i]) + " ns)");
        return {};
    }

    // Metric rows point at kernels that exist and at strings that exist.
    Status kernelMetrics(const KernelMetricTable& m, size_t kernels, size_t nStrings) {
        const std::string g = KernelMetricTable::kPath;
        for (auto [name, ids] : {std::pair{"kernel_name", &m.kernel_name},
                                 {"grid", &m.grid},
                                 {"block", &m.block},
                                 {"section", &m.section},
                                 {"metric", &m.metric},
                                 {"unit", &m.unit},
                                 {"text", &m.text}})
            if (auto s = stringIds(g + "/" + name, *ids, nStrings); !s) return s;
        const bool kernelsRead = wants(std::string(KernelTable::kPath) + "/start_ns");
        for (size_t i = 0; i < m.kernel.size(); ++i)
            if (m.kernel[i] != kNoKernel && kernelsRead && m.kernel[i] >= kernels)
                return error(g + "/kernel", "kernel row " + std::to_string(m.kernel[i]) +
                                                " at row " + std::to_string(i) + " out of range (" +
                                                std::to_string(kernels) + " kernels)");
        return {};
    }

    Status tensors(Run& run, bool withData);
    Result<Tensor> tensor(const std::string& name, bool withData);

private:
    hid_t m_file;
    uint64_t m_fileSize;
    std::string m_path;
    ReadOptions m_options;
};

Result<Tensor> Reader::tensor(const std::string& name, bool withData) {
    const std::string dataset = "/tensors/" + name;
    Handle ds(H5Dopen2(m_file, dataset.c_str(), H5P_DEFAULT));
    if (!ds.valid()) return error(dataset, "no such tensor");
    Tensor t;
    t.name = name;
    auto dtype = h5::datasetDType(ds);
    if (!dtype) return error(dataset, "unsupported element type");
    t.dtype = *dtype;
    Handle space(H5Dget_space(ds));
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) return error(dataset, "unreadable shape");
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    for (hsize_t d : dims) {
        if (d > uint64_t(INT64_MAX)) return error(dataset, "dimension out of range");
        t.shape.push_back(int64_t(d));
    }
    const auto bytes = t.checkedByteSize();
    if (!bytes) return error(dataset, "shape's element count overflows");
    if (!h5::plausibleBytes(ds, uint64_t(t.numel()), dtypeSize(t.dtype), m_fileSize))
        return error(dataset, "shape needs " + std::to_string(*bytes) +
                                  " bytes, more than a file of " + std::to_string(m_fileSize) +
                                  " bytes holds");
    t.role = h5::readStringAttr(ds, "role").value_or("");
    t.op = h5::readStringAttr(ds, "op").value_or("");
    t.layer = h5::readStringAttr(ds, "layer").value_or("");
    t.step = h5::readIntAttr(ds, "step").value_or(0);
    t.order = h5::readIntAttr(ds, "order").value_or(0);
    if (withData) {
        t.bytes.resize(t.byteSize());
        Handle mtype = h5::memTypeFor(t.dtype);
        if (t.numel() > 0 && H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()) < 0)
            return error(dataset, "cannot read: " + h5::lastErrorMessage());
    }
    return t;
}

Status Reader::tensors(Run& run, bool withData) {
    if (!h5::exists(m_file, "/tensors")) return {};
    std::vector<std::string> names;
    auto visit = [](hid_t, const char* name, const H5O_info_t* info, void* out) -> herr_t {
        if (info->type == H5O_TYPE_DATASET)
            static_cast<std::vector<std::string>*>(out)->push_back(name);
        return 0;
    };
    Handle g(H5Gopen2(m_file, "/tensors", H5P_DEFAULT));
    if (H5Ovisit2(g, H5_INDEX_NAME, H5_ITER_INC, visit, &names, H5O_INFO_BASIC) < 0)
        return error("/tensors", "cannot list tensors");
    for (const auto& name : names) {
        auto t = tensor(name, withData);
        if (!t) return t.error();
        run.tensors.push_back(std::move(t).value());
    }
    std::stable_sort(run.tensors.begin(), run.tensors.end(),
                     [](const Tensor& a, const Tensor& b) { return a.order < b.order; });
    return {};
}

Result<hid_t> openFile(const std::string& path) {
    h5::silenceErrors();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Error{path + ": no such file"};
    if (H5Fis_hdf5(path.c_str()) <= 0) return Error{path + ": not an HDF5 file"};
    // libhdf5 may crash on corrupt metadata: a forked child reads it first.
    if (auto probed = h5::probeFile(path); !probed) return probed.error();
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
    if (file < 0) return Error{path + ": cannot open: " + h5::lastErrorMessage()};
    return file;
}

Status checkHeader(hid_t file, const std::string& path) {
    Handle root(H5Gopen2(file, "/", H5P_DEFAULT));
    const auto magic = h5::readStringAttr(root, "format");
    if (!magic || *magic != kFormatMagic)
        return Error{path + ": /: not a Kernscope run file (attribute 'format' is " +
                     (magic ? "'" + *magic + "'" : std::string("missing")) + ")"};
    const auto version = h5::readIntAttr(root, "format_version");
    if (!version) return Error{path + ": /: attribute 'format_version' is missing"};
    if (*version > kFormatVersion || *version < kOldestFormatVersion)
        return Error{path + ": /: format version " + std::to_string(*version) +
                     " is not one this Kernscope reads (it reads version " +
                     std::to_string(kFormatVersion) + "); update Kernscope"};
    return {};
}

} // namespace

Status writeRun(const Run& run, const std::string& path) {
    h5::silenceErrors();
    namespace fs = std::filesystem;
    const std::string tmp = path + ".tmp-" + std::to_string(getpid());
    Status status;
    {
        Handle fapl = h5::fileAccessV110();
        Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
        if (!file.valid()) {
            return Error{path + ": cannot create " + tmp + ": " + h5::lastErrorMessage()};
        }
        status = writeAll(run, file, path);
        if (status && H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
            status = Error{path + ": cannot flush: " + h5::lastErrorMessage()};
    }
    std::error_code ec;
    if (status) {
        fs::rename(tmp, path, ec);
        if (ec) status = Error{path + ": cannot rename " + tmp + " into place: " + ec.message()};
    }
    if (!status) fs::remove(tmp, ec);
    return status;
}

// Files written before /meta/threads/process existed: every thread's process is unknown (0).
template <class R> Status fillThreadProcesses(R& r, ThreadTable& threads) {
    if (threads.process.empty()) threads.process.assign(threads.size(), 0);
    if (threads.process.size() != threads.size())
        return r.error("/meta/threads/process", "differs in length from /meta/threads/id");
    return {};
}

Result<Run> readRun(const std::string& path, const ReadOptions& options) {
    auto opened = openFile(path);
    if (!opened) return opened.error();
    Handle file(opened.value());
    if (auto s = checkHeader(file, path); !s) return s.error();

    Run run;
    Reader r(file, path, options);
    const bool everything = options.onlyColumns.empty();
    Handle root(H5Gopen2(file, "/", H5P_DEFAULT));
    RunInfo& info = run.info;
    info.producer = h5::readStringAttr(root, "producer").value_or("");
    info.created_utc = h5::readStringAttr(root, "created_utc").value_or("");
    info.origin_unix_ns = h5::readIntAttr(root, "origin_unix_ns").value_or(0);
    info.clock_domain = h5::readStringAttr(root, "clock_domain").value_or("");
    info.backend = h5::readStringAttr(root, "backend").value_or("");
    if (h5::exists(file, "/meta")) {
        Handle meta(H5Gopen2(file, "/meta", H5P_DEFAULT));
        info.command_line = h5::readStringAttr(meta, "command_line").value_or("");
        info.hostname = h5::readStringAttr(meta, "hostname").value_or("");
        info.model = h5::readStringAttr(meta, "model").value_or("");
        info.notes = h5::readStringAttr(meta, "notes").value_or("");
        info.cpu_model = h5::readStringAttr(meta, "cpu_model").value_or("");
        info.exit_status = h5::readStringAttr(meta, "exit_status").value_or("");
        info.exit_code = h5::readIntAttr(meta, "exit_code").value_or(0);
        info.wall_ns = h5::readIntAttr(meta, "wall_ns").value_or(0);
    }

    // Strings: validated before any id is checked against them.
    std::vector<char> blob;
    std::vector<uint64_t> offsets;
    if (!h5::exists(file, "/strings")) return r.error("/strings", "missing group");
    if (auto s = r.column("/strings/data", blob); !s) return s.error();
    if (auto s = r.column("/strings/offsets", offsets); !s) return s.error();
    if (offsets.empty() || offsets.front() != 0)
        return r.error("/strings/offsets", "must start with 0");
    for (size_t i = 1; i < offsets.size(); ++i)
        if (offsets[i] < offsets[i - 1])
            return r.error("/strings/offsets", "decreases at index " + std::to_string(i));
    if (offsets.back() != blob.size())
        return r.error("/strings/offsets", "last offset " + std::to_string(offsets.back()) +
                                               " does not match /strings/data length " +
                                               std::to_string(blob.size()));
    run.strings.assign(std::move(blob), std::move(offsets));
    const size_t nStrings = run.strings.size();

    Status s;
    auto check = [&](Status next) {
        if (s) s = std::move(next);
        return bool(s);
    };
    check(r.table(DeviceTable::kPath, run.devices)) &&
        check(r.stringIds("/meta/devices/kind", run.devices.kind, nStrings)) &&
        check(r.stringIds("/meta/devices/name", run.devices.name, nStrings)) &&
        check(r.table(ThreadTable::kPath, run.threads)) &&
        check(r.stringIds("/meta/threads/name", run.threads.name, nStrings)) &&
        check(fillThreadProcesses(r, run.threads)) &&
        check(r.table(ProcessTable::kPath, run.processes)) &&
        check(r.stringIds("/meta/processes/name", run.processes.name, nStrings)) &&
        check(r.stringIds("/meta/processes/command_line", run.processes.command_line, nStrings)) &&
        check(r.table(KernelTable::kPath, run.kernels)) &&
        check(r.stringIds("/gpu/kernels/name", run.kernels.name, nStrings)) &&
        check(r.durations(KernelTable::kPath, run.kernels)) &&
        check(r.table(MemcpyTable::kPath, run.memcpy)) &&
        check(r.durations(MemcpyTable::kPath, run.memcpy)) &&
        check(r.table(MemsetTable::kPath, run.memset)) &&
        check(r.durations(MemsetTable::kPath, run.memset)) &&
        check(r.table(ApiTable::kPath, run.api)) &&
        check(r.stringIds("/cpu/api/name", run.api.name, nStrings)) &&
        check(r.stringIds("/cpu/api/raw_name", run.api.raw_name, nStrings)) &&
        check(r.durations(ApiTable::kPath, run.api)) &&
        check(r.table(RangeTable::kPath, run.ranges)) &&
        check(r.stringIds("/cpu/ranges/name", run.ranges.name, nStrings)) &&
        check(r.stringIds("/cpu/ranges/category", run.ranges.category, nStrings)) &&
        check(r.durations(RangeTable::kPath, run.ranges)) &&
        check(r.table(KernelMetricTable::kPath, run.kernelMetrics)) &&
        check(r.kernelMetrics(run.kernelMetrics, run.kernels.size(), nStrings));
    if (!s) return s.error();

    if (options.samples && everything) {
        if (!check(r.table(StackTable::kPath, run.stacks)) ||
            !check(r.stringIds("/cpu/stacks/frame", run.stacks.frame, nStrings)) ||
            !check(r.table(SampleTable::kPath, run.samples)))
            return s.error();
        // Files written before weight/event existed: one sample per row, unnamed event.
        if (run.samples.weight.empty()) run.samples.weight.assign(run.samples.size(), 1);
        if (run.samples.event.empty()) run.samples.event.assign(run.samples.size(), 0);
        if (run.samples.weight.size() != run.samples.size() ||
            run.samples.event.size() != run.samples.size())
            return r.error("/cpu/samples", "weight/event columns differ in length from time_ns");
        if (!check(r.stringIds("/cpu/samples/event", run.samples.event, nStrings)))
            return s.error();
        for (size_t i = 0; i < run.stacks.size(); ++i)
            if (run.stacks.parent[i] != kNoParent && run.stacks.parent[i] >= run.stacks.size())
                return r.error("/cpu/stacks/parent",
                               "node " + std::to_string(run.stacks.parent[i]) + " at row " +
                                   std::to_string(i) + " out of range");
        for (size_t i = 0; i < run.samples.size(); ++i)
            if (run.samples.stack[i] >= run.stacks.size() && run.samples.stack[i] != kNoParent)
                return r.error("/cpu/samples/stack",
                               "node " + std::to_string(run.samples.stack[i]) + " at row " +
                                   std::to_string(i) + " out of range");
    }

    const bool counters =
        everything || std::any_of(options.onlyColumns.begin(), options.onlyColumns.end(),
                                  [](const std::string& c) { return c.starts_with("/counters"); });
    if (counters && h5::exists(file, "/counters")) {
        std::vector<std::string> names;
        Handle g(H5Gopen2(file, "/counters", H5P_DEFAULT));
        H5Literate(
            g, H5_INDEX_NAME, H5_ITER_INC, nullptr,
            [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                static_cast<std::vector<std::string>*>(out)->push_back(name);
                return 0;
            },
            &names);
        for (const auto& name : names)
            if (!check(r.table("/counters/" + name, run.counters[name]))) return s.error();
    }

    if (everything && !check(r.tensors(run, options.tensorData))) return s.error();

    if (h5::exists(file, "/collector")) {
        Handle g(H5Gopen2(file, "/collector", H5P_DEFAULT));
        CollectorInfo& c = run.collector;
        c.dropped_records = uint64_t(h5::readIntAttr(g, "dropped_records").value_or(0));
        c.zero_timestamp_records =
            uint64_t(h5::readIntAttr(g, "zero_timestamp_records").value_or(0));
        c.unmatched_markers = uint64_t(h5::readIntAttr(g, "unmatched_markers").value_or(0));
        c.buffers = uint64_t(h5::readIntAttr(g, "buffers").value_or(0));
        c.overhead_ns = uint64_t(h5::readIntAttr(g, "overhead_ns").value_or(0));
        c.status = h5::readStringAttr(g, "status").value_or("");
    }
    return run;
}

Result<Tensor> readRunTensor(const std::string& path, const std::string& tensorName) {
    auto opened = openFile(path);
    if (!opened) return opened.error();
    Handle file(opened.value());
    if (auto s = checkHeader(file, path); !s) return s.error();
    return Reader(file, path).tensor(tensorName, true);
}

namespace {

hid_t integerMemType(size_t size, bool isSigned) {
    switch (size) {
    case 1:
        return isSigned ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8;
    case 2:
        return isSigned ? H5T_NATIVE_INT16 : H5T_NATIVE_UINT16;
    case 4:
        return isSigned ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32;
    case 8:
        return isSigned ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
    }
    return H5I_INVALID_HID;
}

// Chunk size in rows when the column can be read raw (chunked, shuffle + deflate, stored as the
// requested little-endian integer), else 0.
hsize_t rawChunkRows(hid_t ds, const ColumnSpec& spec, hsize_t rows) {
    Handle type(H5Dget_type(ds));
    if (H5Tget_class(type) != H5T_INTEGER || H5Tget_size(type) != spec.elementSize ||
        H5Tget_order(type) != H5T_ORDER_LE || (H5Tget_sign(type) == H5T_SGN_2) != spec.isSigned)
        return 0;
    Handle dcpl(H5Dget_create_plist(ds));
    if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_nfilters(dcpl) != 2) return 0;
    unsigned flags = 0, values[8], config = 0;
    size_t nValues = 8;
    if (H5Pget_filter2(dcpl, 0, &flags, &nValues, values, 0, nullptr, &config) !=
        H5Z_FILTER_SHUFFLE)
        return 0;
    nValues = 8;
    if (H5Pget_filter2(dcpl, 1, &flags, &nValues, values, 0, nullptr, &config) !=
        H5Z_FILTER_DEFLATE)
        return 0;
    hsize_t chunk = 0;
    if (H5Pget_chunk(dcpl, 1, &chunk) != 1) return 0;
    // Chunk buffers are allocated per thread: a chunk longer than the column (never written by
    // us) takes the whole-column path, whose size is checked against the file.
    return chunk <= rows ? chunk : 0;
}

} // namespace

Result<size_t> visitColumnChunks(const std::string& path, const std::string& table,
                                 const std::vector<ColumnSpec>& columns, const ChunkVisitor& visit,
                                 unsigned threads) {
    auto opened = openFile(path);
    if (!opened) return opened.error();
    Handle file(opened.value());
    if (auto s = checkHeader(file, path); !s) return s.error();
    if (!h5::exists(file, table)) return size_t(0);
    const uint64_t fileSize = h5::fileSize(file);
    auto error = [&](const std::string& dataset, const std::string& problem) {
        return Error{path + ": " + dataset + ": " + problem};
    };

    std::vector<Handle> datasets;
    hsize_t n = 0, chunkRows = 0;
    bool raw = true;
    for (size_t i = 0; i < columns.size(); ++i) {
        const std::string dataset = table + "/" + columns[i].name;
        auto opened = openColumn(file, dataset);
        if (!opened) return error(dataset, opened.error().message);
        Handle ds = std::move(opened->dataset);
        const hsize_t rows = opened->rows;
        if (H5Tget_class(opened->type) != H5T_INTEGER)
            return error(dataset, "column has the wrong element type");
        if (i == 0) n = rows;
        if (rows != n)
            return error(dataset, "has " + std::to_string(rows) + " rows but " + columns[0].name +
                                      " has " + std::to_string(n));
        if (!h5::plausibleBytes(ds, rows, columns[i].elementSize, fileSize))
            return error(dataset, std::to_string(rows) + " rows do not fit in a file of " +
                                      std::to_string(fileSize) + " bytes");
        const hsize_t chunk = rawChunkRows(ds, columns[i], rows);
        if (i == 0) chunkRows = chunk;
        raw = raw && chunk != 0 && chunk == chunkRows;
        datasets.push_back(std::move(ds));
    }
    if (n == 0 || columns.empty()) return size_t(n);

    std::vector<std::vector<unsigned char>> whole; // fallback: whole columns, converted by HDF5
    if (!raw) {
        chunkRows = kChunkRows;
        for (size_t i = 0; i < columns.size(); ++i) {
            whole.emplace_back(size_t(n) * columns[i].elementSize);
            if (H5Dread(datasets[i], integerMemType(columns[i].elementSize, columns[i].isSigned),
                        H5S_ALL, H5S_ALL, H5P_DEFAULT, whole.back().data()) < 0)
                return error(table + "/" + columns[i].name,
                             "cannot read: " + h5::lastErrorMessage());
        }
    }

    const size_t nChunks = size_t((n + chunkRows - 1) / chunkRows);
    std::atomic<size_t> next{0};
    std::mutex failureLock, hdf5Lock;
    std::optional<Error> failure;
    auto fail = [&](Error e) {
        std::lock_guard lock(failureLock);
        if (!failure) failure = std::move(e);
    };
    auto worker = [&] {
        // Per-thread buffers, reused chunk after chunk: memory stays small and warm.
        std::vector<std::vector<unsigned char>> compressed(columns.size()), plain(columns.size()),
            values(columns.size());
        std::vector<const void*> data(columns.size());
        Inflater inflater;
        for (size_t c; (c = next.fetch_add(1)) < nChunks;) {
            {
                std::lock_guard lock(failureLock);
                if (failure) return;
            }
            const size_t first = c * size_t(chunkRows);
            const size_t rows = std::min<size_t>(size_t(chunkRows), size_t(n) - first);
            for (size_t i = 0; i < columns.size(); ++i) {
                const size_t size = columns[i].elementSize;
                if (!raw) {
                    data[i] = whole[i].data() + first * size;
                    continue;
                }
                const std::string dataset = table + "/" + columns[i].name;
                hsize_t offset = first, bytes = 0;
                uint32_t mask = 0;
                bool readOk = false;
                {
                    // HDF5 serialises calls anyway; the lock keeps builds without thread safety
                    // safe.
                    std::lock_guard lock(hdf5Lock);
                    if (H5Dget_chunk_storage_size(datasets[i], &offset, &bytes) >= 0 && bytes > 0 &&
                        bytes <= fileSize) {
                        compressed[i].resize(bytes);
                        readOk = H5Dread_chunk(datasets[i], H5P_DEFAULT, &offset, &mask,
                                               compressed[i].data()) >= 0 &&
                                 mask == 0;
                    }
                }
                if (!readOk)
                    return fail(
                        error(dataset, "cannot read the chunk at row " + std::to_string(first)));
                plain[i].resize(size_t(chunkRows) * size);
                if (!inflateChunk(inflater, compressed[i], plain[i]))
                    return fail(
                        error(dataset, "corrupt compressed chunk at row " + std::to_string(first)));
                values[i].resize(rows * size);
                unshuffle(plain[i].data(), size_t(chunkRows), size, rows, values[i].data());
                data[i] = values[i].data();
            }
            if (auto s = visit(first, rows, data.data()); !s) return fail(s.error());
        }
    };
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<size_t>(threads, nChunks));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (failure) return *failure;
    return size_t(n);
}

bool looksLikeRunFile(const std::string& path) {
    auto opened = openFile(path);
    if (!opened) return false;
    Handle file(opened.value());
    return bool(checkHeader(file, path));
}

} // namespace ks::data
