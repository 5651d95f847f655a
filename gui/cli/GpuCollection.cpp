// Placeholder until the CUPTI collector is wired in: GPU activity is unavailable.
#include "GpuCollection.h"

namespace ks::cli {

std::unique_ptr<GpuCollection> GpuCollection::start(int64_t, std::string* whyUnavailable) {
    if (whyUnavailable) *whyUnavailable = "GPU activity unavailable: collector not built yet";
    return nullptr;
}

} // namespace ks::cli
