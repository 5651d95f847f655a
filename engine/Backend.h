#pragma once
// The engine's compute backends. Both implement the same float32 ops on buffers they own: host
// memory for the CPU backend, device memory for the CUDA backend. Matrices are row-major (C order)
// so parameters keep PyTorch's layout (a Linear weight is [out, in]).
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

    // C = alpha * op(A) op(B) + beta * C, row-major; op(A) is M x K, op(B) is K x N.
    virtual Status gemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a,
                        int lda, const float* b, int ldb, float beta, float* c, int ldc) = 0;
    // y[r, c] += bias[c] for a rows x cols matrix.
    virtual Status addBias(float* y, const float* bias, int rows, int cols) = 0;
    // db[c] = sum_r dy[r, c].
    virtual Status sumRows(const float* dy, float* db, int rows, int cols) = 0;
    virtual Status reluForward(const float* x, float* y, size_t n) = 0;
    // dx = dy where y > 0, else 0 (y is the ReLU output).
    virtual Status reluBackward(const float* y, const float* dy, float* dx, size_t n) = 0;
    // Numerically stable softmax of each row plus the mean cross-entropy against int32 labels.
    // Writes probs (rows x cols) and, on the host, the loss and the number of correct argmaxes.
    virtual Status softmaxCrossEntropy(const float* logits, const int32_t* labels, int rows,
                                       int cols, float* probs, float* lossOut,
                                       float* correctOut) = 0;
    // Fused softmax + cross-entropy backward: dlogits = (probs - onehot(labels)) / rows.
    virtual Status softmaxCrossEntropyBackward(const float* probs, const int32_t* labels, int rows,
                                               int cols, float* dlogits) = 0;
    // Mean squared error: loss = mean((pred - target)^2); dpred = 2 (pred - target) / n.
    virtual Status mseForward(const float* pred, const float* target, size_t n, float* lossOut) = 0;
    virtual Status mseBackward(const float* pred, const float* target, size_t n, float* dpred) = 0;
    // PyTorch's SGD with momentum (dampening 0): v = mu v + g; w -= lr v.
    virtual Status sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr,
                             float momentum) = 0;
    // PyTorch's Adam (1.13 single-tensor path); `step` counts from 1.
    virtual Status adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr,
                              float beta1, float beta2, float eps, int step) = 0;

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
