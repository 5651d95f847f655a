#pragma once
// Element-wise error metrics of one (run, reference) pair, computed in one multithreaded pass
// with float64 accumulation. Non-finite elements are counted apart; every other statistic is
// taken over the positions where both sides are finite.
#include "data/Tensor.h"
#include "data/compare/Tolerance.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace ks::data::compare {

// eps in the relative error |a - r| / (|r| + eps): keeps zero references finite.
inline constexpr double kRelEps = 1e-12;

// Histogram of log10 |a - r| over finite, non-zero errors: bin k covers
// [kHistLow + k / kHistBinsPerDecade, kHistLow + (k + 1) / kHistBinsPerDecade); errors below the
// range land in the first bin and above it in the last.
inline constexpr double kHistLow = -20.0;
inline constexpr double kHistBinsPerDecade = 4.0;
inline constexpr int kHistBins = 100; // up to 1e5

struct ErrorHistogram {
    std::vector<uint64_t> counts = std::vector<uint64_t>(kHistBins, 0);
    uint64_t exact = 0;     // |a - r| == 0
    uint64_t nonFinite = 0; // a or r is NaN or Inf
    static double binLow(int k) { return kHistLow + k / kHistBinsPerDecade; }
};

// One of the worst elements: ranked by |a - r|, non-finite disagreements first.
struct WorstElement {
    int64_t index = 0; // flat C-order index
    double run = 0, ref = 0;
    double abs = 0, rel = 0;
    uint64_t ulp = 0; // 0 when the pair has no ULP distance
};

struct Metrics {
    int64_t numel = 0;
    int64_t finite = 0; // positions where both sides are finite
    double maxAbs = 0;
    int64_t maxAbsIndex = -1;
    double meanAbs = 0;
    double rms = 0;
    double maxRel = 0;
    int64_t maxRelIndex = -1;
    bool hasUlp = false; // both sides of the same float type
    uint64_t maxUlp = 0;
    double meanUlp = 0;
    double cosine = 1;
    double sqnrDb = std::numeric_limits<double>::infinity(); // 10 log10(sum r^2 / sum (a-r)^2)
    int64_t nanRun = 0, nanRef = 0, infRun = 0, infRef = 0;
    int64_t nonFiniteMismatch = 0; // NaN on one side only, or an Inf the other side lacks
    int64_t mismatched = 0;        // elements failing |a - r| <= atol + rtol |r|
    ErrorHistogram histogram;
    std::vector<WorstElement> worst; // top K, worst first
};

struct MetricOptions {
    Tolerance tolerance;
    bool equalNan = false; // NaN == NaN passes
    int topK = 10;
    unsigned threads = 0; // 0: one per core
};

// A read-only view of tensor data (C order, little-endian), e.g. over a memory map.
struct TensorView {
    const void* data = nullptr;
    DType dtype = DType::F32;
    int64_t numel = 0;
};
inline TensorView viewOf(const Tensor& t) {
    return {t.bytes.data(), t.dtype, t.numel()};
}

// Both views must hold the same number of elements.
Metrics computeMetrics(TensorView run, TensorView ref, const MetricOptions& options);
inline Metrics computeMetrics(const Tensor& run, const Tensor& ref, const MetricOptions& options) {
    return computeMetrics(viewOf(run), viewOf(ref), options);
}

// Distance in units in the last place between two values of the same float type, through the
// ordered integer view of their bits (+0 and -0 are 0 apart).
uint64_t ulpDistance(double a, double b, DType floatType);

// Heatmap of the error: the tensor folded to rows x last dim (a scalar is 1 x 1), downsampled so
// that it fits maxWidth x maxHeight by taking the MAXIMUM |a - r| of each block, so the worst
// element is never hidden. Non-finite disagreements count as +Inf; agreeing NaNs as 0.
struct ErrorGrid {
    int64_t rows = 0, cols = 0;           // folded tensor
    int64_t blockRows = 1, blockCols = 1; // elements per pixel
    int width = 0, height = 0;            // pixels
    std::vector<double> values;           // height x width, row-major
    double maxFinite = 0;                 // largest finite value
    double minPositive = 0;               // smallest value > 0 (0 when none)
};
void foldShape(const std::vector<int64_t>& shape, int64_t& rows, int64_t& cols);
ErrorGrid errorHeatmap(TensorView run, TensorView ref, const std::vector<int64_t>& shape,
                       int maxWidth = 1024, int maxHeight = 1024);

} // namespace ks::data::compare
