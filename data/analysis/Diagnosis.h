#pragma once
// "Where does the time go?": utilisation per device and stream, the temporal breakdown of each
// device's time, idle attribution, launch overhead, step statistics and rules with evidence.
// Every metric and threshold is documented in docs/DIAGNOSIS.md. Qt-free; used by
// `kernscope-cli stats --report utilization|diagnosis` and the window's Summary page.
#include "data/Run.h"
#include "data/analysis/KernelStats.h" // TimeSpan

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ks::data {

// GPU work of a run: kernels, copies and memsets.
struct Interval {
    int64_t begin = 0, end = 0;
};

// Total length of the union of `intervals` clipped to `span` (sorts `intervals`).
int64_t unionLength(std::vector<Interval>& intervals, TimeSpan span);

// One row per device (stream empty) followed by one row per stream of that device.
struct UtilizationRow {
    uint32_t device = 0;
    std::optional<uint32_t> stream;
    int64_t busyNs = 0; // union of kernel, memcpy and memset intervals inside the span
    int64_t spanNs = 0; // the span: the run's first to last GPU event (or the selection)
    double busyPercent = 0;
    uint64_t events = 0;   // events overlapping the span
    uint64_t idleGaps = 0; // gaps between busy intervals inside the span
    int64_t longestGapNs = 0;
};

// First to last GPU event of the run (begin == end when there is none).
TimeSpan gpuSpan(const Run& run);
// The device kind the run's kernels, copies and memsets ran on, for text about them: "CPU" when
// every one of them names a CPU device (the CPU backend's worker lanes), else "GPU".
const char* deviceKindWord(const Run& run);
// Utilisation over the run, or over `span` when given.
std::vector<UtilizationRow> computeUtilization(const Run& run,
                                               std::optional<TimeSpan> span = std::nullopt);

// A device's time split into compute (a kernel runs), copy (only copies/memsets run) and idle;
// the idle part attributed to its probable cause (inferred; see docs/DIAGNOSIS.md).
struct DeviceBreakdown {
    uint32_t device = 0;
    int64_t spanNs = 0, computeNs = 0, copyNs = 0, idleNs = 0;
    int64_t idleHostNs = 0;  // the next work was launched after the GPU went idle
    int64_t idleSyncNs = 0;  // a host synchronisation call overlapped the gap
    int64_t idleOtherNs = 0; // work was queued already, or the launch is not in the run
    uint64_t idleGaps = 0;
    uint64_t gapsWithoutLaunch = 0; // gaps whose next work has no launch call in the run
    Interval longestGap;
};

// Launch overhead: kernel start - launching API call start, through correlation ids.
struct LaunchStat {
    std::string name;
    uint64_t count = 0;
    double medianNs = 0, averageNs = 0;
    int64_t maximumNs = 0;
    uint64_t shorterThanLaunch = 0; // kernels that ran for less than their launch call took
};
struct LaunchOverhead {
    uint64_t matched = 0, unmatched = 0; // kernels with / without a launch call
    uint64_t shorterThanLaunch = 0;
    double medianNs = 0;
    std::vector<LaunchStat> perName; // most launches first
};

struct StepDifference {
    std::string what;    // "kernel gemm" or "range backward"
    int64_t extraNs = 0; // this step's total minus the median over normal steps
};
struct StepStat {
    uint32_t index = 0; // order in the run, from 0
    std::string name;
    int64_t begin = 0, end = 0;
    int64_t gpuBusyNs = 0; // union of GPU work inside the step
    bool outlier = false;
    std::vector<StepDifference> differs; // outliers only: the largest extra times
};
struct StepSummary {
    std::string pattern; // the regular expression that picked the steps
    std::vector<StepStat> steps;
    double medianNs = 0, averageNs = 0;
    int64_t minimumNs = 0, maximumNs = 0;
    double outlierFactor = 1.5;
    double medianGpuBusyShare = 0; // GPU busy / step time in the median step
};

// A rule that fired, with where to look.
struct Finding {
    std::string rule;                 // stable id: "sync-copies", "tiny-kernels", ...
    std::string title;                // one line
    std::string detail;               // what was measured
    std::string threshold;            // the rule's threshold in words
    int64_t impactNs = 0;             // time at stake (for ordering)
    std::optional<TimeSpan> evidence; // timeline span to zoom to
    std::string kernel;               // kernel row to show
};

struct DiagnosisOptions {
    std::optional<TimeSpan> span;
    std::string stepPattern; // ECMAScript regex on range names; empty: engine and PyTorch steps
    double outlierFactor = 1.5;
};

struct Diagnosis {
    TimeSpan span;
    std::vector<UtilizationRow> utilization;
    std::vector<DeviceBreakdown> breakdown;
    LaunchOverhead launch;
    StepSummary steps;
    std::vector<Finding> findings; // largest impact first
};

// Thresholds of the rules (docs/DIAGNOSIS.md).
struct RuleThresholds {
    static constexpr int64_t kTinyKernelNs = 10'000;
    static constexpr double kTinyKernelShare = 0.5;
    static constexpr uint64_t kTinyKernelMinCount = 100;
    static constexpr double kHeavyKernelPercent = 5.0;
    static constexpr double kLowOccupancy = 0.5;
    static constexpr int64_t kLongGapNs = 100'000;
    static constexpr double kStarvationShare = 0.10;
    static constexpr double kCpuBoundBusyShare = 0.5;
    static constexpr double kLowUtilization = 0.5;
};

const char* defaultStepPattern();
// Throws std::regex_error for a bad step pattern (callers check it first with validStepPattern).
Diagnosis diagnose(const Run& run, const DiagnosisOptions& options = {});
bool validStepPattern(const std::string& pattern, std::string* error = nullptr);

// Machine-readable forms (CSV sections as in `stats --report all`; JSON one object).
std::string utilizationCsv(const std::vector<UtilizationRow>& rows);
std::string utilizationJson(const std::vector<UtilizationRow>& rows);
std::string diagnosisCsv(const Diagnosis& d);
std::string diagnosisJson(const Diagnosis& d);
std::string diagnosisText(const Diagnosis& d, const Run& run);

} // namespace ks::data
