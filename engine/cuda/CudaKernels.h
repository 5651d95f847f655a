#pragma once
// Launchers for the CUDA backend's own kernels (CudaKernels.cu). Pointers are device pointers;
// every launcher enqueues on `stream` and returns cudaGetLastError(). The templates exist for
// float and double: the gradient check runs the same kernels in float64. Numerics follow the
// CPU ops (engine/CpuOps.h) formula for formula; only the order of summation differs (trees of
// partial sums instead of one running sum).
#include <cstddef>
#include <cstdint>
#include <cuda_runtime.h>

namespace ks::engine::cuda {

template <class T> cudaError_t fill(T* dst, T value, size_t n, cudaStream_t stream);
template <class T> cudaError_t add(T* y, const T* x, size_t n, cudaStream_t stream); // y += x
template <class T> cudaError_t scale(T* x, T factor, size_t n, cudaStream_t stream);
// Rounds each element through float to fp16 (`bfloat16` false) or bf16, nearest even.
template <class T> cudaError_t roundTo(T* x, size_t n, bool bfloat16, cudaStream_t stream);
// *count (device) += the number of NaN and infinite elements; the caller zeroes it first.
template <class T>
cudaError_t countNonFinite(const T* x, size_t n, unsigned long long* count, cudaStream_t stream);

template <class T>
cudaError_t addBias(T* y, const T* bias, int rows, int cols, cudaStream_t stream);
template <class T> cudaError_t sumRows(const T* dy, T* db, int rows, int cols, cudaStream_t stream);
template <class T> cudaError_t reluForward(const T* x, T* y, size_t n, cudaStream_t stream);
template <class T>
cudaError_t reluBackward(const T* y, const T* dy, T* dx, size_t n, cudaStream_t stream);

template <class T>
cudaError_t embeddingForward(const int32_t* idx, const T* wte, const T* wpe, T* out, int rows,
                             int context, int width, cudaStream_t stream);
// Zeroes dwte and dwpe, then sums the gradient rows into them in row order (deterministic).
template <class T>
cudaError_t embeddingBackward(const int32_t* idx, const T* dout, T* dwte, T* dwpe, int rows,
                              int context, int width, int vocab, cudaStream_t stream);
template <class T>
cudaError_t layerNormForward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int rows,
                             int width, double eps, cudaStream_t stream);
template <class T>
cudaError_t layerNormBackward(const T* dy, const T* x, const T* w, const T* mean, const T* rstd,
                              T* dx, T* dw, T* db, int rows, int width, cudaStream_t stream);
template <class T>
cudaError_t causalSoftmaxForward(T* att, int rows, int context, cudaStream_t stream);
template <class T>
cudaError_t causalSoftmaxBackward(const T* att, const T* datt, T* dscores, int rows, int context,
                                  cudaStream_t stream);
template <class T>
cudaError_t geluForward(const T* x, T* y, T* tanhOut, size_t n, cudaStream_t stream);
template <class T>
cudaError_t geluBackward(const T* x, const T* tanhIn, const T* dy, T* dx, size_t n,
                         cudaStream_t stream);

// Softmax of each row into probs; per row the cross-entropy and 1/0 for a correct argmax into
// the scratch arrays; then out[0] = mean loss, out[1] = correct rows (all double).
template <class T>
cudaError_t crossEntropyForward(const T* logits, const int32_t* labels, int rows, int cols,
                                T* probs, double* rowLoss, double* rowCorrect, double* out,
                                cudaStream_t stream);
// dlogits = (probs - onehot(labels)) / rows.
template <class T>
cudaError_t crossEntropyBackward(const T* probs, const int32_t* labels, int rows, int cols,
                                 T* dlogits, cudaStream_t stream);
// *sum (device, zeroed by the caller) += sum of (pred - target)^2 in double.
template <class T>
cudaError_t mseSumSquares(const T* pred, const T* target, size_t n, double* sum,
                          cudaStream_t stream);
template <class T>
cudaError_t mseBackward(const T* pred, const T* target, size_t n, T* dpred, cudaStream_t stream);

cudaError_t sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr, float momentum,
                      cudaStream_t stream);
cudaError_t adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float beta1,
                       float beta2, float eps, float stepSize, float bc2Sqrt, cudaStream_t stream);

} // namespace ks::engine::cuda
