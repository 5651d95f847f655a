#pragma once
// Comparison of two runs' profiles: A is the baseline, B the run under test ("what did my change
// do?"). Kernels, CUDA API calls and CPU ranges are matched by name with the renaming rules of
// tensor matching (data/compare/Matching.h) and optionally by launch configuration; each matched
// name gets instances, total, average and median in A and B, the change, and a Mann-Whitney U
// test of the instance durations. Memory operations are compared by kind, the run totals per step
// when both runs have step ranges. Documented in docs/DIFF.md.
#include "data/Run.h"
#include "data/Summary.h"
#include "data/compare/Matching.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ks::data {

struct DiffOptions {
    compare::MatchRules rules;       // B's names are the "run" side, A's the "reference" side
    bool matchLaunchConfig = false;  // kernels: same name *and* grid/block/registers/shared
    bool mergeNumberedRanges = true; // ranges: "step 12" and "step 13" are one name ("step #")
    // A change is significant when the Mann-Whitney p-value is below this...
    double maxPValue = 0.01;
    // ... and the median instance changed by at least this fraction (0.05 = 5 %).
    double minEffect = 0.05;
    // ... and the name's total changed by at least this fraction of the table's total (so a
    // 300 ns kernel that got 8 % slower in a 400 ms run is not reported as a regression).
    double minShareOfTotal = 0.001;
    // Ranges whose names match this are steps (engine "step 12", PyTorch "ProfilerStep#12"); the
    // first capture group is the step number.
    std::string stepPattern = R"(^(?:step|ProfilerStep#)\s*(\d+)$)";
};

struct DiffRow {
    enum Status : uint8_t { Matched, OnlyA, OnlyB };
    enum Change : int8_t { Faster = -1, Unchanged = 0, Slower = 1 };
    std::string name;         // the matching key (renamed; with the launch config when matched)
    std::string nameA, nameB; // a name as each run spells it (the first, when several merge)
    Status status = Matched;
    DurationStats a, b;        // count 0 on the side where the name is absent
    double deltaTotal = 0;     // B total - A total (ns)
    double totalRatio = 0;     // B total / A total (NaN when A has none)
    double medianRatio = 0;    // B median / A median (NaN when unmatched or A's median is 0)
    double pValue = 1;         // Mann-Whitney U, two-sided (1 when untestable)
    Change change = Unchanged; // significant, >= minEffect by the median, >= minShareOfTotal
};

struct DiffTable {
    std::vector<DiffRow> rows; // sorted by |deltaTotal|, largest first, then by name
    int64_t totalA = 0, totalB = 0;
    std::vector<std::string> onlyA, onlyB; // unmatched names, sorted
    size_t slower() const;
    size_t faster() const;
};

struct MemoryDiffRow {
    std::string kind; // "HtoD", ..., "Memset"
    uint64_t countA = 0, countB = 0, bytesA = 0, bytesB = 0;
    int64_t timeA = 0, timeB = 0;
    double gbpsA = 0, gbpsB = 0; // total bytes / total time
};

struct StepDiffRow {
    uint64_t step = 0;
    int64_t durationA = -1, durationB = -1; // -1 when the run lacks this step
    int64_t kernelA = 0, kernelB = 0;       // kernel time that started inside the step
};

struct StepDiff {
    std::vector<StepDiffRow> rows; // by step number
    DurationStats a, b;            // step durations
    double pValue = 1;             // Mann-Whitney on the step durations
};

struct RunDiff {
    DiffTable kernels, api, ranges;
    std::vector<MemoryDiffRow> memory;
    StepDiff steps;
    // Kernel time of the whole run (sum of durations), and the span first-to-last event.
    int64_t spanA = 0, spanB = 0;
};

// Which parts to compute (the command line reads only the columns a report needs).
struct DiffParts {
    bool kernels = true, memory = true, api = true, ranges = true, steps = true;
};

RunDiff diffRuns(const Run& a, const Run& b, const DiffOptions& options, DiffParts parts = {});

// The parts of diffRuns, one kind of event each.
DiffTable diffKernels(const Run& a, const Run& b, const DiffOptions& options);
DiffTable diffApi(const Run& a, const Run& b, const DiffOptions& options);
DiffTable diffRanges(const Run& a, const Run& b, const DiffOptions& options);
std::vector<MemoryDiffRow> diffMemory(const Run& a, const Run& b);
StepDiff diffSteps(const Run& a, const Run& b, const DiffOptions& options);

// Step number -> (start, end) of the first range whose name matches `pattern` (ECMAScript; the
// first capture group is the step number). Empty when the pattern does not compile.
std::map<uint64_t, std::pair<int64_t, int64_t>> stepSpans(const Run& run,
                                                          const std::string& pattern);

// Two-sided Mann-Whitney U test (normal approximation with tie and continuity corrections) of
// two samples that are already sorted ascending. 1 when either sample is empty or all values tie.
double mannWhitneyP(const int64_t* a, size_t na, const int64_t* b, size_t nb);

// CSV (RFC 4180, durations in ns, empty cells where a value does not exist) and JSON.
std::string diffTableCsv(const DiffTable& table);
std::string memoryDiffCsv(const std::vector<MemoryDiffRow>& rows);
std::string stepDiffCsv(const StepDiff& steps);
std::string diffTableJson(const DiffTable& table); // {"total_a_ns", ..., "rows": [...]}
std::string memoryDiffJson(const std::vector<MemoryDiffRow>& rows);
std::string stepDiffJson(const StepDiff& steps);
const char* changeName(const DiffRow& row); // "slower", "faster", "new", "gone" or ""

// The suffix a launch config adds to a kernel's key: "name [grid 1x1x1 block 256x1x1 regs 32 smem
// 0]".
std::string launchConfigSuffix(const LaunchConfig& c);

} // namespace ks::data
