// kernscope-cli record end to end: options, the backend choice, the run file it writes, inputs
// from a PyTorch-made .npz, the gradient check and bad input.
#include "EngineFixtures.h"
#include "TestSupport.h"

#include "data/RunFile.h"
#include "engine/Backend.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

using namespace ks;
using namespace ks::test;

namespace {
bool contains(const std::string& s, const std::string& what) {
    return s.find(what) != std::string::npos;
}
} // namespace

TEST_CASE("record --help describes the options", "[engine][cli]") {
    const auto r = runCli({"record", "--help"});
    CHECK(r.exitCode == 0);
    for (const char* option :
         {"--model", "--layers", "--backend", "--steps", "--batch", "--optimizer", "--lr", "--seed",
          "--inputs", "--dump-steps", "--gradcheck"})
        CHECK(contains(r.output, option));
}

TEST_CASE("record --backend auto writes a complete run and says which backend", "[engine][cli]") {
    const std::string dir = scratchDir("engine_record_auto");
    const std::string out = dir + "/mlp.ksr.h5";
    const auto r = runCli({"record", "--model", "mlp", "--backend", "auto", "--steps", "20",
                           "--optimizer", "sgd", "-o", out});
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    std::string why;
    if (auto cuda = engine::createCudaBackend(&why)) {
        CHECK(contains(r.output, "using CUDA backend"));
    } else {
        CHECK(contains(r.output, why + ": using CPU backend"));
    }
    CHECK(contains(r.output, "recorded mlp 784-256-10"));

    auto run = data::readRun(out);
    REQUIRE(run.ok());
    CHECK(run->info.origin_unix_ns > 1600000000ll * 1000000000ll);
    CHECK(run->info.clock_domain == "realtime");
    CHECK(contains(run->info.command_line, "record"));
    CHECK(run->counters.at("loss").size() == 20);
    CHECK(run->ranges.size() > 20 * 10);
    std::set<std::string> names;
    for (const auto& t : run->tensors) names.insert(t.name);
    CHECK(names.count("step0/fc1/weight"));
    CHECK(names.count("step19/fc2/grad_weight"));
    CHECK(names.count("step19/input/x"));
}

TEST_CASE("record with no options uses the defaults", "[engine][cli]") {
    const std::string dir = scratchDir("engine_record_defaults");
    const auto r =
        runCommand("cd " + shellQuote(dir) + " && " + shellQuote(KS_CLI_PATH) +
                   " record --backend cpu --steps 3 && " + shellQuote(KS_CLI_PATH) + " record");
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.output, "200 steps"));
    CHECK(std::filesystem::exists(dir + "/run.ksr.h5"));
}

TEST_CASE("record --inputs starts from PyTorch's numbers", "[engine][cli]") {
    const std::string dir = scratchDir("engine_record_inputs");
    runFixtureScript("make_mlp_reference.py", {dir, "sgd", "2"});
    const std::string out = dir + "/run.ksr.h5";
    const auto r = runCli({"record", "--backend", "cpu", "--inputs", dir + "/inputs.npz", "--steps",
                           "2", "--dump-steps", "0,last", "-o", out});
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    auto run = data::readRun(out);
    REQUIRE(run.ok());
    const TensorMap ref = readTensors(dir + "/ref.h5");
    int compared = 0;
    for (const auto& t : run->tensors) {
        const auto it = ref.find(t.name);
        if (it == ref.end() || t.role == "grad") continue;
        const bool soft = t.op == "softmax" || t.op == "cross_entropy";
        const auto c = allClose(t, it->second, soft ? kSoftmaxRtol : kMatmulRtol,
                                soft ? kSoftmaxAtol : kMatmulAtol);
        INFO(c.message);
        CHECK(c.ok);
        ++compared;
    }
    CHECK(compared > 20);
}

TEST_CASE("record --gradcheck prints and stores the gradient pairs", "[engine][cli]") {
    const std::string dir = scratchDir("engine_record_gradcheck");
    const std::string out = dir + "/gc.ksr.h5";
    const auto r = runCli({"record", "--backend", "cpu", "--steps", "2", "--gradcheck", "-o", out});
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.output, "gradcheck float32: max abs diff"));
    CHECK(contains(r.output, "gradcheck float64: max abs diff"));
    CHECK(!contains(r.output, "FAIL"));
    auto run = data::readRun(out);
    REQUIRE(run.ok());
    std::set<std::string> names;
    for (const auto& t : run->tensors) names.insert(t.name);
    CHECK(names.count("gradcheck/f32/fc1/grad_weight"));
    CHECK(names.count("gradcheck/f32/fc1/grad_weight_numerical"));
    CHECK(names.count("gradcheck/f64/fc2/grad_bias_numerical"));
}

TEST_CASE("record rejects bad options and input files with one clear line", "[engine][cli]") {
    const std::string dir = scratchDir("engine_record_bad");
    auto r = runCli({"record", "--model", "resnet"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "--model 'resnet'"));
    r = runCli({"record", "--steps", "0"});
    CHECK(r.exitCode == 2);
    r = runCli({"record", "--dump-steps", "first"});
    CHECK(r.exitCode == 2);
    r = runCli({"record", "--inputs", dir + "/missing.npz", "-o", dir + "/x.ksr.h5"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "missing.npz"));

    // A file that is not an input file at all.
    const std::string junk = dir + "/junk.npz";
    std::ofstream(junk) << "not a zip";
    r = runCli({"record", "--inputs", junk, "-o", dir + "/x.ksr.h5"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "junk.npz"));
    CHECK(!std::filesystem::exists(dir + "/x.ksr.h5"));

    // Unwritable output: an error, not a crash.
    r = runCli({"record", "--steps", "1", "-o", dir + "/no/such/dir/x.ksr.h5"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "x.ksr.h5"));
}
