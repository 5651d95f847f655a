#pragma once
// A whole comparison: run tensors paired with reference tensors, metrics per pair, pass/fail,
// execution order and the first divergence, plus the CSV reports.
#include "data/Result.h"
#include "data/Tensor.h"
#include "data/compare/Matching.h"
#include "data/compare/Metrics.h"
#include "data/compare/Tolerance.h"

#include <string>
#include <vector>

namespace ks::data::compare {

enum class PairStatus { Pass, Fail, ShapeMismatch, DTypeMismatch };
std::string_view pairStatusName(PairStatus s); // "pass" "FAIL" "shape mismatch" "dtype mismatch"

struct PairResult {
    std::string runName, refName;
    DType runDType = DType::F32, refDType = DType::F32;
    std::vector<int64_t> runShape, refShape;
    OpKind opKind = OpKind::Other;
    int64_t order = 0;
    Tolerance tolerance;
    PairStatus status = PairStatus::Pass;
    bool hasMetrics = false; // false for shape mismatches
    Metrics metrics;
    bool passed() const { return status == PairStatus::Pass; }
};

struct CompareOptions {
    MatchRules match;
    ToleranceRules tolerances;
    bool equalNan = false;
    // Judge pairs of different dtypes by their values (an f32 run against NumPy's f64) instead
    // of failing them as a dtype mismatch.
    bool allowDTypeMismatch = false;
    int topK = 10;
    unsigned threads = 0;
};

struct CompareReport {
    std::vector<PairResult> pairs; // in the run's execution order
    std::vector<std::string> unmatchedRun, unmatchedRef;
    int firstDivergence = -1; // index into pairs of the first pair that does not pass
    bool allPassed() const { return firstDivergence < 0; }
};

CompareReport compareTensors(const std::vector<Tensor>& run, const std::vector<Tensor>& ref,
                             const CompareOptions& options);
// The same with the data given apart (e.g. memory-mapped): runData[i] holds run[i]'s elements.
CompareReport compareTensors(const std::vector<Tensor>& run,
                             const std::vector<const std::byte*>& runData,
                             const std::vector<Tensor>& ref,
                             const std::vector<const std::byte*>& refData,
                             const CompareOptions& options);

// "(1, 2)" for a flat index into a shape, like PyTorch's messages; "()" for a scalar.
std::string formatIndex(const std::vector<int64_t>& shape, int64_t flat);
std::string formatShape(const std::vector<int64_t>& shape); // "[4, 8]"

// Reports, written to a temporary file renamed into place.
Status writeSummaryCsv(const CompareReport& report, const std::string& path);
Status writeWorstCsv(const PairResult& pair, const std::string& path);
Status writeHistogramCsv(const PairResult& pair, const std::string& path);

} // namespace ks::data::compare
