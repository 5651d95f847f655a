#include "data/analysis/KernelStats.h"
#include "data/Summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

namespace ks::data {

uint32_t maxResidentBlocksPerSm(uint32_t ccMajor, uint32_t ccMinor) {
    if (ccMajor == 7 && ccMinor == 5) return 16;                   // Turing
    if (ccMajor == 8 && (ccMinor == 6 || ccMinor == 7)) return 16; // GA10x, Orin
    if (ccMajor == 8 && ccMinor == 9) return 24;                   // Ada
    return 32; // 5.x, 6.x, 7.0, 7.2, 8.0, 9.0 and later data-centre parts; unknown: the usual cap
}

std::optional<double> theoreticalOccupancy(const data::Run& run, uint32_t device,
                                           uint32_t threadsPerBlock, uint32_t registersPerThread,
                                           uint32_t sharedBytesPerBlock) {
    const auto& d = run.devices;
    size_t row = d.size();
    for (size_t i = 0; i < d.size(); ++i)
        if (d.id[i] == device) row = i;
    if (row == d.size() || run.deviceIsCpu(device) || threadsPerBlock == 0) return std::nullopt;
    const uint32_t maxThreads = d.max_threads_per_sm[row];
    if (maxThreads == 0) return std::nullopt;
    const uint32_t warpsPerBlock = (threadsPerBlock + 31) / 32;
    const uint32_t maxWarps = maxThreads / 32;
    uint32_t blocks = std::min(maxResidentBlocksPerSm(d.cc_major[row], d.cc_minor[row]),
                               maxWarps / warpsPerBlock);
    if (registersPerThread > 0 && d.registers_per_sm[row] > 0) {
        // Registers are allocated per warp in units of 256.
        const uint32_t perWarp = (registersPerThread * 32 + 255) / 256 * 256;
        blocks = std::min(blocks, d.registers_per_sm[row] / (perWarp * warpsPerBlock));
    }
    if (sharedBytesPerBlock > 0 && d.shared_memory_per_sm[row] > 0)
        blocks = std::min(blocks, d.shared_memory_per_sm[row] / sharedBytesPerBlock);
    return std::min(1.0, double(blocks * warpsPerBlock) / double(maxWarps));
}

namespace {

// The rows of `table` inside `span` (all rows when there is no span).
template <class Table> Table filtered(const Table& table, std::optional<TimeSpan> span) {
    if (!span) return table;
    Table out;
    std::vector<const void*> sources;
    data::forEachColumn(table, [&](const char*, const auto& col) { sources.push_back(&col); });
    for (size_t i = 0; i < table.size(); ++i) {
        if (!span->contains(table.start_ns[i], table.end_ns[i])) continue;
        size_t column = 0;
        out.forEachColumn([&](const char*, auto& col) {
            using Col = std::decay_t<decltype(col)>;
            col.push_back((*static_cast<const Col*>(sources[column++]))[i]);
        });
    }
    return out;
}

} // namespace

std::vector<KernelStat> computeKernelStats(const data::Run& run, std::optional<TimeSpan> span) {
    // No copy of the whole table when there is no span (10 M kernels: 600 MB).
    data::KernelTable inSpan;
    if (span) inSpan = filtered(run.kernels, span);
    const data::KernelTable& table = span ? inSpan : run.kernels;
    std::vector<KernelStat> out;
    // The first device each name ran on decides its occupancy estimate.
    std::unordered_map<uint32_t, uint32_t> deviceOf;
    for (size_t i = 0; i < table.size(); ++i) deviceOf.try_emplace(table.name[i], table.device[i]);
    for (const data::KernelSummaryRow& row : data::kernelSummary(table, run.strings)) {
        KernelStat s;
        s.name = run.strings.find(row.name);
        s.displayName = row.name;
        s.instances = row.time.count;
        s.total = row.time.total;
        s.minimum = row.time.min;
        s.maximum = row.time.max;
        s.average = row.time.avg;
        s.median = row.time.median;
        s.stddev = row.time.stddev;
        s.percent = row.timePercent;
        s.device = deviceOf.count(s.name) ? deviceOf[s.name] : 0;
        const auto& c = row.config;
        s.gridX = c.grid_x, s.gridY = c.grid_y, s.gridZ = c.grid_z;
        s.blockX = c.block_x, s.blockY = c.block_y, s.blockZ = c.block_z;
        s.registers = c.registers_per_thread;
        s.sharedBytes = c.shared_static + c.shared_dynamic;
        s.occupancy = theoreticalOccupancy(
            run, s.device, s.blockX * std::max(1u, s.blockY) * std::max(1u, s.blockZ), s.registers,
            s.sharedBytes);
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<CopyStat> computeCopyStats(const data::Run& run, std::optional<TimeSpan> span) {
    data::MemcpyTable copiesInSpan;
    data::MemsetTable setsInSpan;
    if (span) copiesInSpan = filtered(run.memcpy, span), setsInSpan = filtered(run.memset, span);
    const data::MemcpyTable& copies = span ? copiesInSpan : run.memcpy;
    const data::MemsetTable& sets = span ? setsInSpan : run.memset;
    // The device's memory bandwidth, per operation: the fastest device that ran it.
    auto bandwidthOf = [&](uint32_t device) -> double {
        for (size_t i = 0; i < run.devices.size(); ++i)
            if (run.devices.id[i] == device) return run.devices.memory_bandwidth_gbps[i];
        return 0.0;
    };
    std::unordered_map<std::string, double> peak;
    for (size_t i = 0; i < copies.size(); ++i) {
        double& p = peak[data::memcpyKindName(copies.kind[i])];
        p = std::max(p, bandwidthOf(copies.device[i]));
    }
    for (size_t i = 0; i < sets.size(); ++i)
        peak["Memset"] = std::max(peak["Memset"], bandwidthOf(sets.device[i]));
    std::vector<CopyStat> out;
    for (const data::MemorySummaryRow& row : data::memorySummary(copies, sets)) {
        CopyStat s;
        s.kind = row.operation;
        s.count = row.time.count;
        s.bytes = row.bytes;
        s.totalNs = row.time.total;
        s.averageGBps = row.avgGBps;
        s.peakGBps = row.peakGBps;
        if (peak[row.operation] > 0) s.shareOfPeak = row.avgGBps / peak[row.operation];
        out.push_back(std::move(s));
    }
    return out;
}

std::string formatBytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) bytes /= 1024.0, ++u;
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
    return buf;
}

} // namespace ks::data
