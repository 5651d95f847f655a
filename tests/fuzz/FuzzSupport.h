#pragma once
// Shared by the fuzz targets: readers that take a path get the input through one scratch file per
// process (HDF5 and libzip read files, not buffers).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace ks::fuzz {

// Writes the input to this process's scratch file with `suffix` and returns its path.
inline std::string writeScratch(const uint8_t* data, size_t size, const char* suffix) {
    const char* dir = std::getenv("TMPDIR");
    const std::string path =
        std::string(dir && *dir ? dir : "/tmp") + "/ks-fuzz-" + std::to_string(getpid()) + suffix;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort(); // the harness, not the input, is broken
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

} // namespace ks::fuzz
