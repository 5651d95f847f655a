// GPU activity of a profiled process without a GPU: the session the CUDA injection library runs
// (GpuSession) is fed hand-built CUPTI records through the fake source, saves its part in a spool
// folder, and the recorder's merge puts kernels, copies and devices into the run.
#include "ProfileGpu.h"
#include "Records.h"
#include "TestSupport.h"

#include "cupti_collector/FakeActivitySource.h"
#include "cupti_collector/inject/GpuSession.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <time.h>

using namespace ks;

namespace {
int64_t realtimeNs() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
} // namespace

TEST_CASE("GPU session: fake CUPTI records reach the run through the spool", "[profile][gpu]") {
    const std::string dir = test::scratchDir("profile_gpu_session");
    const int64_t origin = realtimeNs();
    auto source = std::make_unique<cupti::FakeActivitySource>();
    auto* fake = source.get();
    fake->setClock([] { return uint64_t(realtimeNs()); });
    auto session = inject::GpuSession::start(std::move(source), dir, origin);
    REQUIRE(session);
    const uint64_t t0 = uint64_t(origin);
    cupti::FakeRecordBatch batch;
    batch.add(test::kernelRecord(t0 + 1000, t0 + 5000, 3, 11, "gemm_kernel"));
    batch.add(test::kernelRecord(t0 + 6000, t0 + 7000, 3, 12, "relu_kernel"));
    batch.add(test::memcpyRecord(t0 + 100, t0 + 900, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, 4096, 10));
    fake->deliver(batch);
    fake->addDroppedRecords(2);
    REQUIRE(session->finish());

    data::Run run;
    const cli::GpuMerge merged = cli::mergeGpuParts(dir, run);
    CHECK(merged.processes == 1);
    REQUIRE(run.kernels.size() == 2);
    CHECK(run.strings.get(run.kernels.name[0]) == "gemm_kernel");
    // The collector maps CUPTI's clock onto the run's with a pair of reads taken at start:
    // positions move by that pair's jitter (microseconds at most), durations not at all.
    CHECK(std::abs(run.kernels.start_ns[0] - 1000) < 100'000);
    CHECK(run.kernels.end_ns[0] - run.kernels.start_ns[0] == 4000);
    CHECK(run.kernels.start_ns[1] - run.kernels.start_ns[0] == 5000);
    REQUIRE(run.memcpy.size() == 1);
    CHECK(run.memcpy.bytes[0] == 4096);
    CHECK(run.collector.dropped_records == 2);
}

TEST_CASE("GPU session: a source that cannot start leaves its reason for the recorder",
          "[profile][gpu]") {
    const std::string dir = test::scratchDir("profile_gpu_fail");
    auto source = std::make_unique<cupti::FakeActivitySource>();
    source->failEnable(CUPTI_ERROR_UNKNOWN);
    auto session = inject::GpuSession::start(std::move(source), dir, realtimeNs());
    CHECK(!session);
    data::Run run;
    const cli::GpuMerge merged = cli::mergeGpuParts(dir, run);
    CHECK(merged.processes == 0);
    REQUIRE(merged.problems.size() == 1);
    CHECK(merged.problems[0].rfind("GPU activity unavailable", 0) == 0);
}
