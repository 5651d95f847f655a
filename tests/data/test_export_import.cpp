// Chrome trace export (parsed back with nlohmann-json), CSV export, and the importers: Chrome /
// Kineto JSON (ours and a real PyTorch 1.13 trace), folded stacks and perf script text.
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"
#include "data/export/ChromeTrace.h"
#include "data/export/CsvExport.h"
#include "data/import/ChromeTraceImport.h"
#include "data/import/StackImport.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace ks::data;
using nlohmann::json;

namespace {

json readJson(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
}

// Leaf-to-root frame names of a sample.
std::vector<std::string> stackOf(const Run& run, size_t sample) {
    std::vector<std::string> frames;
    for (uint32_t n = run.samples.stack[sample]; n != kNoParent; n = run.stacks.parent[n])
        frames.emplace_back(run.strings.get(run.stacks.frame[n]));
    return frames;
}

} // namespace

TEST_CASE("Chrome trace export has events, metadata, args, flows and counters", "[export]") {
    const std::string dir = ks::test::scratchDir("chrome_export");
    Run run = makeSyntheticRun({.kernels = 2000, .streams = 3, .names = 10, .memcpyEvery = 100});
    run.memset.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.memset.start_ns[0] = 5;
    run.memset.end_ns[0] = 9;
    run.kernels.name[0] = run.strings.intern("odd \"name\"\\ with\ttab and \xff byte");
    auto stats = writeChromeTrace(run, dir + "/trace.json");
    REQUIRE(stats.ok());
    const json doc = readJson(dir + "/trace.json"); // throws (fails the test) if not valid JSON
    REQUIRE(doc["traceEvents"].is_array());
    const json& events = doc["traceEvents"];
    CHECK(events.size() == stats->events);

    std::map<std::string, size_t> byCat;
    std::map<std::string, size_t> byPhase;
    std::set<std::string> threadNames, processNames;
    const json* firstKernel = nullptr;
    for (const json& e : events) {
        ++byPhase[e["ph"].get<std::string>()];
        if (e["ph"] == "X") {
            ++byCat[e["cat"].get<std::string>()];
            CHECK(e["dur"].get<double>() >= 0);
            if (e["cat"] == "kernel" && !firstKernel) firstKernel = &e;
        }
        if (e["ph"] == "M" && e["name"] == "thread_name") threadNames.insert(e["args"]["name"]);
        if (e["ph"] == "M" && e["name"] == "process_name") processNames.insert(e["args"]["name"]);
    }
    CHECK(byCat["kernel"] == run.kernels.size());
    CHECK(byCat["gpu_memcpy"] == run.memcpy.size());
    CHECK(byCat["gpu_memset"] == 1);
    CHECK(byCat["cuda_runtime"] == run.api.size());
    CHECK(byCat["train"] == run.ranges.size());
    // Every kernel and copy was launched by an API call with its correlation id.
    CHECK(stats->flows == run.kernels.size() + run.memcpy.size());
    CHECK(byPhase["s"] == stats->flows);
    CHECK(byPhase["f"] == stats->flows);
    CHECK(byPhase["C"] == run.counters.at("memory_used_bytes").size());
    CHECK(threadNames.count("python (main)") == 1);
    CHECK(threadNames.count("Stream 7") == 1);
    CHECK(threadNames.count("Stream 9") == 1);
    CHECK(processNames.count("GPU 0: Synthetic GPU") == 1);
    // names + sort indices: 2 processes, 1 thread, 3 streams + the memset's stream 0
    CHECK(byPhase["M"] == 2 * (2 + 1 + 4));

    REQUIRE(firstKernel);
    const json& k = *firstKernel;
    CHECK(k["name"] == "odd \"name\"\\ with\ttab and \xef\xbf\xbd byte");
    CHECK(k["pid"] == kChromeDevicePidBase + 0);
    CHECK(k["tid"] == run.kernels.stream[0]);
    CHECK(k["ts"].get<double>() == Approx(double(run.kernels.start_ns[0]) / 1000.0));
    CHECK(k["dur"].get<double>() ==
          Approx(double(run.kernels.end_ns[0] - run.kernels.start_ns[0]) / 1000.0));
    CHECK(k["args"]["grid"] == json::array({run.kernels.grid_x[0], 1, 1}));
    CHECK(k["args"]["block"] == json::array({run.kernels.block_x[0], 1, 1}));
    CHECK(k["args"]["registers per thread"] == run.kernels.registers_per_thread[0]);
    CHECK(k["args"]["shared memory"] ==
          run.kernels.shared_static[0] + run.kernels.shared_dynamic[0]);
    CHECK(k["args"]["correlation"] == run.kernels.correlation[0]);
    CHECK(k["args"]["stream"] == run.kernels.stream[0]);

    // The flow for the first kernel starts on the API call with the same correlation id.
    for (const json& e : events)
        if (e["ph"] == "s" && e["id"] == run.kernels.correlation[0]) {
            CHECK(e["pid"] == kChromeHostPid);
            CHECK(e["ts"].get<double>() == Approx(double(run.api.start_ns[0]) / 1000.0));
        }

    SECTION("our own export imports back") {
        auto back = importChromeTrace(dir + "/trace.json");
        REQUIRE(back.ok());
        CHECK(back->kernels.size() == run.kernels.size());
        CHECK(back->memcpy.size() == run.memcpy.size());
        CHECK(back->api.size() == run.api.size());
        CHECK(back->ranges.size() == run.ranges.size());
        CHECK(back->kernels.grid_x == run.kernels.grid_x);
        CHECK(back->kernels.shared_dynamic == run.kernels.shared_dynamic);
        CHECK(back->kernels.correlation == run.kernels.correlation);
        CHECK(back->memcpy.kind == run.memcpy.kind);
        CHECK(back->memcpy.bytes == run.memcpy.bytes);
        // Durations survive exactly (ns precision in µs with three decimals).
        for (size_t i = 0; i < run.kernels.size(); i += 97)
            CHECK(back->kernels.end_ns[i] - back->kernels.start_ns[i] ==
                  run.kernels.end_ns[i] - run.kernels.start_ns[i]);
        CHECK(back->ranges.depth == run.ranges.depth);
    }
}

TEST_CASE("exports are atomic and report unwritable destinations", "[export]") {
    const std::string dir = ks::test::scratchDir("export_fail");
    Run run = makeSyntheticRun({.kernels = 10});
    auto bad = writeChromeTrace(run, dir + "/no/such/dir/trace.json");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::StartsWith(dir + "/no/such/dir/trace.json: "));
    REQUIRE(writeSummaryCsvs(run, dir + "/csv").ok());
    for (const char* f : {"kernels.csv", "memory.csv", "api.csv", "ranges.csv"})
        CHECK(std::filesystem::exists(dir + "/csv/" + f));
    size_t files = 0;
    for (auto& e : std::filesystem::directory_iterator(dir + "/csv")) {
        (void)e;
        ++files;
    }
    CHECK(files == 4); // no temporaries left behind
}

TEST_CASE("Chrome trace import: string pids, B/E, nesting depth, kernels", "[import]") {
    const std::string trace = R"([
      {"ph":"M","name":"process_name","pid":"CPU functions","tid":0,"args":{"name":"python"}},
      {"ph":"M","name":"thread_name","pid":"CPU functions","tid":"7","args":{"name":"main"}},
      {"ph":"X","cat":"cpu_op","name":"outer","pid":"CPU functions","tid":"7","ts":100,"dur":50},
      {"ph":"X","cat":"cpu_op","name":"inner","pid":"CPU functions","tid":"7","ts":110.5,"dur":10.25},
      {"ph":"B","name":"begin-end","pid":"CPU functions","tid":"7","ts":112},
      {"ph":"E","pid":"CPU functions","tid":"7","ts":115},
      {"ph":"X","cat":"Kernel","name":"gemm","pid":0,"tid":7,"ts":130,"dur":5,
       "args":{"grid":[4,2,1],"block":[128,1,1],"registers per thread":32,"shared memory":2048,
               "stream":7,"correlation":42,"device":0}},
      {"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":"CPU functions","tid":"7",
       "ts":120,"dur":3,"args":{"correlation":42}},
      {"ph":"C","name":"memory","pid":1,"ts":100,"args":{"bytes":1024}},
      {"ph":"i","name":"marker","pid":1,"tid":1,"ts":101}
    ])";
    auto run = parseChromeTrace(trace, "t.json");
    if (!run) FAIL(run.error().message);
    REQUIRE(run->ranges.size() == 3);
    CHECK(run->strings.get(run->ranges.name[0]) == "outer");
    CHECK(run->ranges.depth[0] == 0);
    CHECK(run->strings.get(run->ranges.name[1]) == "inner");
    CHECK(run->ranges.depth[1] == 1);
    CHECK(run->ranges.start_ns[1] == 10500); // µs -> ns, relative to the earliest event
    CHECK(run->ranges.end_ns[1] - run->ranges.start_ns[1] == 10250);
    CHECK(run->strings.get(run->ranges.name[2]) == "begin-end");
    CHECK(run->ranges.depth[2] == 2);
    CHECK(run->threadName(run->ranges.thread[0]) == "python / main");
    REQUIRE(run->kernels.size() == 1);
    CHECK(run->strings.get(run->kernels.name[0]) == "gemm");
    CHECK(run->kernels.grid_x[0] == 4);
    CHECK(run->kernels.grid_y[0] == 2);
    CHECK(run->kernels.block_x[0] == 128);
    CHECK(run->kernels.registers_per_thread[0] == 32);
    CHECK(run->kernels.shared_static[0] == 2048);
    CHECK(run->kernels.correlation[0] == 42);
    CHECK(run->kernels.stream[0] == 7);
    REQUIRE(run->api.size() == 1);
    CHECK(run->api.correlation[0] == 42);
    CHECK(run->counters.at("memory").value == std::vector<double>{1024});
    CHECK(run->info.backend == "imported:chrome-trace");
    // The object form with traceEvents is accepted too.
    CHECK(parseChromeTrace(R"({"traceEvents": []})", "e.json").ok());
    // And the result is a valid run file.
    const std::string path = ks::test::scratchDir("chrome_import") + "/t.ksr.h5";
    REQUIRE(writeRun(run.value(), path).ok());
    CHECK(readRun(path).ok());
}

TEST_CASE("Chrome trace import errors are one line naming the file", "[import]") {
    // Invalid events are skipped and counted; a file with nothing valid is an error that says
    // what was skipped (docs/IMPORT.md).
    auto bad = parseChromeTrace("[\n {\"ph\":\"X\",\n  \"ts\": 1,, }\n]", "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::StartsWith("bad.json: nothing could be imported"));
    CHECK_THAT(bad.error().message, Catch::Contains("1 invalid"));
    CHECK(bad.error().message.find('\n') == std::string::npos);
    auto noTs = parseChromeTrace(R"([{"ph":"X","name":"a","dur":1}])", "a.json");
    REQUIRE_FALSE(noTs.ok());
    CHECK_THAT(noTs.error().message, Catch::Contains("1 without ts"));
    auto negative = parseChromeTrace(R"([{"ph":"X","name":"a","ts":1,"dur":-5}])", "n.json");
    REQUIRE_FALSE(negative.ok());
    CHECK_THAT(negative.error().message, Catch::Contains("1 X with negative dur"));
    auto mixed = parseChromeTrace(R"([{"ph":"X","name":"a","ts":1,"dur":-5},
                                      {"ph":"X","name":"b","ts":2,"dur":1}])",
                                  "m.json");
    REQUIRE(mixed.ok());
    CHECK(mixed->ranges.size() == 1);
    CHECK(mixed->collector.dropped_records == 1);
    auto object = parseChromeTrace(R"({"events": []})", "o.json");
    REQUIRE_FALSE(object.ok());
    CHECK_THAT(object.error().message, Catch::Contains("traceEvents"));
    auto early = parseChromeTrace(R"({"deviceProperties": [1, 2)", "e.json");
    REQUIRE_FALSE(early.ok());
    CHECK_THAT(early.error().message, Catch::StartsWith("e.json: byte "));
}

TEST_CASE("a real PyTorch 1.13 profiler trace imports", "[import][python]") {
    const std::string path = ks::test::scratchDir("torch_trace") + "/torch.json";
    const auto made = ks::test::runPython("data/make_torch_trace.py", {path});
    INFO(made.output);
    REQUIRE(made.exitCode == 0);
    auto run = importChromeTrace(path);
    if (!run) FAIL(run.error().message);
    std::set<std::string> names;
    for (uint32_t n : run->ranges.name) names.insert(std::string(run->strings.get(n)));
    CHECK(names.count("step 0") == 1);
    CHECK(names.count("step 2") == 1);
    CHECK(names.count("aten::relu") == 1);
    bool nested = false;
    for (size_t i = 0; i < run->ranges.size(); ++i) {
        CHECK(run->ranges.end_ns[i] >= run->ranges.start_ns[i]);
        nested = nested || run->ranges.depth[i] > 0;
    }
    CHECK(nested); // aten::relu runs inside "step N"
}

TEST_CASE("folded stacks import", "[import]") {
    auto run = parseFoldedStacks("main;train;matmul 3\nmain;train;relu 1\n\nmain 2\n", "f.txt");
    if (!run) FAIL(run.error().message);
    REQUIRE(run->samples.size() == 3); // one row per line, the count as its weight
    CHECK(run->samples.weight == std::vector<uint64_t>{3, 1, 2});
    CHECK(stackOf(*run, 0) == std::vector<std::string>{"matmul", "train", "main"});
    CHECK(stackOf(*run, 1) == std::vector<std::string>{"relu", "train", "main"});
    CHECK(stackOf(*run, 2) == std::vector<std::string>{"main"});
    CHECK(run->stacks.size() == 4); // main, train, matmul, relu: shared prefixes
    auto bad = parseFoldedStacks("a;b 3\na;b;c x\n", "f.txt");
    REQUIRE(bad.ok()); // the invalid line is skipped and counted
    CHECK(bad->samples.size() == 1);
    CHECK(bad->collector.dropped_records == 1);
    CHECK_THAT(bad->info.notes, Catch::Contains("first at line 2"));
    auto none = parseFoldedStacks("a;b;c x\n", "g.txt");
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error().message, Catch::StartsWith("g.txt: no line"));
}

TEST_CASE("perf script import", "[import]") {
    const std::string text = "python 1234/1240 [002] 100.000100:     250000 cpu-clock:u: \n"
                             "\t    7f00aa matmul+0x1f (/usr/lib/libblas.so)\n"
                             "\t    5500bb train (/usr/bin/python3)\n"
                             "\t    5500cc main+0x5 (/usr/bin/python3)\n"
                             "\n"
                             "python 1234/1241 [003] 100.000350: 250000 cpu-clock:u: \n"
                             "\t    ffffff [unknown] (/lib/x86_64-linux-gnu/libc.so.6)\n"
                             "\t    5500cc main+0x5 (/usr/bin/python3)\n";
    auto run = parsePerfScript(text, "perf.txt");
    if (!run) FAIL(run.error().message);
    REQUIRE(run->samples.size() == 2);
    CHECK(stackOf(*run, 0) == std::vector<std::string>{"matmul", "train", "main"});
    CHECK(stackOf(*run, 1) == std::vector<std::string>{"[libc.so.6]", "main"}); // as FlameGraph
    CHECK(run->samples.time_ns[0] == 0);
    CHECK(run->samples.time_ns[1] == 250000);
    CHECK(run->samples.thread[0] == 1240);
    CHECK(run->threadName(1241) == "python 1234/1241");
    CHECK(run->samples.weight[0] == 250000); // the period
    CHECK(run->strings.get(run->samples.event[0]) == "cpu-clock");
    auto orphan = parsePerfScript("\t 7f00 frame (x)\n", "p.txt");
    REQUIRE_FALSE(orphan.ok());
    CHECK_THAT(orphan.error().message, Catch::StartsWith("p.txt:1: no sample header"));
    auto header = parsePerfScript("python 12 [001] notatime: x\n", "q.txt");
    REQUIRE_FALSE(header.ok());
    CHECK_THAT(header.error().message, Catch::StartsWith("q.txt:1: no sample header"));
}
