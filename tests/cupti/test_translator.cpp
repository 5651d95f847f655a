// The pure translation layer: hand-built records -> run model columns.
#include "Records.h"
#include "cupti_collector/ActivityTables.h"
#include "cupti_collector/ClockMapping.h"
#include "cupti_collector/RecordTranslator.h"
#include "data/Run.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace ks::cupti;
using namespace ks::test;

namespace {

constexpr uint64_t kT0 = 1'795'000'000'000'000'000ull; // a realistic CLOCK_REALTIME ns value

RecordTranslator makeTranslator() {
    return RecordTranslator([](CUpti_ActivityKind kind, uint32_t cbid) -> std::string {
        static const std::map<uint32_t, std::string> runtime = {
            {211, "cudaLaunchKernel"}, {31, "cudaMemcpy"}, {131, "cudaStreamSynchronize"}};
        if (kind == CUPTI_ACTIVITY_KIND_DRIVER) return cbid == 307 ? "cuLaunchKernel" : "";
        auto it = runtime.find(cbid);
        return it == runtime.end() ? "" : it->second;
    });
}

template <class R> void feed(RecordTranslator& t, const R& r) {
    t.add(reinterpret_cast<const CUpti_Activity*>(&r));
}

std::string str(const ActivityTables& t, uint32_t id) {
    return std::string(t.strings.get(id));
}

} // namespace

TEST_CASE("cupti: kernel records keep every launch parameter and copy the name", "[cupti]") {
    auto t = makeTranslator();
    char name[] = "_Z6matmulPfS_S_iii";
    feed(t, kernelRecord(kT0 + 1000, kT0 + 5000, 13, 77, name));
    name[3] = 'X'; // CUPTI owns and reuses the name: the translator must have copied it
    const ActivityTables out = t.finish();
    REQUIRE(out.kernels.size() == 1);
    const auto& k = out.kernels;
    CHECK(str(out, k.name[0]) == "_Z6matmulPfS_S_iii");
    CHECK(k.start_ns[0] == int64_t(kT0 + 1000));
    CHECK(k.end_ns[0] == int64_t(kT0 + 5000));
    CHECK(k.stream[0] == 13);
    CHECK(k.correlation[0] == 77);
    CHECK(k.grid_x[0] == 128);
    CHECK(k.grid_y[0] == 2);
    CHECK(k.grid_z[0] == 1);
    CHECK(k.block_x[0] == 256);
    CHECK(k.registers_per_thread[0] == 40);
    CHECK(k.shared_static[0] == 4096);
    CHECK(k.shared_dynamic[0] == 16384);
    CHECK(out.records == 1);
}

TEST_CASE("cupti: a name pointer reused for another name is not mistaken for the cached one",
          "[cupti]") {
    auto t = makeTranslator();
    char name[] = "kernelA";
    feed(t, kernelRecord(kT0 + 10, kT0 + 20, 1, 1, name));
    name[6] = 'B';
    feed(t, kernelRecord(kT0 + 30, kT0 + 40, 1, 2, name));
    const ActivityTables out = t.finish();
    REQUIRE(out.kernels.size() == 2);
    CHECK(str(out, out.kernels.name[0]) == "kernelA");
    CHECK(str(out, out.kernels.name[1]) == "kernelB");
}

TEST_CASE("cupti: memcpy, peer-to-peer memcpy and memset records", "[cupti]") {
    auto t = makeTranslator();
    feed(t, memcpyRecord(kT0 + 100, kT0 + 900, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, 1 << 20, 5));
    feed(t, memcpyRecord(kT0 + 1000, kT0 + 1900, CUPTI_ACTIVITY_MEMCPY_KIND_DTOH, 4096, 6));
    feed(t, memcpyRecord(kT0 + 2000, kT0 + 2100, CUPTI_ACTIVITY_MEMCPY_KIND_DTOD, 512, 7));
    feed(t, memcpyRecord(kT0 + 2200, kT0 + 2300, CUPTI_ACTIVITY_MEMCPY_KIND_HTOH, 64, 8));
    feed(t, peerRecord(kT0 + 3000, kT0 + 3500, 8 << 20, 9));
    feed(t, memsetRecord(kT0 + 4000, kT0 + 4100, 1 << 16, 0xff, 10));
    const ActivityTables out = t.finish();
    REQUIRE(out.memcpy.size() == 5);
    using K = ks::data::MemcpyKind;
    CHECK(out.memcpy.kind[0] == uint8_t(K::HtoD));
    CHECK(out.memcpy.kind[1] == uint8_t(K::DtoH));
    CHECK(out.memcpy.kind[2] == uint8_t(K::DtoD));
    CHECK(out.memcpy.kind[3] == uint8_t(K::HtoH));
    CHECK(out.memcpy.kind[4] == uint8_t(K::PtoP));
    CHECK(out.memcpy.bytes[0] == (1u << 20));
    CHECK(out.memcpy.bytes[4] == (8u << 20));
    CHECK(out.memcpy.device[4] == 1);
    CHECK(out.memcpy.stream[4] == 9);
    CHECK(out.memcpy.correlation[1] == 6);
    REQUIRE(out.memset.size() == 1);
    CHECK(out.memset.bytes[0] == (1u << 16));
    CHECK(out.memset.value[0] == 0xff);
    CHECK(out.memset.correlation[0] == 10);
    CHECK(out.memset.end_ns[0] - out.memset.start_ns[0] == 100);
}

TEST_CASE("cupti: runtime and driver API records get names from the callback id", "[cupti]") {
    auto t = makeTranslator();
    feed(t, apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, kT0 + 10, kT0 + 50, 1001, 77));
    feed(t, apiRecord(CUPTI_ACTIVITY_KIND_DRIVER, 307, kT0 + 20, kT0 + 40, 1001, 77));
    feed(t, apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 31, kT0 + 60, kT0 + 90, 1002, 78, 1));
    feed(t, apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 999, kT0 + 95, kT0 + 99, 1002, 79));
    const ActivityTables out = t.finish();
    REQUIRE(out.api.size() == 4);
    CHECK(str(out, out.api.name[0]) == "cudaLaunchKernel");
    CHECK(str(out, out.api.name[1]) == "cuLaunchKernel");
    CHECK(str(out, out.api.name[2]) == "cudaMemcpy");
    CHECK(out.api.return_value[2] == 1);
    CHECK(str(out, out.api.name[3]) == "runtime API 999"); // unknown id: still named, not dropped
    CHECK(out.api.thread[2] == 1002);
    CHECK(out.api.correlation[0] == 77);
}

TEST_CASE("cupti: NVTX ranges are paired by id and nested per thread", "[cupti]") {
    auto t = makeTranslator();
    const auto S = CUPTI_ACTIVITY_FLAG_MARKER_START, E = CUPTI_ACTIVITY_FLAG_MARKER_END;
    // Thread 1: step [0,1000] > forward [100,600] > matmul [200,300]; a mark at 400.
    feed(t, markerRecord(S, kT0 + 0, 1, 1, "step"));
    feed(t, markerRecord(S, kT0 + 100, 2, 1, "forward"));
    feed(t, markerRecord(S, kT0 + 200, 3, 1, "matmul"));
    feed(t, markerRecord(E, kT0 + 300, 3, 1, nullptr));
    feed(t, markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS, kT0 + 400, 4, 1, "checkpoint"));
    feed(t, markerRecord(E, kT0 + 600, 2, 1, nullptr));
    feed(t, markerRecord(E, kT0 + 1000, 1, 1, nullptr));
    // Thread 2: a range in its own domain, whose end arrives before its start.
    feed(t, markerRecord(E, kT0 + 800, 10, 2, nullptr));
    feed(t, markerRecord(S, kT0 + 150, 10, 2, "loader", "io"));
    // Unmatched: a start that never ends and an end that never started.
    feed(t, markerRecord(S, kT0 + 900, 20, 1, "never ends"));
    feed(t, markerRecord(E, kT0 + 950, 21, 2, nullptr));
    const ActivityTables out = t.finish();

    CHECK(out.unmatchedMarkers == 2);
    const auto& g = out.ranges;
    REQUIRE(g.size() == 5);
    std::map<std::string, size_t> row;
    for (size_t i = 0; i < g.size(); ++i) row[str(out, g.name[i])] = i;
    REQUIRE(row.size() == 5);
    CHECK(g.depth[row["step"]] == 0);
    CHECK(g.depth[row["forward"]] == 1);
    CHECK(g.depth[row["matmul"]] == 2);
    CHECK(g.depth[row["checkpoint"]] == 2);
    CHECK(g.depth[row["loader"]] == 0);
    CHECK(g.start_ns[row["forward"]] == int64_t(kT0 + 100));
    CHECK(g.end_ns[row["forward"]] == int64_t(kT0 + 600));
    CHECK(g.start_ns[row["checkpoint"]] == g.end_ns[row["checkpoint"]]);
    CHECK(str(out, g.category[row["step"]]) == "nvtx");
    CHECK(str(out, g.category[row["checkpoint"]]) == "nvtx mark");
    CHECK(str(out, g.category[row["loader"]]) == "io");
    CHECK(g.thread[row["loader"]] == 2);
    CHECK(g.end_ns[row["loader"]] == int64_t(kT0 + 800));
    CHECK(std::is_sorted(g.start_ns.begin(), g.start_ns.end()));
}

TEST_CASE("cupti: synchronization waits become ranges on the thread of their API call", "[cupti]") {
    auto t = makeTranslator();
    feed(t, syncRecord(CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE, kT0 + 110, kT0 + 490,
                       55));
    feed(t, apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 131, kT0 + 100, kT0 + 500, 3003, 55));
    feed(t, syncRecord(CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE, kT0 + 600, kT0 + 700,
                       56)); // no API record: a thread row of its own
    const ActivityTables out = t.finish();
    REQUIRE(out.ranges.size() == 2);
    CHECK(str(out, out.ranges.name[0]) == "Stream synchronize");
    CHECK(str(out, out.ranges.category[0]) == "sync");
    CHECK(out.ranges.thread[0] == 3003);
    CHECK(str(out, out.ranges.name[1]) == "Event synchronize");
    CHECK(out.ranges.thread[1] == RecordTranslator::kUnknownThread);
}

TEST_CASE("cupti: zero timestamps, overhead and unknown kinds are counted, never silent",
          "[cupti]") {
    auto t = makeTranslator();
    feed(t, kernelRecord(0, 0, 1, 1, "k"));               // CONCURRENT_KERNEL with no times
    feed(t, kernelRecord(kT0 + 10, 0, 1, 2, "k"));        // no end
    feed(t, kernelRecord(kT0 + 50, kT0 + 40, 1, 3, "k")); // end before start
    feed(t, kernelRecord(kT0 + 60, kT0 + 70, 1, 4, "k")); // fine
    feed(t, overheadRecord(kT0 + 100, kT0 + 350));
    feed(t, overheadRecord(kT0 + 400, kT0 + 450));
    CUpti_Activity unknown{CUPTI_ACTIVITY_KIND_PC_SAMPLING};
    t.add(&unknown);
    const ActivityTables out = t.finish();
    CHECK(out.kernels.size() == 1);
    CHECK(out.zeroTimestampRecords == 3);
    CHECK(out.overheadNs == 300);
    CHECK(out.unknownRecords == 1);
    CHECK(out.records == 7);
}

TEST_CASE("cupti: kernels from several streams arriving out of order come out sorted", "[cupti]") {
    auto t = makeTranslator();
    // Three streams, each in order, interleaved out of order as per-thread buffers deliver them.
    const uint64_t starts[][3] = {{500, 100, 300}, {900, 700, 1100}, {1500, 1300, 1700}};
    uint32_t correlation = 1;
    for (const auto& round : starts)
        for (uint32_t s = 0; s < 3; ++s)
            feed(t, kernelRecord(kT0 + round[s], kT0 + round[s] + 50, 20 + s, correlation++, "k"));
    const ActivityTables out = t.finish();
    REQUIRE(out.kernels.size() == 9);
    CHECK(std::is_sorted(out.kernels.start_ns.begin(), out.kernels.start_ns.end()));
    // Columns moved together: each start still has its own stream and correlation.
    for (size_t i = 0; i < 9; ++i) {
        const uint64_t rel = uint64_t(out.kernels.start_ns[i]) - kT0;
        const uint32_t c = out.kernels.correlation[i];
        const uint32_t round = (c - 1) / 3, s = (c - 1) % 3;
        CHECK(starts[round][s] == rel);
        CHECK(out.kernels.stream[i] == 20 + s);
        CHECK(out.kernels.end_ns[i] - out.kernels.start_ns[i] == 50);
    }
}

TEST_CASE("cupti: clock mapping moves source times to the run origin", "[cupti]") {
    SECTION("a constant offset") {
        // Source clock 5 s behind realtime; run origin 1 s before the start pair.
        const ClockPair start{kT0, int64_t(kT0) + 5'000'000'000};
        const ClockPair stop{kT0 + 2'000'000'000, int64_t(kT0) + 7'000'000'000};
        const ClockMapping m(start, stop, int64_t(kT0) + 4'000'000'000);
        CHECK(m.toRunNs(int64_t(kT0)) == 1'000'000'000);
        CHECK(m.toRunNs(int64_t(kT0) + 123) == 1'000'000'123);
        CHECK(m.slope() == 1.0);
    }
    SECTION("a drifting clock is interpolated between the start and stop pairs") {
        // The source runs 100 ppm fast: 10 s of source time are 9.999 s of realtime.
        const ClockPair start{kT0, int64_t(kT0)};
        const ClockPair stop{kT0 + 10'000'000'000, int64_t(kT0) + 9'999'000'000};
        const ClockMapping m(start, stop, int64_t(kT0));
        CHECK(m.toRunNs(int64_t(kT0)) == 0);
        CHECK(m.toRunNs(int64_t(kT0) + 10'000'000'000) == 9'999'000'000);
        CHECK(m.toRunNs(int64_t(kT0) + 5'000'000'000) == 4'999'500'000);
    }
    SECTION("apply converts every time column") {
        auto t = makeTranslator();
        feed(t, kernelRecord(kT0 + 100, kT0 + 200, 1, 1, "k"));
        feed(t, apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, kT0 + 50, kT0 + 90, 1, 1));
        feed(t, markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS, kT0 + 10, 1, 1, "m"));
        ActivityTables out = t.finish();
        ClockMapping({kT0, int64_t(kT0)}, {kT0 + 1000, int64_t(kT0) + 1000}, int64_t(kT0) - 7)
            .apply(out);
        CHECK(out.kernels.start_ns[0] == 107);
        CHECK(out.kernels.end_ns[0] == 207);
        CHECK(out.api.start_ns[0] == 57);
        CHECK(out.ranges.start_ns[0] == 17);
    }
}

TEST_CASE("cupti: appending to a run with rows remaps string and device ids", "[cupti]") {
    // The run already has a CPU device, the engine's GPU row (no properties yet), a kernel and
    // a CPU range, all with their own string ids.
    ks::data::Run run;
    run.addDevice("cpu", "host");
    run.addDevice("gpu", "NVIDIA H100 80GB HBM3");
    run.kernels.forEachColumn([](const char*, auto& column) { column.emplace_back(); });
    run.kernels.name.back() = run.strings.intern("cpu_gemm");
    run.ranges.forEachColumn([](const char*, auto& column) { column.emplace_back(); });
    run.ranges.name.back() = run.strings.intern("step 0");
    run.ranges.category.back() = run.strings.intern("engine");

    auto t = makeTranslator();
    feed(t, kernelRecord(kT0 + 100, kT0 + 200, 3, 9, "gpu_gemm"));
    auto k2 = kernelRecord(kT0 + 300, kT0 + 400, 3, 10, "cpu_gemm"); // a name the run has
    k2.deviceId = 1;
    feed(t, k2);
    feed(t, markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS, kT0 + 50, 1, 1, "mark"));
    ActivityTables out = t.finish();
    DeviceProperties d0, d1;
    d0.ordinal = 0;
    d0.name = "NVIDIA H100 80GB HBM3";
    d0.smCount = 132;
    d1.ordinal = 1;
    d1.name = "NVIDIA H100 80GB HBM3"; // a second, identical GPU gets a row of its own
    d1.smCount = 132;
    out.zeroTimestampRecords = 2;
    out.appendTo(run, {d0, d1});

    REQUIRE(run.kernels.size() == 3);
    CHECK(run.strings.get(run.kernels.name[0]) == "cpu_gemm");
    CHECK(run.strings.get(run.kernels.name[1]) == "gpu_gemm");
    CHECK(run.strings.get(run.kernels.name[2]) == "cpu_gemm");
    CHECK(run.kernels.name[2] == run.kernels.name[0]);
    REQUIRE(run.devices.size() == 3);
    CHECK(run.kernels.device[1] == 1); // ordinal 0 -> the engine's existing GPU row
    CHECK(run.devices.sm_count[1] == 132);
    CHECK(run.kernels.device[2] == 2); // ordinal 1 -> a new row
    CHECK(run.strings.get(run.devices.kind[2]) == "gpu");
    REQUIRE(run.ranges.size() == 2);
    CHECK(run.strings.get(run.ranges.name[0]) == "step 0");
    CHECK(run.strings.get(run.ranges.category[0]) == "engine");
    CHECK(run.strings.get(run.ranges.name[1]) == "mark");
    CHECK(run.strings.get(run.ranges.category[1]) == "nvtx mark");
    CHECK(run.collector.zero_timestamp_records == 2);
}
