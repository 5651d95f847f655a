// Every importer against real files written by other tools (shared/thirdparty), field by field
// against oracles computed independently by oracle.py (Python json/csv/pandas), and perf script
// against FlameGraph's own expected stackcollapse output.
#include "ImportTestSupport.h"
#include "TestSupport.h"

#include "data/import/Importers.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace ks;
using nlohmann::json;

namespace {

data::Run importOk(const std::string& path, const char* expectedFormat) {
    auto importer = data::detectImporter(path);
    INFO(path);
    REQUIRE(importer);
    CHECK(std::string((*importer)->id) == expectedFormat);
    auto run = data::importFile(path);
    if (!run) FAIL(run.error().message);
    return std::move(*run);
}

std::string name(const data::Run& run, uint32_t id) {
    return std::string(run.strings.get(id));
}

json sorted(json rows) {
    std::sort(rows.begin(), rows.end());
    return rows;
}

} // namespace

TEST_CASE("Kineto traces: every kernel, copy, memset and API call as the JSON has it",
          "[import][kineto]") {
    for (const char* file : {"hta_a100_simple_add_trace.json.gz", "hta_event_sync_trace.json.gz",
                             "hta_mi250_rocm62_kineto.json.gz"}) {
        const std::string gz = test::thirdParty(std::string("kineto/") + file);
        const data::Run run = importOk(gz, "chrome-trace"); // read compressed, as users have it
        const json o = test::oracle("kineto", gz);
        INFO(file);

        json kernels = json::array();
        const auto& k = run.kernels;
        for (size_t i = 0; i < k.size(); ++i)
            kernels.push_back({k.start_ns[i], k.end_ns[i], k.device[i], k.stream[i],
                               k.correlation[i], name(run, k.name[i]),
                               json{k.grid_x[i], k.grid_y[i], k.grid_z[i]},
                               json{k.block_x[i], k.block_y[i], k.block_z[i]},
                               k.registers_per_thread[i], k.shared_static[i]});
        CHECK(k.size() == o["kernels"].size());
        CHECK(sorted(kernels) == o["kernels"]);

        json copies = json::array(), sets = json::array(), api = json::array();
        const auto& m = run.memcpy;
        for (size_t i = 0; i < m.size(); ++i)
            copies.push_back({m.start_ns[i], m.end_ns[i], m.device[i], m.stream[i],
                              m.correlation[i], m.bytes[i], m.kind[i]});
        const auto& s = run.memset;
        for (size_t i = 0; i < s.size(); ++i)
            sets.push_back({s.start_ns[i], s.end_ns[i], s.device[i], s.stream[i], s.correlation[i],
                            s.bytes[i]});
        const auto& a = run.api;
        for (size_t i = 0; i < a.size(); ++i)
            api.push_back({a.start_ns[i], a.end_ns[i], a.correlation[i], name(run, a.name[i])});
        CHECK(sorted(copies) == o["memcpy"]);
        CHECK(sorted(sets) == o["memset"]);
        CHECK(sorted(api) == o["api"]);

        // Ranges: GPU-side ones (gpu_user_annotation, cuda_sync) on a GPU lane, the rest on
        // the CPU threads they were recorded on.
        size_t gpuRanges = 0;
        for (uint32_t t : run.ranges.thread)
            gpuRanges += run.threadName(t).starts_with("GPU ") ? 1 : 0;
        CHECK(gpuRanges == o["gpu_ranges"].get<size_t>());
        CHECK(run.ranges.size() - gpuRanges == o["cpu_ranges"].get<size_t>());

        // Devices named from deviceProperties, not after the Python process.
        CHECK(run.devices.size() == o["devices"].size());
        for (size_t i = 0; i < run.devices.size(); ++i) {
            const json& d = o["devices"][std::to_string(run.devices.id[i])];
            CHECK(name(run, run.devices.name[i]) == d["name"].get<std::string>());
            CHECK(run.devices.sm_count[i] == d["sm_count"].get<uint32_t>());
            CHECK(run.devices.memory_bytes[i] == d["memory_bytes"].get<uint64_t>());
            CHECK(run.devices.cc_major[i] == d["cc_major"].get<uint32_t>());
            CHECK(run.devices.cc_minor[i] == d["cc_minor"].get<uint32_t>());
        }
        CHECK(run.info.origin_unix_ns == o["origin_unix_ns"].get<int64_t>());

        // Kineto's achieved occupancy: one counter point per kernel that has it.
        json occupancy = json::array();
        for (const auto& [series, points] : run.counters) {
            if (!series.ends_with("est. achieved occupancy (%)")) continue;
            const uint32_t device = uint32_t(std::stoul(series.substr(4)));
            for (size_t i = 0; i < points.size(); ++i)
                occupancy.push_back({device, points.time_ns[i], points.value[i]});
        }
        CHECK(sorted(occupancy) == o["occupancy"]);
        CHECK(run.collector.dropped_records == 0);
    }
}

TEST_CASE("Chrome trace edge cases: valid events imported, the rest counted", "[import][chrome]") {
    struct Case {
        const char* file;
        size_t ranges;
        uint64_t dropped, unmatched;
    };
    // Expected figures worked out by hand from each file (speedscope's trace-event samples).
    const Case cases[] = {
        {"speedscope_invalid-x-nesting.json", 2, 0, 0},
        {"speedscope_matching-x.json", 5, 0, 0},
        {"speedscope_mismatched-name.json", 1, 0, 0},
        {"speedscope_multiprocess.json", 8, 0, 0},
        {"speedscope_must-retain-original-order.json", 7, 0, 0},
        {"speedscope_not-enough-end-events.json", 1, 0, 2},
        {"speedscope_out-of-order.json", 3, 0, 0},
        {"speedscope_simple-object.json", 2, 1, 0},
        {"speedscope_simple-partial-trailing-comma.json", 3, 1, 0},
        {"speedscope_simple-partial-whitespace.json", 3, 1, 0},
        {"speedscope_simple-partial.json", 3, 1, 0},
        {"speedscope_simple.json", 3, 1, 0},
        {"speedscope_simultaneous-anonymous-calls.json", 6, 0, 0},
        {"speedscope_too-many-end-events.json", 2, 0, 2},
        {"speedscope_unbalanced-name.json", 2, 0, 0},
        {"speedscope_x-events-matching-end.json", 9, 0, 0},
        {"speedscope_x-events-matching-start.json", 9, 0, 0},
        {"speedscope_zero-duration-events.json", 4, 0, 0},
    };
    for (const Case& c : cases) {
        INFO(c.file);
        const data::Run run =
            importOk(test::thirdParty(std::string("chrome_trace_edge/") + c.file), "chrome-trace");
        CHECK(run.ranges.size() == c.ranges);
        CHECK(run.collector.dropped_records == c.dropped);
        CHECK(run.collector.unmatched_markers == c.unmatched);
        if (c.dropped) CHECK(run.info.notes.find("X without dur") != std::string::npos);
    }
    // Out of order in the file, nested in time: A [0,10] > B [1,9] > C [2,8].
    const data::Run run = importOk(
        test::thirdParty("chrome_trace_edge/speedscope_out-of-order.json"), "chrome-trace");
    std::map<std::string, std::tuple<int64_t, int64_t, uint32_t>> byName;
    for (size_t i = 0; i < run.ranges.size(); ++i)
        byName[name(run, run.ranges.name[i])] = {run.ranges.start_ns[i], run.ranges.end_ns[i],
                                                 run.ranges.depth[i]};
    CHECK(byName["A"] == std::tuple<int64_t, int64_t, uint32_t>{0, 10000, 0});
    CHECK(byName["B"] == std::tuple<int64_t, int64_t, uint32_t>{1000, 9000, 1});
    CHECK(byName["C"] == std::tuple<int64_t, int64_t, uint32_t>{2000, 8000, 2});
    // Names from metadata events: process / thread.
    const data::Run multi = importOk(
        test::thirdParty("chrome_trace_edge/speedscope_multiprocess.json"), "chrome-trace");
    std::set<std::string> names;
    for (size_t i = 0; i < multi.threads.size(); ++i)
        names.insert(name(multi, multi.threads.name[i]));
    CHECK(names.count("p0 / p0t0") == 1);
    CHECK(names.count("pid 2 / p2t1") == 1);
    CHECK(names.count("p3 / tid 1") == 1);
}

TEST_CASE("Folded stacks: weights per stack as speedscope's and FlameGraph's files say",
          "[import][folded]") {
    for (const char* file :
         {"speedscope_alternating.txt", "speedscope_recursion.txt", "speedscope_simple-crlf.txt",
          "speedscope_simple-utf16-be.txt", "speedscope_simple-utf16-le.txt",
          "speedscope_simple-with-invalids.txt", "speedscope_simple.txt", "speedscope_tall.txt",
          "flamegraph_expected_perf-dd-stacks-01-collapsed-all.txt",
          "flamegraph_expected_perf-iperf-stacks-pidtid-01-collapsed-pid.txt",
          "flamegraph_expected_perf-java-stacks-01-collapsed-jit.txt"}) {
        INFO(file);
        const std::string path = test::thirdParty(std::string("folded/") + file);
        const data::Run run = importOk(path, "folded");
        const json o = test::oracle("folded", path);
        std::map<std::string, uint64_t> expected;
        for (auto& [stack, weight] : o["stacks"].items()) expected[stack] = weight.get<uint64_t>();
        CHECK(test::foldedWeights(run) == expected);
        CHECK(run.collector.dropped_records == o["invalid"].get<uint64_t>());
    }
    // A count of 10101010 is one row with that weight, not ten million rows.
    const data::Run dd =
        importOk(test::thirdParty("folded/flamegraph_expected_perf-dd-stacks-01-collapsed-all.txt"),
                 "folded");
    CHECK(dd.samples.size() == 9);
    CHECK(*std::max_element(dd.samples.weight.begin(), dd.samples.weight.end()) == 20202020);
}

namespace {

// FlameGraph's default tidying of a frame name (stackcollapse-perf.pl, tidy_generic): text from
// the first '(' on is dropped unless it looks like a Go method "pkg.(*T).m"; quotes removed.
std::string tidy(std::string frame) {
    static const std::regex goMethod(R"(\.\(.*\)\.)");
    if (!std::regex_search(frame, goMethod))
        if (const size_t paren = frame.find('('); paren != std::string::npos) frame.resize(paren);
    frame.erase(
        std::remove_if(frame.begin(), frame.end(), [](char c) { return c == '"' || c == '\''; }),
        frame.end());
    return frame;
}

// Our samples as stackcollapse-perf.pl prints them: only the first event's samples, the
// process name (with -pid or -pid/tid) as the root frame, weights summed per stack. The 2017
// stackcollapse-perf.pl emits a sample at the blank line after it, so when the input ends
// without one its output lacks the last sample: leave ours out too (`dropLast`).
std::map<std::string, uint64_t> collapsed(const data::Run& run, const std::string& mode,
                                          bool dropLast) {
    std::map<std::string, uint64_t> out;
    if (run.samples.size() == 0) return out;
    const uint32_t firstEvent = run.samples.event[0];
    for (size_t i = 0; i + (dropLast ? 1 : 0) < run.samples.size(); ++i) {
        if (run.samples.event[i] != firstEvent) continue;
        const std::string thread(run.threadName(run.samples.thread[i])); // "comm [pid/]tid"
        const size_t space = thread.rfind(' ');
        std::string comm = thread.substr(0, space), ids = thread.substr(space + 1);
        std::replace(comm.begin(), comm.end(), ' ', '_');
        const size_t slash = ids.find('/');
        const std::string pid = slash == std::string::npos ? "?" : ids.substr(0, slash);
        const std::string tid = slash == std::string::npos ? ids : ids.substr(slash + 1);
        std::string root = comm;
        if (mode == "pid") root += "-" + pid;
        if (mode == "tid") root += "-" + pid + "/" + tid;
        std::string stack = root;
        std::vector<std::string> frames;
        for (uint32_t at = run.samples.stack[i]; at != data::kNoParent; at = run.stacks.parent[at])
            frames.push_back(tidy(std::string(run.strings.get(run.stacks.frame[at]))));
        for (auto it = frames.rbegin(); it != frames.rend(); ++it) stack += ";" + *it;
        out[stack] += run.samples.weight[i];
    }
    return out;
}

// A golden folded file with FlameGraph's --all/--jit annotations (_[k], _[j]) removed.
std::map<std::string, uint64_t> golden(const std::string& path) {
    std::map<std::string, uint64_t> out;
    std::ifstream in(path);
    std::string line;
    static const std::regex annotation(R"(_\[[kj]\](;|$))");
    while (std::getline(in, line)) {
        const size_t space = line.rfind(' ');
        const std::string stack = std::regex_replace(line.substr(0, space), annotation, "$1");
        out[stack] += std::stoull(line.substr(space + 1));
    }
    return out;
}

// The first few stacks where two folded maps differ, for the failure message.
std::string firstDifferences(const std::map<std::string, uint64_t>& mine,
                             const std::map<std::string, uint64_t>& expected) {
    std::string out;
    int shown = 0;
    for (const auto& [stack, w] : mine) {
        auto it = expected.find(stack);
        if ((it == expected.end() || it->second != w) && shown++ < 3)
            out += "ours: " + stack + " " + std::to_string(w) + "\n";
    }
    for (const auto& [stack, w] : expected)
        if (!mine.count(stack) && shown++ < 6)
            out += "FlameGraph: " + stack + " " + std::to_string(w) + "\n";
    return out;
}

} // namespace

TEST_CASE("perf script: stacks, periods and events match FlameGraph's expected output",
          "[import][perf]") {
    struct Case {
        const char* input;
        const char* expected;
        const char* mode;
    };
    const Case cases[] = {
        {"flamegraph_perf-dd-stacks-01.txt",
         "flamegraph_expected_perf-dd-stacks-01-collapsed-all.txt", "all"},
        {"flamegraph_perf-cycles-instructions-01.txt",
         "flamegraph_expected_perf-cycles-instructions-01-collapsed-pid.txt", "pid"},
        {"flamegraph_perf-cycles-instructions-01.txt",
         "flamegraph_expected_perf-cycles-instructions-01-collapsed-all.txt", "all"},
        {"flamegraph_perf-iperf-stacks-pidtid-01.txt",
         "flamegraph_expected_perf-iperf-stacks-pidtid-01-collapsed-pid.txt", "pid"},
        {"flamegraph_perf-iperf-stacks-pidtid-01.txt",
         "flamegraph_expected_perf-iperf-stacks-pidtid-01-collapsed-tid.txt", "tid"},
    };
    for (const Case& c : cases) {
        INFO(c.input << " vs " << c.expected);
        const std::string input = test::thirdParty(std::string("perf/") + c.input);
        const data::Run run = importOk(input, "perf-script");
        std::ifstream in(input, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const auto mine = collapsed(run, c.mode, !text.ends_with("\n\n"));
        const auto expected = golden(test::thirdParty(std::string("folded/") + c.expected));
        INFO(firstDifferences(mine, expected));
        CHECK(mine.size() == expected.size());
        CHECK(mine == expected);
        CHECK(run.collector.dropped_records == 0);
    }
    // Two events in one file: each sample keeps its event.
    const data::Run two = importOk(
        test::thirdParty("perf/flamegraph_perf-cycles-instructions-01.txt"), "perf-script");
    std::map<std::string, size_t> perEvent;
    for (uint32_t e : two.samples.event) ++perEvent[name(two, e)];
    CHECK(perEvent.size() == 2);
    CHECK(perEvent.count("cycles") == 1);
    CHECK(perEvent.count("instructions") == 1);
    // The task-clock:ppp: modifiers are not part of the event's name; periods are weights.
    const data::Run header = importOk(
        test::thirdParty("perf/speedscope_simple-with-header.linux-perf.txt"), "perf-script");
    CHECK(name(header, header.samples.event[0]) == "cpu-clock");
    CHECK(header.samples.weight[0] == 1001001);
}

TEST_CASE("rocprof CSV: kernels, copies, API calls and markers as pandas reads them",
          "[import][rocprof]") {
    for (const char* file :
         {"rocprofv1_rocm513_mi200_timestamps.csv", "rocprofv1_stencil_results.csv",
          "rocprofv3_docs_2024-10_kernel_trace.csv", "rocprofv3_docs_newer_kernel_trace.csv",
          "rocprofv3_docs_2024-10_memory_copy_trace.csv",
          "rocprofv3_docs_newer_memory_copy_trace.csv",
          "rocprofv3_docs_2024-10_hip_runtime_trace.csv",
          "rocprofv3_docs_2024-10_hsa_api_trace.csv",
          "rocprofv3_docs_2024-10_marker_api_trace.csv"}) {
        INFO(file);
        const std::string path = test::thirdParty(std::string("rocprof/") + file);
        const data::Run run = importOk(path, "rocprof");
        const json o = test::oracle("rocprof", path);
        CHECK(run.info.origin_unix_ns == o["origin"].get<int64_t>());
        CHECK(run.collector.dropped_records == 0);
        if (o.contains("kernels")) {
            json rows = json::array();
            const auto& k = run.kernels;
            for (size_t i = 0; i < k.size(); ++i)
                rows.push_back({k.start_ns[i], k.end_ns[i], k.device[i], k.stream[i],
                                k.correlation[i], name(run, k.name[i]),
                                json{k.grid_x[i], k.grid_y[i], k.grid_z[i]},
                                json{k.block_x[i], k.block_y[i], k.block_z[i]}});
            CHECK(sorted(rows) == o["kernels"]);
        }
        if (o.contains("memcpy")) {
            json rows = json::array();
            const auto& m = run.memcpy;
            for (size_t i = 0; i < m.size(); ++i)
                rows.push_back({m.start_ns[i], m.end_ns[i], m.device[i], m.stream[i],
                                m.correlation[i], m.kind[i]});
            CHECK(sorted(rows) == o["memcpy"]);
        }
        if (o.contains("api")) {
            json rows = json::array();
            const auto& a = run.api;
            for (size_t i = 0; i < a.size(); ++i)
                rows.push_back({a.start_ns[i], a.end_ns[i], a.thread[i], a.correlation[i],
                                name(run, a.name[i])});
            CHECK(sorted(rows) == o["api"]);
        }
        if (o.contains("ranges")) {
            json rows = json::array(), expected = json::array();
            const auto& r = run.ranges;
            for (size_t i = 0; i < r.size(); ++i)
                rows.push_back({r.start_ns[i], r.end_ns[i], r.thread[i], name(run, r.name[i])});
            for (const json& e : o["ranges"]) expected.push_back({e[0], e[1], e[2], e[4]});
            CHECK(sorted(rows) == sorted(expected));
        }
    }
    // Summaries are recognised and refused, naming the trace they summarise.
    const std::string stats = test::thirdParty("rocprof/rocprofv1_stencil_results.stats.csv");
    auto refused = data::importFile(stats);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("rocprofv1_stencil_results.csv") != std::string::npos);
    auto v3 =
        data::importFile(test::thirdParty("rocprof/rocprofv3_docs_2024-10_hip_api_stats.csv"));
    REQUIRE_FALSE(v3);
    CHECK(v3.error().message.find("hip_api_trace.csv") != std::string::npos);
    CHECK_FALSE(
        data::importFile(test::thirdParty("rocprof/rocprofv3_docs_newer_hip_domain_stats.csv")));
    CHECK_FALSE(data::importFile(
        test::thirdParty("rocprof/rocprofv3_docs_2024-10_counter_collection.csv")));
}

TEST_CASE("speedscope JSON and V8 .cpuprofile: stacks, weights and times", "[import][speedscope]") {
    for (const char* file :
         {"simple_v0.0.1.speedscope.json", "simple-sampled_v0.1.2.speedscope.json",
          "two-sampled_v0.6.0.speedscope.json"}) {
        INFO(file);
        const std::string path = test::thirdParty(std::string("speedscope/") + file);
        const data::Run run = importOk(path, "speedscope");
        const json o = test::oracle("speedscope", path);
        uint32_t thread = 0;
        for (const json& profile : o["profiles"]) {
            ++thread;
            CHECK(std::string(run.threadName(thread)) == profile["name"].get<std::string>());
            if (profile.contains("samples")) {
                std::map<std::string, uint64_t> mine, expected;
                for (size_t i = 0; i < run.samples.size(); ++i)
                    if (run.samples.thread[i] == thread)
                        mine[test::stackPath(run, run.samples.stack[i])] += run.samples.weight[i];
                for (auto& [stack, w] : profile["samples"].items())
                    expected[stack] = w.get<uint64_t>();
                CHECK(mine == expected);
            } else {
                json rows = json::array();
                const auto& r = run.ranges;
                for (size_t i = 0; i < r.size(); ++i)
                    if (r.thread[i] == thread)
                        rows.push_back(
                            {r.start_ns[i], r.end_ns[i], name(run, r.name[i]), r.depth[i]});
                CHECK(sorted(rows) == profile["ranges"]);
            }
        }
    }
    for (const char* file : {"chrome65_simple.cpuprofile", "node10_example.cpuprofile"}) {
        INFO(file);
        const std::string path = test::thirdParty(std::string("speedscope/") + file);
        const data::Run run = importOk(path, "cpuprofile");
        json rows = json::array();
        for (size_t i = 0; i < run.samples.size(); ++i)
            rows.push_back({run.samples.time_ns[i], test::stackPath(run, run.samples.stack[i])});
        CHECK(sorted(rows) == test::oracle("cpuprofile", path)["samples"]);
    }
}
