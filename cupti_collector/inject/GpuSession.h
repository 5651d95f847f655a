#pragma once
// GPU activity inside the profiled process (libkernscope-inject-cuda.so, CUDA builds): the CUPTI
// collector runs from CUDA's InitializeInjection until the process exits, then leaves its
// records in the spool as a run file "gpu.<pid>.ksr.h5" that the recorder merges. When it cannot
// start, "gpu.<pid>.status" holds the one-line reason. The source is a parameter, so everything
// but CudaInjection.cpp's two lines is tested with the fake source.
#include "cupti_collector/ActivitySource.h"
#include "cupti_collector/Collector.h"
#include "data/Result.h"

#include <memory>
#include <string>

namespace ks::inject {

class GpuSession {
public:
    // originUnixNs: the run's time 0 (CLOCK_REALTIME ns, from KS_PROFILE_ORIGIN_UNIX_NS).
    static std::unique_ptr<GpuSession> start(std::unique_ptr<cupti::ActivitySource> source,
                                             const std::string& spoolDir, int64_t originUnixNs);
    // Flushes and writes gpu.<pid>.ksr.h5. Call once.
    data::Status finish();

private:
    GpuSession(std::unique_ptr<cupti::Collector> collector, std::string path)
        : m_collector(std::move(collector)), m_path(std::move(path)) {}
    std::unique_ptr<cupti::Collector> m_collector;
    std::string m_path;
};

} // namespace ks::inject
