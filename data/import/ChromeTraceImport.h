#pragma once
// Chrome / Kineto trace JSON (a bare array or {"traceEvents": [...]}) into a Run. Kernels (cat
// "kernel"/"Kernel") go to /gpu/kernels with their args (grid, block, registers per thread, shared
// memory, stream, correlation), copies/memsets (cat gpu_memcpy/gpu_memset) to /gpu/memcpy and
// /gpu/memset, CUDA runtime/driver calls (cat cuda_runtime/cuda_driver) to /cpu/api, every other
// X or B/E event to /cpu/ranges with its nesting depth, C events to /counters. pids and tids may
// be numbers or strings (PyTorch 1.13 writes "CPU functions"); M events name the threads.
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>

namespace ks::data {

Result<Run> importChromeTrace(const std::string& path);
// `source` names the input in error messages ("trace.json:12:5: ...").
Result<Run> parseChromeTrace(std::string_view text, const std::string& source);

// Whole file into a string; one-line error naming the file when it cannot be read.
Result<std::string> readTextFile(const std::string& path);

} // namespace ks::data
