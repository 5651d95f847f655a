#pragma once
// Merges the GPU activity the profiled processes left in the spool (gpu.<pid>.ksr.h5, written by
// libkernscope-inject-cuda.so; cupti_collector/inject/GpuSession.h) into the run: kernels, copies,
// memsets, CUDA API calls, devices and collector counts. CUPTI's own NVTX markers are skipped:
// the NVTX injection already recorded those ranges. "gpu.<pid>.status" files give the reasons.
#include "data/Run.h"

#include <string>
#include <vector>

namespace ks::cli {

struct GpuMerge {
    size_t processes = 0;              // gpu.<pid>.ksr.h5 files merged
    std::vector<std::string> problems; // one line each: a status file or an unreadable part
};

GpuMerge mergeGpuParts(const std::string& dir, data::Run& run);

} // namespace ks::cli
