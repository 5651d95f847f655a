// Run comparison (data/analysis/RunDiff): engine runs that differ in one known way, an injected
// slow kernel (the second run built by editing the first run's columns), two recordings of one
// config, a real PyTorch before/after pair, all checked against an independent pandas oracle
// (diff_oracle.py) and the command line's exit codes.
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/analysis/RunDiff.h"

#include <catch2/catch.hpp>

#include <future>

#include <algorithm>
#include <cmath>
#include <set>
#include <unistd.h>

using namespace ks::data;
using ks::test::runCli;

namespace {

std::string scratch(const std::string& name) {
    return ks::test::scratchDir(name + "_" + std::to_string(getpid()));
}

std::string record(const std::string& dir, const std::string& file,
                   std::vector<std::string> extra) {
    std::vector<std::string> args = {"record", "--backend", "cpu",           "--dump-steps",
                                     "0",      "-o",        dir + "/" + file};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = runCli(args);
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    return dir + "/" + file;
}

Run read(const std::string& path) {
    auto run = readRun(path);
    INFO(path);
    REQUIRE(run.ok());
    return std::move(run).value();
}

const DiffRow& rowNamed(const DiffTable& t, const std::string& name) {
    auto it = std::find_if(t.rows.begin(), t.rows.end(),
                           [&](const DiffRow& r) { return r.name == name; });
    INFO(name);
    REQUIRE(it != t.rows.end());
    return *it;
}

// kernscope-cli with stdout into a file (stderr still captured); returns the exit code.
int cliToFile(const std::vector<std::string>& args, const std::string& out) {
    std::string cmd = ks::test::shellQuote(KS_CLI_PATH);
    for (const auto& a : args) cmd += " " + ks::test::shellQuote(a);
    const auto r = ks::test::runCommand("(" + cmd + " > " + ks::test::shellQuote(out) + ")");
    INFO(r.output);
    return r.exitCode;
}

std::set<std::string> kernelNames(const Run& run) {
    std::set<std::string> out;
    for (uint32_t id : run.kernels.name) out.insert(std::string(run.strings.get(id)));
    return out;
}

} // namespace

TEST_CASE("Mann-Whitney U p-values match the textbook normal approximation", "[data][diff]") {
    const int64_t a[] = {1, 2, 3}, b[] = {4, 5, 6};
    // U = 9, mean 4.5, variance 3*3*7/12 = 5.25: z = (4.5 - 0.5) / sqrt(5.25), p = erfc(z/√2).
    REQUIRE(mannWhitneyP(a, 3, b, 3) == Approx(std::erfc(4.0 / std::sqrt(5.25) / std::sqrt(2.0))));
    REQUIRE(mannWhitneyP(a, 3, b, 3) == Approx(0.0809).epsilon(0.01)); // scipy: 0.0809
    REQUIRE(mannWhitneyP(a, 3, a, 3) == 1.0);
    const int64_t tied[] = {5, 5, 5, 5};
    REQUIRE(mannWhitneyP(tied, 2, tied + 2, 2) == 1.0); // all equal: nothing to test
    REQUIRE(mannWhitneyP(a, 0, b, 3) == 1.0);
}

TEST_CASE("an injected slow kernel and a faster one are the only changes the diff reports",
          "[data][diff]") {
    const std::string dir = scratch("diff_injected");
    const std::string pathA = record(dir, "a.ksr.h5", {"--steps", "40", "--batch", "32"});
    const Run a = read(pathA);
    // B: A with every instance of one kernel 50 % longer and another 40 % shorter.
    Run b = a;
    const std::string slow = "sgd_update 256x784", fast = "relu_bwd 32x256";
    const uint32_t slowId = b.strings.find(slow), fastId = b.strings.find(fast);
    REQUIRE(kernelNames(a).count(slow) == 1);
    REQUIRE(kernelNames(a).count(fast) == 1);
    int64_t added = 0, removed = 0;
    for (size_t i = 0; i < b.kernels.size(); ++i) {
        const int64_t d = b.kernels.end_ns[i] - b.kernels.start_ns[i];
        if (b.kernels.name[i] == slowId) b.kernels.end_ns[i] += d / 2, added += d / 2;
        if (b.kernels.name[i] == fastId) b.kernels.end_ns[i] -= d * 2 / 5, removed += d * 2 / 5;
    }
    const std::string pathB = dir + "/b.ksr.h5";
    REQUIRE(writeRun(b, pathB).ok());

    DiffOptions o;
    const DiffTable t = diffKernels(a, read(pathB), o);
    REQUIRE(t.onlyA.empty());
    REQUIRE(t.onlyB.empty());
    REQUIRE(t.slower() == 1);
    REQUIRE(t.faster() == 1);
    const DiffRow& s = rowNamed(t, slow);
    REQUIRE(s.change == DiffRow::Slower);
    REQUIRE(s.deltaTotal == double(added));
    REQUIRE(s.medianRatio == Approx(1.5).epsilon(0.01));
    REQUIRE(s.pValue < 1e-6);
    const DiffRow& f = rowNamed(t, fast);
    REQUIRE(f.change == DiffRow::Faster);
    REQUIRE(f.deltaTotal == -double(removed));
    REQUIRE(f.medianRatio == Approx(0.6).epsilon(0.01));
    for (const DiffRow& r : t.rows)
        if (r.name != slow && r.name != fast) {
            INFO(r.name);
            REQUIRE(r.deltaTotal == 0);
            REQUIRE(r.pValue == 1.0);
        }
    REQUIRE(t.totalB - t.totalA == added - removed);
    // Sorted by |delta total|: the two changed kernels first.
    REQUIRE(std::set<std::string>{t.rows[0].name, t.rows[1].name} ==
            std::set<std::string>{slow, fast});

    // The command line: exit 1 naming the slow kernel; A against itself exits 0.
    auto r = runCli({"diff", pathA, pathB, "--report", "kernels"});
    INFO(r.output);
    REQUIRE(r.exitCode == 1);
    REQUIRE(r.output.find("kernel " + slow + ": median") != std::string::npos);
    REQUIRE(r.output.find("kernel " + fast + ":") == std::string::npos);
    REQUIRE(runCli({"diff", pathA, pathA}).exitCode == 0);
    // A bigger threshold than the change: no regression.
    REQUIRE(
        runCli({"diff", pathA, pathB, "--report", "kernels", "--fail-if-slower", "60"}).exitCode ==
        0);
    // The pandas oracle agrees with every row.
    REQUIRE(cliToFile({"diff", pathA, pathB, "--report", "kernels", "--format", "csv"},
                      dir + "/ab.csv") == 1);
    auto oracle = ks::test::runPython("data/diff_oracle.py", {pathA, pathB, dir + "/ab.csv"});
    INFO(oracle.output);
    REQUIRE(oracle.exitCode == 0);
}

TEST_CASE("an extra layer shows up as exactly the new and vanished kernels", "[data][diff]") {
    const std::string dir = scratch("diff_layer");
    const std::string pathA = record(dir, "a.ksr.h5", {"--steps", "10", "--batch", "32"});
    const std::string pathB =
        record(dir, "b.ksr.h5", {"--steps", "10", "--batch", "32", "--layers", "784,256,64,10"});
    const Run a = read(pathA), b = read(pathB);
    const DiffTable t = diffKernels(a, b, DiffOptions{});
    // Kernel names carry their shapes: the new layer's kernels are exactly B's names not in A.
    std::vector<std::string> onlyB, onlyA;
    const auto na = kernelNames(a), nb = kernelNames(b);
    std::set_difference(nb.begin(), nb.end(), na.begin(), na.end(), std::back_inserter(onlyB));
    std::set_difference(na.begin(), na.end(), nb.begin(), nb.end(), std::back_inserter(onlyA));
    REQUIRE(!onlyB.empty());
    REQUIRE(t.onlyB == onlyB);
    REQUIRE(t.onlyA == onlyA);
    for (const auto& name : onlyB) {
        const DiffRow& r = rowNamed(t, name);
        REQUIRE(r.status == DiffRow::OnlyB);
        REQUIRE(r.deltaTotal == double(r.b.total)); // all of it is added time
        REQUIRE(r.b.count % 10 == 0);               // once or more per step
    }
    for (const auto& name : onlyA) REQUIRE(rowNamed(t, name).deltaTotal < 0);
    // The same tables with pandas, for kernels and for (number-merged) ranges.
    for (const char* table : {"kernels", "ranges"}) {
        INFO(table);
        const std::string csv = dir + "/" + table + ".csv";
        cliToFile({"diff", pathA, pathB, "--report", table, "--format", "csv"}, csv);
        auto oracle =
            ks::test::runPython("data/diff_oracle.py", {pathA, pathB, csv, "--table", table});
        INFO(oracle.output);
        REQUIRE(oracle.exitCode == 0);
    }
    // Renaming: stripping the shapes matches the layers' kernels by operation instead.
    DiffOptions renamed;
    REQUIRE(renamed.rules.addRewrite(" [0-9x]+$=").ok());
    const DiffTable byOp = diffKernels(a, b, renamed);
    REQUIRE(byOp.onlyA.empty());
    REQUIRE(byOp.onlyB.empty());
    REQUIRE(rowNamed(byOp, "sgemm").a.count > 0);
}

// Records the same configuration twice at the same time (one thread each, so both see the same
// machine: this VM's speed drifts by up to 2x between consecutive seconds) and diffs them.
ks::test::ProcessResult diffTwoRecordings(const std::string& dir) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    const std::vector<std::string> config = {"--steps", "60", "--batch", "32"};
    auto recordB = std::async(std::launch::async, [&] {
        auto args = std::vector<std::string>{"record", "--backend",      "cpu", "--dump-steps", "0",
                                             "-o",     dir + "/b.ksr.h5"};
        args.insert(args.end(), config.begin(), config.end());
        return runCli(args);
    });
    const std::string pathA = record(dir, "a.ksr.h5", config);
    const auto b = recordB.get();
    INFO(b.output);
    REQUIRE(b.exitCode == 0);
    // The threshold a CI job on a shared machine would choose.
    return runCli({"diff", pathA, dir + "/b.ksr.h5", "--report", "kernels", "--fail-if-slower",
                   "60", "--min-significance", "0.001"});
}

TEST_CASE("two recordings of the same config show no significant change", "[data][diff]") {
    const std::string dir = scratch("diff_same");
    // Measured here: even recorded at the same time, one pair in about ten shows a sub-10 µs
    // kernel 1.5-2.5x slower. A real regression shows in every pair (see the injected slow
    // kernel above); noise does not, so the claim is tested on up to three pairs.
    ks::test::ProcessResult r;
    for (int attempt = 0; attempt < 3; ++attempt) {
        r = diffTwoRecordings(dir);
        if (r.exitCode == 0) break;
        WARN("pair " << attempt << " differed by noise:\n" << r.output);
    }
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    REQUIRE(r.output.find("0 new, 0 gone") != std::string::npos);
}

TEST_CASE("launch configurations split a kernel name when asked", "[data][diff]") {
    Run a;
    const uint32_t name = a.strings.intern("gemm");
    auto add = [](Run& run, uint32_t n, int64_t start, int64_t dur, uint32_t block) {
        auto& k = run.kernels;
        k.start_ns.push_back(start);
        k.end_ns.push_back(start + dur);
        k.name.push_back(n);
        for (auto* c :
             {&k.device, &k.stream, &k.correlation, &k.grid_x, &k.grid_y, &k.grid_z, &k.block_y,
              &k.block_z, &k.registers_per_thread, &k.shared_static, &k.shared_dynamic})
            c->push_back(1);
        k.block_x.push_back(block);
    };
    for (int i = 0; i < 20; ++i)
        add(a, name, i * 100, 10, 128), add(a, name, i * 100 + 50, 20, 256);
    Run b = a;
    for (size_t i = 0; i < b.kernels.size(); ++i)
        if (b.kernels.block_x[i] == 256) b.kernels.end_ns[i] += 20; // only the 256-thread launch
    DiffOptions o;
    const DiffTable plain = diffKernels(a, b, o);
    REQUIRE(plain.rows.size() == 1);
    o.matchLaunchConfig = true;
    const DiffTable split = diffKernels(a, b, o);
    REQUIRE(split.rows.size() == 2);
    REQUIRE(split.rows[0].name == "gemm [grid 1x1x1 block 256x1x1 regs 1 smem 2]");
    REQUIRE(split.rows[0].medianRatio == 2.0);
    REQUIRE(split.rows[0].change == DiffRow::Slower);
    REQUIRE(split.rows[1].deltaTotal == 0);
}

TEST_CASE("a real PyTorch before/after pair, imported on the fly, agrees with pandas",
          "[data][diff][torch]") {
    const std::string dir = scratch("diff_torch");
    const std::string before = dir + "/before.json", after = dir + "/after.json";
    auto made = ks::test::runPython("data/make_torch_pair.py", {before, after});
    INFO(made.output);
    REQUIRE(made.exitCode == 0);
    const std::string csv = dir + "/ranges.csv";
    REQUIRE(cliToFile({"diff", before, after, "--report", "ranges", "--format", "csv"}, csv) ==
            1); // the wider layer is a regression
    auto oracle =
        ks::test::runPython("data/diff_oracle.py", {before, after, csv, "--table", "ranges"});
    INFO(oracle.output);
    REQUIRE(oracle.exitCode == 0);
    // What changed: GELU replaced ReLU, and the 4x wider matrix products got slower.
    auto table = runCli({"diff", before, after, "--report", "ranges", "--limit", "0"});
    auto line = [&](const std::string& name) {
        const size_t at = table.output.find("  " + name + "\n");
        REQUIRE(at != std::string::npos);
        const size_t begin = table.output.rfind('\n', at) + 1;
        return table.output.substr(begin, at - begin);
    };
    REQUIRE(line("aten::gelu").find("new") != std::string::npos);
    REQUIRE(line("aten::relu").find("gone") != std::string::npos);
    REQUIRE(line("aten::mm").find("slower") != std::string::npos);
}

TEST_CASE("memory operations by kind and step durations, A against B", "[data][diff]") {
    auto make = [](int64_t copyNs, int64_t stepNs, size_t copies) {
        Run run;
        auto& m = run.memcpy;
        for (size_t i = 0; i < copies; ++i) {
            m.start_ns.push_back(int64_t(i) * 1000);
            m.end_ns.push_back(int64_t(i) * 1000 + copyNs);
            m.device.push_back(0), m.stream.push_back(0), m.correlation.push_back(0);
            m.kind.push_back(uint8_t(MemcpyKind::HtoD));
            m.bytes.push_back(1 << 20);
        }
        for (int s = 0; s < 5; ++s) {
            auto& r = run.ranges;
            r.start_ns.push_back(s * 100000);
            r.end_ns.push_back(s * 100000 + stepNs + s); // distinct durations
            r.thread.push_back(1), r.depth.push_back(0), r.category.push_back(0);
            r.name.push_back(run.strings.intern("ProfilerStep#" + std::to_string(s)));
        }
        return run;
    };
    const Run a = make(1000, 50000, 10), b = make(2000, 80000, 12);
    const auto mem = diffMemory(a, b);
    REQUIRE(mem.size() == 1);
    REQUIRE(mem[0].kind == "HtoD");
    REQUIRE(mem[0].countA == 10);
    REQUIRE(mem[0].countB == 12);
    REQUIRE(mem[0].bytesB == 12u << 20);
    REQUIRE(mem[0].timeA == 10000);
    REQUIRE(mem[0].timeB == 24000);
    REQUIRE(mem[0].gbpsA == Approx(double(1 << 20) / 1000)); // bytes per ns = GB/s
    REQUIRE(mem[0].gbpsB == Approx(double(1 << 20) / 2000));

    const StepDiff steps = diffSteps(a, b, DiffOptions{});
    REQUIRE(steps.rows.size() == 5);
    REQUIRE(steps.rows[2].step == 2);
    REQUIRE(steps.rows[2].durationA == 50002);
    REQUIRE(steps.rows[2].durationB == 80002);
    REQUIRE(steps.a.median == 50002);
    REQUIRE(steps.b.median == 80002);
    // 5 against 5, no overlap: U = 25, z = (12.5 - 0.5) / sqrt(5*5*11/12).
    REQUIRE(steps.pValue == Approx(std::erfc(12.0 / std::sqrt(25.0 * 11 / 12) / std::sqrt(2.0))));
}
