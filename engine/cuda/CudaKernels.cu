// The CUDA backend's own kernels: elementwise ops, row reductions and optimizer updates.
#include "CudaKernels.h"

#include <cfloat>

namespace ks::engine::cuda {
namespace {

constexpr int kThreads = 256;

unsigned blocksFor(size_t n) {
    const size_t b = (n + kThreads - 1) / kThreads;
    return unsigned(b < 65535 * 16 ? (b ? b : 1) : 65535 * 16);
}

__global__ void fillKernel(float* dst, float value, size_t n) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x)
        dst[i] = value;
}

__global__ void addBiasKernel(float* y, const float* bias, int rows, int cols) {
    const size_t n = size_t(rows) * cols;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x)
        y[i] += bias[i % cols];
}

// One thread per column: rows are few (the batch), columns many.
__global__ void sumRowsKernel(const float* dy, float* db, int rows, int cols) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    float acc = 0;
    for (int r = 0; r < rows; ++r) acc += dy[size_t(r) * cols + c];
    db[c] = acc;
}

__global__ void reluForwardKernel(const float* x, float* y, size_t n) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x)
        y[i] = x[i] > 0.f ? x[i] : 0.f;
}

__global__ void reluBackwardKernel(const float* y, const float* dy, float* dx, size_t n) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x)
        dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

// One block per row; shared-memory reductions for the max and the sum (stable softmax).
__global__ void softmaxXentKernel(const float* logits, const int32_t* labels, int cols,
                                  float* probs, float* rowLoss, float* rowCorrect) {
    __shared__ float sVal[kThreads];
    __shared__ int sArg[kThreads];
    const int r = blockIdx.x;
    const float* z = logits + size_t(r) * cols;
    float* p = probs + size_t(r) * cols;
    float best = -FLT_MAX;
    int arg = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        if (z[c] > best) {
            best = z[c];
            arg = c;
        }
    sVal[threadIdx.x] = best;
    sArg[threadIdx.x] = arg;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            const float o = sVal[threadIdx.x + s];
            const int oa = sArg[threadIdx.x + s];
            if (o > sVal[threadIdx.x] || (o == sVal[threadIdx.x] && oa < sArg[threadIdx.x])) {
                sVal[threadIdx.x] = o;
                sArg[threadIdx.x] = oa;
            }
        }
        __syncthreads();
    }
    const float zmax = sVal[0];
    const int argmax = sArg[0];
    __syncthreads();
    float sum = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float e = expf(z[c] - zmax);
        p[c] = e;
        sum += e;
    }
    sVal[threadIdx.x] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sVal[threadIdx.x] += sVal[threadIdx.x + s];
        __syncthreads();
    }
    const float total = sVal[0];
    const float inv = 1.f / total;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) p[c] *= inv;
    if (threadIdx.x == 0) {
        const int label = labels[r];
        const bool valid = label >= 0 && label < cols;
        rowLoss[r] = valid ? (zmax - z[label]) + logf(total) : 0.f;
        rowCorrect[r] = argmax == label ? 1.f : 0.f;
    }
}

// Means of the per-row values, one block, accumulated in double.
__global__ void meanRowsKernel(const float* rowLoss, const float* rowCorrect, int rows,
                               float* out) {
    __shared__ double sLoss[kThreads];
    __shared__ double sHits[kThreads];
    double l = 0, h = 0;
    for (int r = threadIdx.x; r < rows; r += blockDim.x) {
        l += rowLoss[r];
        h += rowCorrect[r];
    }
    sLoss[threadIdx.x] = l;
    sHits[threadIdx.x] = h;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            sLoss[threadIdx.x] += sLoss[threadIdx.x + s];
            sHits[threadIdx.x] += sHits[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        out[0] = float(sLoss[0] / rows);
        out[1] = float(sHits[0]);
    }
}

__global__ void softmaxXentBackwardKernel(const float* probs, const int32_t* labels, int rows,
                                          int cols, float* dlogits) {
    const size_t n = size_t(rows) * cols;
    const float scale = 1.f / float(rows);
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x) {
        const int r = int(i / cols), c = int(i % cols);
        dlogits[i] = probs[i] * scale - (labels[r] == c ? scale : 0.f);
    }
}

__global__ void sumSquaresKernel(const float* pred, const float* target, size_t n, double* accum) {
    __shared__ double s[kThreads];
    double acc = 0;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x) {
        const double d = double(pred[i]) - double(target[i]);
        acc += d * d;
    }
    s[threadIdx.x] = acc;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(accum, s[0]);
}

__global__ void divideKernel(const double* accum, size_t n, float* out) {
    out[0] = float(accum[0] / double(n));
}

__global__ void mseBackwardKernel(const float* pred, const float* target, size_t n, float* dpred) {
    const float scale = 2.f / float(n);
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x)
        dpred[i] = scale * (pred[i] - target[i]);
}

__global__ void sgdKernel(float* w, const float* g, float* velocity, size_t n, float lr,
                          float momentum) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x) {
        if (momentum == 0.f) {
            w[i] -= lr * g[i];
        } else {
            velocity[i] = momentum * velocity[i] + g[i];
            w[i] -= lr * velocity[i];
        }
    }
}

__global__ void adamKernel(float* w, const float* g, float* m, float* v, size_t n, float beta1,
                           float beta2, float eps, float stepSize, float bc2Sqrt) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x) {
        m[i] = m[i] * beta1 + g[i] * (1.f - beta1);
        v[i] = v[i] * beta2 + g[i] * g[i] * (1.f - beta2);
        const float denom = sqrtf(v[i]) / bc2Sqrt + eps;
        w[i] += -stepSize * (m[i] / denom);
    }
}

} // namespace

cudaError_t fill(float* dst, float value, size_t n, cudaStream_t stream) {
    fillKernel<<<blocksFor(n), kThreads, 0, stream>>>(dst, value, n);
    return cudaGetLastError();
}

cudaError_t addBias(float* y, const float* bias, int rows, int cols, cudaStream_t stream) {
    addBiasKernel<<<blocksFor(size_t(rows) * cols), kThreads, 0, stream>>>(y, bias, rows, cols);
    return cudaGetLastError();
}

cudaError_t sumRows(const float* dy, float* db, int rows, int cols, cudaStream_t stream) {
    sumRowsKernel<<<(cols + kThreads - 1) / kThreads, kThreads, 0, stream>>>(dy, db, rows, cols);
    return cudaGetLastError();
}

cudaError_t reluForward(const float* x, float* y, size_t n, cudaStream_t stream) {
    reluForwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, n);
    return cudaGetLastError();
}

cudaError_t reluBackward(const float* y, const float* dy, float* dx, size_t n,
                         cudaStream_t stream) {
    reluBackwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(y, dy, dx, n);
    return cudaGetLastError();
}

cudaError_t softmaxCrossEntropy(const float* logits, const int32_t* labels, int rows, int cols,
                                float* probs, float* rowLoss, float* rowCorrect, float* out,
                                cudaStream_t stream) {
    softmaxXentKernel<<<rows, kThreads, 0, stream>>>(logits, labels, cols, probs, rowLoss,
                                                     rowCorrect);
    meanRowsKernel<<<1, kThreads, 0, stream>>>(rowLoss, rowCorrect, rows, out);
    return cudaGetLastError();
}

cudaError_t softmaxCrossEntropyBackward(const float* probs, const int32_t* labels, int rows,
                                        int cols, float* dlogits, cudaStream_t stream) {
    softmaxXentBackwardKernel<<<blocksFor(size_t(rows) * cols), kThreads, 0, stream>>>(
        probs, labels, rows, cols, dlogits);
    return cudaGetLastError();
}

cudaError_t mseForward(const float* pred, const float* target, size_t n, double* accum, float* out,
                       cudaStream_t stream) {
    cudaError_t e = cudaMemsetAsync(accum, 0, sizeof(double), stream);
    if (e != cudaSuccess) return e;
    const unsigned blocks = blocksFor(n) < 1024 ? blocksFor(n) : 1024;
    sumSquaresKernel<<<blocks, kThreads, 0, stream>>>(pred, target, n, accum);
    divideKernel<<<1, 1, 0, stream>>>(accum, n, out);
    return cudaGetLastError();
}

cudaError_t mseBackward(const float* pred, const float* target, size_t n, float* dpred,
                        cudaStream_t stream) {
    mseBackwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(pred, target, n, dpred);
    return cudaGetLastError();
}

cudaError_t sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr, float momentum,
                      cudaStream_t stream) {
    sgdKernel<<<blocksFor(n), kThreads, 0, stream>>>(w, g, velocity, n, lr, momentum);
    return cudaGetLastError();
}

cudaError_t adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr,
                       float beta1, float beta2, float eps, float stepSize, float bc2Sqrt,
                       cudaStream_t stream) {
    (void)lr; // folded into stepSize by the caller
    adamKernel<<<blocksFor(n), kThreads, 0, stream>>>(w, g, m, v, n, beta1, beta2, eps, stepSize,
                                                      bc2Sqrt);
    return cudaGetLastError();
}

} // namespace ks::engine::cuda
