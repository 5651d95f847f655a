#pragma once
// `nsys stats`-like summaries of a run: kernels, memory operations, API calls and CPU ranges.
// Durations are in ns. StdDev is the *sample* standard deviation (ddof = 1, as nsys and pandas
// report it; 0 for a single instance). Median of an even count is the mean of the two middle
// values (as NumPy's). Rows are sorted by total time, largest first, then by name.
#include "data/Result.h"
#include "data/Run.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ks::data {

struct DurationStats {
    uint64_t count = 0;
    int64_t total = 0, min = 0, max = 0;
    double avg = 0, median = 0, stddev = 0;
};

struct LaunchConfig {
    uint32_t grid_x = 0, grid_y = 0, grid_z = 0, block_x = 0, block_y = 0, block_z = 0;
    uint32_t registers_per_thread = 0, shared_static = 0, shared_dynamic = 0;
    auto operator<=>(const LaunchConfig&) const = default;
};
// The launch configuration of kernel row `row` (0 for columns the table lacks).
LaunchConfig launchConfigAt(const KernelTable& kernels, size_t row);

struct KernelSummaryRow {
    std::string name;
    double timePercent = 0;
    DurationStats time;
    LaunchConfig config;      // the most common launch config (ties: the smallest config)
    uint64_t configCount = 0; // instances launched with it
};

struct MemorySummaryRow {
    std::string operation; // "HtoD", "DtoH", ..., "Memset"
    double timePercent = 0;
    DurationStats time;
    uint64_t bytes = 0;
    double avgGBps = 0;  // total bytes / total time
    double peakGBps = 0; // fastest single operation
};

struct NamedSummaryRow { // API calls and CPU ranges
    std::string name;
    double timePercent = 0;
    DurationStats time;
};

// Only start_ns, end_ns, name and the launch config columns of `kernels` are used, so a
// partially read table (readRun with ReadOptions::onlyColumns) is enough.
std::vector<KernelSummaryRow> kernelSummary(const KernelTable& kernels, const StringTable& strings);
std::vector<MemorySummaryRow> memorySummary(const MemcpyTable& memcpy, const MemsetTable& memset);
std::vector<NamedSummaryRow> apiSummary(const ApiTable& api, const StringTable& strings);
std::vector<NamedSummaryRow> rangeSummary(const RangeTable& ranges, const StringTable& strings);

// The kernel summary straight from a run file: streams the needed columns chunk by chunk on all
// cores instead of reading whole columns (the fast path of `kernscope-cli stats`). Checks string
// ids and durations like readRun, with the same one-line errors.
Result<std::vector<KernelSummaryRow>> kernelSummaryFromFile(const std::string& path,
                                                            unsigned threads = 0);

// Statistics of one group of durations (reorders `durations`).
DurationStats durationStats(std::vector<int64_t>& durations);

// Columns each summary needs, as ReadOptions::onlyColumns entries.
std::vector<std::string> kernelSummaryColumns();
std::vector<std::string> memorySummaryColumns();
std::vector<std::string> apiSummaryColumns();
std::vector<std::string> rangeSummaryColumns();

// "1.234 ms", "56.7 µs", "890 ns": three significant figures, like nsys's human units.
std::string formatDuration(double ns);

} // namespace ks::data
