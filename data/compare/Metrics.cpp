#include "data/compare/Metrics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace ks::data::compare {
namespace {

// Element access per dtype: value as double and, for floats, the ordered integer of the bits.
template <class T> struct Elem {
    static constexpr bool kFloat = false;
    static double value(const void* p, int64_t i) { return double(static_cast<const T*>(p)[i]); }
    static int64_t ordinal(const void*, int64_t) { return 0; }
};
template <class Bits> int64_t orderedBits(Bits b) {
    using S = std::make_signed_t<Bits>;
    const int64_t s = int64_t(S(b));
    return s >= 0 ? s : int64_t(std::numeric_limits<S>::min()) - s;
}
template <> struct Elem<float> {
    static constexpr bool kFloat = true;
    static double value(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
    static int64_t ordinal(const void* p, int64_t i) {
        return orderedBits(static_cast<const uint32_t*>(p)[i]);
    }
};
template <> struct Elem<double> {
    static constexpr bool kFloat = true;
    static double value(const void* p, int64_t i) { return static_cast<const double*>(p)[i]; }
    static int64_t ordinal(const void* p, int64_t i) {
        return orderedBits(static_cast<const uint64_t*>(p)[i]);
    }
};
struct Half {};
struct BFloat {};
template <> struct Elem<Half> {
    static constexpr bool kFloat = true;
    static double value(const void* p, int64_t i) {
        return halfToFloat(static_cast<const uint16_t*>(p)[i]);
    }
    static int64_t ordinal(const void* p, int64_t i) {
        return orderedBits(static_cast<const uint16_t*>(p)[i]);
    }
};
template <> struct Elem<BFloat> {
    static constexpr bool kFloat = true;
    static double value(const void* p, int64_t i) {
        return bf16ToFloat(static_cast<const uint16_t*>(p)[i]);
    }
    static int64_t ordinal(const void* p, int64_t i) {
        return orderedBits(static_cast<const uint16_t*>(p)[i]);
    }
};
struct Boolean {};
template <> struct Elem<Boolean> {
    static constexpr bool kFloat = false;
    static double value(const void* p, int64_t i) {
        return static_cast<const uint8_t*>(p)[i] ? 1.0 : 0.0;
    }
    static int64_t ordinal(const void*, int64_t) { return 0; }
};

// Histogram bin of an error e > 0 by definition: floor((log10(e) - low) * binsPerDecade), clamped.
int binByLog(double e) {
    const double b = std::floor((std::log10(e) - kHistLow) * kHistBinsPerDecade);
    return int(std::clamp(b, 0.0, double(kHistBins - 1)));
}

// The same bin without a logarithm per element: a start bin per binary exponent, then at most a
// few comparisons with the exact bin edges (the smallest doubles that binByLog puts in each bin).
class BinTable {
public:
    BinTable() {
        for (int k = 1; k <= kHistBins; ++k) {
            double x = std::pow(10.0, kHistLow + k / kHistBinsPerDecade);
            while (binByLogUnclamped(x) >= k) x = std::nextafter(x, 0.0);
            while (binByLogUnclamped(x) < k) x = std::nextafter(x, HUGE_VAL);
            m_edges[k] = x;
        }
        // Nothing goes past the last bin (larger errors are clamped into it).
        m_edges[kHistBins] = m_edges[kHistBins + 1] = HUGE_VAL;
        for (int e = 0; e < 2048; ++e) {
            const double low = e == 0 ? 0.0 : std::ldexp(1.0, e - 1023);
            m_start[e] = low > 0 ? int16_t(binByLog(low)) : 0;
        }
    }
    int bin(double e) const {
        uint64_t bits;
        std::memcpy(&bits, &e, 8);
        int b = m_start[(bits >> 52) & 0x7ff];
        // A binade spans log10(2) * 4 = 1.2 bins: two branch-free steps always suffice.
        b += e >= m_edges[b + 1];
        b += e >= m_edges[b + 1];
        return b;
    }

private:
    static double binByLogUnclamped(double e) {
        return std::floor((std::log10(e) - kHistLow) * kHistBinsPerDecade);
    }
    double m_edges[kHistBins + 2] = {};
    int16_t m_start[2048] = {};
};

const BinTable& binTable() {
    static const BinTable table;
    return table;
}

// |a - b| without overflow and without a branch (the sign of run - ref is a coin toss).
inline uint64_t ordinalDistance(int64_t a, int64_t b) {
    const uint64_t d = uint64_t(a) - uint64_t(b);
    const uint64_t neg = uint64_t(0) - uint64_t(a < b);
    return (d ^ neg) - neg;
}

// Partial results of one thread's chunk; merged in chunk order so ties keep the first index.
struct Partial {
    int64_t finite = 0;
    double sumAbs = 0, sumSq = 0, sumAR = 0, sumAA = 0, sumRR = 0, sumUlp = 0;
    double maxAbs = -1, maxRel = -1;
    int64_t maxAbsIndex = -1, maxRelIndex = -1;
    uint64_t maxUlp = 0;
    int64_t nanRun = 0, nanRef = 0, infRun = 0, infRef = 0, nonFiniteMismatch = 0;
    int64_t mismatched = 0;
    ErrorHistogram hist;
    std::vector<std::pair<double, int64_t>> heap; // min-heap of (key, index): the K worst
};

// "a is worse than b": larger error, then lower index.
inline bool worse(const std::pair<double, int64_t>& a, const std::pair<double, int64_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}

inline void offer(std::vector<std::pair<double, int64_t>>& heap, size_t k, double key,
                  int64_t index) {
    if (k == 0) return;
    if (heap.size() < k) {
        heap.emplace_back(key, index);
        std::push_heap(heap.begin(), heap.end(), worse);
    } else if (worse({key, index}, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), worse);
        heap.back() = {key, index};
        std::push_heap(heap.begin(), heap.end(), worse);
    }
}

template <class A, class R, bool kUlp>
void scan(const void* pa, const void* pr, int64_t begin, int64_t end, const MetricOptions& o,
          Partial& p) {
    const double atol = o.tolerance.atol, rtol = o.tolerance.rtol;
    const size_t k = size_t(std::max(0, o.topK));
    const BinTable& bins = binTable();
    for (int64_t i = begin; i < end; ++i) {
        const double a = A::value(pa, i), r = R::value(pr, i);
        if (std::isfinite(a) && std::isfinite(r)) [[likely]] {
            const double d = a - r, ad = std::fabs(d), ar = std::fabs(r);
            ++p.finite;
            p.sumAbs += ad;
            p.sumSq += d * d;
            p.sumAR += a * r;
            p.sumAA += a * a;
            p.sumRR += r * r;
            if (ad > p.maxAbs) {
                p.maxAbs = ad;
                p.maxAbsIndex = i;
            }
            const double rel = ad / (ar + kRelEps);
            if (rel > p.maxRel) {
                p.maxRel = rel;
                p.maxRelIndex = i;
            }
            p.mismatched += !(ad <= atol + rtol * ar);
            if constexpr (kUlp) {
                const uint64_t u = ordinalDistance(A::ordinal(pa, i), R::ordinal(pr, i));
                p.sumUlp += double(u);
                if (u > p.maxUlp) p.maxUlp = u;
            }
            if (ad == 0) {
                ++p.hist.exact;
            } else {
                ++p.hist.counts[size_t(bins.bin(ad))];
            }
            if (k && (p.heap.size() < k || ad >= p.heap.front().first)) offer(p.heap, k, ad, i);
            continue;
        }
        // At least one side is NaN or Inf.
        const bool na = std::isnan(a), nr = std::isnan(r);
        p.nanRun += na;
        p.nanRef += nr;
        p.infRun += std::isinf(a);
        p.infRef += std::isinf(r);
        ++p.hist.nonFinite;
        bool disagree, fails;
        if (na || nr) {
            disagree = na != nr;
            fails = disagree || !o.equalNan;
        } else { // an Inf on at least one side: equal infinities agree
            disagree = a != r;
            fails = disagree;
        }
        p.nonFiniteMismatch += disagree;
        p.mismatched += fails;
        if (fails) offer(p.heap, k, std::numeric_limits<double>::infinity(), i);
    }
}

template <class A, class R, bool kUlp>
void run(TensorView a, TensorView r, const MetricOptions& o, std::vector<Partial>& parts) {
    const int64_t n = a.numel;
    // Small tensors: one thread; otherwise contiguous chunks, one per thread.
    const size_t threads = n < (1 << 16) ? 1 : parts.size();
    parts.resize(threads);
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) {
        const int64_t b = n * int64_t(t) / int64_t(threads),
                      e = n * int64_t(t + 1) / int64_t(threads);
        if (t + 1 == threads) {
            scan<A, R, kUlp>(a.data, r.data, b, e, o, parts[t]);
        } else {
            pool.emplace_back(
                [&, t, b, e] { scan<A, R, kUlp>(a.data, r.data, b, e, o, parts[t]); });
        }
    }
    for (auto& th : pool) th.join();
}

template <class A>
void dispatchRef(TensorView a, TensorView r, const MetricOptions& o, std::vector<Partial>& parts) {
    const bool same = a.dtype == r.dtype && Elem<A>::kFloat;
    switch (r.dtype) {
    case DType::F16:
        return same ? run<Elem<A>, Elem<Half>, true>(a, r, o, parts)
                    : run<Elem<A>, Elem<Half>, false>(a, r, o, parts);
    case DType::BF16:
        return same ? run<Elem<A>, Elem<BFloat>, true>(a, r, o, parts)
                    : run<Elem<A>, Elem<BFloat>, false>(a, r, o, parts);
    case DType::F32:
        return same ? run<Elem<A>, Elem<float>, true>(a, r, o, parts)
                    : run<Elem<A>, Elem<float>, false>(a, r, o, parts);
    case DType::F64:
        return same ? run<Elem<A>, Elem<double>, true>(a, r, o, parts)
                    : run<Elem<A>, Elem<double>, false>(a, r, o, parts);
    case DType::I8:
        return run<Elem<A>, Elem<int8_t>, false>(a, r, o, parts);
    case DType::I16:
        return run<Elem<A>, Elem<int16_t>, false>(a, r, o, parts);
    case DType::I32:
        return run<Elem<A>, Elem<int32_t>, false>(a, r, o, parts);
    case DType::I64:
        return run<Elem<A>, Elem<int64_t>, false>(a, r, o, parts);
    case DType::U8:
        return run<Elem<A>, Elem<uint8_t>, false>(a, r, o, parts);
    case DType::U16:
        return run<Elem<A>, Elem<uint16_t>, false>(a, r, o, parts);
    case DType::U32:
        return run<Elem<A>, Elem<uint32_t>, false>(a, r, o, parts);
    case DType::U64:
        return run<Elem<A>, Elem<uint64_t>, false>(a, r, o, parts);
    case DType::Bool:
        return run<Elem<A>, Elem<Boolean>, false>(a, r, o, parts);
    }
}

double elementValue(TensorView v, int64_t i) {
    switch (v.dtype) {
    case DType::F16:
        return Elem<Half>::value(v.data, i);
    case DType::BF16:
        return Elem<BFloat>::value(v.data, i);
    case DType::F32:
        return Elem<float>::value(v.data, i);
    case DType::F64:
        return Elem<double>::value(v.data, i);
    case DType::I8:
        return Elem<int8_t>::value(v.data, i);
    case DType::I16:
        return Elem<int16_t>::value(v.data, i);
    case DType::I32:
        return Elem<int32_t>::value(v.data, i);
    case DType::I64:
        return Elem<int64_t>::value(v.data, i);
    case DType::U8:
        return Elem<uint8_t>::value(v.data, i);
    case DType::U16:
        return Elem<uint16_t>::value(v.data, i);
    case DType::U32:
        return Elem<uint32_t>::value(v.data, i);
    case DType::U64:
        return Elem<uint64_t>::value(v.data, i);
    case DType::Bool:
        return Elem<Boolean>::value(v.data, i);
    }
    return 0;
}

} // namespace

uint64_t ulpDistance(double a, double b, DType t) {
    switch (t) {
    case DType::F16:
        return ordinalDistance(orderedBits(floatToHalf(float(a))),
                               orderedBits(floatToHalf(float(b))));
    case DType::BF16:
        return ordinalDistance(orderedBits(floatToBf16(float(a))),
                               orderedBits(floatToBf16(float(b))));
    case DType::F32: {
        const float fa = float(a), fb = float(b);
        uint32_t ua, ub;
        std::memcpy(&ua, &fa, 4);
        std::memcpy(&ub, &fb, 4);
        return ordinalDistance(orderedBits(ua), orderedBits(ub));
    }
    case DType::F64: {
        uint64_t ua, ub;
        std::memcpy(&ua, &a, 8);
        std::memcpy(&ub, &b, 8);
        return ordinalDistance(orderedBits(ua), orderedBits(ub));
    }
    default:
        return 0;
    }
}

Metrics computeMetrics(TensorView a, TensorView r, const MetricOptions& o) {
    Metrics m;
    m.numel = std::min(a.numel, r.numel);
    a.numel = r.numel = m.numel;
    m.hasUlp = a.dtype == r.dtype && isFloat(a.dtype);
    unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<Partial> parts(threads);
    if (m.numel > 0) {
        switch (a.dtype) {
        case DType::F16:
            dispatchRef<Half>(a, r, o, parts);
            break;
        case DType::BF16:
            dispatchRef<BFloat>(a, r, o, parts);
            break;
        case DType::F32:
            dispatchRef<float>(a, r, o, parts);
            break;
        case DType::F64:
            dispatchRef<double>(a, r, o, parts);
            break;
        case DType::I8:
            dispatchRef<int8_t>(a, r, o, parts);
            break;
        case DType::I16:
            dispatchRef<int16_t>(a, r, o, parts);
            break;
        case DType::I32:
            dispatchRef<int32_t>(a, r, o, parts);
            break;
        case DType::I64:
            dispatchRef<int64_t>(a, r, o, parts);
            break;
        case DType::U8:
            dispatchRef<uint8_t>(a, r, o, parts);
            break;
        case DType::U16:
            dispatchRef<uint16_t>(a, r, o, parts);
            break;
        case DType::U32:
            dispatchRef<uint32_t>(a, r, o, parts);
            break;
        case DType::U64:
            dispatchRef<uint64_t>(a, r, o, parts);
            break;
        case DType::Bool:
            dispatchRef<Boolean>(a, r, o, parts);
            break;
        }
    }
    double sumAbs = 0, sumSq = 0, sumAR = 0, sumAA = 0, sumRR = 0, sumUlp = 0;
    double maxAbs = -1, maxRel = -1;
    std::vector<std::pair<double, int64_t>> all;
    for (const Partial& p : parts) {
        m.finite += p.finite;
        sumAbs += p.sumAbs;
        sumSq += p.sumSq;
        sumAR += p.sumAR;
        sumAA += p.sumAA;
        sumRR += p.sumRR;
        sumUlp += p.sumUlp;
        if (p.maxAbs > maxAbs) {
            maxAbs = p.maxAbs;
            m.maxAbsIndex = p.maxAbsIndex;
        }
        if (p.maxRel > maxRel) {
            maxRel = p.maxRel;
            m.maxRelIndex = p.maxRelIndex;
        }
        m.maxUlp = std::max(m.maxUlp, p.maxUlp);
        m.nanRun += p.nanRun;
        m.nanRef += p.nanRef;
        m.infRun += p.infRun;
        m.infRef += p.infRef;
        m.nonFiniteMismatch += p.nonFiniteMismatch;
        m.mismatched += p.mismatched;
        for (int b = 0; b < kHistBins; ++b)
            m.histogram.counts[size_t(b)] += p.hist.counts[size_t(b)];
        m.histogram.exact += p.hist.exact;
        m.histogram.nonFinite += p.hist.nonFinite;
        all.insert(all.end(), p.heap.begin(), p.heap.end());
    }
    m.maxAbs = std::max(maxAbs, 0.0);
    m.maxRel = std::max(maxRel, 0.0);
    if (m.finite > 0) {
        const double n = double(m.finite);
        m.meanAbs = sumAbs / n;
        m.rms = std::sqrt(sumSq / n);
        m.meanUlp = m.hasUlp ? sumUlp / n : 0;
        if (sumAA == 0 && sumRR == 0)
            m.cosine = 1;
        else if (sumAA == 0 || sumRR == 0)
            m.cosine = 0;
        else
            m.cosine = sumAR / std::sqrt(sumAA * sumRR);
        m.sqnrDb =
            sumSq == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(sumRR / sumSq);
    }
    if (!m.hasUlp) m.maxUlp = 0;
    std::sort(all.begin(), all.end(), worse);
    if (all.size() > size_t(std::max(0, o.topK))) all.resize(size_t(std::max(0, o.topK)));
    for (const auto& [key, i] : all) {
        WorstElement w;
        w.index = i;
        w.run = elementValue(a, i);
        w.ref = elementValue(r, i);
        w.abs = std::fabs(w.run - w.ref);
        if (std::isnan(w.abs) && std::isnan(w.run) && std::isnan(w.ref)) w.abs = 0;
        w.rel = w.abs / (std::fabs(w.ref) + kRelEps);
        if (m.hasUlp && std::isfinite(w.run) && std::isfinite(w.ref))
            w.ulp = ulpDistance(w.run, w.ref, a.dtype);
        m.worst.push_back(w);
    }
    return m;
}

void foldShape(const std::vector<int64_t>& shape, int64_t& rows, int64_t& cols) {
    cols = shape.empty() ? 1 : shape.back();
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    rows = cols > 0 ? n / cols : 0;
}

ErrorGrid errorHeatmap(TensorView a, TensorView r, const std::vector<int64_t>& shape, int maxWidth,
                       int maxHeight) {
    ErrorGrid g;
    foldShape(shape, g.rows, g.cols);
    if (g.rows <= 0 || g.cols <= 0 || maxWidth <= 0 || maxHeight <= 0) return g;
    g.blockCols = (g.cols + maxWidth - 1) / maxWidth;
    g.blockRows = (g.rows + maxHeight - 1) / maxHeight;
    g.width = int((g.cols + g.blockCols - 1) / g.blockCols);
    g.height = int((g.rows + g.blockRows - 1) / g.blockRows);
    g.values.assign(size_t(g.width) * size_t(g.height), 0.0);
    for (int64_t row = 0; row < g.rows; ++row) {
        double* out = g.values.data() + size_t(row / g.blockRows) * size_t(g.width);
        for (int64_t col = 0; col < g.cols; ++col) {
            const int64_t i = row * g.cols + col;
            const double x = elementValue(a, i), y = elementValue(r, i);
            double e = x == y ? 0.0 : std::fabs(x - y); // equal infinities agree
            if (std::isnan(e)) e = (std::isnan(x) && std::isnan(y)) ? 0.0 : HUGE_VAL;
            double& cell = out[col / g.blockCols];
            if (e > cell) cell = e;
        }
    }
    for (double v : g.values) {
        if (std::isfinite(v)) g.maxFinite = std::max(g.maxFinite, v);
        if (v > 0 && (g.minPositive == 0 || v < g.minPositive)) g.minPositive = v;
    }
    return g;
}

} // namespace ks::data::compare
