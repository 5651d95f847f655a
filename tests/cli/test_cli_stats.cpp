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
