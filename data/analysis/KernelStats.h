#pragma once
// Per-kernel statistics with launch configuration and theoretical occupancy, and per-copy-kind
// statistics, optionally limited to a time span (a timeline selection). Used by the window and
// by kernscope-cli.
#include "data/Run.h"
#include "data/Summary.h" // formatDuration

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ks::data {

struct KernelStat {
    uint32_t name = 0; // string id
    std::string displayName;
    uint64_t instances = 0;
    int64_t total = 0, minimum = 0, maximum = 0;
    double average = 0, median = 0, stddev = 0, percent = 0; // ns; percent of all kernel time
    uint32_t device = 0;
    uint32_t gridX = 0, gridY = 0, gridZ = 0, blockX = 0, blockY = 0, blockZ = 0;
    uint32_t registers = 0, sharedBytes = 0;
    std::optional<double> occupancy; // 0..1; empty for CPU devices or unknown properties
};

struct CopyStat {
    std::string kind; // "HtoD", ..., "Memset"
    uint64_t count = 0, bytes = 0;
    int64_t totalNs = 0;
    double averageGBps = 0, peakGBps = 0;
    std::optional<double> shareOfPeak; // average GB/s / device memory bandwidth, when known
};

struct TimeSpan {
    int64_t begin = 0, end = 0;
    bool contains(int64_t s, int64_t e) const { return s < end && e > begin; }
};

// Kernel statistics grouped by name, sorted by total time (like `nsys stats cuda_gpu_kern_sum`).
std::vector<KernelStat> computeKernelStats(const data::Run& run,
                                           std::optional<TimeSpan> span = std::nullopt);
// Copy statistics per kind, memsets as one extra row.
std::vector<CopyStat> computeCopyStats(const data::Run& run,
                                       std::optional<TimeSpan> span = std::nullopt);

// Theoretical occupancy (active warps / maximum warps per SM) of a launch on a device, from the
// device's threads, registers and shared memory per SM. Empty when a property is unknown.
std::optional<double> theoreticalOccupancy(const data::Run& run, uint32_t device,
                                           uint32_t threadsPerBlock, uint32_t registersPerThread,
                                           uint32_t sharedBytesPerBlock);

// "1.5 MiB"
std::string formatBytes(double bytes);

} // namespace ks::data
