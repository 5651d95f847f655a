#include "ProfileGpu.h"

#include "data/RunFile.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <type_traits>

namespace ks::cli {
namespace {

namespace fs = std::filesystem;

// Appends every column of `src` to `dst`; `remap` turns src string ids into dst ones for the
// columns listed in `stringColumns`.
template <class Table, class Remap>
void appendTable(Table& dst, const Table& src,
                 std::initializer_list<std::string_view> stringColumns, Remap remap) {
    auto* s = &const_cast<Table&>(src);
    dst.forEachColumn([&](const char* name, auto& column) {
        s->forEachColumn([&](const char* other, auto& from) {
            if (std::string_view(name) != other) return;
            if constexpr (std::is_same_v<std::decay_t<decltype(column)>,
                                         std::decay_t<decltype(from)>>) {
                const bool isString = std::find(stringColumns.begin(), stringColumns.end(),
                                                std::string_view(name)) != stringColumns.end();
                for (const auto& v : from) {
                    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, uint32_t>)
                        column.push_back(isString ? remap(v) : v);
                    else
                        column.push_back(v);
                }
            }
        });
    });
}

void appendGpu(data::Run& dst, const data::Run& src) {
    auto remap = [&](uint32_t id) { return dst.strings.intern(src.strings.get(id)); };
    appendTable(dst.kernels, src.kernels, {"name"}, remap);
    appendTable(dst.memcpy, src.memcpy, {}, remap);
    appendTable(dst.memset, src.memset, {}, remap);
    appendTable(dst.api, src.api, {"name"}, remap);
    for (size_t i = 0; i < src.devices.size(); ++i) {
        if (std::find(dst.devices.id.begin(), dst.devices.id.end(), src.devices.id[i]) !=
            dst.devices.id.end())
            continue; // the same GPU seen by another process
        const data::DeviceTable& d = src.devices;
        data::DeviceTable& o = dst.devices;
        o.id.push_back(d.id[i]);
        o.kind.push_back(remap(d.kind[i]));
        o.name.push_back(remap(d.name[i]));
        o.sm_count.push_back(d.sm_count[i]);
        o.clock_khz.push_back(d.clock_khz[i]);
        o.memory_bytes.push_back(d.memory_bytes[i]);
        o.memory_bandwidth_gbps.push_back(d.memory_bandwidth_gbps[i]);
        o.cc_major.push_back(d.cc_major[i]);
        o.cc_minor.push_back(d.cc_minor[i]);
        o.max_threads_per_sm.push_back(d.max_threads_per_sm[i]);
        o.registers_per_sm.push_back(d.registers_per_sm[i]);
        o.shared_memory_per_sm.push_back(d.shared_memory_per_sm[i]);
    }
    dst.collector.dropped_records += src.collector.dropped_records;
    dst.collector.zero_timestamp_records += src.collector.zero_timestamp_records;
    dst.collector.buffers += src.collector.buffers;
    dst.collector.overhead_ns += src.collector.overhead_ns;
}

} // namespace

GpuMerge mergeGpuParts(const std::string& dir, data::Run& run) {
    GpuMerge out;
    std::vector<fs::path> parts, statuses;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("gpu.", 0) != 0) continue;
        if (name.size() > 7 && name.substr(name.size() - 7) == ".ksr.h5") parts.push_back(e.path());
        if (e.path().extension() == ".status") statuses.push_back(e.path());
    }
    std::sort(parts.begin(), parts.end());
    for (const auto& p : parts) {
        auto part = data::readRun(p.string());
        if (!part) {
            out.problems.push_back("GPU activity of one process unreadable: " +
                                   part.error().message);
            continue;
        }
        appendGpu(run, part.value());
        if (!part->collector.status.empty()) out.problems.push_back(part->collector.status);
        ++out.processes;
    }
    for (const auto& s : statuses) {
        std::ifstream in(s);
        std::string line;
        if (std::getline(in, line) && !line.empty()) out.problems.push_back(line);
    }
    std::sort(out.problems.begin(), out.problems.end());
    out.problems.erase(std::unique(out.problems.begin(), out.problems.end()), out.problems.end());
    return out;
}

} // namespace ks::cli
