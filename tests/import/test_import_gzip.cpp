// gzip-compressed captures: imported like their plain versions, with hostile archives (corrupt,
// truncated, bombs) refused in one line that names the user's file, and no temporary file left.
#include "ImportTestSupport.h"
#include "TestSupport.h"

#include "data/import/Gzip.h"
#include "data/import/Importers.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace ks;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// `text` as gzip members of at most `memberBytes` each, written by zlib.
void writeGzip(const std::string& path, const std::string& text, size_t memberBytes = 0) {
    if (memberBytes == 0) memberBytes = text.size() + 1;
    std::string all;
    for (size_t at = 0; at < text.size(); at += memberBytes) {
        const std::string part = path + ".part";
        gzFile out = gzopen(part.c_str(), "wb9");
        REQUIRE(out);
        const std::string piece = text.substr(at, memberBytes);
        REQUIRE(gzwrite(out, piece.data(), unsigned(piece.size())) == int(piece.size()));
        REQUIRE(gzclose(out) == Z_OK);
        all += readAll(part);
        std::filesystem::remove(part);
    }
    writeAll(path, all);
}

// Temporary files the decompression leaves in `dir`.
size_t leftovers(const std::string& dir) {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        n += e.path().filename().string().starts_with("kernscope-gunzip-");
    return n;
}

const std::string kTrace = R"({"traceEvents": [
  {"ph": "X", "cat": "kernel", "name": "gemm", "pid": 0, "tid": 7, "ts": 10, "dur": 5,
   "args": {"device": 0, "stream": 7, "correlation": 1}},
  {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1, "tid": 1, "ts": 8,
   "dur": 1, "args": {"correlation": 1}}
]})";

} // namespace

TEST_CASE("a gzip-compressed trace imports like the plain one", "[import][gzip]") {
    const std::string dir = test::scratchDir("import_gzip");
    setenv("TMPDIR", dir.c_str(), 1);
    writeAll(dir + "/t.json", kTrace);
    writeGzip(dir + "/t.json.gz", kTrace);
    writeGzip(dir + "/multi.json.gz", kTrace, 40); // several gzip members, as `cat a.gz b.gz`
    auto plain = data::importFile(dir + "/t.json");
    REQUIRE(plain);
    for (const char* name : {"/t.json.gz", "/multi.json.gz"}) {
        INFO(name);
        auto detected = data::detectImporter(dir + name);
        REQUIRE(detected);
        CHECK(std::string((*detected)->id) == "chrome-trace");
        auto run = data::importFile(dir + name);
        REQUIRE(run);
        CHECK(run->kernels.start_ns == plain->kernels.start_ns);
        CHECK(run->kernels.end_ns == plain->kernels.end_ns);
        CHECK(run->api.size() == plain->api.size());
        CHECK(run->info.notes.find("kernscope-gunzip") == std::string::npos);
    }
    CHECK(leftovers(dir) == 0);
    unsetenv("TMPDIR");
}

TEST_CASE("hostile gzip files are refused in one line naming the file", "[import][gzip]") {
    const std::string dir = test::scratchDir("import_gzip_bad");
    setenv("TMPDIR", dir.c_str(), 1);
    writeGzip(dir + "/good.json.gz", kTrace);
    const std::string good = readAll(dir + "/good.json.gz");

    SECTION("truncated") {
        writeAll(dir + "/cut.json.gz", good.substr(0, good.size() - 12));
        auto run = data::importFile(dir + "/cut.json.gz");
        REQUIRE_FALSE(run);
        INFO(run.error().message);
        CHECK(
            run.error().message.starts_with(dir + "/cut.json.gz: gzip data corrupt or truncated"));
    }
    SECTION("a gzip header and nothing else") {
        writeAll(dir + "/header.json.gz", std::string("\x1f\x8b\x08\0", 4));
        auto run = data::importFile(dir + "/header.json.gz");
        REQUIRE_FALSE(run);
        INFO(run.error().message);
        CHECK(run.error().message.starts_with(dir + "/header.json.gz: "));
        CHECK(run.error().message.find('\n') == std::string::npos);
    }
    SECTION("corrupt deflate data or checksum") {
        std::string bad = good;
        bad[bad.size() - 6] ^= 0x55; // the CRC-32 of the member
        writeAll(dir + "/crc.json.gz", bad);
        auto run = data::importFile(dir + "/crc.json.gz");
        REQUIRE_FALSE(run);
        INFO(run.error().message);
        CHECK(run.error().message.find("gzip data corrupt") != std::string::npos);
    }
    SECTION("a bomb: output beyond the limit") {
        const std::string zeros(4 << 20, '0');
        writeGzip(dir + "/bomb.txt.gz", zeros);
        const auto size = std::filesystem::file_size(dir + "/bomb.txt.gz");
        CHECK(size * 256 < zeros.size()); // zeros compress over 1000-fold
        auto out = data::gunzipToTemporary(dir + "/bomb.txt.gz", size * 256);
        REQUIRE_FALSE(out);
        CHECK(out.error().message.find("likely gzip bomb") != std::string::npos);
        CHECK(data::gunzipLimit(1000) == uint64_t(256) << 20);
        CHECK(data::gunzipLimit(uint64_t(64) << 20) == uint64_t(16) << 30);
        CHECK(data::gunzipLimit(uint64_t(1) << 62) == uint64_t(64) << 30); // no overflow
    }
    SECTION("decompressed content that is no known format names the .gz file") {
        writeGzip(dir + "/pickle.gz", std::string("\x80\x04\x95junk", 8));
        auto run = data::importFile(dir + "/pickle.gz");
        REQUIRE_FALSE(run);
        INFO(run.error().message);
        CHECK(run.error().message.starts_with(dir + "/pickle.gz"));
        CHECK(run.error().message.find("pickle") != std::string::npos);
    }
    CHECK(leftovers(dir) == 0);
    unsetenv("TMPDIR");
}

TEST_CASE("the CLI imports the real PyTorch profiler .json.gz directly", "[import][gzip]") {
    const std::string gz = test::thirdParty("kineto/hta_a100_simple_add_trace.json.gz");
    const std::string dir = test::scratchDir("import_gzip_cli");
    const auto r = test::runCli({"import", gz, "-o", dir + "/a100.ksr.h5"});
    INFO(r.output);
    CHECK(r.exitCode == 0);
    CHECK(r.output.find("(chrome-trace)") != std::string::npos);
}
