#pragma once
// The CPU ops as templates over float and double: the CPU backend uses the float versions, the
// gradient check both. Plain loops over contiguous memory that the compiler vectorizes.
#include "Precision.h"
#include "ThreadPool.h"
#include "data/DType.h"
#include <algorithm>
#include <atomic>

#include <cblas.h>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ks::engine::cpu {

template <class T>
void gemm(bool transA, bool transB, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
          int ldb, T beta, T* c, int ldc) {
    const auto ta = transA ? CblasTrans : CblasNoTrans;
    const auto tb = transB ? CblasTrans : CblasNoTrans;
    if constexpr (sizeof(T) == 4)
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <class T> void addBias(T* __restrict y, const T* __restrict bias, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        T* row = y + size_t(r) * cols;
        for (int c = 0; c < cols; ++c) row[c] += bias[c];
    }
}

template <class T> void sumRows(const T* __restrict dy, T* __restrict db, int rows, int cols) {
    std::fill(db, db + cols, T(0));
    for (int r = 0; r < rows; ++r) {
        const T* row = dy + size_t(r) * cols;
        for (int c = 0; c < cols; ++c) db[c] += row[c];
    }
}

template <class T> void reluForward(const T* __restrict x, T* __restrict y, size_t n) {
    for (size_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
}

template <class T>
void reluBackward(const T* __restrict y, const T* __restrict dy, T* __restrict dx, size_t n) {
    for (size_t i = 0; i < n; ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
}

// Returns the mean loss (accumulated in double); `correct` counts rows whose argmax is the label.
template <class T>
double softmaxCrossEntropy(const T* logits, const int32_t* labels, int rows, int cols, T* probs,
                           int* correct) {
    double loss = 0;
    int hits = 0;
    for (int r = 0; r < rows; ++r) {
        const T* z = logits + size_t(r) * cols;
        T* p = probs + size_t(r) * cols;
        int arg = 0;
        for (int c = 1; c < cols; ++c)
            if (z[c] > z[arg]) arg = c;
        const T zmax = z[arg];
        T sum = 0;
        for (int c = 0; c < cols; ++c) {
            p[c] = std::exp(z[c] - zmax);
            sum += p[c];
        }
        const T inv = T(1) / sum;
        for (int c = 0; c < cols; ++c) p[c] *= inv;
        const int label = labels[r];
        if (label >= 0 && label < cols) loss += double(zmax - z[label]) + std::log(double(sum));
        hits += arg == label;
    }
    if (correct) *correct = hits;
    return loss / rows;
}

template <class T>
void softmaxCrossEntropyBackward(const T* __restrict probs, const int32_t* labels, int rows,
                                 int cols, T* __restrict dlogits) {
    const T scale = T(1) / T(rows);
    const size_t n = size_t(rows) * cols;
    for (size_t i = 0; i < n; ++i) dlogits[i] = probs[i] * scale;
    for (int r = 0; r < rows; ++r)
        if (labels[r] >= 0 && labels[r] < cols) dlogits[size_t(r) * cols + labels[r]] -= scale;
}

template <class T> double mseForward(const T* pred, const T* target, size_t n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = double(pred[i]) - double(target[i]);
        sum += d * d;
    }
    return sum / double(n);
}

template <class T>
void mseBackward(const T* __restrict pred, const T* __restrict target, size_t n,
                 T* __restrict dpred) {
    const T scale = T(2) / T(n);
    for (size_t i = 0; i < n; ++i) dpred[i] = scale * (pred[i] - target[i]);
}

template <class T>
void sgdUpdate(T* __restrict w, const T* __restrict g, T* __restrict velocity, size_t n, T lr,
               T momentum) {
    if (momentum == T(0)) {
        for (size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        velocity[i] = momentum * velocity[i] + g[i];
        w[i] -= lr * velocity[i];
    }
}

// Same arithmetic order as torch.optim.Adam (1.13, foreach=False) so results match bit for bit
// as far as float allows.
template <class T>
void adamUpdate(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict v, size_t n,
                T lr, T beta1, T beta2, T eps, int step) {
    const double bc1 = 1.0 - std::pow(double(beta1), step);
    const double bc2 = 1.0 - std::pow(double(beta2), step);
    const T stepSize = T(double(lr) / bc1);
    const T bc2Sqrt = T(std::sqrt(bc2));
    for (size_t i = 0; i < n; ++i) {
        m[i] = m[i] * beta1 + g[i] * (T(1) - beta1);
        v[i] = v[i] * beta2 + g[i] * g[i] * (T(1) - beta2);
        const T denom = std::sqrt(v[i]) / bc2Sqrt + eps;
        w[i] += -stepSize * (m[i] / denom);
    }
}

} // namespace ks::engine::cpu

// ---- Transformer ops (LayerNorm, causal softmax, GELU, embeddings, reduced precision) ----
// Elementwise and row loops run on the worker threads (ThreadPool.h) when the work is large
// enough to pay for it.
namespace ks::engine::cpu {

constexpr size_t kParallelMin = 1 << 15; // elements below which a loop stays on one thread
// Rows of `width` elements below which a row loop stays on one thread.
inline size_t minRows(int width) {
    return std::max<size_t>(1, kParallelMin / size_t(std::max(width, 1)));
}
// f(i) for every i in [0, n), in parallel chunks when n is large.
template <class F> void forEach(size_t n, size_t minParallel, F&& f) {
    parallelFor(n, minParallel, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) f(i);
    });
}

// IEEE half rounding (nearest even) through data/DType.h's converters: portable across compilers
// (clang 14 has no _Float16 on x86-64) and exact for every finite value.
inline float roundToHalf(float x) {
    return data::halfToFloat(data::floatToHalf(x));
}
inline float roundToBFloat16(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    if ((bits & 0x7f800000u) == 0x7f800000u) return x; // inf and NaN unchanged
    bits += 0x7fffu + ((bits >> 16) & 1u);
    bits &= 0xffff0000u;
    float r;
    std::memcpy(&r, &bits, 4);
    return r;
}

template <class T> void roundTo(T* __restrict x, size_t n, Precision p) {
    if (p == Precision::F32) return;
    if (p == Precision::F16)
        forEach(n, kParallelMin, [&](size_t i) { x[i] = T(roundToHalf(float(x[i]))); });
    else
        forEach(n, kParallelMin, [&](size_t i) { x[i] = T(roundToBFloat16(float(x[i]))); });
}

template <class T> void addInPlace(T* __restrict y, const T* __restrict x, size_t n) {
    parallelFor(n, kParallelMin, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] += x[i];
    });
}

template <class T> void scaleInPlace(T* __restrict x, T s, size_t n) {
    parallelFor(n, kParallelMin, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) x[i] *= s;
    });
}

template <class T> int64_t countNonFinite(const T* __restrict x, size_t n) {
    std::atomic<int64_t> bad{0};
    parallelFor(n, kParallelMin, [&](size_t b, size_t e) {
        int64_t local = 0;
        for (size_t i = b; i < e; ++i) local += !std::isfinite(x[i]);
        bad += local;
    });
    return bad.load();
}

// out[b, t] = wte[idx[b, t]] + wpe[t]; rows = batch * context, row r at position r % context.
template <class T>
void embeddingForward(const int32_t* idx, const T* wte, const T* wpe, T* out, int rows, int context,
                      int width) {
    forEach(size_t(rows), minRows(width), [&](size_t r) {
        const T* tok = wte + size_t(idx[r]) * width;
        const T* pos = wpe + size_t(r % context) * width;
        T* o = out + r * width;
        for (int c = 0; c < width; ++c) o[c] = tok[c] + pos[c];
    });
}

// dwte[v] = sum of dout rows whose token is v; dwpe[t] = sum of dout rows at position t.
// Parallel over column blocks so no two threads add into the same element.
template <class T>
void embeddingBackward(const int32_t* idx, const T* dout, T* dwte, T* dwpe, int rows, int context,
                       int width, int vocab) {
    std::fill(dwte, dwte + size_t(vocab) * width, T(0));
    std::fill(dwpe, dwpe + size_t(context) * width, T(0));
    parallelFor(size_t(width), size_t(width) * rows >= kParallelMin ? 1 : size_t(width) + 1,
                [&](size_t c0, size_t c1) {
                    for (int r = 0; r < rows; ++r) {
                        const T* g = dout + size_t(r) * width;
                        T* te = dwte + size_t(idx[r]) * width;
                        T* pe = dwpe + size_t(r % context) * width;
                        for (size_t c = c0; c < c1; ++c) {
                            te[c] += g[c];
                            pe[c] += g[c];
                        }
                    }
                });
}

// LayerNorm over each row (two-pass mean and variance, biased variance as PyTorch); keeps the
// mean and 1/sqrt(var + eps) of each row for the backward pass.
template <class T>
void layerNormForward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int rows,
                      int width, double eps) {
    forEach(size_t(rows), minRows(width), [&](size_t r) {
        const T* xr = x + r * width;
        T* yr = y + r * width;
        T sum = 0;
        for (int c = 0; c < width; ++c) sum += xr[c];
        const T mu = sum / T(width);
        T sq = 0;
        for (int c = 0; c < width; ++c) sq += (xr[c] - mu) * (xr[c] - mu);
        const T rs = T(1) / std::sqrt(sq / T(width) + T(eps));
        for (int c = 0; c < width; ++c) yr[c] = (xr[c] - mu) * rs * w[c] + b[c];
        mean[r] = mu;
        rstd[r] = rs;
    });
}

// dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy w; dw = sum dy xhat; db = sum dy.
template <class T>
void layerNormBackward(const T* dy, const T* x, const T* w, const T* mean, const T* rstd, T* dx,
                       T* dw, T* db, int rows, int width) {
    forEach(size_t(rows), minRows(width), [&](size_t r) {
        const T* xr = x + r * width;
        const T* dyr = dy + r * width;
        T* dxr = dx + r * width;
        const T mu = mean[r], rs = rstd[r];
        T gMean = 0, gxMean = 0;
        for (int c = 0; c < width; ++c) {
            const T g = dyr[c] * w[c];
            gMean += g;
            gxMean += g * (xr[c] - mu) * rs;
        }
        gMean /= T(width);
        gxMean /= T(width);
        for (int c = 0; c < width; ++c)
            dxr[c] = rs * (dyr[c] * w[c] - gMean - (xr[c] - mu) * rs * gxMean);
    });
    // Parameter gradients: parallel over column blocks, rows summed in order.
    parallelFor(size_t(width), size_t(width) * rows >= kParallelMin ? 1 : size_t(width) + 1,
                [&](size_t c0, size_t c1) {
                    std::fill(dw + c0, dw + c1, T(0));
                    std::fill(db + c0, db + c1, T(0));
                    for (int r = 0; r < rows; ++r) {
                        const T* g = dy + size_t(r) * width;
                        const T* xr = x + size_t(r) * width;
                        const T mu = mean[r], rs = rstd[r];
                        for (size_t c = c0; c < c1; ++c) {
                            dw[c] += g[c] * (xr[c] - mu) * rs;
                            db[c] += g[c];
                        }
                    }
                });
}

// In-place causal softmax of attention scores: `rows` rows of `context` columns, row r the query
// at position r % context; columns after it are masked (probability 0). Max subtracted first.
template <class T> void causalSoftmaxForward(T* att, int rows, int context) {
    forEach(size_t(rows), minRows(context), [&](size_t r) {
        T* a = att + r * context;
        const int last = int(r % context);
        T mx = a[0];
        for (int c = 1; c <= last; ++c) mx = std::max(mx, a[c]);
        T sum = 0;
        for (int c = 0; c <= last; ++c) {
            a[c] = std::exp(a[c] - mx);
            sum += a[c];
        }
        const T inv = T(1) / sum;
        for (int c = 0; c <= last; ++c) a[c] *= inv;
        for (int c = last + 1; c < context; ++c) a[c] = T(0);
    });
}

// dscores = att (datt - sum(att datt)) row by row (masked columns get 0).
template <class T>
void causalSoftmaxBackward(const T* att, const T* datt, T* dscores, int rows, int context) {
    forEach(size_t(rows), minRows(context), [&](size_t r) {
        const T* a = att + r * context;
        const T* d = datt + r * context;
        T* o = dscores + r * context;
        const int last = int(r % context);
        T dot = 0;
        for (int c = 0; c <= last; ++c) dot += a[c] * d[c];
        for (int c = 0; c <= last; ++c) o[c] = a[c] * (d[c] - dot);
        for (int c = last + 1; c < context; ++c) o[c] = T(0);
    });
}

// GELU, tanh approximation (PyTorch approximate="tanh"):
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
constexpr double kGeluC = 0.7978845608028654; // sqrt(2 / pi)
// t[i] = tanh(x[i]) rounded from double precision (AVX2 where the processor has it): within
// 0.5 ulp plus 1e-13 relative, like float(std::tanh(double(x))).
void tanhF32(const float* x, float* t, size_t n);
// geluForward for float: the same arithmetic with tanhF32 (defined in CpuOps.cpp).
void geluForwardF32(const float* x, float* y, float* tanhOut, size_t n);

// The forward keeps t = tanh(...) of every element so the backward needs no second tanh.
// Float takes the vectorized tanh; double keeps std::tanh (the gradient check's exact reference).
template <class T>
void geluForward(const T* __restrict x, T* __restrict y, T* __restrict tanhOut, size_t n) {
    if constexpr (std::is_same_v<T, float>) return geluForwardF32(x, y, tanhOut, n);
    parallelFor(n, kParallelMin, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
            const T v = x[i];
            const T t = std::tanh(T(kGeluC) * (v + T(0.044715) * v * v * v));
            tanhOut[i] = t;
            y[i] = T(0.5) * v * (T(1) + t);
        }
    });
}
template <class T>
void geluBackward(const T* __restrict x, const T* __restrict tanhIn, const T* __restrict dy,
                  T* __restrict dx, size_t n) {
    parallelFor(n, kParallelMin, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
            const T v = x[i];
            const T t = tanhIn[i];
            const T dinner = T(kGeluC) * (T(1) + T(3 * 0.044715) * v * v);
            dx[i] = dy[i] * (T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * dinner);
        }
    });
}

} // namespace ks::engine::cpu
