// kernscope-cli compare end to end: the engine's run against a PyTorch reference of the same
// model and inputs passes; a perturbed reference fails at the right tensor, index and value;
// reports, exit codes and errors.
#include "Fixtures.h"
#include "TestSupport.h"

#include "data/RunFile.h"
#include "data/reference/ReferenceReader.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using ks::test::runCli;
namespace fs = std::filesystem;

namespace {

struct Flow {
    std::string dir, run, ref, perturbed;
    nlohmann::json change;
};

// Records the engine's run of the model make_flow_reference.py describes. When `record` is not
// usable, the run is built from the reference tensors with data::writeRun instead (and says so).
const Flow& flow() {
    static const Flow f = [] {
        Flow f;
        const std::string refs = ks::test::cachedFixture("flow", "compare/make_flow_reference.py");
        f.dir = ks::test::scratchDir("compare_flow_" + std::to_string(getpid()));
        for (const char* file : {"inputs.npz", "ref.npz", "ref_perturbed.npz", "perturbed.json"})
            fs::copy_file(refs + "/" + file, f.dir + "/" + file);
        f.run = f.dir + "/run.ksr.h5";
        f.ref = f.dir + "/ref.npz";
        f.perturbed = f.dir + "/ref_perturbed.npz";
        std::ifstream in(f.dir + "/perturbed.json");
        f.change = nlohmann::json::parse(in);
        if (runCli({"record", "--help"}).exitCode == 0) {
            auto rec = runCli({"record",
                               "--model",
                               "mlp",
                               "--layers",
                               "16,12,5",
                               "--steps",
                               "1",
                               "--batch",
                               "8",
                               "--optimizer",
                               "sgd",
                               "--lr",
                               "0.01",
                               "--backend",
                               "cpu",
                               "--dump-steps",
                               "0",
                               "--inputs",
                               f.dir + "/inputs.npz",
                               "-o",
                               f.run});
            INFO(rec.output);
            REQUIRE(rec.exitCode == 0);
        } else {
            WARN("kernscope-cli record unavailable: run file built from the reference tensors");
            auto tensors = ks::data::readReferenceFile(f.ref);
            REQUIRE(tensors.ok());
            ks::data::Run run;
            int64_t order = 0;
            for (auto& t : tensors.value()) {
                t.order = order++;
                run.tensors.push_back(std::move(t));
            }
            REQUIRE(ks::data::writeRun(run, f.run).ok());
        }
        return f;
    }();
    return f;
}

} // namespace

TEST_CASE("engine run vs PyTorch reference passes", "[compare][cli][flow]") {
    const Flow& f = flow();
    auto r = runCli({"compare", f.run, f.ref});
    INFO(r.output);
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.output, Catch::Contains("all 22 pairs pass"));
    CHECK_THAT(r.output, Catch::Contains("step0/fc1/grad_weight"));
}

TEST_CASE("a perturbed reference fails at the right tensor, index and value",
          "[compare][cli][flow]") {
    const Flow& f = flow();
    auto r = runCli({"compare", f.run, f.perturbed, "--top", "3"});
    INFO(r.output);
    CHECK(r.exitCode == 1);
    const std::string tensor = f.change["tensor"];
    CHECK_THAT(r.output, Catch::Contains("first divergence: " + tensor));
    CHECK_THAT(r.output, Catch::Contains("1 of 22 pairs fail"));
    CHECK_THAT(r.output, Catch::Contains("Mismatched elements: 1 / 40 (2.5%)"));
    CHECK_THAT(r.output, Catch::Contains("Greatest absolute difference: 0.01 at index (2, 1)"));
    char value[32];
    std::snprintf(value, sizeof value, "%.6g", f.change["value"].get<double>());
    CHECK_THAT(r.output, Catch::Contains(value));

    // The CSV says the same.
    const std::string csv = f.dir + "/summary.csv";
    auto c = runCli({"compare", f.run, f.perturbed, "--quiet", "--csv", csv});
    CHECK(c.exitCode == 1);
    std::ifstream in(csv);
    std::string line, failing;
    int lines = 0;
    while (std::getline(in, line)) {
        ++lines;
        if (line.find(",FAIL,1,") != std::string::npos) failing = line;
    }
    CHECK(lines == 23);
    CHECK_THAT(failing, Catch::Contains(tensor));
    CHECK_THAT(failing, Catch::Contains("\"(2, 1)\""));
}

TEST_CASE("compare --report writes CSVs and images", "[compare][cli][report]") {
    const Flow& f = flow();
    const std::string dir = f.dir + "/report";
    auto r = runCli({"compare", f.run, f.perturbed, "--quiet", "--report", dir});
    INFO(r.output);
    CHECK(r.exitCode == 1);
    CHECK(fs::exists(dir + "/summary.csv"));
    CHECK(fs::exists(dir + "/009_step0_fc2_output.worst.csv"));
    CHECK(fs::exists(dir + "/009_step0_fc2_output.hist.csv"));
#ifdef KS_HAVE_RENDER
    for (const char* png :
         {"/009_step0_fc2_output.heatmap.png", "/009_step0_fc2_output.hist.png"}) {
        std::ifstream in(dir + png, std::ios::binary);
        char magic[8] = {};
        in.read(magic, 8);
        CHECK(std::string(magic + 1, 3) == "PNG");
        CHECK(fs::file_size(dir + png) > 2000);
    }
#else
    CHECK_THAT(r.output, Catch::Contains("images need the GUI build"));
#endif
}

TEST_CASE("compare: name rules, unmatched names, errors and exit codes", "[compare][cli]") {
    const Flow& f = flow();
    const std::string dir = ks::test::scratchDir("compare_cli_" + std::to_string(getpid()));
    // References named differently: "model.fc2.output" style, one extra tensor.
    auto py = ks::test::runCommand(
        ks::test::shellQuote(KS_PYTHON) + " -c \"import numpy as np; d=dict(np.load('" + f.ref +
        "')); np.savez('" + dir +
        "/renamed.npz', **{'model.' + k.replace('step0/', '')"
        ".replace('/', '.'): v for k, v in d.items()}, extra=np.zeros(3))\"");
    INFO(py.output);
    REQUIRE(py.exitCode == 0);
    auto r = runCli({"compare", f.run, dir + "/renamed.npz", "--strip-prefix", "step0/",
                     "--strip-prefix", "model.", "--rename", "/=."});
    INFO(r.output);
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.output, Catch::Contains("Unmatched reference tensors (1): extra"));

    auto none = runCli({"compare", f.run, dir + "/renamed.npz"});
    CHECK(none.exitCode == 2);
    CHECK_THAT(none.output, Catch::Contains("no tensor names match"));

    auto missing = runCli({"compare", f.run, dir + "/nope.npy"});
    CHECK(missing.exitCode == 2);
    CHECK_THAT(missing.output, Catch::Contains("nope.npy: no such file"));
    auto usage = runCli({"compare", f.run});
    CHECK(usage.exitCode == 2);
    auto badOpt = runCli({"compare", f.run, f.ref, "--preset", "loose"});
    CHECK(badOpt.exitCode == 2);
    CHECK_THAT(badOpt.output, Catch::Contains("unknown preset 'loose'"));
    CHECK(runCli({"compare", "--help"}).exitCode == 0);

    // A loose explicit tolerance lets the perturbed reference pass; a pattern tightens one tensor.
    CHECK(runCli({"compare", f.run, f.perturbed, "--atol", "0.1", "--quiet"}).exitCode == 0);
    CHECK(runCli({"compare", f.run, f.perturbed, "--atol", "0.1", "--tol", "fc2/output=0,0",
                  "--quiet"})
              .exitCode == 1);
    // Per-op preset: the run still passes against the clean reference.
    CHECK(runCli({"compare", f.run, f.ref, "--preset", "op", "--quiet"}).exitCode == 0);
}
