// The record command's GPU collection: the CUPTI collector when built with the CUDA toolkit.
#include "GpuCollection.h"

#ifdef KS_HAVE_CUPTI
#include "cupti_collector/Collector.h"
#include "cupti_collector/CuptiActivitySource.h"

#include <cstdlib>
#include <string_view>
#endif

namespace ks::cli {

#ifdef KS_HAVE_CUPTI

namespace {

// Tuning without new flags on `record`: KS_CUPTI_KERNELS=serial, KS_CUPTI_BUFFER_MB,
// KS_CUPTI_MAX_BUFFERS.
ks::cupti::CollectorOptions optionsFromEnvironment() {
    ks::cupti::CollectorOptions o;
    if (const char* v = std::getenv("KS_CUPTI_KERNELS"))
        o.serializeKernels = std::string_view(v) == "serial";
    if (const char* v = std::getenv("KS_CUPTI_BUFFER_MB"); v && std::atol(v) > 0)
        o.bufferBytes = size_t(std::atol(v)) << 20;
    if (const char* v = std::getenv("KS_CUPTI_MAX_BUFFERS"); v && std::atol(v) > 0)
        o.maxBuffers = size_t(std::atol(v));
    return o;
}

class CuptiGpuCollection final : public GpuCollection {
public:
    explicit CuptiGpuCollection(std::unique_ptr<ks::cupti::Collector> collector)
        : m_collector(std::move(collector)) {}
    void stopInto(ks::data::Run& run) override { m_collector->stopInto(run); }

private:
    std::unique_ptr<ks::cupti::Collector> m_collector;
};

} // namespace

std::unique_ptr<GpuCollection> GpuCollection::start(int64_t originUnixNs,
                                                    std::string* whyUnavailable,
                                                    std::optional<uint32_t> callerThreadRunId) {
    ks::cupti::CollectorOptions options = optionsFromEnvironment();
    options.callerThreadRunId = callerThreadRunId;
    auto collector = ks::cupti::Collector::start(std::make_unique<ks::cupti::CuptiActivitySource>(),
                                                 options, originUnixNs);
    if (!collector) {
        if (whyUnavailable) *whyUnavailable = collector.error().message;
        return nullptr;
    }
    return std::make_unique<CuptiGpuCollection>(std::move(collector.value()));
}

#else

std::unique_ptr<GpuCollection> GpuCollection::start(int64_t, std::string* whyUnavailable,
                                                    std::optional<uint32_t>) {
    if (whyUnavailable)
        *whyUnavailable = "GPU activity unavailable: built without the CUDA toolkit";
    return nullptr;
}

#endif

} // namespace ks::cli
