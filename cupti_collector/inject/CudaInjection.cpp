// CUDA_INJECTION64_PATH entry point: CUDA calls InitializeInjection during cuInit (only with a
// driver). It starts the CUPTI collector for this process and saves at exit (GpuSession.h).
#include "GpuSession.h"

#include "cupti_collector/CuptiActivitySource.h"

#include <cstdlib>
#include <memory>

namespace {

std::unique_ptr<ks::inject::GpuSession>& session() {
    static auto* s = new std::unique_ptr<ks::inject::GpuSession>; // outlives static destructors
    return *s;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int InitializeInjection(void) {
    const char* dir = std::getenv("KS_PROFILE_DIR");
    if (!dir || !*dir || session()) return 1;
    const char* origin = std::getenv("KS_PROFILE_ORIGIN_UNIX_NS");
    const int64_t originUnixNs = origin ? std::strtoll(origin, nullptr, 10) : 0;
    session() = ks::inject::GpuSession::start(std::make_unique<ks::cupti::CuptiActivitySource>(),
                                              dir, originUnixNs);
    if (session())
        std::atexit([] {
            if (session()) (void)session()->finish();
            session().reset();
        });
    return 1;
}
