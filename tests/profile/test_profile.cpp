// record -- CMD end to end: real programs with NVTX v3 ranges run under kernscope-cli, and the run
// file checked against what each program did (its own printed thread ids, its exit status).
#include "TestSupport.h"

#include "data/RunFile.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

using namespace ks;
using ks::test::runCommand;
using ks::test::shellQuote;

namespace {

struct Recorded {
    std::string path; // the run file
    test::ProcessResult process;
    data::Run run;
    std::map<std::string, uint32_t> ids; // "tid main" -> 123 from the program's output
};

// Runs `kernscope-cli record OPTIONS -- PROGRAM ARGS` with `envPrefix` (e.g. "PATH=/bin").
Recorded record(const std::string& name, const std::vector<std::string>& options,
                const std::vector<std::string>& command, const std::string& envPrefix = "") {
    const std::string dir = test::scratchDir("profile_" + name);
    const std::string out = dir + "/run.ksr.h5";
    std::string line = envPrefix + " " + shellQuote(KS_CLI_PATH) + " record";
    for (const auto& o : options) line += " " + shellQuote(o);
    line += " -o " + shellQuote(out) + " --";
    for (const auto& c : command) line += " " + shellQuote(c);
    Recorded r;
    r.path = out;
    r.process = runCommand(line);
    auto run = data::readRun(out);
    INFO(r.process.output);
    REQUIRE(run);
    r.run = std::move(run.value());
    std::istringstream in(r.process.output);
    std::string kind, who;
    uint32_t id = 0;
    for (std::string l; std::getline(in, l);) {
        std::istringstream words(l);
        if ((words >> kind >> who >> id) && (kind == "tid" || kind == "pid"))
            r.ids[kind + " " + who] = id;
    }
    return r;
}

using RangeKey = std::tuple<uint32_t, uint32_t, std::string, std::string, bool>;

std::multiset<RangeKey> rangeKeys(const data::Run& run) {
    std::multiset<RangeKey> keys;
    const auto& r = run.ranges;
    for (size_t i = 0; i < r.size(); ++i)
        keys.insert({r.thread[i], r.depth[i], std::string(run.strings.get(r.name[i])),
                     std::string(run.strings.get(r.category[i])), r.start_ns[i] == r.end_ns[i]});
    return keys;
}

size_t findRange(const data::Run& run, uint32_t thread, const std::string& name) {
    for (size_t i = 0; i < run.ranges.size(); ++i)
        if (run.ranges.thread[i] == thread && run.strings.get(run.ranges.name[i]) == name) return i;
    FAIL("no range " << name << " on thread " << thread);
    return 0;
}

bool stackContains(const data::Run& run, uint32_t node, const std::string& frame) {
    for (int guard = 0; node != data::kNoParent && guard < 100000; ++guard) {
        if (run.strings.get(run.stacks.frame[node]) == frame) return true;
        node = run.stacks.parent[node];
    }
    return false;
}

bool perfUsable() {
    return runCommand("perf record -q -o /dev/null -- true").exitCode == 0;
}

} // namespace

TEST_CASE("C program: exact NVTX ranges on two threads and a forked child with samples in the "
          "hot range",
          "[profile]") {
    Recorded r = record("threads", {}, {KS_NVTX_THREADS});
    INFO(r.process.output);
    REQUIRE(r.process.exitCode == 0);
    const uint32_t main = r.ids.at("tid main"), w0 = r.ids.at("tid worker-0"),
                   w1 = r.ids.at("tid worker-1"), child = r.ids.at("tid child");
    const std::multiset<RangeKey> expected = {
        {main, 0, "main", "nvtx", false},   {main, 1, "setup", "nvtx", false},
        {main, 2, "ready", "nvtx", true},   {main, 1, "io::load", "nvtx:disk", false},
        {main, 1, "hot", "nvtx", false},    {main, 3, "async", "nvtx", false},
        {w0, 0, "work", "nvtx", false},     {w0, 1, "inner", "nvtx", false},
        {w0, 2, "tick", "nvtx", true},      {w1, 0, "work", "nvtx", false},
        {w1, 1, "inner", "nvtx", false},    {w1, 2, "tick", "nvtx", true},
        {child, 0, "child", "nvtx", false}, {child, 1, "child-inner", "nvtx", false}};
    CHECK(rangeKeys(r.run) == expected);
    CHECK(r.run.collector.unmatched_markers == 0);
    CHECK(r.run.collector.dropped_records == 0);

    // Nesting: every inner range lies inside its outer one.
    const auto& R = r.run.ranges;
    auto inside = [&](size_t inner, size_t outer) {
        return R.start_ns[outer] <= R.start_ns[inner] && R.end_ns[inner] <= R.end_ns[outer];
    };
    const size_t mainRange = findRange(r.run, main, "main");
    for (const char* n : {"setup", "io::load", "hot", "ready"})
        CHECK(inside(findRange(r.run, main, n), mainRange));
    CHECK(inside(findRange(r.run, w0, "inner"), findRange(r.run, w0, "work")));
    CHECK(inside(findRange(r.run, child, "child-inner"), findRange(r.run, child, "child")));
    // "async" started on main and ended on worker-1 after its work.
    CHECK(R.end_ns[findRange(r.run, main, "async")] >= R.end_ns[findRange(r.run, w1, "work")]);

    // Names and processes.
    CHECK(r.run.threadName(main) == "main-thread");
    CHECK(r.run.threadName(w0) == "worker-0");
    CHECK(r.run.threadName(w1) == "worker-1");
    const uint32_t mainPid = r.ids.at("pid main"), childPid = r.ids.at("pid child");
    std::map<uint32_t, uint32_t> processOf;
    for (size_t i = 0; i < r.run.threads.size(); ++i)
        processOf[r.run.threads.id[i]] = r.run.threads.process[i];
    CHECK(processOf[w1] == mainPid);
    CHECK(processOf[child] == childPid);
    bool childKnown = false;
    for (size_t i = 0; i < r.run.processes.size(); ++i)
        if (r.run.processes.id[i] == childPid) {
            childKnown = true;
            CHECK(r.run.processes.parent[i] == mainPid);
        }
    CHECK(childKnown);
    CHECK(r.run.info.exit_code == 0);
    CHECK(r.run.info.exit_status == "program exited with code 0");
    CHECK(r.run.info.clock_domain == "monotonic_raw");
    CHECK(r.run.info.wall_ns > 0);

    if (!perfUsable()) {
        WARN("perf is not usable here: sample checks skipped");
        return;
    }
    // Samples: the hot range's samples are in hot_loop, and hot_loop's samples on the main
    // thread fall inside the ranges that call it.
    const size_t hot = findRange(r.run, main, "hot"), load = findRange(r.run, main, "io::load");
    size_t inHot = 0, inHotLoop = 0, hotLoopMain = 0, hotLoopInRanges = 0;
    const auto& S = r.run.samples;
    for (size_t i = 0; i < S.size(); ++i) {
        if (S.thread[i] != main) continue;
        const bool inLoop = stackContains(r.run, S.stack[i], "hot_loop");
        const bool duringHot = S.time_ns[i] >= R.start_ns[hot] && S.time_ns[i] <= R.end_ns[hot];
        const bool duringLoad = S.time_ns[i] >= R.start_ns[load] && S.time_ns[i] <= R.end_ns[load];
        inHot += duringHot;
        inHotLoop += duringHot && inLoop;
        hotLoopMain += inLoop;
        hotLoopInRanges += inLoop && (duringHot || duringLoad);
    }
    INFO("samples in hot " << inHot << ", of them in hot_loop " << inHotLoop);
    CHECK(inHot >= 50);
    CHECK(inHotLoop >= inHot * 9 / 10);
    CHECK(hotLoopInRanges >= hotLoopMain * 95 / 100);
    CHECK(S.weight[0] == 1'000'000); // the period in ns at 1000 Hz
    CHECK(r.run.strings.get(S.event[0]) == "cpu-clock");
    std::set<uint32_t> sampledThreads(S.thread.begin(), S.thread.end());
    CHECK(sampledThreads.count(main) == 1);
}

TEST_CASE("C++ program (nvtx3.hpp): domain ranges and marks and a non-zero exit code",
          "[profile]") {
    Recorded r = record("exit3", {"--no-samples"}, {KS_NVTX_SCOPED, "3"});
    CHECK(r.process.exitCode == 3);
    CHECK(r.run.info.exit_code == 3);
    CHECK(r.run.info.exit_status == "program exited with code 3");
    std::map<std::string, int> names;
    for (size_t i = 0; i < r.run.ranges.size(); ++i)
        names[std::string(r.run.strings.get(r.run.ranges.name[i]))]++;
    CHECK(names == std::map<std::string, int>{{"app::step", 3},
                                              {"app::forward", 3},
                                              {"app::backward", 3},
                                              {"app::step-done", 3},
                                              {"after", 1}});
    for (size_t i = 0; i < r.run.ranges.size(); ++i)
        if (r.run.strings.get(r.run.ranges.name[i]) == "app::forward")
            CHECK(r.run.ranges.depth[i] == 1);
    CHECK(r.run.collector.status.find("program exited with code 3") == 0);
    CHECK(r.run.samples.size() == 0);
}

TEST_CASE("A program killed by SIGSEGV still leaves a run file and record exits 139", "[profile]") {
    Recorded r = record("segv", {}, {KS_NVTX_SCOPED, "segv"});
    CHECK(r.process.exitCode == 139);
    CHECK(r.run.info.exit_code == 139);
    CHECK(r.run.collector.status.find("killed by signal 11 (SIGSEGV)") != std::string::npos);
    // Everything written before the crash is there; "after" was never closed.
    size_t steps = 0;
    for (size_t i = 0; i < r.run.ranges.size(); ++i)
        steps += r.run.strings.get(r.run.ranges.name[i]) == "app::step";
    CHECK(steps == 3);
    CHECK(r.run.collector.unmatched_markers == 1);
}

TEST_CASE("The duration option stops a long program and keeps the run and record exits 0",
          "[profile]") {
    // --duration counts from the launch, perf's start-up included (seconds on a loaded machine).
    Recorded r = record("duration", {"--duration", "4"}, {KS_NVTX_SCOPED, "sleep"});
    CHECK(r.process.exitCode == 0);
    CHECK(r.run.collector.status.find("stopped after --duration 4 s") == 0);
    CHECK(r.run.info.wall_ns < 30'000'000'000); // the program would have slept 60 s
    bool wait = false;
    for (size_t i = 0; i < r.run.ranges.size(); ++i)
        wait |= r.run.strings.get(r.run.ranges.name[i]) == "wait";
    CHECK(wait);
}

TEST_CASE("Without perf in PATH the run completes without samples and says why", "[profile]") {
    Recorded r = record("noperf", {}, {KS_NVTX_SCOPED}, "PATH=/nonexistent");
    CHECK(r.process.exitCode == 0);
    CHECK(r.run.samples.size() == 0);
    CHECK(r.run.collector.status.find("CPU samples unavailable: perf not found in PATH") !=
          std::string::npos);
    CHECK(r.run.ranges.size() == 13);
    CHECK(r.run.collector.status.find("GPU activity") != std::string::npos);
}

TEST_CASE("Programs started through exec are followed", "[profile]") {
    // The shell forks and execs the program twice: both processes' ranges are in the run.
    const std::string twice =
        shellQuote(KS_NVTX_SCOPED) + " 0; " + shellQuote(KS_NVTX_SCOPED) + " 0";
    Recorded r = record("exec", {"--no-samples"}, {"/bin/sh", "-c", twice});
    CHECK(r.process.exitCode == 0);
    std::set<uint32_t> stepThreads;
    size_t steps = 0;
    for (size_t i = 0; i < r.run.ranges.size(); ++i)
        if (r.run.strings.get(r.run.ranges.name[i]) == "app::step") {
            ++steps;
            stepThreads.insert(r.run.ranges.thread[i]);
        }
    CHECK(steps == 6);
    CHECK(stepThreads.size() == 2);
    CHECK(r.run.processes.size() == 2);
}

TEST_CASE("Ctrl-C to record stops the program and saves the run with exit code 130", "[profile]") {
    const std::string dir = test::scratchDir("profile_sigint");
    const std::string out = dir + "/run.ksr.h5";
    auto p = runCommand(shellQuote(KS_CLI_PATH) + " record --no-samples -o " + shellQuote(out) +
                        " -- " + shellQuote(KS_NVTX_SCOPED) + " sleep & pid=$!; sleep 2; " +
                        "kill -INT $pid; wait $pid; echo \"record exit $?\"");
    INFO(p.output);
    CHECK(p.output.find("record exit 130") != std::string::npos);
    auto run = data::readRun(out);
    REQUIRE(run);
    CHECK(run.value().collector.status.find("stopped by SIGINT") == 0);
    CHECK(run.value().info.exit_code == 130);
}

TEST_CASE("Records past the spool limit are dropped and counted", "[profile]") {
    // 4 MiB: one segment per process, about 58,000 of the 100,000 push/pop pairs.
    Recorded r =
        record("limit", {"--no-samples"}, {KS_NVTX_SCOPED, "many"}, "KS_PROFILE_LIMIT_MB=4");
    CHECK(r.process.exitCode == 0);
    size_t loops = 0;
    for (size_t i = 0; i < r.run.ranges.size(); ++i)
        loops += r.run.strings.get(r.run.ranges.name[i]) == "loop";
    const uint64_t dropped = r.run.collector.dropped_records;
    INFO("kept " << loops << " loop ranges, dropped " << dropped << " records");
    CHECK(loops > 10'000);
    CHECK(loops < 100'000);
    CHECK(dropped > 10'000);
    // Every record is either kept or counted: 2 per pair (a pair split by the limit keeps its
    // push, closed at the end of the recording).
    CHECK(2 * loops + dropped >= 200'000);
    CHECK(2 * loops + dropped <= 200'000 + 20);
}

TEST_CASE("A Python NumPy program: samples attributed to its process and both threads",
          "[profile]") {
    if (!perfUsable()) {
        WARN("perf is not usable here");
        return;
    }
    Recorded r =
        record("python", {}, {KS_PYTHON, test::sourcePath("profile/programs/numpy_work.py")},
               "OPENBLAS_NUM_THREADS=1");
    REQUIRE(r.process.exitCode == 0);
    std::istringstream in(r.process.output);
    uint32_t pid = 0, mainTid = 0, workerTid = 0;
    for (std::string l; std::getline(in, l);) {
        std::istringstream w(l);
        std::string k;
        w >> k;
        if (k == "pid") w >> pid;
        if (k == "tids") w >> mainTid >> workerTid;
    }
    REQUIRE(pid != 0);
    REQUIRE(workerTid != 0);
    std::map<uint32_t, size_t> perThread;
    for (uint32_t t : r.run.samples.thread) perThread[t]++;
    CHECK(perThread[mainTid] >= 20);
    CHECK(perThread[workerTid] >= 20);
    for (size_t i = 0; i < r.run.threads.size(); ++i)
        if (r.run.threads.id[i] == workerTid || r.run.threads.id[i] == mainTid)
            CHECK(r.run.threads.process[i] == pid);
    bool named = false;
    for (size_t i = 0; i < r.run.processes.size(); ++i) named |= r.run.processes.id[i] == pid;
    CHECK(named);
}

TEST_CASE("capture.h: three tensors pass compare with NumPy-written .npy and a perturbed one "
          "fails at the right index",
          "[profile]") {
    // Outside Kernscope the calls are no-ops.
    auto outside = runCommand(shellQuote(KS_CAPTURE_TENSORS));
    CHECK(outside.output.find("capture 1 1 1 bad 1") != std::string::npos);

    Recorded r = record("capture", {"--no-samples"}, {KS_CAPTURE_TENSORS});
    CHECK(r.process.output.find("capture 0 0 0 bad -1") != std::string::npos);
    REQUIRE(r.run.tensors.size() == 3);
    CHECK(r.run.tensors[0].name == "x");
    CHECK(r.run.tensors[0].role == "input");
    CHECK(r.run.tensors[1].name == "w");
    CHECK(r.run.tensors[1].shape == std::vector<int64_t>{3, 2});
    CHECK(r.run.tensors[1].valueAt(1) == 4.0); // w = base^T: w[0][1] = base[1][0]
    CHECK(r.run.tensors[2].name == "step1/ids");
    CHECK(r.run.tensors[2].step == 1);

    const std::string dir = test::scratchDir("profile_capture_ref");
    auto py = runCommand(shellQuote(KS_PYTHON) + " -c " + shellQuote(R"(
import numpy as np, os, sys
d = sys.argv[1]
os.makedirs(d + "/good/step1", exist_ok=True); os.makedirs(d + "/bad/step1", exist_ok=True)
x = np.array([[0.5, -1.25, 2.0], [3.5, -4.0, 1e-3]], dtype=np.float32)
w = np.arange(1, 7, dtype=np.float64).reshape(2, 3).T.copy()
ids = np.array([7, -3, 0, 42, 1000000], dtype=np.int32)
for side in ("good", "bad"):
    np.save(f"{d}/{side}/x.npy", x); np.save(f"{d}/{side}/step1/ids.npy", ids)
np.save(f"{d}/good/w.npy", w)
w[2, 1] += 0.5
np.save(f"{d}/bad/w.npy", w)
)") + " " + shellQuote(dir));
    REQUIRE(py.exitCode == 0);
    const std::string runPath = r.path;
    auto good = test::runCli({"compare", runPath, dir + "/good"});
    INFO(good.output);
    CHECK(good.exitCode == 0);
    CHECK(good.output.find("all 3 pairs pass") != std::string::npos);
    auto bad = test::runCli({"compare", dir + "/bad", runPath});
    INFO(bad.output);
    CHECK(bad.exitCode == 1);
    CHECK(bad.output.find("Greatest absolute difference: 0.5 at index (2, 1)") !=
          std::string::npos);
    CHECK(bad.output.find("first divergence: w") != std::string::npos);
}

TEST_CASE("record -- with a command that does not exist exits 127 and writes nothing",
          "[profile]") {
    auto r = test::runCli({"record", "-o", test::scratchDir("profile_missing") + "/r.ksr.h5", "--",
                           "/nonexistent/program"});
    CHECK(r.exitCode == 127);
    CHECK(r.output.find("command not found") != std::string::npos);
}
