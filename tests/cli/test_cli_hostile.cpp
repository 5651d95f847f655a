// Corrupt HDF5 files through the commands users run: `stats`, `compare` and `export` exit 2 with
// one line naming the file, whether libhdf5 would crash on the file or not.
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <catch2/catch.hpp>

using ks::test::runCli;

TEST_CASE("a file that crashes libhdf5 makes stats, compare and export exit 2 with one line",
          "[cli][hostile]") {
    const std::string bad =
        ks::test::sourcePath("fuzz/regressions/runfile/global-heap-object-size-crash.h5");
    const std::string good = ks::test::scratchDir("cli-hostile") + "/run.ksr.h5";
    REQUIRE(ks::data::writeRun(ks::data::makeSyntheticRun({.kernels = 20}), good).ok());
    const std::vector<std::vector<std::string>> commands = {
        {"stats", bad},
        {"compare", bad, good},
        {"compare", good, bad},
        {"export", bad, "--chrome", good + ".json"}};
    for (const auto& args : commands) {
        auto r = runCli(args);
        INFO(args[0] << " " << args[1] << ": " << r.output);
        CHECK(r.exitCode == 2);
        CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
        CHECK(r.output.find(bad + ": corrupt HDF5 file: the HDF5 library crashed (SIG") !=
              std::string::npos);
    }
}
