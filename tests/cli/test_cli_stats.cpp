// kernscope-cli stats / export / import as a user runs them: exit codes, --help, bad arguments
// and bad input (exit 2, one clear line), and the outputs in each format.
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using ks::test::runCli;

namespace {

// One synthetic run file shared by the tests of this file.
const std::string& syntheticRunFile() {
    static const std::string path = [] {
        // Per process: CTest runs test cases in parallel processes, each making its own file.
        const std::string p =
            ks::test::scratchDir("cli_run_" + std::to_string(getpid())) + "/run.ksr.h5";
        auto s = ks::data::writeRun(
            ks::data::makeSyntheticRun({.kernels = 3000, .streams = 2, .names = 12}), p);
        REQUIRE(s.ok());
        return p;
    }();
    return path;
}

size_t lineCount(const std::string& s) {
    return size_t(std::count(s.begin(), s.end(), '\n'));
}

} // namespace

TEST_CASE("--help on every command exits 0 with a usage line", "[cli]") {
    for (const char* cmd : {"stats", "export", "import"}) {
        INFO(cmd);
        auto r = runCli({cmd, "--help"});
        CHECK(r.exitCode == 0);
        CHECK_THAT(r.output, Catch::StartsWith(std::string("usage: kernscope-cli ") + cmd));
    }
    auto top = runCli({"--help"});
    CHECK(top.exitCode == 0);
    CHECK_THAT(top.output, Catch::Contains("stats"));
}

TEST_CASE("bad arguments exit 2 with one clear line", "[cli]") {
    const std::string& run = syntheticRunFile();
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    const Case cases[] = {
        {{"stats"}, "missing RUN"},
        {{"stats", run, "--report", "bogus"}, "'bogus' is not a valid value for --report"},
        {{"stats", run, "--format"}, "option '--format' needs a value"},
        {{"stats", run, "--frobnicate"}, "unknown option '--frobnicate'"},
        {{"stats", run, "--limit", "-3"}, "--limit needs a whole number"},
        {{"stats", run, "extra"}, "unexpected argument 'extra'"},
        {{"export", run}, "nothing to do"},
        {{"import", run}, "missing --output"},
        {{"import", "x", "--folded", "--perf-script", "-o", "y"}, "at most one of"},
    };
    for (const Case& c : cases) {
        auto r = runCli(c.args);
        INFO(r.output);
        CHECK(r.exitCode == 2);
        CHECK_THAT(r.output, Catch::Contains(c.message));
        CHECK(lineCount(r.output) == 1);
    }
}

TEST_CASE("bad input files exit 2 naming the file", "[cli]") {
    const std::string dir = ks::test::scratchDir("cli_bad_input");
    auto missing = runCli({"stats", dir + "/none.ksr.h5"});
    CHECK(missing.exitCode == 2);
    CHECK(missing.output == "kernscope-cli stats: " + dir + "/none.ksr.h5: no such file\n");
    std::ofstream(dir + "/text.ksr.h5") << "not hdf5";
    auto text = runCli({"export", dir + "/text.ksr.h5", "--chrome", dir + "/t.json"});
    CHECK(text.exitCode == 2);
    CHECK_THAT(text.output, Catch::Contains("text.ksr.h5: not an HDF5 file"));
    CHECK_FALSE(std::filesystem::exists(dir + "/t.json"));
    std::ofstream(dir + "/bad.json") << "[{\"ph\":\"X\",\"ts\":1}\n";
    auto json = runCli({"import", dir + "/bad.json", "-o", dir + "/out.ksr.h5"});
    CHECK(json.exitCode == 2);
    CHECK_THAT(json.output, Catch::StartsWith("kernscope-cli import: " + dir + "/bad.json:"));
    CHECK(lineCount(json.output) == 1);
    CHECK_FALSE(std::filesystem::exists(dir + "/out.ksr.h5"));
    std::ofstream(dir + "/bad.folded") << "a;b;c two\nnothing\n";
    auto folded = runCli({"import", dir + "/bad.folded", "-o", dir + "/out.ksr.h5"});
    CHECK(folded.exitCode == 2);
    CHECK(folded.output == "kernscope-cli import: " + dir +
                               "/bad.folded: no line of the form 'frame;frame;... COUNT' (2 lines "
                               "skipped)\n");
    // One bad line among good ones: imported, with one summary line saying what was skipped.
    std::ofstream(dir + "/some.folded") << "a;b 1\na;b;c two\n";
    auto some = runCli({"import", dir + "/some.folded", "-o", dir + "/some.ksr.h5"});
    CHECK(some.exitCode == 0);
    CHECK_THAT(some.output, Catch::Contains("skipped 1 lines that are not 'frame;frame COUNT' "
                                            "(first at line 2)"));
}

TEST_CASE("stats prints aligned tables, CSV and JSON", "[cli]") {
    const std::string& run = syntheticRunFile();
    auto table = runCli({"stats", run});
    INFO(table.output);
    REQUIRE(table.exitCode == 0);
    for (const char* heading : {"Kernel summary", "GPU memory operation summary",
                                "CUDA API summary", "CPU range summary"})
        CHECK_THAT(table.output, Catch::Contains(heading));
    CHECK_THAT(table.output, Catch::Contains("Time (%)") && Catch::Contains("StdDev") &&
                                 Catch::Contains("cudaLaunchKernel"));
    CHECK_THAT(table.output, Catch::Contains(" µs") || Catch::Contains(" ms"));

    auto csv = runCli({"stats", run, "--report", "kernels", "--format", "csv"});
    REQUIRE(csv.exitCode == 0);
    CHECK_THAT(csv.output, Catch::StartsWith("Time (%),Total Time (ns),Instances,"));
    CHECK(lineCount(csv.output) == 1 + 12); // header + one row per kernel name

    auto limited = runCli({"stats", run, "--report=kernels", "--limit", "3"});
    REQUIRE(limited.exitCode == 0);
    CHECK_THAT(limited.output, Catch::Contains("(9 more rows"));

    auto json = runCli({"stats", run, "--format", "json"});
    REQUIRE(json.exitCode == 0);
    const auto doc = nlohmann::json::parse(json.output);
    CHECK(doc["kernels"].size() == 12);
    CHECK(doc["memcpy"].size() >= 1);
    CHECK(doc["api"][0]["name"] == "cudaLaunchKernel");
    uint64_t instances = 0;
    for (const auto& row : doc["kernels"]) instances += row["instances"].get<uint64_t>();
    CHECK(instances == 3000);
}

TEST_CASE("export writes Chrome JSON and CSV, import converts back", "[cli]") {
    const std::string& run = syntheticRunFile();
    const std::string dir = ks::test::scratchDir("cli_export");
    auto r = runCli({"export", run, "--chrome", dir + "/t.json", "--csv", dir + "/csv"});
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.output, Catch::Contains("3060 API-to-GPU flows"));
    std::ifstream in(dir + "/t.json");
    const auto doc = nlohmann::json::parse(in);
    CHECK(doc["traceEvents"].size() > 3000);
    CHECK(std::filesystem::exists(dir + "/csv/kernels.csv"));

    auto imported = runCli({"import", dir + "/t.json", "-o", dir + "/back.ksr.h5"});
    INFO(imported.output);
    REQUIRE(imported.exitCode == 0);
    CHECK_THAT(imported.output, Catch::Contains("(chrome-trace): 3000 kernels"));
    auto back = ks::data::readRun(dir + "/back.ksr.h5");
    REQUIRE(back.ok());
    CHECK(back->kernels.size() == 3000);

    std::ofstream(dir + "/stacks.folded") << "main;f;g 5\nmain;h 2\n";
    auto folded = runCli({"import", dir + "/stacks.folded", "--output", dir + "/f.ksr.h5"});
    INFO(folded.output);
    REQUIRE(folded.exitCode == 0);
    CHECK_THAT(folded.output, Catch::Contains("(folded)") && Catch::Contains("2 samples"));
    std::ofstream(dir + "/perf.txt") << "app 10 [000] 1.500000: 1 cycles: \n\t 1 f (/a)\n\n";
    auto perf = runCli({"import", dir + "/perf.txt", "-o", dir + "/p.ksr.h5"});
    INFO(perf.output);
    REQUIRE(perf.exitCode == 0);
    CHECK_THAT(perf.output, Catch::Contains("(perf-script)") && Catch::Contains("1 samples"));
}

// ---- utilization and diagnosis reports, checked against pandas (tests/cli/check_diagnosis.py)
// ----

namespace {

// Writes the utilization CSV and the diagnosis JSON of `run` and has pandas recompute them.
void checkDiagnosisAgainstPandas(const std::string& run, const std::string& dir) {
    const std::string csv = dir + "/utilization.csv", json = dir + "/diagnosis.json";
    auto u = runCli({"stats", run, "--report", "utilization", "--format", "csv"});
    REQUIRE(u.exitCode == 0);
    std::ofstream(csv) << u.output;
    auto d = runCli({"stats", run, "--report", "diagnosis", "--format", "json"});
    REQUIRE(d.exitCode == 0);
    std::ofstream(json) << d.output;
    auto check = ks::test::runPython("cli/check_diagnosis.py", {run, csv, json});
    INFO(check.output);
    CHECK(check.exitCode == 0);
}

// Five steps of two kernels each, launched 5 µs after the step starts; step 3 runs an extra
// 40 µs "slow_kernel" and a host synchronisation leaves the GPU idle in step 1.
ks::data::Run stepRun() {
    using namespace ks::data;
    Run run;
    run.info.backend = "cuda";
    const uint32_t gpu = run.addDevice("gpu", "Test GPU");
    const uint32_t launch = run.strings.intern("cudaLaunchKernel");
    const uint32_t sync = run.strings.intern("cudaDeviceSynchronize");
    uint32_t correlation = 1;
    auto kernel = [&](int64_t apiStart, int64_t start, int64_t end, const char* name,
                      uint32_t stream) {
        run.api.start_ns.push_back(apiStart);
        run.api.end_ns.push_back(apiStart + 3000);
        run.api.thread.push_back(1);
        run.api.correlation.push_back(correlation);
        run.api.name.push_back(launch);
        run.api.return_value.push_back(0);
        auto& k = run.kernels;
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = start;
        k.end_ns.back() = end;
        k.device.back() = gpu;
        k.stream.back() = stream;
        k.correlation.back() = correlation++;
        k.name.back() = run.strings.intern(name);
        k.block_x.back() = 256, k.block_y.back() = 1, k.block_z.back() = 1;
        k.grid_x.back() = 80, k.grid_y.back() = 1, k.grid_z.back() = 1;
    };
    int64_t t = 0;
    for (int step = 0; step < 5; ++step) {
        const int64_t length = step == 3 ? 150'000 : 60'000;
        run.ranges.start_ns.push_back(t);
        run.ranges.end_ns.push_back(t + length);
        run.ranges.thread.push_back(1);
        run.ranges.depth.push_back(0);
        run.ranges.name.push_back(run.strings.intern("step " + std::to_string(step)));
        run.ranges.category.push_back(0);
        kernel(t + 1000, t + 5000, t + 25'000, "gemm", 7);
        kernel(t + 2000, t + 20'000, t + 45'000, "relu", 8); // overlaps gemm on another stream
        if (step == 3) kernel(t + 4000, t + 60'000, t + 100'000, "slow_kernel", 7);
        if (step == 1) {
            run.api.start_ns.push_back(t + 30'000);
            run.api.end_ns.push_back(t + 50'000);
            run.api.thread.push_back(1);
            run.api.correlation.push_back(0);
            run.api.name.push_back(sync);
            run.api.return_value.push_back(0);
        }
        t += length;
    }
    return run;
}

} // namespace

TEST_CASE("stats --report utilization prints the documented CSV columns", "[cli][diagnosis]") {
    const std::string dir = ks::test::scratchDir("cli_utilization");
    const std::string path = dir + "/steps.ksr.h5";
    REQUIRE(ks::data::writeRun(stepRun(), path).ok());
    auto r = runCli({"stats", path, "--report", "utilization", "--format", "csv"});
    REQUIRE(r.exitCode == 0);
    // Device 0: union of [5,45) µs per 60 µs step (+ the slow kernel in step 3) over the span
    // from the first kernel start (5 µs) to the last kernel end.
    CHECK_THAT(r.output, Catch::StartsWith("device,stream,busy_ns,span_ns,busy_percent\n0,,"));
    CHECK(lineCount(r.output) == 4); // header, device, streams 7 and 8
    CHECK_THAT(r.output, Catch::Contains("\n0,7,"));
    CHECK_THAT(r.output, Catch::Contains("\n0,8,"));
    auto bad = runCli({"stats", path, "--report", "diagnosis", "--span", "9:3"});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.output, Catch::Contains("--span needs START:END"));
    auto badSteps = runCli({"stats", path, "--report", "diagnosis", "--steps", "step ("});
    CHECK(badSteps.exitCode == 2);
    CHECK(lineCount(badSteps.output) == 1);
}

TEST_CASE("diagnosis finds the outlier step, what it spent its time on, and the sync gap",
          "[cli][diagnosis]") {
    const std::string dir = ks::test::scratchDir("cli_diagnosis_steps");
    const std::string path = dir + "/steps.ksr.h5";
    REQUIRE(ks::data::writeRun(stepRun(), path).ok());
    auto r = runCli({"stats", path, "--report", "diagnosis", "--format", "json"});
    REQUIRE(r.exitCode == 0);
    const auto j = nlohmann::json::parse(r.output);
    REQUIRE(j["steps"]["steps"].size() == 5);
    CHECK(j["steps"]["median_ns"] == 60000.0);
    CHECK(j["steps"]["steps"][3]["outlier"] == true);
    CHECK(j["steps"]["steps"][3]["differs"][0]["what"] == "kernel slow_kernel");
    CHECK(j["steps"]["steps"][3]["differs"][0]["extra_ns"] == 40000);
    bool outlierRule = false;
    for (const auto& f : j["findings"]) outlierRule |= f["rule"] == "outlier-steps";
    CHECK(outlierRule);
    const auto& b = j["breakdown"][0];
    CHECK(b["idle_sync_ns"] == 20000); // the gap [105, 125) µs overlaps the sync call in step 1
    CHECK(j["launch"]["matched"] == 11);
    // A custom step pattern: only step 3.
    auto custom =
        runCli({"stats", path, "--report", "diagnosis", "--format", "json", "--steps", "^step 3$"});
    REQUIRE(custom.exitCode == 0);
    CHECK(nlohmann::json::parse(custom.output)["steps"]["steps"].size() == 1);
    checkDiagnosisAgainstPandas(path, dir);
}

TEST_CASE("diagnosis of a synthetic run matches pandas", "[cli][diagnosis]") {
    const std::string dir = ks::test::scratchDir("cli_diagnosis_synthetic");
    checkDiagnosisAgainstPandas(syntheticRunFile(), dir);
    auto table = runCli({"stats", syntheticRunFile(), "--report", "diagnosis"});
    CHECK(table.exitCode == 0);
    CHECK_THAT(table.output, Catch::Contains("Launch overhead"));
    auto csv = runCli({"stats", syntheticRunFile(), "--report", "diagnosis", "--format", "csv"});
    CHECK_THAT(csv.output, Catch::StartsWith("# breakdown\n"));
}

TEST_CASE("diagnosis of an imported real Kineto trace matches pandas", "[cli][diagnosis]") {
    const std::string trace = std::string(KS_TESTS_SOURCE_DIR) +
                              "/../../shared/thirdparty/kineto/hta_a100_simple_add_trace.json.gz";
    if (!std::filesystem::exists(trace)) {
        std::fprintf(stderr, "skipped: %s is absent\n", trace.c_str());
        std::exit(77);
    }
    const std::string dir = ks::test::scratchDir("cli_diagnosis_kineto");
    REQUIRE(ks::test::runCommand("gzip -dc " + ks::test::shellQuote(trace) + " > " + dir +
                                 "/trace.json")
                .exitCode == 0);
    auto imported = runCli({"import", dir + "/trace.json", "-o", dir + "/kineto.ksr.h5"});
    REQUIRE(imported.exitCode == 0);
    checkDiagnosisAgainstPandas(dir + "/kineto.ksr.h5", dir);
}
