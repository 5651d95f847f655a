#pragma once
// Launchers for the CUDA backend's own kernels (CudaKernels.cu). Pointers are device pointers;
// every launcher enqueues on `stream` and returns cudaGetLastError().
#include <cstddef>
#include <cstdint>
#include <cuda_runtime.h>

namespace ks::engine::cuda {

cudaError_t fill(float* dst, float value, size_t n, cudaStream_t stream);
cudaError_t addBias(float* y, const float* bias, int rows, int cols, cudaStream_t stream);
cudaError_t sumRows(const float* dy, float* db, int rows, int cols, cudaStream_t stream);
cudaError_t reluForward(const float* x, float* y, size_t n, cudaStream_t stream);
cudaError_t reluBackward(const float* y, const float* dy, float* dx, size_t n, cudaStream_t stream);
// probs and, per row, the loss and 1/0 for a correct argmax; then the means into out[0], out[1].
cudaError_t softmaxCrossEntropy(const float* logits, const int32_t* labels, int rows, int cols,
                                float* probs, float* rowLoss, float* rowCorrect, float* out,
                                cudaStream_t stream);
cudaError_t softmaxCrossEntropyBackward(const float* probs, const int32_t* labels, int rows,
                                        int cols, float* dlogits, cudaStream_t stream);
// out[0] = mean((pred - target)^2), accumulated in double.
cudaError_t mseForward(const float* pred, const float* target, size_t n, double* accum, float* out,
                       cudaStream_t stream);
cudaError_t mseBackward(const float* pred, const float* target, size_t n, float* dpred,
                        cudaStream_t stream);
cudaError_t sgdUpdate(float* w, const float* g, float* velocity, size_t n, float lr, float momentum,
                      cudaStream_t stream);
cudaError_t adamUpdate(float* w, const float* g, float* m, float* v, size_t n, float lr,
                       float beta1, float beta2, float eps, float stepSize, float bc2Sqrt,
                       cudaStream_t stream);

} // namespace ks::engine::cuda
