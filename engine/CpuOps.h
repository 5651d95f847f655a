#pragma once
// The CPU ops as templates over float and double: the CPU backend uses the float versions, the
// gradient check both. Plain loops over contiguous memory that the compiler vectorizes.
#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <cstddef>
#include <cstdint>

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
