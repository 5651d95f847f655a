// The CPU backend: OpenBLAS for matrix products, the loops of CpuOps.h for the rest.
#include "Backend.h"
#include "CpuOps.h"
#include "SystemInfo.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace ks::engine {
namespace {

// The transformer ops on host memory: the cpu:: templates of CpuOps.h.
template <class T> class CpuTensorOps final : public TensorOps<T> {
public:
    Status gemm(bool transA, bool transB, int m, int n, int k, T alpha, const T* a, int lda,
                const T* b, int ldb, T beta, T* c, int ldc) override {
        cpu::gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return {};
    }
    Status fill(T* dst, T value, size_t n) override {
        std::fill(dst, dst + n, value);
        return {};
    }
    Status copy(T* dst, const T* src, size_t n) override {
        std::memcpy(dst, src, n * sizeof(T));
        return {};
    }
    Status addBias(T* y, const T* bias, int rows, int cols) override {
        cpu::addBias(y, bias, rows, cols);
        return {};
    }
    Status sumRows(const T* dy, T* db, int rows, int cols) override {
        cpu::sumRows(dy, db, rows, cols);
        return {};
    }
    Status add(T* y, const T* x, size_t n) override {
        cpu::addInPlace(y, x, n);
        return {};
    }
    Status scale(T* x, T factor, size_t n) override {
        cpu::scaleInPlace(x, factor, n);
        return {};
    }
    Status roundTo(T* x, size_t n, Precision p) override {
        cpu::roundTo(x, n, p);
        return {};
    }
    Status countNonFinite(const T* x, size_t n, int64_t* hostCount) override {
        *hostCount = cpu::countNonFinite(x, n);
        return {};
    }
    Status embeddingForward(const int32_t* idx, const T* wte, const T* wpe, T* out, int rows,
                            int context, int width) override {
        cpu::embeddingForward(idx, wte, wpe, out, rows, context, width);
        return {};
    }
    Status embeddingBackward(const int32_t* idx, const T* dout, T* dwte, T* dwpe, int rows,
                             int context, int width, int vocab) override {
        cpu::embeddingBackward(idx, dout, dwte, dwpe, rows, context, width, vocab);
        return {};
    }
    Status layerNormForward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int rows,
                            int width, double eps) override {
        cpu::layerNormForward(x, w, b, y, mean, rstd, rows, width, eps);
        return {};
    }
    Status layerNormBackward(const T* dy, const T* x, const T* w, const T* mean, const T* rstd,
                             T* dx, T* dw, T* db, int rows, int width) override {
        cpu::layerNormBackward(dy, x, w, mean, rstd, dx, dw, db, rows, width);
        return {};
    }
    Status causalSoftmaxForward(T* att, int rows, int context) override {
        cpu::causalSoftmaxForward(att, rows, context);
        return {};
    }
    Status causalSoftmaxBackward(const T* att, const T* datt, T* dscores, int rows,
                                 int context) override {
        cpu::causalSoftmaxBackward(att, datt, dscores, rows, context);
        return {};
    }
    Status geluForward(const T* x, T* y, T* tanhOut, size_t n) override {
        cpu::geluForward(x, y, tanhOut, n);
        return {};
    }
    Status geluBackward(const T* x, const T* tanhIn, const T* dy, T* dx, size_t n) override {
        cpu::geluBackward(x, tanhIn, dy, dx, n);
        return {};
    }
    Status crossEntropyForward(const T* logits, const int32_t* labels, int rows, int cols, T* probs,
                               double* hostLoss, int* hostCorrect) override {
        *hostLoss = cpu::softmaxCrossEntropy(logits, labels, rows, cols, probs, hostCorrect);
        return {};
    }
    Status reluForward(const T* x, T* y, size_t n) override {
        cpu::reluForward(x, y, n);
        return {};
    }
    Status reluBackward(const T* y, const T* dy, T* dx, size_t n) override {
        cpu::reluBackward(y, dy, dx, n);
        return {};
    }
    Status mseForward(const T* pred, const T* target, size_t n, double* hostLoss) override {
        *hostLoss = cpu::mseForward(pred, target, n);
        return {};
    }
    Status mseBackward(const T* pred, const T* target, size_t n, T* dpred) override {
        cpu::mseBackward(pred, target, n, dpred);
        return {};
    }
    Status crossEntropyBackward(const T* probs, const int32_t* labels, int rows, int cols,
                                T* dlogits) override {
        cpu::softmaxCrossEntropyBackward(probs, labels, rows, cols, dlogits);
        return {};
    }
};

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(int threads) {
        // OpenBLAS: one thread per core (the benchmark compares with PyTorch at the same count).
        const int n = threads > 0 ? threads : int(std::thread::hardware_concurrency());
        openblas_set_num_threads(n);
        cpu::ThreadPool::instance().setThreads(n); // the elementwise and row loops of CpuOps.h
        m_device = cpuModelName();
    }
    std::string name() const override { return "cpu"; }
    std::string deviceName() const override { return m_device; }

    void* allocate(size_t bytes) override {
        // 64-byte alignment for vector loads; never zero-sized.
        void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
        if (!p) m_lastError = "cpu: out of memory allocating " + std::to_string(bytes) + " bytes";
        return p;
    }
    void release(void* buffer) override { std::free(buffer); }
    Status upload(void* dst, const void* src, size_t bytes) override {
        std::memcpy(dst, src, bytes);
        return {};
    }
    Status download(void* dst, const void* src, size_t bytes) override {
        std::memcpy(dst, src, bytes);
        return {};
    }
    Status fill(float* dst, float value, size_t n) override {
        std::fill(dst, dst + n, value);
        return {};
    }
    Status sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr,
                     float momentum) override {
        cpu::sgdUpdate(w, g, velocity, n, lr, momentum);
        return {};
    }
    Status adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr, float beta1,
                      float beta2, float eps, int step) override {
        cpu::adamUpdate(w, g, m, v, n, lr, beta1, beta2, eps, step);
        return {};
    }

    TensorOps<float>* ops32() override { return &m_ops32; }
    TensorOps<double>* ops64() override { return &m_ops64; }

private:
    std::string m_device;
    CpuTensorOps<float> m_ops32;
    CpuTensorOps<double> m_ops64;
};

} // namespace

std::unique_ptr<Backend> createCpuBackend(int threads) {
    return std::make_unique<CpuBackend>(threads);
}

Result<std::unique_ptr<Backend>> createBackend(BackendKind kind, std::string* note) {
    if (kind == BackendKind::Cpu) return createCpuBackend();
    std::string why, detail;
    if (auto cuda = createCudaBackend(&why, &detail)) {
        if (note) *note = "using CUDA backend on " + cuda->deviceName();
        return cuda;
    }
    const std::string tail = detail.empty() ? "" : " (" + detail + ")";
    if (kind == BackendKind::Cuda) return Error{"CUDA backend unavailable: " + why + tail};
    if (note) *note = why + ": using CPU backend" + tail;
    return createCpuBackend();
}

} // namespace ks::engine
