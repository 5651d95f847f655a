// kernscope-cli diff and flame as a user runs them: exit codes, formats, bad arguments, and the
// flame graph's folded output against the tree computed in data/. `stats` shows occupancy.
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"
#include "data/analysis/FlameTree.h"
#include "data/analysis/KernelStats.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using ks::test::runCli;

namespace {

// stdout alone (stderr dropped), and the exit code.
std::pair<std::string, int> stdoutOf(const std::vector<std::string>& args) {
    std::string cmd = ks::test::shellQuote(KS_CLI_PATH);
    for (const auto& a : args) cmd += " " + ks::test::shellQuote(a);
    const auto r = ks::test::runCommand("(" + cmd + " 2>/dev/null)");
    return {r.output, r.exitCode};
}

std::string readText(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Files {
    std::string dir, a, b;
};

// A: a synthetic run; B: the same with the first kernel name 3x slower.
const Files& files() {
    static const Files f = [] {
        Files f;
        f.dir = ks::test::scratchDir("cli_diff_" + std::to_string(getpid()));
        auto run = ks::data::makeSyntheticRun({.kernels = 4000, .streams = 2, .names = 10});
        // An sm_80-like GPU, so that occupancy can be computed.
        auto& d = run.devices;
        for (size_t i = 0; i < d.size(); ++i)
            if (!run.deviceIsCpu(d.id[i]))
                d.max_threads_per_sm[i] = 2048, d.registers_per_sm[i] = 65536,
                d.shared_memory_per_sm[i] = 167936;
        f.a = f.dir + "/a.ksr.h5";
        f.b = f.dir + "/b.ksr.h5";
        REQUIRE(ks::data::writeRun(run, f.a).ok());
        const uint32_t slow = run.kernels.name[0];
        for (size_t i = 0; i < run.kernels.size(); ++i)
            if (run.kernels.name[i] == slow)
                run.kernels.end_ns[i] += 2 * (run.kernels.end_ns[i] - run.kernels.start_ns[i]);
        REQUIRE(ks::data::writeRun(run, f.b).ok());
        return f;
    }();
    return f;
}

} // namespace

TEST_CASE("diff exits 1 on a regression, 0 without, 2 on bad input", "[cli][diff]") {
    const Files& f = files();
    auto slower = runCli({"diff", f.a, f.b});
    INFO(slower.output);
    REQUIRE(slower.exitCode == 1);
    REQUIRE(slower.output.find("regression(s)") != std::string::npos);
    REQUIRE(slower.output.find("slower") != std::string::npos);
    // B against A: the kernel got faster, which is no regression.
    auto faster = runCli({"diff", f.b, f.a, "--report", "kernels"});
    INFO(faster.output);
    REQUIRE(faster.exitCode == 0);
    REQUIRE(faster.output.find("No significant regression") != std::string::npos);
    REQUIRE(runCli({"diff", f.a, f.b, "--fail-if-slower", "500"}).exitCode == 0);

    REQUIRE(runCli({"diff", f.a}).exitCode == 2);
    REQUIRE(runCli({"diff", f.a, f.b, "--fail-if-slower", "fast"}).exitCode == 2);
    REQUIRE(runCli({"diff", f.a, f.b, "--min-significance", "2"}).exitCode == 2);
    REQUIRE(runCli({"diff", f.a, f.b, "--rename", "(="}).exitCode == 2);
    auto missing = runCli({"diff", f.a, f.dir + "/none.ksr.h5"});
    REQUIRE(missing.exitCode == 2);
    REQUIRE(missing.output.find("none.ksr.h5") != std::string::npos);
    std::ofstream(f.dir + "/junk.bin") << "\x01\x02 not a profile";
    REQUIRE(runCli({"diff", f.a, f.dir + "/junk.bin"}).exitCode == 2);
}

TEST_CASE("diff JSON and CSV carry every table", "[cli][diff]") {
    const Files& f = files();
    const auto [json, code] = stdoutOf({"diff", f.a, f.b, "--format", "json"});
    REQUIRE(code == 1); // the regression goes to stderr, stdout stays JSON
    const auto j = nlohmann::json::parse(json);
    for (const char* key : {"kernels", "memcpy", "api", "ranges", "steps"})
        REQUIRE(j.contains(key));
    REQUIRE(j["kernels"]["rows"][0]["change"] == "slower");
    REQUIRE(j["kernels"]["rows"][0]["median_ratio"].get<double>() == Approx(3.0).epsilon(0.01));
    REQUIRE(j["kernels"]["total_b_ns"].get<int64_t>() > j["kernels"]["total_a_ns"].get<int64_t>());
    auto csv = runCli({"diff", f.a, f.b, "--format", "csv", "--fail-if-slower", "500"});
    for (const char* section : {"# kernels\n", "# memcpy\n", "# api\n", "# ranges\n", "# steps\n"})
        REQUIRE(csv.output.find(section) != std::string::npos);
}

// Images need the renderer (Qt); a build without the GUI reports the case as skipped.
static void skipWithoutRenderer(const std::string& output) {
    if (output.find("built without the renderer") != std::string::npos)
        ks::test::skipTest("kernscope-cli was built without the renderer");
}

TEST_CASE("diff writes a differential flame graph as SVG", "[cli][diff]") {
    const Files& f = files();
    const std::string svg = f.dir + "/diff.svg";
    auto r = runCli({"diff", f.a, f.b, "--report", "ranges", "--svg", svg});
    INFO(r.output);
    skipWithoutRenderer(r.output);
    REQUIRE(r.exitCode == 0);
    REQUIRE(readText(svg).find("<svg") != std::string::npos);
}

TEST_CASE("flame prints folded stacks of the ranges tree and writes SVG", "[cli][flame]") {
    const Files& f = files();
    auto folded = runCli({"flame", f.a});
    REQUIRE(folded.exitCode == 0);
    auto run = ks::data::readRun(f.a);
    REQUIRE(run.ok());
    REQUIRE(folded.output ==
            ks::data::foldedText(ks::data::flameFromRanges(*run, std::nullopt, true)));
    REQUIRE(runCli({"flame", f.a, "--keep-numbers"}).output ==
            ks::data::foldedText(ks::data::flameFromRanges(*run)));
    auto inverted = runCli({"flame", f.a, "--inverted", "--folded", f.dir + "/inv.txt"});
    REQUIRE(inverted.exitCode == 0);
    REQUIRE(readText(f.dir + "/inv.txt") ==
            ks::data::foldedText(
                ks::data::invertedFlame(ks::data::flameFromRanges(*run, std::nullopt, true))));
    const std::string svg = f.dir + "/flame.svg";
    auto drawn = runCli({"flame", f.a, "--svg", svg});
    skipWithoutRenderer(drawn.output);
    REQUIRE(drawn.exitCode == 0);
    REQUIRE(readText(svg).find("<svg") != std::string::npos);
    REQUIRE(runCli({"flame", f.a, "--thread", "no-such-thread"}).exitCode == 2);
    REQUIRE(runCli({"flame", f.a, "--event", "cycles"}).exitCode == 2);
    REQUIRE(runCli({"flame", f.dir + "/none.ksr.h5"}).exitCode == 2);
    // Folded stacks imported on the fly, samples by their counts.
    std::ofstream(f.dir + "/p.folded") << "main;a 3\nmain;b 5\n";
    auto fromFolded = runCli({"flame", f.dir + "/p.folded", "--from", "samples"});
    REQUIRE(fromFolded.exitCode == 0);
    REQUIRE(fromFolded.output == "main;a 3\nmain;b 5\n");
}

TEST_CASE("stats shows theoretical occupancy for GPU kernels", "[cli][stats]") {
    const Files& f = files();
    auto r = runCli({"stats", f.a, "--report", "kernels", "--limit", "0"});
    REQUIRE(r.exitCode == 0);
    REQUIRE(r.output.find("Occ") != std::string::npos);
    // The same figure as the window's kernel statistics (data/analysis/KernelStats).
    auto run = ks::data::readRun(f.a);
    REQUIRE(run.ok());
    for (const auto& k : ks::data::computeKernelStats(*run)) {
        INFO(k.displayName);
        REQUIRE(k.occupancy);
        char cell[32];
        std::snprintf(cell, sizeof cell, "%.1f %%  %s\n", 100 * *k.occupancy,
                      k.displayName.c_str());
        REQUIRE(r.output.find(cell) != std::string::npos);
    }
}
