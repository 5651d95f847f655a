// The real CUPTI adapter. Without a driver it must fail gracefully; with a GPU ([gpu]) it must
// record real kernels, copies and API calls with sane names and timestamps.
#include "TestSupport.h"
#include "TinyKernel.h"
#include "cupti_collector/ClockMapping.h"
#include "cupti_collector/Collector.h"
#include "cupti_collector/CuptiActivitySource.h"
#include "cupti_collector/CuptiApi.h"

#include <catch2/catch.hpp>
#include <cupti.h>
#include <nvtx3/nvToolsExt.h>

#include <map>
#include <vector>

using namespace ks::cupti;

namespace {
bool haveGpu(std::string* why) {
    std::string reason;
    const bool have = !queryCudaDevices(&reason).empty();
    if (why) *why = reason.empty() ? "no CUDA device" : reason;
    return have;
}
} // namespace

TEST_CASE("cupti: API names come from CUPTI without a driver, version suffix dropped", "[cupti]") {
    CuptiActivitySource source;
    CHECK(source.apiName(CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020) ==
          "cudaMemcpy");
    CHECK(source.apiName(CUPTI_ACTIVITY_KIND_DRIVER, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel) ==
          "cuLaunchKernel");
    CHECK(source.apiName(CUPTI_ACTIVITY_KIND_RUNTIME, 0xfffffu).empty());
}

TEST_CASE("cupti: without a driver the real collector reports GPU activity unavailable",
          "[cupti]") {
    std::string why;
    if (haveGpu(&why)) {
        ks::test::skipTest("a CUDA device is present: the no-driver path is not exercised here");
        return;
    }
    for (int attempt = 0; attempt < 2; ++attempt) { // a failed start leaves nothing behind
        auto c = Collector::start(std::make_unique<CuptiActivitySource>(), {}, realtimeNowNs());
        REQUIRE_FALSE(c.ok());
        const std::string& m = c.error().message;
        INFO(m);
        CHECK(m.rfind("GPU activity unavailable: ", 0) == 0);
        CHECK(m.find(cuptiErrorText(CUPTI_ERROR_UNKNOWN)) != std::string::npos);
    }
}

// Run by tests/cli/run_without_cuda.sh with the toolkit hidden (hidden tag: it needs that).
TEST_CASE("cupti: without libcupti the collector says so and the adapter stays inert",
          "[.nocupti]") {
    std::string why;
    REQUIRE(CuptiApi::get(&why) == nullptr);
    CHECK(why.rfind("libcupti not found (libcupti.so.", 0) == 0);
    CuptiActivitySource source;
    CHECK(source.apiName(CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020)
              .empty());
    CHECK(source.timestampNs() == 0);
    CHECK(cuptiErrorText(CUPTI_ERROR_UNKNOWN) == "unknown CUPTI error (999)");
    for (int attempt = 0; attempt < 2; ++attempt) { // the answer is the same each time
        auto c = Collector::start(std::make_unique<CuptiActivitySource>(), {}, realtimeNowNs());
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message == "GPU activity unavailable: " + why);
    }
}

TEST_CASE("cupti: a real run records kernels, copies and API calls with sane values",
          "[cupti][gpu]") {
    std::string why;
    if (!haveGpu(&why)) {
        ks::test::skipTest("[gpu] test: " + why);
        return;
    }
    const int64_t origin = realtimeNowNs();
    auto c = Collector::start(std::make_unique<CuptiActivitySource>(), {}, origin);
    REQUIRE(c.ok());
    constexpr int kN = 1 << 20, kThreads = 256, kBlocks = (kN + kThreads - 1) / kThreads;
    nvtxRangePushA("ks-gpu-test"); // the CPU range that launches everything below
    std::vector<float> host(kN, 1.0f);
    float* device = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&device), kN * sizeof(float)) == cudaSuccess);
    REQUIRE(cudaMemset(device, 0, kN * sizeof(float)) == cudaSuccess);
    REQUIRE(cudaMemcpy(device, host.data(), kN * sizeof(float), cudaMemcpyHostToDevice) ==
            cudaSuccess);
    for (int i = 0; i < 3; ++i) REQUIRE(ksLaunchTinyKernel(device, kN, kBlocks, kThreads) == 0);
    REQUIRE(cudaMemcpy(host.data(), device, kN * sizeof(float), cudaMemcpyDeviceToHost) ==
            cudaSuccess);
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    nvtxRangePop();
    cudaFree(device);
    CHECK(host[0] == 15.0f); // ((1*2+1)*2+1)*2+1
    const int64_t stopped = realtimeNowNs() - origin;

    ks::data::Run run;
    c.value()->stopInto(run);
    INFO("collector status: " << run.collector.status);
    REQUIRE(run.devices.size() >= 1);
    CHECK(run.devices.sm_count[0] > 0);
    CHECK(run.devices.memory_bandwidth_gbps[0] > 0);
    std::map<uint32_t, size_t> apiByCorrelation;
    for (size_t i = 0; i < run.api.size(); ++i) apiByCorrelation[run.api.correlation[i]] = i;
    // Only our kernels (the runtime may launch its own).
    std::vector<size_t> ours;
    for (size_t i = 0; i < run.kernels.size(); ++i)
        if (run.strings.get(run.kernels.name[i]).find("ksTinyKernel") != std::string::npos)
            ours.push_back(i);
    REQUIRE(ours.size() == 3);
    for (size_t i : ours) {
        CHECK(run.kernels.grid_x[i] == uint32_t(kBlocks));
        CHECK(run.kernels.grid_y[i] == 1);
        CHECK(run.kernels.block_x[i] == uint32_t(kThreads));
        CHECK(run.kernels.registers_per_thread[i] > 0);
        CHECK(run.kernels.start_ns[i] > 0);
        CHECK(run.kernels.end_ns[i] > run.kernels.start_ns[i]);
        CHECK(run.kernels.end_ns[i] < stopped);
        CHECK(run.deviceName(run.kernels.device[i]) ==
              std::string(run.strings.get(run.devices.name[0])));
        // The launching API call started before the kernel did.
        REQUIRE(apiByCorrelation.count(run.kernels.correlation[i]));
        const size_t a = apiByCorrelation[run.kernels.correlation[i]];
        CHECK(run.strings.get(run.api.name[a]).find("Launch") != std::string::npos);
        CHECK(run.api.start_ns[a] <= run.kernels.start_ns[i]);
    }
    // Copies: all bytes accounted for in each direction (a copy may come as several records).
    uint64_t toDevice = 0, toHost = 0;
    for (size_t i = 0; i < run.memcpy.size(); ++i) {
        CHECK(run.memcpy.end_ns[i] >= run.memcpy.start_ns[i]);
        if (run.memcpy.kind[i] == uint8_t(ks::data::MemcpyKind::HtoD))
            toDevice += run.memcpy.bytes[i];
        if (run.memcpy.kind[i] == uint8_t(ks::data::MemcpyKind::DtoH))
            toHost += run.memcpy.bytes[i];
    }
    CHECK(toDevice == kN * sizeof(float));
    CHECK(toHost == kN * sizeof(float));
    REQUIRE(run.memset.size() >= 1);
    CHECK(run.memset.bytes[0] == kN * sizeof(float));
    // The NVTX range (via CUPTI's MARKER records) encloses the kernels it launched.
    int64_t rangeStart = -1, rangeEnd = -1;
    for (size_t i = 0; i < run.ranges.size(); ++i)
        if (run.strings.get(run.ranges.name[i]) == "ks-gpu-test") {
            rangeStart = run.ranges.start_ns[i];
            rangeEnd = run.ranges.end_ns[i];
            CHECK(run.strings.get(run.ranges.category[i]) == "nvtx");
        }
    CHECK(rangeStart >= 0);
    for (size_t i : ours) {
        CHECK(run.kernels.start_ns[i] >= rangeStart);
        CHECK(run.kernels.end_ns[i] <= rangeEnd);
    }
    CHECK(run.collector.unmatched_markers == 0);
    CHECK(run.collector.zero_timestamp_records == 0);
}
