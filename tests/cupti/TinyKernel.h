#pragma once
// A kernel for the [gpu] collector test: data[i] = data[i] * 2 + 1 over n floats.
#include <cuda_runtime_api.h>

cudaError_t ksLaunchTinyKernel(float* data, int n, int blocks, int threadsPerBlock);
