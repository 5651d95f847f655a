#pragma once
// The seam between `record` (engine) and the CUPTI collector: `record` starts a collection before
// the model runs and stops it into the run afterwards. Without the CUDA toolkit, or when CUPTI
// cannot collect (no driver, another profiler attached), start() returns nullptr and says why.
#include "data/Run.h"

#include <memory>
#include <optional>
#include <string>

namespace ks::cli {

class GpuCollection {
public:
    virtual ~GpuCollection() = default;
    // originUnixNs is the run's time origin (CLOCK_REALTIME ns): activity is stored relative to it.
    // callerThreadRunId (optional): the run's id for the calling thread, so its CUDA API calls and
    // NVTX ranges land on the same row as the CPU ranges it records (else they keep system ids).
    static std::unique_ptr<GpuCollection> start(int64_t originUnixNs, std::string* whyUnavailable,
                                                std::optional<uint32_t> callerThreadRunId = {});
    // Flushes, translates and appends kernels, copies, memsets, API calls, NVTX ranges, devices
    // and collector statistics into `run`.
    virtual void stopInto(ks::data::Run& run) = 0;
};

} // namespace ks::cli
