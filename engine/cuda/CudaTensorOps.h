#pragma once
// The CUDA backend's TensorOps in float and double: cuBLAS for matrix products (plain FP32/FP64,
// no TF32), CudaKernels.cu for the rest, all on the backend's one stream. Results the caller
// needs on the host (loss, counts) are copied back at once, which synchronizes the stream.
#include "engine/Backend.h"
#include "engine/cuda/CublasApi.h"
#include "engine/cuda/CudaKernels.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <string>

namespace ks::engine::cuda {

inline Status cudaStatus(cudaError_t e, const char* call) {
    if (e == cudaSuccess) return {};
    return Error{std::string("cuda: ") + call + ": " + cudaGetErrorName(e) + " (" +
                 cudaGetErrorString(e) + ")"};
}

inline Status cublasStatus(const CublasApi& api, cublasStatus_t s, const char* call) {
    if (s == CUBLAS_STATUS_SUCCESS) return {};
    return Error{std::string("cublas: ") + call + ": " + api.statusName(s) + " (" +
                 api.statusString(s) + ")"};
}

// What every op needs: the stream, the cuBLAS handle, and a device scratch area for reductions
// whose result goes back to the host.
class CudaContext {
public:
    explicit CudaContext(const CublasApi& api) : api(api) {}
    ~CudaContext() {
        if (m_scratch) cudaFree(m_scratch);
    }
    CudaContext(const CudaContext&) = delete;
    CudaContext& operator=(const CudaContext&) = delete;

    // At least `bytes` of device memory, valid until the next call (one stream: no overlap).
    Result<void*> scratch(size_t bytes) {
        if (bytes > m_scratchBytes) {
            if (m_scratch) cudaFree(m_scratch);
            m_scratch = nullptr;
            m_scratchBytes = 0;
            if (Status s = cudaStatus(cudaMalloc(&m_scratch, bytes), "cudaMalloc(scratch)"); !s)
                return s.error();
            m_scratchBytes = bytes;
        }
        return m_scratch;
    }
    Status toHost(void* dst, const void* src, size_t bytes) {
        if (Status s = cudaStatus(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream),
                                  "cudaMemcpyAsync(DtoH)");
            !s)
            return s;
        return cudaStatus(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    const CublasApi& api;
    cudaStream_t stream = nullptr;
    cublasHandle_t handle = nullptr;

private:
    void* m_scratch = nullptr;
    size_t m_scratchBytes = 0;
};

template <class T> class CudaTensorOps final : public TensorOps<T> {
public:
    explicit CudaTensorOps(CudaContext& context) : m_cx(context) {}

    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
    Status gemm(bool transA, bool transB, int m, int n, int k, T alpha, const T* a, int lda,
                const T* b, int ldb, T beta, T* c, int ldc) override {
        const auto opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                   opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
        if constexpr (sizeof(T) == 4)
            return blas(m_cx.api.sgemm(m_cx.handle, opB, opA, n, m, k, &alpha, b, ldb, a, lda,
                                       &beta, c, ldc),
                        "cublasSgemm");
        else
            return blas(m_cx.api.dgemm(m_cx.handle, opB, opA, n, m, k, &alpha, b, ldb, a, lda,
                                       &beta, c, ldc),
                        "cublasDgemm");
    }
    Status gemmStrided(bool transA, bool transB, int m, int n, int k, T alpha, const T* a, int lda,
                       int64_t strideA, const T* b, int ldb, int64_t strideB, T beta, T* c, int ldc,
                       int64_t strideC, int count) override {
        const auto opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                   opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
        if constexpr (sizeof(T) == 4)
            return blas(m_cx.api.sgemmStrided(m_cx.handle, opB, opA, n, m, k, &alpha, b, ldb,
                                              strideB, a, lda, strideA, &beta, c, ldc, strideC,
                                              count),
                        "cublasSgemmStridedBatched");
        else
            return blas(m_cx.api.dgemmStrided(m_cx.handle, opB, opA, n, m, k, &alpha, b, ldb,
                                              strideB, a, lda, strideA, &beta, c, ldc, strideC,
                                              count),
                        "cublasDgemmStridedBatched");
    }
    Status fill(T* dst, T value, size_t n) override {
        return kernel(cuda::fill(dst, value, n, m_cx.stream), "fill");
    }
    Status copy(T* dst, const T* src, size_t n) override {
        return cudaStatus(
            cudaMemcpyAsync(dst, src, n * sizeof(T), cudaMemcpyDeviceToDevice, m_cx.stream),
            "cudaMemcpyAsync(DtoD)");
    }
    Status addBias(T* y, const T* bias, int rows, int cols) override {
        return kernel(cuda::addBias(y, bias, rows, cols, m_cx.stream), "bias_add");
    }
    Status sumRows(const T* dy, T* db, int rows, int cols) override {
        return kernel(cuda::sumRows(dy, db, rows, cols, m_cx.stream), "bias_grad");
    }
    Status add(T* y, const T* x, size_t n) override {
        return kernel(cuda::add(y, x, n, m_cx.stream), "add");
    }
    Status scale(T* x, T factor, size_t n) override {
        return kernel(cuda::scale(x, factor, n, m_cx.stream), "scale");
    }
    Status roundTo(T* x, size_t n, Precision p) override {
        if (p == Precision::F32) return {};
        return kernel(cuda::roundTo(x, n, p == Precision::BF16, m_cx.stream), "round");
    }
    Status countNonFinite(const T* x, size_t n, int64_t* hostCount) override {
        auto count = m_cx.scratch(sizeof(unsigned long long));
        if (!count) return count.error();
        auto* device = static_cast<unsigned long long*>(count.value());
        if (Status s = cudaStatus(cudaMemsetAsync(device, 0, sizeof *device, m_cx.stream),
                                  "cudaMemsetAsync");
            !s)
            return s;
        if (Status s = kernel(cuda::countNonFinite(x, n, device, m_cx.stream), "count_nonfinite");
            !s)
            return s;
        unsigned long long host = 0;
        if (Status s = m_cx.toHost(&host, device, sizeof host); !s) return s;
        *hostCount = int64_t(host);
        return {};
    }
    Status embeddingForward(const int32_t* idx, const T* wte, const T* wpe, T* out, int rows,
                            int context, int width) override {
        return kernel(cuda::embeddingForward(idx, wte, wpe, out, rows, context, width, m_cx.stream),
                      "embedding_fwd");
    }
    Status embeddingBackward(const int32_t* idx, const T* dout, T* dwte, T* dwpe, int rows,
                             int context, int width, int vocab) override {
        return kernel(cuda::embeddingBackward(idx, dout, dwte, dwpe, rows, context, width, vocab,
                                              m_cx.stream),
                      "embedding_bwd");
    }
    Status layerNormForward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int rows,
                            int width, double eps) override {
        return kernel(cuda::layerNormForward(x, w, b, y, mean, rstd, rows, width, eps, m_cx.stream),
                      "layernorm_fwd");
    }
    Status layerNormBackward(const T* dy, const T* x, const T* w, const T* mean, const T* rstd,
                             T* dx, T* dw, T* db, int rows, int width) override {
        return kernel(
            cuda::layerNormBackward(dy, x, w, mean, rstd, dx, dw, db, rows, width, m_cx.stream),
            "layernorm_bwd");
    }
    Status causalSoftmaxForward(T* att, int rows, int context) override {
        return kernel(cuda::causalSoftmaxForward(att, rows, context, m_cx.stream),
                      "softmax_causal_fwd");
    }
    Status causalSoftmaxBackward(const T* att, const T* datt, T* dscores, int rows,
                                 int context) override {
        return kernel(cuda::causalSoftmaxBackward(att, datt, dscores, rows, context, m_cx.stream),
                      "softmax_causal_bwd");
    }
    Status geluForward(const T* x, T* y, T* tanhOut, size_t n) override {
        return kernel(cuda::geluForward(x, y, tanhOut, n, m_cx.stream), "gelu_fwd");
    }
    Status geluBackward(const T* x, const T* tanhIn, const T* dy, T* dx, size_t n) override {
        return kernel(cuda::geluBackward(x, tanhIn, dy, dx, n, m_cx.stream), "gelu_bwd");
    }
    Status crossEntropyForward(const T* logits, const int32_t* labels, int rows, int cols, T* probs,
                               double* hostLoss, int* hostCorrect) override {
        // scratch: loss and hit of each row, then the two results
        auto area = m_cx.scratch((size_t(rows) * 2 + 2) * sizeof(double));
        if (!area) return area.error();
        auto* rowLoss = static_cast<double*>(area.value());
        double* rowCorrect = rowLoss + rows;
        double* out = rowCorrect + rows;
        if (Status s = kernel(cuda::crossEntropyForward(logits, labels, rows, cols, probs, rowLoss,
                                                        rowCorrect, out, m_cx.stream),
                              "softmax_xent_fwd");
            !s)
            return s;
        double host[2] = {0, 0};
        if (Status s = m_cx.toHost(host, out, sizeof host); !s) return s;
        *hostLoss = host[0];
        if (hostCorrect) *hostCorrect = int(host[1]);
        return {};
    }
    Status crossEntropyBackward(const T* probs, const int32_t* labels, int rows, int cols,
                                T* dlogits) override {
        return kernel(cuda::crossEntropyBackward(probs, labels, rows, cols, dlogits, m_cx.stream),
                      "softmax_xent_bwd");
    }
    Status reluForward(const T* x, T* y, size_t n) override {
        return kernel(cuda::reluForward(x, y, n, m_cx.stream), "relu_fwd");
    }
    Status reluBackward(const T* y, const T* dy, T* dx, size_t n) override {
        return kernel(cuda::reluBackward(y, dy, dx, n, m_cx.stream), "relu_bwd");
    }
    Status mseForward(const T* pred, const T* target, size_t n, double* hostLoss) override {
        auto area = m_cx.scratch(sizeof(double));
        if (!area) return area.error();
        auto* sum = static_cast<double*>(area.value());
        if (Status s =
                cudaStatus(cudaMemsetAsync(sum, 0, sizeof *sum, m_cx.stream), "cudaMemsetAsync");
            !s)
            return s;
        if (Status s = kernel(cuda::mseSumSquares(pred, target, n, sum, m_cx.stream), "mse_fwd");
            !s)
            return s;
        double host = 0;
        if (Status s = m_cx.toHost(&host, sum, sizeof host); !s) return s;
        *hostLoss = host / double(n);
        return {};
    }
    Status mseBackward(const T* pred, const T* target, size_t n, T* dpred) override {
        return kernel(cuda::mseBackward(pred, target, n, dpred, m_cx.stream), "mse_bwd");
    }

private:
    Status kernel(cudaError_t e, const char* name) {
        if (e == cudaSuccess) return {};
        return cudaStatus(e, (std::string(name) + " kernel").c_str());
    }
    Status blas(cublasStatus_t s, const char* call) { return cublasStatus(m_cx.api, s, call); }

    CudaContext& m_cx;
};

} // namespace ks::engine::cuda
