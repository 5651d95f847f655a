#include "GpuSession.h"

#include "data/RunFile.h"

#include <fstream>
#include <unistd.h>

namespace ks::inject {

std::unique_ptr<GpuSession> GpuSession::start(std::unique_ptr<cupti::ActivitySource> source,
                                              const std::string& spoolDir, int64_t originUnixNs) {
    const std::string base = spoolDir + "/gpu." + std::to_string(getpid());
    auto collector = cupti::Collector::start(std::move(source), {}, originUnixNs);
    if (!collector) {
        std::ofstream(base + ".status") << collector.error().message << "\n";
        return nullptr;
    }
    return std::unique_ptr<GpuSession>(
        new GpuSession(std::move(collector.value()), base + ".ksr.h5"));
}

data::Status GpuSession::finish() {
    data::Run run;
    m_collector->stopInto(run);
    run.info.producer = "libkernscope-inject-cuda";
    return data::writeRun(run, m_path);
}

} // namespace ks::inject
