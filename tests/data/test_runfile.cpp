// Round trip and validation of the HDF5 run file.
#include "TestSupport.h"
#include "data/Hdf5.h"
#include "data/RunFile.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace ks::data;

namespace {

Run smallRun() {
    Run run;
    run.info.backend = "cuda";
    run.info.origin_unix_ns = 1700000000123456789;
    run.info.command_line = "kernscope-cli record --model mlp";
    run.info.hostname = "host";
    run.info.model = "mlp";
    const uint32_t gpu = run.addDevice("gpu", "NVIDIA H100");
    run.devices.sm_count[gpu] = 132;
    run.devices.memory_bandwidth_gbps[gpu] = 3350.0;
    run.nameThread(7, "main");
    const uint32_t gemm = run.strings.intern("sgemm_128x64");
    for (int i = 0; i < 3; ++i) {
        auto& k = run.kernels;
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = 1000 * i;
        k.end_ns.back() = 1000 * i + 500;
        k.stream.back() = 7 + i;
        k.correlation.back() = 100 + i;
        k.name.back() = gemm;
        k.grid_x.back() = 128;
        k.block_x.back() = 256;
        k.registers_per_thread.back() = 64;
    }
    run.memcpy.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.memcpy.start_ns[0] = 10;
    run.memcpy.end_ns[0] = 20;
    run.memcpy.kind[0] = uint8_t(MemcpyKind::HtoD);
    run.memcpy.bytes[0] = 1ull << 33; // beyond 32 bits
    run.ranges.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.ranges.end_ns[0] = 5000;
    run.ranges.thread[0] = 7;
    run.ranges.name[0] = run.strings.intern("step 0 ✓"); // UTF-8 survives
    run.ranges.category[0] = run.strings.intern("train");
    run.counters["loss"].time_ns = {0, 100};
    run.counters["loss"].value = {2.3, 1.9};
    run.collector.dropped_records = 5;
    run.collector.status = "ok";
    return run;
}

Tensor tensorOf(DType t, std::vector<int64_t> shape) {
    Tensor x;
    x.name = "step0/fc1/" + std::string(dtypeName(t));
    x.dtype = t;
    x.shape = std::move(shape);
    x.bytes.resize(x.byteSize());
    for (size_t i = 0; i < x.bytes.size(); ++i) x.bytes[i] = std::byte((i * 37 + 11) & 0xff);
    if (t == DType::Bool)
        for (auto& b : x.bytes) b = std::byte(uint8_t(b) & 1);
    x.role = "output";
    x.op = "matmul";
    x.layer = "fc1";
    x.step = 0;
    x.order = int64_t(t);
    return x;
}

} // namespace

TEST_CASE("run file round-trips every table", "[runfile]") {
    const std::string dir = ks::test::scratchDir("roundtrip");
    const std::string path = dir + "/a.ksr.h5";
    Run run = smallRun();
    REQUIRE(writeRun(run, path).ok());
    auto back = readRun(path);
    REQUIRE(back.ok());
    const Run& r = back.value();
    CHECK(r.info.backend == "cuda");
    CHECK(r.info.origin_unix_ns == 1700000000123456789);
    CHECK(r.info.command_line == run.info.command_line);
    CHECK(r.kernels.size() == 3);
    CHECK(r.kernels.end_ns == run.kernels.end_ns);
    CHECK(r.kernels.stream == run.kernels.stream);
    CHECK(r.strings.get(r.kernels.name[2]) == "sgemm_128x64");
    CHECK(r.memcpy.bytes[0] == (1ull << 33));
    CHECK(r.strings.get(r.ranges.name[0]) == "step 0 ✓");
    CHECK(r.threadName(7) == "main");
    CHECK(r.deviceName(0) == "NVIDIA H100");
    CHECK(r.devices.sm_count[0] == 132);
    CHECK(r.counters.at("loss").value == std::vector<double>{2.3, 1.9});
    CHECK(r.collector.dropped_records == 5);
    CHECK(r.collector.status == "ok");
}

TEST_CASE("run file round-trips tensors of every dtype", "[runfile]") {
    const std::string path = ks::test::scratchDir("tensors") + "/t.ksr.h5";
    Run run;
    for (DType t : kAllDTypes) run.tensors.push_back(tensorOf(t, {3, 5}));
    run.tensors.push_back(tensorOf(DType::F32, {}));
    run.tensors.back().name = "scalar";
    run.tensors.back().order = 100;
    run.tensors.push_back(tensorOf(DType::F32, {0, 4}));
    run.tensors.back().name = "empty";
    run.tensors.back().order = 101;
    REQUIRE(writeRun(run, path).ok());
    auto back = readRun(path);
    REQUIRE(back.ok());
    REQUIRE(back->tensors.size() == run.tensors.size());
    for (size_t i = 0; i < run.tensors.size(); ++i) {
        const Tensor& a = run.tensors[i];
        const Tensor& b = back->tensors[i];
        INFO(a.name);
        CHECK(b.name == a.name);
        CHECK(b.dtype == a.dtype);
        CHECK(b.shape == a.shape);
        CHECK(b.bytes == a.bytes);
        CHECK(b.role == "output");
        CHECK(b.layer == "fc1");
        CHECK(b.order == a.order);
    }
    auto one = readRunTensor(path, "step0/fc1/bf16");
    REQUIRE(one.ok());
    CHECK(one->dtype == DType::BF16);
    auto meta = readRun(path, ReadOptions{.tensorData = false});
    REQUIRE(meta.ok());
    CHECK(meta->tensors[0].bytes.empty());
    CHECK(meta->tensors[0].shape == std::vector<int64_t>{3, 5});
}

TEST_CASE("a failed save leaves the old file intact", "[runfile]") {
    const std::string dir = ks::test::scratchDir("atomic");
    const std::string path = dir + "/a.ksr.h5";
    REQUIRE(writeRun(smallRun(), path).ok());
    const auto sizeBefore = std::filesystem::file_size(path);
    Run bad = smallRun();
    bad.tensors.push_back(tensorOf(DType::F32, {4}));
    bad.tensors.back().bytes.resize(3); // lies about its size: the writer must refuse
    auto status = writeRun(bad, path);
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::Contains("a.ksr.h5") && Catch::Contains("bytes"));
    CHECK(std::filesystem::file_size(path) == sizeBefore);
    CHECK(readRun(path).ok());
    for (auto& e : std::filesystem::directory_iterator(dir))
        CHECK(e.path().filename() == "a.ksr.h5"); // no temporary left behind
}

TEST_CASE("unreadable files give one-line errors naming the file", "[runfile]") {
    const std::string dir = ks::test::scratchDir("notrun");
    auto missing = readRun(dir + "/nope.ksr.h5");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == dir + "/nope.ksr.h5: no such file");
    std::ofstream(dir + "/text.ksr.h5") << "hello";
    auto text = readRun(dir + "/text.ksr.h5");
    REQUIRE_FALSE(text.ok());
    CHECK(text.error().message == dir + "/text.ksr.h5: not an HDF5 file");
}
