// Summaries (data/Summary.h) against NumPy/pandas computed on the same columns
// (tests/data/check_summary.py), plus the definitions NumPy cannot tell us (ties, tiny groups).
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/Summary.h"
#include "data/SyntheticRun.h"
#include "data/export/CsvExport.h"

#include <catch2/catch.hpp>

using namespace ks::data;

namespace {

void addKernel(Run& run, const char* name, int64_t start, int64_t dur, uint32_t grid) {
    KernelTable& k = run.kernels;
    k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    k.start_ns.back() = start;
    k.end_ns.back() = start + dur;
    k.name.back() = run.strings.intern(name);
    k.grid_x.back() = grid;
    k.block_x.back() = 128;
}

} // namespace

TEST_CASE("summaries match NumPy/pandas on the same columns", "[summary][python]") {
    const std::string dir = ks::test::scratchDir("summary_numpy");
    // More than two 64 Ki-row chunks, so the parallel chunk reader is what reads the file.
    Run run = makeSyntheticRun({.kernels = 150'000, .streams = 4, .names = 60, .memcpyEvery = 40});
    for (int i = 0; i < 5; ++i) { // memsets and an unknown-kind copy, absent from the generator
        run.memset.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        run.memset.start_ns.back() = 1000 * i;
        run.memset.end_ns.back() = 1000 * i + 300 + 17 * i;
        run.memset.bytes.back() = 4096u << i;
    }
    run.memcpy.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.memcpy.end_ns.back() = 1000;
    run.memcpy.bytes.back() = 12345;
    addKernel(run, "once", 0, 777, 1); // a single instance: StdDev 0 (pandas: NaN)
    const std::string path = dir + "/synthetic.ksr.h5";
    REQUIRE(writeRun(run, path).ok());

    ReadOptions options;
    for (auto* columns :
         {kernelSummaryColumns, memorySummaryColumns, apiSummaryColumns, rangeSummaryColumns})
        for (auto& c : columns()) options.onlyColumns.push_back(c);
    auto back = readRun(path, options);
    REQUIRE(back.ok());
    REQUIRE(back->kernels.size() == run.kernels.size());
    CHECK(back->kernels.start_ns == run.kernels.start_ns);
    CHECK(back->kernels.shared_dynamic == run.kernels.shared_dynamic);
    CHECK(back->kernels.device.empty()); // not asked for
    REQUIRE(writeSummaryCsvs(back.value(), dir + "/csv").ok());

    const auto result = ks::test::runPython("data/check_summary.py", {path, dir + "/csv"});
    INFO(result.output);
    CHECK(result.exitCode == 0);
    CHECK_THAT(result.output, Catch::Contains("0 mismatches"));
}

TEST_CASE("kernel summary definitions: median, sample std, most common config", "[summary]") {
    Run run;
    // "a": durations 10, 20, 30, 100 -> median (20 + 30) / 2; two configs twice each: the
    // smaller one wins the tie.
    addKernel(run, "a", 0, 10, 8);
    addKernel(run, "a", 100, 20, 4);
    addKernel(run, "a", 200, 30, 8);
    addKernel(run, "a", 300, 100, 4);
    addKernel(run, "b", 400, 500, 2);
    auto rows = kernelSummary(run.kernels, run.strings);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].name == "b"); // larger total first
    CHECK(rows[0].time.stddev == 0.0);
    const KernelSummaryRow& a = rows[1];
    CHECK(a.time.count == 4);
    CHECK(a.time.total == 160);
    CHECK(a.time.median == 25.0);
    CHECK(a.time.min == 10);
    CHECK(a.time.max == 100);
    CHECK(a.config.grid_x == 4);
    CHECK(a.configCount == 2);
    CHECK(a.timePercent == Approx(100.0 * 160 / 660));
    CHECK(formatDuration(999) == "999 ns");
    CHECK(formatDuration(1500) == "1.500 µs");
    CHECK(formatDuration(25'000'000) == "25.00 ms");
    CHECK(formatDuration(3.2e9) == "3.200 s");
}

TEST_CASE("CSV fields with commas and quotes are quoted", "[summary]") {
    Run run;
    addKernel(run, "void f<int, \"x\">(int)", 0, 10, 1);
    const std::string csv = kernelSummaryCsv(kernelSummary(run.kernels, run.strings));
    CHECK_THAT(csv, Catch::EndsWith(",\"void f<int, \"\"x\"\">(int)\"\n"));
}
