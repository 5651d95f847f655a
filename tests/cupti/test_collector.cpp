// The whole collector path with the fake source: buffer pool, completion queue, translation on
// the collector's thread, clock conversion, dropped-record accounting, run file round trip.
#include "Records.h"
#include "TestSupport.h"
#include "cupti_collector/BufferPool.h"
#include "cupti_collector/ClockMapping.h"
#include "cupti_collector/Collector.h"
#include "cupti_collector/FakeActivitySource.h"
#include "data/RunFile.h"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace ks::cupti;
using namespace ks::test;

namespace {

// The fake source's clock runs 3 s behind CLOCK_REALTIME, so the conversion has work to do.
constexpr int64_t kClockLag = 3'000'000'000;

struct FakeSetup {
    FakeActivitySource* fake = nullptr;
    std::unique_ptr<Collector> collector;
    int64_t origin = 0;
    uint64_t t0 = 0; // "now" in the fake clock at start
};

FakeSetup startFake(CollectorOptions options = {}) {
    FakeSetup s;
    auto source = std::make_unique<FakeActivitySource>();
    s.fake = source.get();
    s.fake->setClock([] { return uint64_t(realtimeNowNs() - kClockLag); });
    s.fake->setApiNames({{211, "cudaLaunchKernel"}, {31, "cudaMemcpy"}});
    DeviceProperties h100;
    h100.ordinal = 0;
    h100.name = "NVIDIA H100 80GB HBM3";
    h100.smCount = 132;
    h100.clockKhz = 1980000;
    h100.memoryBytes = 85'520'809'984ull;
    h100.memoryBandwidthGbps = 3352.3;
    h100.ccMajor = 9;
    h100.ccMinor = 0;
    h100.maxThreadsPerSm = 2048;
    h100.registersPerSm = 65536;
    h100.sharedMemoryPerSm = 233472;
    s.fake->setDevices({h100});
    s.origin = realtimeNowNs() - 1'000'000; // the run began 1 ms before the collector
    auto c = Collector::start(std::move(source), options, s.origin);
    REQUIRE(c.ok());
    s.collector = std::move(c.value());
    s.t0 = s.fake->timestampNs();
    return s;
}

} // namespace

TEST_CASE("cupti: the buffer pool hands out aligned buffers up to its cap and reuses them",
          "[cupti]") {
    BufferPool pool(4096 + 3, 3, 1); // size rounded up to the 8-byte alignment
    CHECK(pool.bufferBytes() % 8 == 0);
    CHECK(pool.allocated() == 1);
    uint8_t* a = pool.acquire();
    uint8_t* b = pool.acquire();
    uint8_t* c = pool.acquire();
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    for (uint8_t* p : {a, b, c}) CHECK(reinterpret_cast<uintptr_t>(p) % 8 == 0);
    CHECK(pool.acquire() == nullptr); // at the cap
    CHECK(pool.refusals() == 1);
    CHECK(pool.inUse() == 3);
    pool.release(b);
    CHECK(pool.acquire() == b); // reused, not a new allocation
    CHECK(pool.allocated() == 3);
    pool.release(a);
    pool.release(b);
    pool.release(c);
    CHECK(pool.inUse() == 0);
}

TEST_CASE("cupti: fake records go through buffers, queue and translation into the run", "[cupti]") {
    CollectorOptions options;
    options.bufferBytes = 16384; // small buffers: many of them cycle through the pool
    options.maxBuffers = 256;    // enough never to refuse here (the cap has its own test)
    FakeSetup s = startFake(options);
    const uint64_t t0 = s.t0;

    // Four host threads launch concurrently, as CUDA 13's per-thread buffers deliver them.
    constexpr int kThreads = 4, kPerThread = 500;
    std::vector<std::thread> threads;
    for (int th = 0; th < kThreads; ++th)
        threads.emplace_back([&, th] {
            FakeRecordBatch batch;
            for (int i = 0; i < kPerThread; ++i) {
                const uint32_t corr = uint32_t(th * kPerThread + i + 1);
                const uint64_t at = t0 + 10'000 + uint64_t(corr) * 1000;
                batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, at, at + 300,
                                    uint32_t(7000 + th), corr));
                batch.add(kernelRecord(at + 200, at + 900, uint32_t(th + 1), corr,
                                       th % 2 ? "gemm_kernel" : "relu_kernel"));
            }
            s.fake->deliver(batch);
        });
    for (auto& t : threads) t.join();

    // Still inside "CUPTI" at stop: only the forced flush delivers these.
    FakeRecordBatch late;
    late.add(memcpyRecord(t0 + 5000, t0 + 6000, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, 1 << 20, 9001));
    late.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_START, t0 + 1000, 1, 7000, "train step"));
    late.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_END, t0 + 9'000'000, 1, 7000, nullptr));
    late.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_START, t0 + 2000, 2, 7000, "unfinished"));
    late.add(kernelRecord(0, 0, 1, 9002, "zero_kernel"));
    s.fake->holdUntilFlush(late);
    s.fake->addDroppedRecords(17);

    ks::data::Run run;
    run.addDevice("cpu", "host"); // the engine's own device comes first: GPU ids are remapped
    s.collector->stopInto(run);
    CHECK(s.fake->flushes() >= 1);

    REQUIRE(run.kernels.size() == kThreads * kPerThread);
    REQUIRE(run.api.size() == kThreads * kPerThread);
    CHECK(run.memcpy.size() == 1);
    CHECK(run.ranges.size() == 1);
    CHECK(run.collector.dropped_records == 17);
    CHECK(run.collector.zero_timestamp_records == 1);
    CHECK(run.collector.unmatched_markers == 1);
    CHECK(run.collector.buffers > 1);
    CHECK(s.collector->pool().inUse() == 0);
    CHECK(s.collector->pool().allocated() <= options.maxBuffers);

    // Devices: the GPU got its own row; kernels point at it.
    REQUIRE(run.devices.size() == 2);
    CHECK(run.deviceIsCpu(0));
    CHECK(run.deviceName(1) == "NVIDIA H100 80GB HBM3");
    CHECK(run.devices.sm_count[1] == 132);
    CHECK(run.devices.cc_major[1] == 9);
    for (uint32_t d : run.kernels.device) CHECK(d == 1);

    // Correlation: every kernel has its launching API call, which started before it; the clock
    // conversion put both relative to the run origin (the fake clock lags realtime by 3 s).
    std::map<uint32_t, size_t> apiByCorrelation;
    for (size_t i = 0; i < run.api.size(); ++i) apiByCorrelation[run.api.correlation[i]] = i;
    std::set<uint32_t> seen;
    for (size_t i = 0; i < run.kernels.size(); ++i) {
        const uint32_t c = run.kernels.correlation[i];
        seen.insert(c);
        REQUIRE(apiByCorrelation.count(c));
        const size_t a = apiByCorrelation[c];
        CHECK(run.kernels.start_ns[i] - run.api.start_ns[a] == 200);
        CHECK(run.api.thread[a] == 7000 + (c - 1) / kPerThread);
        CHECK(run.kernels.stream[i] == 1 + (c - 1) / kPerThread);
    }
    CHECK(seen.size() == kThreads * kPerThread);
    CHECK(std::is_sorted(run.kernels.start_ns.begin(), run.kernels.start_ns.end()));
    // The first launch was ~1 ms (origin) + 11 us after the origin; the lag must be gone.
    const int64_t first = run.api.start_ns.front();
    CHECK(first > 1'000'000);
    CHECK(first < 1'000'000 + 50'000'000);
    CHECK(run.strings.get(run.api.name[0]) == "cudaLaunchKernel");
    CHECK(run.strings.get(run.ranges.name[0]) == "train step");
}

TEST_CASE("cupti: a pool at its cap drops records and counts them", "[cupti]") {
    CollectorOptions options;
    options.bufferBytes = 4096;
    options.maxBuffers = 2;
    options.preallocatedBuffers = 0;
    FakeSetup s = startFake(options);
    // CUPTI keeps a buffer per thread: two threads hold the whole pool.
    uint8_t* held1 = s.collector->requestBuffer();
    uint8_t* held2 = s.collector->requestBuffer();
    REQUIRE(held1);
    REQUIRE(held2);
    FakeRecordBatch batch;
    for (uint32_t i = 0; i < 100; ++i)
        batch.add(kernelRecord(s.t0 + 100 * i + 1, s.t0 + 100 * i + 50, 1, i, "k"));
    s.fake->deliver(batch); // no buffer to be had: all 100 are lost
    // The held buffers come back (one empty, one with two kernels), then a later batch fits.
    s.collector->bufferCompleted(held1, 0);
    FakeRecordBatch two;
    two.add(kernelRecord(s.t0 + 20'000, s.t0 + 20'100, 1, 500, "k"));
    two.add(kernelRecord(s.t0 + 30'000, s.t0 + 30'100, 1, 501, "k"));
    std::memcpy(held2, two.data(), two.bytes());
    s.collector->bufferCompleted(held2, two.bytes());

    ks::data::Run run;
    s.collector->stopInto(run);
    CHECK(run.collector.dropped_records == 100);
    CHECK(run.kernels.size() == 2);
    CHECK(s.collector->pool().allocated() == 2);
    CHECK(s.collector->pool().refusals() >= 1);
    CHECK(run.collector.status.find("buffer pool at its cap") != std::string::npos);
}

TEST_CASE("cupti: the serializing kernel option reaches the source", "[cupti]") {
    CollectorOptions options;
    options.serializeKernels = true;
    FakeSetup s = startFake(options);
    CHECK(s.fake->serializeKernels());
    ks::data::Run run;
    s.collector->stopInto(run);
    CHECK(run.kernels.size() == 0);
}

TEST_CASE("cupti: a source that cannot enable leaves the run without GPU activity", "[cupti]") {
    auto source = std::make_unique<FakeActivitySource>();
    source->failEnable(CUPTI_ERROR_UNKNOWN);
    auto c = Collector::start(std::move(source), {}, realtimeNowNs());
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.rfind("GPU activity unavailable: ", 0) == 0);
}

TEST_CASE("cupti: a run file written from fake records reads back with the right summary",
          "[cupti]") {
    FakeSetup s = startFake();
    const uint64_t t0 = s.t0;
    FakeRecordBatch batch;
    batch.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_START, t0 + 1000, 1, 42, "forward"));
    batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 31, t0 + 2000, t0 + 9000, 42, 1));
    batch.add(memcpyRecord(t0 + 3000, t0 + 8000, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, 1 << 20, 1));
    batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, t0 + 10'000, t0 + 12'000, 42, 2));
    batch.add(kernelRecord(t0 + 11'000, t0 + 20'000, 7, 2, "_Z4gemmPKfS0_Pfiii"));
    batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, t0 + 13'000, t0 + 14'000, 42, 3));
    batch.add(kernelRecord(t0 + 21'000, t0 + 22'000, 7, 3, "relu_kernel"));
    batch.add(memsetRecord(t0 + 23'000, t0 + 23'500, 4096, 0, 4));
    batch.add(syncRecord(CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE, t0 + 24'000,
                         t0 + 30'000, 5));
    batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 131, t0 + 23'900, t0 + 30'100, 42, 5));
    batch.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_END, t0 + 31'000, 1, 42, nullptr));
    batch.add(overheadRecord(t0 + 40'000, t0 + 41'000));
    batch.add(kernelRecord(0, 0, 7, 6, "relu_kernel"));
    s.fake->deliver(batch);
    s.fake->addDroppedRecords(3);

    ks::data::Run run;
    run.info.backend = "cuda";
    run.info.origin_unix_ns = s.origin;
    s.collector->stopInto(run);

    const std::string dir = scratchDir("cupti_runfile");
    const std::string path = dir + "/fake.ksr.h5";
    const ks::data::Status written = ks::data::writeRun(run, path);
    REQUIRE(written.ok());
    auto back = ks::data::readRun(path);
    REQUIRE(back.ok());
    const ks::data::Run& r = back.value();
    CHECK(r.kernels.size() == 2);
    CHECK(r.memcpy.size() == 1);
    CHECK(r.memset.size() == 1);
    CHECK(r.api.size() == 4);
    CHECK(r.ranges.size() == 2); // "forward" and the stream synchronize wait
    CHECK(r.collector.dropped_records == 3);
    CHECK(r.collector.zero_timestamp_records == 1);
    CHECK(r.collector.overhead_ns == 1000);
    CHECK(r.collector.unmatched_markers == 0);
    CHECK(r.strings.get(r.kernels.name[0]) == "_Z4gemmPKfS0_Pfiii");
    CHECK(r.strings.get(r.kernels.name[1]) == "relu_kernel");
    CHECK(r.kernels.end_ns[0] - r.kernels.start_ns[0] == 9000);
    CHECK(r.memcpy.kind[0] == uint8_t(ks::data::MemcpyKind::HtoD));
    CHECK(r.deviceName(r.kernels.device[0]) == "NVIDIA H100 80GB HBM3");
    size_t forward = r.strings.get(r.ranges.name[0]) == "forward" ? 0 : 1;
    CHECK(r.ranges.depth[forward] == 0);
    CHECK(r.ranges.depth[1 - forward] == 1); // the wait nests inside "forward" on thread 42
    CHECK(r.strings.get(r.ranges.category[1 - forward]) == "sync");

    // h5py users get plain arrays with the same numbers (Debian's NumPy/h5py).
    const ProcessResult py = runPython("cupti/summarize_run.py", {path});
    INFO(py.output);
    REQUIRE(py.exitCode == 0);
    CHECK(py.output.find("kernels=2 memcpy=1 memset=1 api=4 ranges=2") != std::string::npos);
    CHECK(py.output.find("dropped=3 zero_timestamp=1 overhead_ns=1000") != std::string::npos);
    CHECK(py.output.find("kernel_ns=10000") != std::string::npos);
    CHECK(py.output.find("first_kernel=_Z4gemmPKfS0_Pfiii") != std::string::npos);
}

TEST_CASE("cupti: the calling thread's CUPTI records join the run's own thread row", "[cupti]") {
    CollectorOptions options;
    options.callerThreadRunId = 0; // the engine records its CPU ranges as thread 0
    FakeSetup s = startFake(options);
    const uint32_t me = currentSystemThreadId();
    const uint32_t other = me + 1;
    FakeRecordBatch batch;
    batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, s.t0 + 100, s.t0 + 200, me, 1));
    batch.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, s.t0 + 300, s.t0 + 400, other, 2));
    batch.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS, s.t0 + 50, 1, me, "m"));
    s.fake->deliver(batch);
    ks::data::Run run;
    run.nameThread(0, "engine");
    s.collector->stopInto(run);
    REQUIRE(run.api.size() == 2);
    CHECK(run.api.thread[0] == 0);
    CHECK(run.api.thread[1] == other);
    CHECK(run.ranges.thread[0] == 0);
    CHECK(run.threadName(0) == "engine");
    CHECK(run.threadName(other) == "CUDA host thread " + std::to_string(other));
}
