#include "TinyKernel.h"

__global__ void ksTinyKernel(float* data, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] = data[i] * 2.0f + 1.0f;
}

cudaError_t ksLaunchTinyKernel(float* data, int n, int blocks, int threadsPerBlock) {
    ksTinyKernel<<<blocks, threadsPerBlock>>>(data, n);
    return cudaGetLastError();
}
