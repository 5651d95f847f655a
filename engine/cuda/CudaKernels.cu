// The CUDA backend's own kernels: elementwise ops, row and column reductions, the transformer's
// LayerNorm, causal softmax, GELU and embeddings, cross-entropy, MSE and optimizer updates.
#include "CudaKernels.h"

#include <cuda_fp16.h>

namespace ks::engine::cuda {
namespace {

constexpr int kThreads = 256; // a multiple of the warp size: the block reductions rely on it
constexpr unsigned kFullWarp = 0xffffffffu;

unsigned blocksFor(size_t n) {
    const size_t b = (n + kThreads - 1) / kThreads;
    return unsigned(b < 65535 * 16 ? (b ? b : 1) : 65535 * 16);
}

// Rows handled one warp per row, kThreads / 32 rows per block.
unsigned warpRowBlocks(int rows) {
    const int perBlock = kThreads / 32;
    return unsigned((rows + perBlock - 1) / perBlock);
}

#define KS_GRID_STRIDE(i, n)                                                                       \
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < (n);                        \
         i += size_t(gridDim.x) * blockDim.x)

// The math functions of each element type (float: the accurate single-precision versions).
__device__ inline float devExp(float x) {
    return expf(x);
}
__device__ inline double devExp(double x) {
    return exp(x);
}
__device__ inline float devSqrt(float x) {
    return sqrtf(x);
}
__device__ inline double devSqrt(double x) {
    return sqrt(x);
}
__device__ inline float devTanh(float x) {
    return tanhf(x);
}
__device__ inline double devTanh(double x) {
    return tanh(x);
}

template <class T> __device__ T warpSum(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullWarp, v, offset);
    return v;
}
// NaN-ignoring like std::max(running, x) on the CPU.
template <class T> __device__ T warpMax(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        const T o = __shfl_xor_sync(kFullWarp, v, offset);
        v = o > v ? o : v;
    }
    return v;
}
// The sum over the whole block, returned to every thread. Every thread of the block must call it.
template <class T> __device__ T blockSum(T v) {
    __shared__ T partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warpSum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    v = lane < int(blockDim.x >> 5) ? partial[lane] : T(0);
    v = warpSum(v);
    __syncthreads(); // `partial` is free again for the next call
    return v;
}

// ---- elementwise ----

template <class T> __global__ void fillKernel(T* dst, T value, size_t n) {
    KS_GRID_STRIDE(i, n) dst[i] = value;
}
template <class T> __global__ void addKernel(T* y, const T* x, size_t n) {
    KS_GRID_STRIDE(i, n) y[i] += x[i];
}
template <class T> __global__ void scaleKernel(T* x, T factor, size_t n) {
    KS_GRID_STRIDE(i, n) x[i] *= factor;
}

__device__ float roundToHalf(float x) {
    return __half2float(__float2half_rn(x));
}
// Round to nearest even on the upper 16 bits, as engine/CpuOps.h roundToBFloat16.
__device__ float roundToBFloat16(float x) {
    unsigned bits = __float_as_uint(x);
    if ((bits & 0x7f800000u) == 0x7f800000u) return x; // inf and NaN unchanged
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return __uint_as_float(bits & 0xffff0000u);
}
template <class T> __global__ void roundKernel(T* x, size_t n, bool bfloat16) {
    KS_GRID_STRIDE(i, n) {
        const float v = float(x[i]);
        x[i] = T(bfloat16 ? roundToBFloat16(v) : roundToHalf(v));
    }
}

template <class T>
__global__ void countNonFiniteKernel(const T* x, size_t n, unsigned long long* count) {
    unsigned long long local = 0;
    KS_GRID_STRIDE(i, n) local += !isfinite(x[i]);
    local = blockSum(local);
    if (threadIdx.x == 0 && local) atomicAdd(count, local);
}

template <class T> __global__ void addBiasKernel(T* y, const T* bias, int rows, int cols) {
    KS_GRID_STRIDE(i, size_t(rows) * cols) y[i] += bias[i % cols];
}
template <class T> __global__ void reluForwardKernel(const T* x, T* y, size_t n) {
    KS_GRID_STRIDE(i, n) y[i] = x[i] > T(0) ? x[i] : T(0);
}
template <class T> __global__ void reluBackwardKernel(const T* y, const T* dy, T* dx, size_t n) {
    KS_GRID_STRIDE(i, n) dx[i] = y[i] > T(0) ? dy[i] : T(0);
}

// GELU, tanh approximation, with the same constants and formulas as engine/CpuOps.h.
constexpr double kGeluC = 0.7978845608028654; // sqrt(2 / pi)
template <class T> __global__ void geluForwardKernel(const T* x, T* y, T* tanhOut, size_t n) {
    KS_GRID_STRIDE(i, n) {
        const T v = x[i];
        const T t = devTanh(T(kGeluC) * (v + T(0.044715) * v * v * v));
        tanhOut[i] = t;
        y[i] = T(0.5) * v * (T(1) + t);
    }
}
template <class T>
__global__ void geluBackwardKernel(const T* x, const T* tanhIn, const T* dy, T* dx, size_t n) {
    KS_GRID_STRIDE(i, n) {
        const T v = x[i];
        const T t = tanhIn[i];
        const T dinner = T(kGeluC) * (T(1) + T(3 * 0.044715) * v * v);
        dx[i] = dy[i] * (T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * dinner);
    }
}

// ---- column sums: bias gradients and the LayerNorm parameter gradients ----

// db[c] = sum_r dy[r, c] and, when x is given, dw[c] = sum_r dy[r, c] (x[r, c] - mean[r]) rstd[r].
// A block covers 32 columns with 32 x 32 threads: each thread sums every 32nd row of its column
// (reads coalesced along the row), then one thread per column adds the 32 partial sums in order.
template <class T>
__global__ void columnSumsKernel(const T* dy, const T* x, const T* mean, const T* rstd, T* dw,
                                 T* db, int rows, int cols) {
    __shared__ T sumB[32][33];
    __shared__ T sumW[32][33];
    const int c = blockIdx.x * 32 + threadIdx.x;
    T accB = 0, accW = 0;
    if (c < cols)
        for (int r = threadIdx.y; r < rows; r += blockDim.y) {
            const T g = dy[size_t(r) * cols + c];
            accB += g;
            if (x) accW += g * (x[size_t(r) * cols + c] - mean[r]) * rstd[r];
        }
    sumB[threadIdx.y][threadIdx.x] = accB;
    sumW[threadIdx.y][threadIdx.x] = accW;
    __syncthreads();
    if (threadIdx.y != 0 || c >= cols) return;
    T b = 0, w = 0;
    for (int k = 0; k < int(blockDim.y); ++k) {
        b += sumB[k][threadIdx.x];
        w += sumW[k][threadIdx.x];
    }
    db[c] = b;
    if (x) dw[c] = w;
}

template <class T>
cudaError_t launchColumnSums(const T* dy, const T* x, const T* mean, const T* rstd, T* dw, T* db,
                             int rows, int cols, cudaStream_t stream) {
    const dim3 block(32, 32);
    columnSumsKernel<<<unsigned((cols + 31) / 32), block, 0, stream>>>(dy, x, mean, rstd, dw, db,
                                                                       rows, cols);
    return cudaGetLastError();
}

// ---- embeddings ----

template <class T>
__global__ void embeddingForwardKernel(const int32_t* idx, const T* wte, const T* wpe, T* out,
                                       int rows, int context, int width) {
    KS_GRID_STRIDE(i, size_t(rows) * width) {
        const size_t r = i / width, c = i % width;
        out[i] = wte[size_t(idx[r]) * width + c] + wpe[(r % context) * width + c];
    }
}
// dwpe[t, c] = sum over the batch of dout[b, t, c]: one thread per element, batches in order.
template <class T>
__global__ void positionGradKernel(const T* dout, T* dwpe, int batch, int context, int width) {
    KS_GRID_STRIDE(i, size_t(context) * width) {
        T acc = 0;
        for (int b = 0; b < batch; ++b) acc += dout[size_t(b) * context * width + i];
        dwpe[i] = acc;
    }
}
// dwte[v, c] += dout[r, c] for every row r with token v: one thread per column walks the rows
// in order, so no two threads ever add into the same element.
template <class T>
__global__ void tokenGradKernel(const int32_t* idx, const T* dout, T* dwte, int rows, int width) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= width) return;
    for (int r = 0; r < rows; ++r) dwte[size_t(idx[r]) * width + c] += dout[size_t(r) * width + c];
}

// ---- LayerNorm: one block per row ----

template <class T>
__global__ void layerNormForwardKernel(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd,
                                       int width, T eps) {
    const size_t r = blockIdx.x;
    const T* xr = x + r * width;
    T* yr = y + r * width;
    T sum = 0;
    for (int c = threadIdx.x; c < width; c += blockDim.x) sum += xr[c];
    const T mu = blockSum(sum) / T(width);
    T sq = 0; // second pass: the variance of the centred values, never E[x^2] - E[x]^2
    for (int c = threadIdx.x; c < width; c += blockDim.x) sq += (xr[c] - mu) * (xr[c] - mu);
    const T rs = T(1) / devSqrt(blockSum(sq) / T(width) + eps);
    for (int c = threadIdx.x; c < width; c += blockDim.x) yr[c] = (xr[c] - mu) * rs * w[c] + b[c];
    if (threadIdx.x == 0) {
        mean[r] = mu;
        rstd[r] = rs;
    }
}

// dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy w.
template <class T>
__global__ void layerNormBackwardKernel(const T* dy, const T* x, const T* w, const T* mean,
                                        const T* rstd, T* dx, int width) {
    const size_t r = blockIdx.x;
    const T* xr = x + r * width;
    const T* dyr = dy + r * width;
    T* dxr = dx + r * width;
    const T mu = mean[r], rs = rstd[r];
    T g = 0, gx = 0;
    for (int c = threadIdx.x; c < width; c += blockDim.x) {
        const T gc = dyr[c] * w[c];
        g += gc;
        gx += gc * (xr[c] - mu) * rs;
    }
    const T gMean = blockSum(g) / T(width);
    const T gxMean = blockSum(gx) / T(width);
    for (int c = threadIdx.x; c < width; c += blockDim.x)
        dxr[c] = rs * (dyr[c] * w[c] - gMean - (xr[c] - mu) * rs * gxMean);
}

// ---- causal softmax: one warp per row, row r the query at position r % context ----

template <class T> __global__ void causalSoftmaxForwardKernel(T* att, int rows, int context) {
    const size_t r = size_t(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= size_t(rows)) return; // the whole warp leaves together
    const int lane = threadIdx.x & 31;
    T* a = att + r * context;
    const int last = int(r % context);
    T mx = a[0];
    for (int c = lane; c <= last; c += 32) mx = a[c] > mx ? a[c] : mx;
    mx = warpMax(mx);
    T sum = 0;
    for (int c = lane; c <= last; c += 32) {
        const T e = devExp(a[c] - mx);
        a[c] = e;
        sum += e;
    }
    const T inv = T(1) / warpSum(sum);
    for (int c = lane; c <= last; c += 32) a[c] *= inv;
    for (int c = last + 1 + lane; c < context; c += 32) a[c] = T(0);
}

// dscores = att (datt - sum(att datt)) over the unmasked columns, 0 elsewhere.
template <class T>
__global__ void causalSoftmaxBackwardKernel(const T* att, const T* datt, T* dscores, int rows,
                                            int context) {
    const size_t r = size_t(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= size_t(rows)) return;
    const int lane = threadIdx.x & 31;
    const T* a = att + r * context;
    const T* d = datt + r * context;
    T* o = dscores + r * context;
    const int last = int(r % context);
    T dot = 0;
    for (int c = lane; c <= last; c += 32) dot += a[c] * d[c];
    dot = warpSum(dot);
    for (int c = lane; c <= last; c += 32) o[c] = a[c] * (d[c] - dot);
    for (int c = last + 1 + lane; c < context; c += 32) o[c] = T(0);
}

// ---- softmax cross-entropy: one block per row ----

template <class T>
__global__ void crossEntropyKernel(const T* logits, const int32_t* labels, int cols, T* probs,
                                   double* rowLoss, double* rowCorrect) {
    __shared__ T sVal[kThreads];
    __shared__ int sArg[kThreads];
    const size_t r = blockIdx.x;
    const T* z = logits + r * cols;
    T* p = probs + r * cols;
    // Argmax with the lowest index among equals, as the CPU's first-maximum scan.
    T best = z[0];
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
            const T o = sVal[threadIdx.x + s];
            const int oa = sArg[threadIdx.x + s];
            if (o > sVal[threadIdx.x] || (o == sVal[threadIdx.x] && oa < sArg[threadIdx.x])) {
                sVal[threadIdx.x] = o;
                sArg[threadIdx.x] = oa;
            }
        }
        __syncthreads();
    }
    const T zmax = sVal[0];
    const int argmax = sArg[0];
    T sum = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const T e = devExp(z[c] - zmax);
        p[c] = e;
        sum += e;
    }
    const T total = blockSum(sum);
    const T inv = T(1) / total;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) p[c] *= inv;
    if (threadIdx.x == 0) {
        const int label = labels[r];
        const bool valid = label >= 0 && label < cols;
        rowLoss[r] = valid ? double(zmax - z[label]) + log(double(total)) : 0.0;
        rowCorrect[r] = argmax == label ? 1.0 : 0.0;
    }
}

// out[0] = mean of rowLoss, out[1] = sum of rowCorrect; one block.
__global__ void lossMeanKernel(const double* rowLoss, const double* rowCorrect, int rows,
                               double* out) {
    double loss = 0, hits = 0;
    for (int r = threadIdx.x; r < rows; r += blockDim.x) {
        loss += rowLoss[r];
        hits += rowCorrect[r];
    }
    loss = blockSum(loss);
    hits = blockSum(hits);
    if (threadIdx.x == 0) {
        out[0] = loss / rows;
        out[1] = hits;
    }
}

template <class T>
__global__ void crossEntropyBackwardKernel(const T* probs, const int32_t* labels, int rows,
                                           int cols, T* dlogits) {
    const T scale = T(1) / T(rows);
    KS_GRID_STRIDE(i, size_t(rows) * cols) {
        const size_t r = i / cols;
        const int c = int(i % cols);
        dlogits[i] = probs[i] * scale - (labels[r] == c ? scale : T(0));
    }
}

// ---- mean squared error ----

template <class T>
__global__ void sumSquaresKernel(const T* pred, const T* target, size_t n, double* sum) {
    double acc = 0;
    KS_GRID_STRIDE(i, n) {
        const double d = double(pred[i]) - double(target[i]);
        acc += d * d;
    }
    acc = blockSum(acc);
    if (threadIdx.x == 0) atomicAdd(sum, acc);
}

template <class T>
__global__ void mseBackwardKernel(const T* pred, const T* target, size_t n, T* dpred) {
    const T scale = T(2) / T(n);
    KS_GRID_STRIDE(i, n) dpred[i] = scale * (pred[i] - target[i]);
}

// ---- optimizers (float master weights) ----

__global__ void sgdKernel(float* w, const float* g, float* velocity, size_t n, float lr,
                          float momentum) {
    KS_GRID_STRIDE(i, n) {
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
    KS_GRID_STRIDE(i, n) {
        m[i] = m[i] * beta1 + g[i] * (1.f - beta1);
        v[i] = v[i] * beta2 + g[i] * g[i] * (1.f - beta2);
        const float denom = sqrtf(v[i]) / bc2Sqrt + eps;
        w[i] += -stepSize * (m[i] / denom);
    }
}

} // namespace

template <class T> cudaError_t fill(T* dst, T value, size_t n, cudaStream_t stream) {
    fillKernel<<<blocksFor(n), kThreads, 0, stream>>>(dst, value, n);
    return cudaGetLastError();
}
template <class T> cudaError_t add(T* y, const T* x, size_t n, cudaStream_t stream) {
    addKernel<<<blocksFor(n), kThreads, 0, stream>>>(y, x, n);
    return cudaGetLastError();
}
template <class T> cudaError_t scale(T* x, T factor, size_t n, cudaStream_t stream) {
    scaleKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, factor, n);
    return cudaGetLastError();
}
template <class T> cudaError_t roundTo(T* x, size_t n, bool bfloat16, cudaStream_t stream) {
    roundKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, n, bfloat16);
    return cudaGetLastError();
}
template <class T>
cudaError_t countNonFinite(const T* x, size_t n, unsigned long long* count, cudaStream_t stream) {
    const unsigned blocks = blocksFor(n) < 1024 ? blocksFor(n) : 1024;
    countNonFiniteKernel<<<blocks, kThreads, 0, stream>>>(x, n, count);
    return cudaGetLastError();
}
template <class T>
cudaError_t addBias(T* y, const T* bias, int rows, int cols, cudaStream_t stream) {
    addBiasKernel<<<blocksFor(size_t(rows) * cols), kThreads, 0, stream>>>(y, bias, rows, cols);
    return cudaGetLastError();
}
template <class T>
cudaError_t sumRows(const T* dy, T* db, int rows, int cols, cudaStream_t stream) {
    return launchColumnSums<T>(dy, nullptr, nullptr, nullptr, nullptr, db, rows, cols, stream);
}
template <class T> cudaError_t reluForward(const T* x, T* y, size_t n, cudaStream_t stream) {
    reluForwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, n);
    return cudaGetLastError();
}
template <class T>
cudaError_t reluBackward(const T* y, const T* dy, T* dx, size_t n, cudaStream_t stream) {
    reluBackwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(y, dy, dx, n);
    return cudaGetLastError();
}

template <class T>
cudaError_t embeddingForward(const int32_t* idx, const T* wte, const T* wpe, T* out, int rows,
                             int context, int width, cudaStream_t stream) {
    embeddingForwardKernel<<<blocksFor(size_t(rows) * width), kThreads, 0, stream>>>(
        idx, wte, wpe, out, rows, context, width);
    return cudaGetLastError();
}
template <class T>
cudaError_t embeddingBackward(const int32_t* idx, const T* dout, T* dwte, T* dwpe, int rows,
                              int context, int width, int vocab, cudaStream_t stream) {
    cudaError_t e = cudaMemsetAsync(dwte, 0, size_t(vocab) * width * sizeof(T), stream);
    if (e != cudaSuccess) return e;
    positionGradKernel<<<blocksFor(size_t(context) * width), kThreads, 0, stream>>>(
        dout, dwpe, rows / context, context, width);
    tokenGradKernel<<<unsigned((width + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
        idx, dout, dwte, rows, width);
    return cudaGetLastError();
}
template <class T>
cudaError_t layerNormForward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int rows,
                             int width, double eps, cudaStream_t stream) {
    layerNormForwardKernel<<<unsigned(rows), kThreads, 0, stream>>>(x, w, b, y, mean, rstd, width,
                                                                    T(eps));
    return cudaGetLastError();
}
template <class T>
cudaError_t layerNormBackward(const T* dy, const T* x, const T* w, const T* mean, const T* rstd,
                              T* dx, T* dw, T* db, int rows, int width, cudaStream_t stream) {
    layerNormBackwardKernel<<<unsigned(rows), kThreads, 0, stream>>>(dy, x, w, mean, rstd, dx,
                                                                     width);
    if (cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
    return launchColumnSums<T>(dy, x, mean, rstd, dw, db, rows, width, stream);
}
template <class T>
cudaError_t causalSoftmaxForward(T* att, int rows, int context, cudaStream_t stream) {
    causalSoftmaxForwardKernel<<<warpRowBlocks(rows), kThreads, 0, stream>>>(att, rows, context);
    return cudaGetLastError();
}
template <class T>
cudaError_t causalSoftmaxBackward(const T* att, const T* datt, T* dscores, int rows, int context,
                                  cudaStream_t stream) {
    causalSoftmaxBackwardKernel<<<warpRowBlocks(rows), kThreads, 0, stream>>>(att, datt, dscores,
                                                                              rows, context);
    return cudaGetLastError();
}
template <class T>
cudaError_t geluForward(const T* x, T* y, T* tanhOut, size_t n, cudaStream_t stream) {
    geluForwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, tanhOut, n);
    return cudaGetLastError();
}
template <class T>
cudaError_t geluBackward(const T* x, const T* tanhIn, const T* dy, T* dx, size_t n,
                         cudaStream_t stream) {
    geluBackwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, tanhIn, dy, dx, n);
    return cudaGetLastError();
}
template <class T>
cudaError_t crossEntropyForward(const T* logits, const int32_t* labels, int rows, int cols,
                                T* probs, double* rowLoss, double* rowCorrect, double* out,
                                cudaStream_t stream) {
    crossEntropyKernel<<<unsigned(rows), kThreads, 0, stream>>>(logits, labels, cols, probs,
                                                                rowLoss, rowCorrect);
    lossMeanKernel<<<1, kThreads, 0, stream>>>(rowLoss, rowCorrect, rows, out);
    return cudaGetLastError();
}
template <class T>
cudaError_t crossEntropyBackward(const T* probs, const int32_t* labels, int rows, int cols,
                                 T* dlogits, cudaStream_t stream) {
    crossEntropyBackwardKernel<<<blocksFor(size_t(rows) * cols), kThreads, 0, stream>>>(
        probs, labels, rows, cols, dlogits);
    return cudaGetLastError();
}
template <class T>
cudaError_t mseSumSquares(const T* pred, const T* target, size_t n, double* sum,
                          cudaStream_t stream) {
    const unsigned blocks = blocksFor(n) < 1024 ? blocksFor(n) : 1024;
    sumSquaresKernel<<<blocks, kThreads, 0, stream>>>(pred, target, n, sum);
    return cudaGetLastError();
}
template <class T>
cudaError_t mseBackward(const T* pred, const T* target, size_t n, T* dpred, cudaStream_t stream) {
    mseBackwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(pred, target, n, dpred);
    return cudaGetLastError();
}

cudaError_t sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr, float momentum,
                      cudaStream_t stream) {
    sgdKernel<<<blocksFor(n), kThreads, 0, stream>>>(w, g, velocity, n, lr, momentum);
    return cudaGetLastError();
}
cudaError_t adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float beta1,
                       float beta2, float eps, float stepSize, float bc2Sqrt, cudaStream_t stream) {
    adamKernel<<<blocksFor(n), kThreads, 0, stream>>>(w, g, m, v, n, beta1, beta2, eps, stepSize,
                                                      bc2Sqrt);
    return cudaGetLastError();
}

// The launchers in float (training) and double (gradient check).
#define KS_INSTANTIATE_LAUNCHERS(T)                                                                \
    template cudaError_t fill<T>(T*, T, size_t, cudaStream_t);                                     \
    template cudaError_t add<T>(T*, const T*, size_t, cudaStream_t);                               \
    template cudaError_t scale<T>(T*, T, size_t, cudaStream_t);                                    \
    template cudaError_t roundTo<T>(T*, size_t, bool, cudaStream_t);                               \
    template cudaError_t countNonFinite<T>(const T*, size_t, unsigned long long*, cudaStream_t);   \
    template cudaError_t addBias<T>(T*, const T*, int, int, cudaStream_t);                         \
    template cudaError_t sumRows<T>(const T*, T*, int, int, cudaStream_t);                         \
    template cudaError_t reluForward<T>(const T*, T*, size_t, cudaStream_t);                       \
    template cudaError_t reluBackward<T>(const T*, const T*, T*, size_t, cudaStream_t);            \
    template cudaError_t embeddingForward<T>(const int32_t*, const T*, const T*, T*, int, int,     \
                                             int, cudaStream_t);                                   \
    template cudaError_t embeddingBackward<T>(const int32_t*, const T*, T*, T*, int, int, int,     \
                                              int, cudaStream_t);                                  \
    template cudaError_t layerNormForward<T>(const T*, const T*, const T*, T*, T*, T*, int, int,   \
                                             double, cudaStream_t);                                \
    template cudaError_t layerNormBackward<T>(const T*, const T*, const T*, const T*, const T*,    \
                                              T*, T*, T*, int, int, cudaStream_t);                 \
    template cudaError_t causalSoftmaxForward<T>(T*, int, int, cudaStream_t);                      \
    template cudaError_t causalSoftmaxBackward<T>(const T*, const T*, T*, int, int, cudaStream_t); \
    template cudaError_t geluForward<T>(const T*, T*, T*, size_t, cudaStream_t);                   \
    template cudaError_t geluBackward<T>(const T*, const T*, const T*, T*, size_t, cudaStream_t);  \
    template cudaError_t crossEntropyForward<T>(const T*, const int32_t*, int, int, T*, double*,   \
                                                double*, double*, cudaStream_t);                   \
    template cudaError_t crossEntropyBackward<T>(const T*, const int32_t*, int, int, T*,           \
                                                 cudaStream_t);                                    \
    template cudaError_t mseSumSquares<T>(const T*, const T*, size_t, double*, cudaStream_t);      \
    template cudaError_t mseBackward<T>(const T*, const T*, size_t, T*, cudaStream_t);

KS_INSTANTIATE_LAUNCHERS(float)
KS_INSTANTIATE_LAUNCHERS(double)

} // namespace ks::engine::cuda
