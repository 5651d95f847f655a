// Summaries (data/Summary.h) against NumPy/pandas computed on the same columns
// (tests/data/check_summary.py), plus the definitions NumPy cannot tell us (ties, tiny groups).
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/Summary.h"
#include "data/SyntheticRun.h"
#include "data/analysis/Diagnosis.h"
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

    // The streaming reader of `stats` gives the same kernel table, on one thread or several.
    const auto expected = kernelSummary(back->kernels, back->strings);
    for (unsigned threads : {1u, 3u}) {
        auto streamed = kernelSummaryFromFile(path, threads);
        REQUIRE(streamed.ok());
        REQUIRE(streamed->size() == expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            const auto& a = expected[i];
            const auto& b = (*streamed)[i];
            INFO(a.name);
            CHECK(b.name == a.name);
            CHECK(b.time.total == a.time.total);
            CHECK(b.time.count == a.time.count);
            CHECK(b.time.median == a.time.median);
            CHECK(b.time.stddev == Approx(a.time.stddev).epsilon(1e-12));
            CHECK(b.config == a.config);
            CHECK(b.configCount == a.configCount);
        }
    }
}

TEST_CASE("the streaming kernel summary validates like the reader", "[summary][python]") {
    const std::string dir = ks::test::scratchDir("summary_stream_errors");
    const std::pair<const char*, const char*> cases[] = {
        {"string_id_out_of_range", "/gpu/kernels/name: string id 57 at row 3 out of range"},
        {"negative_duration", "/gpu/kernels: negative duration at row 4"},
        {"unequal_columns", "/gpu/kernels/end_ns: has 9 rows but start_ns has 10"},
        {"missing_column", "/gpu/kernels/stream: missing column"}, // not needed: no error
        {"newer_version", "/: format version 3"},
    };
    for (const auto& [name, message] : cases) {
        const std::string path = dir + "/" + name + ".ksr.h5";
        const auto made = ks::test::runPython("data/write_runfile.py", {path, name});
        INFO(name << ": " << made.output);
        REQUIRE(made.exitCode == 0);
        auto rows = kernelSummaryFromFile(path);
        if (std::string(name) == "missing_column") {
            CHECK(rows.ok()); // the summary does not read the stream column
            continue;
        }
        REQUIRE_FALSE(rows.ok());
        CHECK(rows.error().message.rfind(path + ": " + message, 0) == 0);
    }
    // A file written by h5py (its own chunk sizes) streams too.
    const std::string plain = dir + "/plain.ksr.h5";
    REQUIRE(ks::test::runPython("data/write_runfile.py", {plain}).exitCode == 0);
    auto rows = kernelSummaryFromFile(plain);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 2);
    CHECK(rows->at(0).time.count + rows->at(1).time.count == 10);
    CHECK(rows->at(0).config.grid_x == 64);
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

TEST_CASE("durations near 2^63: totals saturate, Time (%) and averages stay right", "[summary]") {
    const int64_t huge = int64_t(3) << 61; // 0.75 * 2^63: two of them overflow int64
    Run run;
    addKernel(run, "a", 0, huge, 1);
    addKernel(run, "b", 0, huge, 1);
    auto rows = kernelSummary(run.kernels, run.strings);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].timePercent == Approx(50.0)); // the grand total passes int64
    CHECK(rows[1].timePercent == Approx(50.0));

    addKernel(run, "b", 1, huge, 1); // now "b" alone passes int64
    rows = kernelSummary(run.kernels, run.strings);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].name == "b");
    CHECK(rows[0].time.total == std::numeric_limits<int64_t>::max());
    CHECK(rows[0].time.avg == Approx(double(huge)));
    CHECK(rows[0].time.median == Approx(double(huge)));
    CHECK(rows[0].timePercent > 50.0);
    CHECK(rows[1].timePercent > 0.0);
    CHECK(rows[0].timePercent + rows[1].timePercent == Approx(100.0));

    // A span wider than int64 (a hostile start near -2^63) is the longest duration, not negative.
    ApiTable api;
    api.start_ns = {std::numeric_limits<int64_t>::min(), 0};
    api.end_ns = {std::numeric_limits<int64_t>::max(), 10};
    api.thread = {0, 0};
    api.correlation = {0, 0};
    api.name = {run.strings.intern("wide"), run.strings.intern("narrow")};
    api.return_value = {0, 0};
    const auto named = apiSummary(api, run.strings);
    REQUIRE(named.size() == 2);
    CHECK(named[0].name == "wide");
    CHECK(named[0].time.max == std::numeric_limits<int64_t>::max());
    CHECK(named[1].timePercent > 0.0);
}

TEST_CASE("reports say CPU for a run whose kernels all ran on CPU devices", "[summary]") {
    Run cpu;
    const uint32_t lane = cpu.addDevice("cpu", "Xeon");
    addKernel(cpu, "matmul", 0, 100, 1);
    cpu.kernels.device.back() = lane;
    CHECK(std::string(deviceKindWord(cpu)) == "CPU");
    const std::string text = diagnosisText(diagnose(cpu, {}), cpu);
    CHECK(text.starts_with("CPU span:"));
    CHECK(text.find("GPU span") == std::string::npos);

    Run gpu = cpu;
    const uint32_t card = gpu.addDevice("gpu", "H100");
    addKernel(gpu, "matmul", 200, 100, 1);
    gpu.kernels.device.back() = card;
    CHECK(std::string(deviceKindWord(gpu)) == "GPU");
    CHECK(diagnosisText(diagnose(gpu, {}), gpu).starts_with("GPU span:"));
    CHECK(std::string(deviceKindWord(Run{})) == "GPU"); // nothing ran: the usual word
}
