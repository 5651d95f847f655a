// The CUDA backend: cuBLAS for matrix products, CudaKernels.cu for the rest, one stream, NVTX
// ranges. Every CUDA/cuBLAS error becomes a Status naming the call and CUDA's message.
#include "engine/Backend.h"
#include "engine/cuda/CublasApi.h"
#include "engine/cuda/CudaKernels.h"

#include <cmath>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <nvtx3/nvToolsExt.h>

namespace ks::engine {
namespace {

Status cudaStatus(cudaError_t e, const char* call) {
    if (e == cudaSuccess) return {};
    return Error{std::string("cuda: ") + call + ": " + cudaGetErrorName(e) + " (" +
                 cudaGetErrorString(e) + ")"};
}

Status cublasStatus(const cuda::CublasApi& api, cublasStatus_t s, const char* call) {
    if (s == CUBLAS_STATUS_SUCCESS) return {};
    return Error{std::string("cublas: ") + call + ": " + api.statusName(s) + " (" +
                 api.statusString(s) + ")"};
}

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(const cuda::CublasApi& api) : m_api(api) {}
    ~CudaBackend() override {
        if (m_scratch) cudaFree(m_scratch);
        if (m_handle) m_api.destroy(m_handle);
        if (m_stream) cudaStreamDestroy(m_stream);
    }

    // Sets up the device, stream and cuBLAS handle; a message on failure.
    Status init(int device) {
        if (Status s = cudaStatus(cudaSetDevice(device), "cudaSetDevice"); !s) return s;
        cudaDeviceProp prop{};
        if (Status s =
                cudaStatus(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
            !s)
            return s;
        m_device = prop.name;
        if (Status s = cudaStatus(cudaStreamCreate(&m_stream), "cudaStreamCreate"); !s) return s;
        if (Status s = cublasStatus(m_api, m_api.create(&m_handle), "cublasCreate"); !s) return s;
        if (Status s = cublasStatus(m_api, m_api.setStream(m_handle, m_stream), "cublasSetStream");
            !s)
            return s;
        // Plain FP32 (no TF32) so results stay comparable with the CPU backend.
        if (Status s = cublasStatus(m_api, m_api.setMathMode(m_handle, CUBLAS_PEDANTIC_MATH),
                                    "cublasSetMathMode");
            !s)
            return s;
        return {};
    }

    std::string name() const override { return "cuda"; }
    std::string deviceName() const override { return m_device; }
    bool asynchronous() const override { return true; }

    void* allocate(size_t bytes) override {
        void* p = nullptr;
        const cudaError_t e = cudaMalloc(&p, bytes ? bytes : 4);
        if (e != cudaSuccess) {
            m_lastError = cudaStatus(e, "cudaMalloc").message();
            return nullptr;
        }
        return p;
    }
    void release(void* buffer) override { cudaFree(buffer); }
    Status upload(void* dst, const void* src, size_t bytes) override {
        if (Status s =
                cudaStatus(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, m_stream),
                           "cudaMemcpyAsync(HtoD)");
            !s)
            return s;
        // The host source may be a temporary: wait until it has been read.
        return cudaStatus(cudaStreamSynchronize(m_stream), "cudaStreamSynchronize");
    }
    Status download(void* dst, const void* src, size_t bytes) override {
        if (Status s =
                cudaStatus(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, m_stream),
                           "cudaMemcpyAsync(DtoH)");
            !s)
            return s;
        return cudaStatus(cudaStreamSynchronize(m_stream), "cudaStreamSynchronize");
    }
    Status fill(float* dst, float value, size_t n) override {
        return cudaStatus(cuda::fill(dst, value, n, m_stream), "fill kernel");
    }
    Status synchronize() override {
        return cudaStatus(cudaStreamSynchronize(m_stream), "cudaStreamSynchronize");
    }

    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
    Status gemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc) override {
        return cublasStatus(m_api,
                            m_api.sgemm(m_handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                                        transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b, ldb,
                                        a, lda, &beta, c, ldc),
                            "cublasSgemm");
    }
    Status addBias(float* y, const float* bias, int rows, int cols) override {
        return cudaStatus(cuda::addBias(y, bias, rows, cols, m_stream), "bias_add kernel");
    }
    Status sumRows(const float* dy, float* db, int rows, int cols) override {
        return cudaStatus(cuda::sumRows(dy, db, rows, cols, m_stream), "bias_grad kernel");
    }
    Status reluForward(const float* x, float* y, size_t n) override {
        return cudaStatus(cuda::reluForward(x, y, n, m_stream), "relu_fwd kernel");
    }
    Status reluBackward(const float* y, const float* dy, float* dx, size_t n) override {
        return cudaStatus(cuda::reluBackward(y, dy, dx, n, m_stream), "relu_bwd kernel");
    }
    Status softmaxCrossEntropy(const float* logits, const int32_t* labels, int rows, int cols,
                               float* probs, float* lossOut, float* correctOut) override {
        if (Status s = ensureScratch(size_t(rows) * 2 + 4); !s) return s;
        float* rowLoss = m_scratch;
        float* rowCorrect = m_scratch + rows;
        float* out = m_scratch + 2 * size_t(rows);
        if (Status s = cudaStatus(cuda::softmaxCrossEntropy(logits, labels, rows, cols, probs,
                                                            rowLoss, rowCorrect, out, m_stream),
                                  "softmax_xent_fwd kernel");
            !s)
            return s;
        float host[2] = {0, 0};
        if (Status s = download(host, out, sizeof host); !s) return s;
        if (lossOut) *lossOut = host[0];
        if (correctOut) *correctOut = host[1];
        return {};
    }
    Status softmaxCrossEntropyBackward(const float* probs, const int32_t* labels, int rows,
                                       int cols, float* dlogits) override {
        return cudaStatus(
            cuda::softmaxCrossEntropyBackward(probs, labels, rows, cols, dlogits, m_stream),
            "softmax_xent_bwd kernel");
    }
    Status mseForward(const float* pred, const float* target, size_t n, float* lossOut) override {
        if (Status s = ensureScratch(8); !s) return s;
        // scratch: [0,2) one double accumulator, [2] the float result
        auto* accum = reinterpret_cast<double*>(m_scratch);
        float* out = m_scratch + 2;
        if (Status s = cudaStatus(cuda::mseForward(pred, target, n, accum, out, m_stream),
                                  "mse_fwd kernel");
            !s)
            return s;
        return download(lossOut, out, sizeof(float));
    }
    Status mseBackward(const float* pred, const float* target, size_t n, float* dpred) override {
        return cudaStatus(cuda::mseBackward(pred, target, n, dpred, m_stream), "mse_bwd kernel");
    }
    Status sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr,
                     float momentum) override {
        return cudaStatus(cuda::sgdUpdate(w, g, velocity, n, lr, momentum, m_stream),
                          "sgd_update kernel");
    }
    Status adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr, float beta1,
                      float beta2, float eps, int step) override {
        const double bc1 = 1.0 - std::pow(double(beta1), step);
        const double bc2 = 1.0 - std::pow(double(beta2), step);
        return cudaStatus(cuda::adamUpdate(w, g, m, v, n, lr, beta1, beta2, eps,
                                           float(double(lr) / bc1), float(std::sqrt(bc2)),
                                           m_stream),
                          "adam_update kernel");
    }

    void rangePush(const char* text) override { nvtxRangePushA(text); }
    void rangePop() override { nvtxRangePop(); }

private:
    Status ensureScratch(size_t floats) {
        if (floats <= m_scratchFloats) return {};
        if (m_scratch) cudaFree(m_scratch);
        m_scratch = nullptr;
        m_scratchFloats = 0;
        if (Status s = cudaStatus(cudaMalloc(&m_scratch, floats * sizeof(float)), "cudaMalloc"); !s)
            return s;
        m_scratchFloats = floats;
        return {};
    }

    const cuda::CublasApi& m_api;
    std::string m_device;
    cudaStream_t m_stream = nullptr;
    cublasHandle_t m_handle = nullptr;
    float* m_scratch = nullptr;
    size_t m_scratchFloats = 0;
};

} // namespace

std::unique_ptr<Backend> createCudaBackend(std::string* why, std::string* detail) {
    // The count stays unwritten when there is no driver: start from zero.
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count < 1) {
        if (why)
            *why = e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice || count < 1
                       ? (e == cudaErrorInsufficientDriver ? "no CUDA driver" : "no CUDA device")
                       : "CUDA unusable";
        if (detail)
            *detail = e != cudaSuccess ? std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e)
                                       : "cudaGetDeviceCount found 0 devices";
        return nullptr;
    }
    std::string loadError;
    const cuda::CublasApi* api = cuda::CublasApi::get(&loadError);
    if (!api) {
        if (why) *why = "cuBLAS unavailable";
        if (detail) *detail = loadError;
        return nullptr;
    }
    auto backend = std::make_unique<CudaBackend>(*api);
    if (Status s = backend->init(0); !s) {
        if (why) *why = "CUDA unusable";
        if (detail) *detail = s.message();
        return nullptr;
    }
    return backend;
}

bool cudaBackendBuilt() {
    return true;
}

} // namespace ks::engine
