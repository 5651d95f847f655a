// The CUDA backend: device memory, one stream, NVTX ranges, the optimizer updates, and the
// TensorOps of CudaTensorOps.h in float and double. Every CUDA/cuBLAS error becomes a Status
// naming the call and CUDA's message.
#include "engine/Backend.h"
#include "engine/cuda/CudaTensorOps.h"

#include <cmath>
#include <nvtx3/nvToolsExt.h>

namespace ks::engine {
namespace {

using cuda::cublasStatus;
using cuda::cudaStatus;

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(const cuda::CublasApi& api) : m_cx(api), m_ops32(m_cx), m_ops64(m_cx) {}
    ~CudaBackend() override {
        if (m_cx.handle) m_cx.api.destroy(m_cx.handle);
        if (m_cx.stream) cudaStreamDestroy(m_cx.stream);
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
        const cuda::CublasApi& api = m_cx.api;
        if (Status s = cudaStatus(cudaStreamCreate(&m_cx.stream), "cudaStreamCreate"); !s) return s;
        if (Status s = cublasStatus(api, api.create(&m_cx.handle), "cublasCreate"); !s) return s;
        if (Status s =
                cublasStatus(api, api.setStream(m_cx.handle, m_cx.stream), "cublasSetStream");
            !s)
            return s;
        // Plain FP32 (no TF32) so results stay comparable with the CPU backend.
        if (Status s = cublasStatus(api, api.setMathMode(m_cx.handle, CUBLAS_PEDANTIC_MATH),
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
                cudaStatus(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, m_cx.stream),
                           "cudaMemcpyAsync(HtoD)");
            !s)
            return s;
        // The host source may be a temporary: wait until it has been read.
        return cudaStatus(cudaStreamSynchronize(m_cx.stream), "cudaStreamSynchronize");
    }
    Status download(void* dst, const void* src, size_t bytes) override {
        return m_cx.toHost(dst, src, bytes);
    }
    Status fill(float* dst, float value, size_t n) override { return m_ops32.fill(dst, value, n); }
    Status synchronize() override {
        return cudaStatus(cudaStreamSynchronize(m_cx.stream), "cudaStreamSynchronize");
    }

    Status sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr,
                     float momentum) override {
        return cudaStatus(cuda::sgdUpdate(w, g, velocity, n, lr, momentum, m_cx.stream),
                          "sgd_update kernel");
    }
    Status adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr, float beta1,
                      float beta2, float eps, int step) override {
        const double bc1 = 1.0 - std::pow(double(beta1), step);
        const double bc2 = 1.0 - std::pow(double(beta2), step);
        return cudaStatus(cuda::adamUpdate(w, g, m, v, n, beta1, beta2, eps,
                                           float(double(lr) / bc1), float(std::sqrt(bc2)),
                                           m_cx.stream),
                          "adam_update kernel");
    }

    TensorOps<float>* ops32() override { return &m_ops32; }
    TensorOps<double>* ops64() override { return &m_ops64; }

    void rangePush(const char* text) override { nvtxRangePushA(text); }
    void rangePop() override { nvtxRangePop(); }

private:
    std::string m_device;
    cuda::CudaContext m_cx;
    cuda::CudaTensorOps<float> m_ops32;
    cuda::CudaTensorOps<double> m_ops64;
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
