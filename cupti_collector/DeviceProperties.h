#pragma once
// What Kernscope keeps about a GPU (/meta/devices): enough for occupancy estimates and
// bandwidth-vs-peak. Filled from cudaGetDeviceProperties by the real source, by hand in tests.
#include <cstdint>
#include <string>

namespace ks::cupti {

struct DeviceProperties {
    uint32_t ordinal = 0; // CUDA device ordinal: the deviceId in CUPTI records
    std::string name;
    uint32_t smCount = 0;
    uint32_t clockKhz = 0;
    uint64_t memoryBytes = 0;
    double memoryBandwidthGbps = 0; // peak: 2 * memory clock * bus width
    uint32_t ccMajor = 0, ccMinor = 0;
    uint32_t maxThreadsPerSm = 0, registersPerSm = 0, sharedMemoryPerSm = 0;
};

} // namespace ks::cupti
