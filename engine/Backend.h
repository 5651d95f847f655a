#pragma once
// The engine's compute backends. Both implement the same ops (TensorOps, in float and double) on
// buffers they own: host memory for the CPU backend, device memory for the CUDA backend. Matrices
// are row-major (C order) so parameters keep PyTorch's layout (a Linear weight is [out, in]).
#include "Precision.h"
#include "data/Result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ks::engine {

using data::Error;
using data::Result;
using data::Status;

enum class BackendKind { Auto, Cpu, Cuda };

// The ops of the transformer (and of the gradient check) in one element type T: float for
// training, double for the gradient check where the backend supports it. Pointers are backend
// memory; results a caller needs on the host (loss, counts) are written to host pointers.
template <class T> class TensorOps {
public:
    virtual ~TensorOps() = default;
    // C = alpha * op(A) op(B) + beta * C, row-major; op(A) is M x K, op(B) is K x N.
    virtual Status gemm(bool transA, bool transB, int m, int n, int k, T alpha, const T* a, int lda,
                        const T* b, int ldb, T beta, T* c, int ldc) = 0;
    // `count` products of the gemm above, the i-th on a + i strideA, b + i strideB, c + i strideC
    // (the heads of an attention layer). By default one gemm per product.
    virtual Status gemmStrided(bool transA, bool transB, int m, int n, int k, T alpha, const T* a,
                               int lda, int64_t strideA, const T* b, int ldb, int64_t strideB,
                               T beta, T* c, int ldc, int64_t strideC, int count) {
        for (int i = 0; i < count; ++i)
            if (Status s = gemm(transA, transB, m, n, k, alpha, a + i * strideA, lda,
                                b + i * strideB, ldb, beta, c + i * strideC, ldc);
                !s)
                return s;
        return {};
    }
    virtual Status fill(T* dst, T value, size_t n) = 0;
    virtual Status copy(T* dst, const T* src, size_t n) = 0;
    virtual Status addBias(T* y, const T* bias, int rows, int cols) = 0;
    virtual Status sumRows(const T* dy, T* db, int rows, int cols) = 0;
    virtual Status add(T* y, const T* x, size_t n) = 0; // y += x
    virtual Status scale(T* x, T factor, size_t n) = 0;
    // Rounds every element to the precision (nothing for F32).
    virtual Status roundTo(T* x, size_t n, Precision p) = 0;
    virtual Status countNonFinite(const T* x, size_t n, int64_t* hostCount) = 0;
    // out[r] = wte[idx[r]] + wpe[r % context] for rows = batch * context rows of `width`.
    virtual Status embeddingForward(const int32_t* idx, const T* wte, const T* wpe, T* out,
                                    int rows, int context, int width) = 0;
    virtual Status embeddingBackward(const int32_t* idx, const T* dout, T* dwte, T* dwpe, int rows,
                                     int context, int width, int vocab) = 0;
    // LayerNorm of each row; mean and rstd (1/sqrt(var + eps)) per row kept for the backward.
    virtual Status layerNormForward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd,
                                    int rows, int width, double eps) = 0;
    virtual Status layerNormBackward(const T* dy, const T* x, const T* w, const T* mean,
                                     const T* rstd, T* dx, T* dw, T* db, int rows, int width) = 0;
    // In-place causal softmax of score rows (row r is the query at position r % context).
    virtual Status causalSoftmaxForward(T* att, int rows, int context) = 0;
    virtual Status causalSoftmaxBackward(const T* att, const T* datt, T* dscores, int rows,
                                         int context) = 0;
    // GELU with the tanh approximation; the forward keeps the tanh of each element for the
    // backward, which takes the GELU input and that tanh.
    virtual Status geluForward(const T* x, T* y, T* tanhOut, size_t n) = 0;
    virtual Status geluBackward(const T* x, const T* tanhIn, const T* dy, T* dx, size_t n) = 0;
    // Softmax of each row (max subtracted) and the mean cross-entropy against int32 labels;
    // hostCorrect (may be null) gets the number of rows whose argmax is the label.
    virtual Status crossEntropyForward(const T* logits, const int32_t* labels, int rows, int cols,
                                       T* probs, double* hostLoss, int* hostCorrect) = 0;
    // ReLU; the backward takes the ReLU output: dx = dy where y > 0.
    virtual Status reluForward(const T* x, T* y, size_t n) = 0;
    virtual Status reluBackward(const T* y, const T* dy, T* dx, size_t n) = 0;
    // Mean squared error and its gradient 2 (pred - target) / n.
    virtual Status mseForward(const T* pred, const T* target, size_t n, double* hostLoss) = 0;
    virtual Status mseBackward(const T* pred, const T* target, size_t n, T* dpred) = 0;
    // dlogits = (probs - onehot(labels)) / rows.
    virtual Status crossEntropyBackward(const T* probs, const int32_t* labels, int rows, int cols,
                                        T* dlogits) = 0;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;       // "cpu" | "cuda"
    virtual std::string deviceName() const = 0; // CPU model or GPU name
    // True when ops run asynchronously (CUDA): per-op CPU timing would be meaningless.
    virtual bool asynchronous() const { return false; }

    // Buffers of `bytes` bytes; null on failure (see lastError()).
    virtual void* allocate(size_t bytes) = 0;
    virtual void release(void* buffer) = 0;
    virtual Status upload(void* dst, const void* src, size_t bytes) = 0;
    virtual Status download(void* dst, const void* src, size_t bytes) = 0;
    virtual Status fill(float* dst, float value, size_t n) = 0;
    virtual Status synchronize() { return {}; }

    // PyTorch's SGD with momentum (dampening 0): v = mu v + g; w -= lr v.
    virtual Status sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr,
                             float momentum) = 0;
    // PyTorch's Adam (1.13 single-tensor path); `step` counts from 1.
    virtual Status adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr,
                              float beta1, float beta2, float eps, int step) = 0;

    // The models' ops on this backend's memory: float always, double where the backend has
    // float64 ops (null otherwise).
    virtual TensorOps<float>* ops32() = 0;
    virtual TensorOps<double>* ops64() { return nullptr; }

    // NVTX-style ranges for external profilers (CUDA: real NVTX; CPU: nothing).
    virtual void rangePush(const char*) {}
    virtual void rangePop() {}

    const std::string& lastError() const { return m_lastError; }

protected:
    std::string m_lastError;
};

// The CPU backend (OpenBLAS); always available. `threads` <= 0: one per core.
std::unique_ptr<Backend> createCpuBackend(int threads = 0);
// The CUDA backend; null when there is no toolkit, driver or device: `why` gets a short reason
// ("no CUDA driver"), `detail` the call and CUDA's message.
std::unique_ptr<Backend> createCudaBackend(std::string* why, std::string* detail = nullptr);
// Picks a backend. For Auto: CUDA when a device is usable, else the CPU; `note` says which and why
// ("no CUDA driver: using CPU backend (...)"). Errors only when Cuda was asked for and can't run.
Result<std::unique_ptr<Backend>> createBackend(BackendKind kind, std::string* note);

// Whether the build includes the CUDA backend.
bool cudaBackendBuilt();

} // namespace ks::engine
