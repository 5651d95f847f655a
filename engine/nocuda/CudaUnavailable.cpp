// Built without the CUDA toolkit: the CUDA backend is never available.
#include "engine/Backend.h"

namespace ks::engine {

std::unique_ptr<Backend> createCudaBackend(std::string* why, std::string* detail) {
    if (why) *why = "no CUDA support in this build";
    if (detail) detail->clear();
    return nullptr;
}

bool cudaBackendBuilt() {
    return false;
}

} // namespace ks::engine
