// Hostile input for every importer: a generated malformed corpus (make_malformed.py), numbers
// that overflow, deep nesting, and files in formats we do not read. Nothing may crash, hang or
// be stored wrapped; what is skipped is counted.
#include "ImportTestSupport.h"
#include "TestSupport.h"

#include "data/import/ChromeTraceImport.h"
#include "data/import/Csv.h"
#include "data/import/Importers.h"
#include "data/import/StackImport.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

using namespace ks;
using nlohmann::json;

TEST_CASE("Malformed corpus: each file imports what is valid or fails with one line",
          "[import][malformed]") {
    const std::string dir = test::scratchDir("import_malformed");
    const auto gen = test::runPython("import/make_malformed.py", {dir});
    REQUIRE(gen.exitCode == 0);
    std::ifstream in(dir + "/manifest.json");
    const json manifest = json::parse(in);
    REQUIRE(manifest.size() > 30);
    for (const json& entry : manifest) {
        const std::string file = entry["file"];
        INFO(file);
        const std::string format =
            entry["format"].is_null() ? "" : entry["format"].get<std::string>();
        const auto t0 = std::chrono::steady_clock::now();
        auto run = data::importFile(file, format);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
        if (entry["expect"] == "error") {
            REQUIRE_FALSE(run);
            INFO(run.error().message);
            CHECK(run.error().message.starts_with(file));
            CHECK(run.error().message.find('\n') == std::string::npos);
            continue;
        }
        if (!run) FAIL(run.error().message);
        CHECK(run->collector.dropped_records >= entry["min_dropped"].get<uint64_t>());
        if (!entry["note"].is_null()) {
            INFO(run->info.notes);
            CHECK(run->info.notes.find(entry["note"].get<std::string>()) != std::string::npos);
        }
    }
}

TEST_CASE("Chrome import: numbers out of range are skipped or stored as unknown, never wrapped",
          "[import][chrome]") {
    const std::string text = R"([
      {"ph":"X","cat":"kernel","name":"k","pid":0,"tid":7,"ts":9300000000000000,"dur":1},
      {"ph":"X","cat":"kernel","name":"k","pid":0,"tid":7,"ts":1,"dur":1e20},
      {"ph":"X","cat":"kernel","name":"big","pid":0,"tid":7,"ts":1,"dur":1,
       "args":{"grid":[1e20,4294967296,-1],"block":[3.5,2,1],"registers per thread":1e20,
               "stream":-1,"correlation":1e30}},
      {"ph":"X","cat":"kernel","name":"exact","pid":0,"tid":7,"ts":4203669604595.407,"dur":0.0015}
    ])";
    auto run = data::parseChromeTrace(text, "t.json");
    REQUIRE(run);
    REQUIRE(run->kernels.size() == 2);
    CHECK(run->collector.dropped_records == 2);
    CHECK(run->info.notes.find("2 with times beyond") != std::string::npos);
    const auto& k = run->kernels;
    CHECK(k.grid_x[0] == 0);  // 1e20 does not fit: unknown, not a wrapped value
    CHECK(k.grid_y[0] == 0);  // 2^32 does not fit uint32
    CHECK(k.grid_z[0] == 0);  // negative
    CHECK(k.block_x[0] == 0); // not an integer
    CHECK(k.registers_per_thread[0] == 0);
    CHECK(k.correlation[0] == 0);
    // Decimal microseconds convert exactly: 4203669604595.407 us = ...407 ns after the origin.
    CHECK(run->info.origin_unix_ns == 1000);
    CHECK(k.start_ns[1] == 4203669604595407 - 1000);
    CHECK(k.end_ns[1] - k.start_ns[1] == 2); // 0.0015 us rounds half up to 2 ns
}

TEST_CASE("Chrome import: 100,000 levels of nesting do not overflow the stack",
          "[import][chrome]") {
    const std::string deep =
        "[{\"ph\":\"X\",\"ts\":1,\"dur\":1,\"pid\":" + std::string(100000, '[') +
        std::string(100000, ']') + "},{\"ph\":\"X\",\"ts\":2,\"dur\":1,\"name\":\"ok\"}]";
    auto run = data::parseChromeTrace(deep, "deep.json");
    REQUIRE(run);
    CHECK(run->ranges.size() >= 1);
    const std::string array = std::string(200000, '[') + std::string(200000, ']');
    auto arrays = data::parseChromeTrace(array, "arrays.json");
    REQUIRE_FALSE(arrays); // one event, not an object: nothing to import
    CHECK(arrays.error().message ==
          "arrays.json: nothing could be imported: 1 events; skipped 1 invalid");
}

TEST_CASE("Chrome import: truncated files keep the complete events and say where they stop",
          "[import][chrome]") {
    std::string text = "[";
    for (int i = 0; i < 1000; ++i)
        text += std::string(i ? "," : "") + R"({"ph":"X","name":"r","pid":1,"tid":1,"ts":)" +
                std::to_string(i * 10) + R"(,"dur":5,"args":{"s":"a \" b"}})";
    for (size_t cut : {text.size() / 3, text.size() / 2 + 7, text.size() - 1}) {
        INFO(cut);
        auto run = data::parseChromeTrace(std::string_view(text).substr(0, cut), "cut.json");
        REQUIRE(run);
        CHECK(run->ranges.size() > 0);
        CHECK(run->info.notes.find("truncated at byte") != std::string::npos);
    }
    // Cut between events, the trace format allows the missing ']'.
    auto whole = data::parseChromeTrace(text, "noclose.json");
    REQUIRE(whole);
    CHECK(whole->ranges.size() == 1000);
    CHECK(whole->info.notes.find("warning") == std::string::npos);
}

TEST_CASE("Folded: a 643-byte file with counts of 10101010 imports at once, one row per line",
          "[import][folded]") {
    const std::string text = "dd;[unknown];read 10101010\ndd;write;sys_write 20202020\n";
    const auto t0 = std::chrono::steady_clock::now();
    auto run = data::parseFoldedStacks(text, "dd.folded");
    REQUIRE(run);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
    CHECK(run->samples.size() == 2);
    CHECK(run->samples.weight[0] + run->samples.weight[1] == 30303030);
    // Counts above 2^53 are skipped and counted, not wrapped or expanded.
    auto huge = data::parseFoldedStacks("a 18446744073709551615\nb 9007199254740993\nc 1\n", "h");
    REQUIRE(huge);
    CHECK(huge->samples.size() == 1);
    CHECK(huge->collector.dropped_records == 2);
}

TEST_CASE("perf script: timestamps and periods are range-checked", "[import][perf]") {
    const std::string text = "p 1 999999999.999999999: 5 cycles:\n\t1 f (/x)\n\n"
                             "p 1 9999999999999999999.5: cycles:\n\t1 f (/x)\n\n"
                             "p 1 1.5: 99999999999999999999 cycles:\n\t1 f (/x)\n\n";
    auto run = data::parsePerfScript(text, "p.txt");
    REQUIRE(run);
    CHECK(run->samples.size() == 1);
    CHECK(run->samples.weight[0] == 5);
    CHECK(run->info.origin_unix_ns == 999999999999999999LL); // exact ns of the first sample
    CHECK(run->collector.dropped_records == 2);
}

TEST_CASE("CSV reader: quotes, doubled quotes, CRLF, multi-line cells and open quotes",
          "[import][csv]") {
    data::CsvReader reader("\xEF\xBB\xBF"
                           "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\r\n1,\"two\nlines\",3\n4,\"open");
    std::vector<std::string_view> f;
    REQUIRE(reader.next(f));
    CHECK(f == std::vector<std::string_view>{"a", "b,c", "say \"hi\""});
    REQUIRE(reader.next(f));
    CHECK(reader.line() == 3);
    CHECK(f == std::vector<std::string_view>{"1", "two\nlines", "3"});
    REQUIRE(reader.next(f));
    CHECK(reader.unterminated());
    CHECK(f == std::vector<std::string_view>{"4", "open"});
    CHECK_FALSE(reader.next(f));
    data::CsvReader mixed("==PROF== chatter, \"not\" CSV\n\n\"a\",\"b\"\nrest");
    REQUIRE(mixed.peek() == '=');
    mixed.skipLine();
    REQUIRE(mixed.peek() == '"'); // the blank line is passed over
    REQUIRE(mixed.next(f));
    CHECK(f == std::vector<std::string_view>{"a", "b"});
    CHECK(mixed.line() == 3);
    REQUIRE(mixed.peek() == 'r');
    mixed.skipLine();
    CHECK_FALSE(mixed.peek());
    data::CsvHeader header({"x", " Name ", "y"});
    CHECK(header.find({"Missing", "Name"}) == 1u);
    CHECK_FALSE(header.find({"z"}));
}

TEST_CASE("Files in formats we do not read get one line saying what they look like",
          "[import][detect]") {
    const std::string dir = test::scratchDir("import_foreign");
    struct Case {
        const char* name;
        std::string bytes;
        const char* says;
    };
    const Case cases[] = {
        {"report.nsys-rep", "anything", "Nsight Systems report"},
        {"old.qdrep", "anything", "Nsight Systems report"},
        {"trace.pkl", std::string("\x80\x04\x95\x10\0\0", 6), "Python pickle"},
        {"picture.png", "\x89PNG\r\n\x1a\n....", "PNG image"},
        {"db.sqlite", std::string("SQLite format 3\0", 16), "SQLite"},
        {"perf.data", "PERFILE2........", "perf.data"},
        {"model.pt", "PK\x03\x04....", "zip archive"},
        {"run.h5", "\x89HDF\r\n\x1a\n", "HDF5"},
        {"ref.npy", "\x93NUMPY\x01\0", "NumPy"},
    };
    for (const Case& c : cases) {
        const std::string path = dir + "/" + c.name;
        std::ofstream(path, std::ios::binary) << c.bytes;
        auto detected = data::detectImporter(path);
        INFO(c.name);
        REQUIRE_FALSE(detected);
        const std::string& m = detected.error().message;
        CHECK(m.starts_with(path + ": looks like"));
        CHECK(m.find(c.says) != std::string::npos);
        CHECK(m.find("Kernscope imports") != std::string::npos);
        CHECK(m.find('\n') == std::string::npos);
    }
    const std::string empty = dir + "/empty.json";
    std::ofstream(empty).flush();
    CHECK_FALSE(data::detectImporter(empty));
}
