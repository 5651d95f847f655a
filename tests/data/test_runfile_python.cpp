// The run file against h5py/NumPy (Debian's python3-h5py): Python reads what we write, we read
// what Python writes, and every malformed file Python makes gets a one-line error naming the
// file, the dataset and the problem.
#include "TestSupport.h"
#include "data/RunFile.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace ks::data;

namespace {

template <class T> void push(Tensor& t, std::initializer_list<T> values) {
    for (T v : values) {
        std::byte b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        t.bytes.insert(t.bytes.end(), b, b + sizeof(T));
    }
}

Run knownRun() {
    Run run;
    run.info.backend = "cuda";
    run.info.origin_unix_ns = 1700000000123456789;
    run.info.hostname = "host-ü";
    const uint32_t gpu = run.addDevice("gpu", "NVIDIA H100");
    run.devices.sm_count[gpu] = 132;
    run.nameThread(7, "main");
    const uint32_t names[] = {run.strings.intern("gemm_0"), run.strings.intern("gemm_1"),
                              run.strings.intern("gemm_2")};
    KernelTable& k = run.kernels;
    for (int i = 0; i < 1000; ++i) {
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = int64_t(i) * 1000;
        k.end_ns.back() = int64_t(i) * 1000 + 100 + i % 7;
        k.stream.back() = 7 + i % 4;
        k.name.back() = names[i % 3];
        k.grid_x.back() = i + 1;
    }
    run.memcpy.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.memcpy.kind[0] = uint8_t(MemcpyKind::HtoD);
    run.memcpy.bytes[0] = 1ull << 33;
    run.api.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.api.name[0] = run.strings.intern("cudaLaunchKernel");
    for (int d = 0; d < 2; ++d) {
        run.ranges.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        run.ranges.end_ns.back() = 100 - d;
        run.ranges.depth.back() = d;
        run.ranges.thread.back() = 7;
        run.ranges.name.back() = run.strings.intern(d == 0 ? "step 0 ✓" : "forward");
    }
    run.counters["loss"] = {{0, 10}, {2.5, 1.25}};
    Tensor t = makeF32Tensor("step0/fc1/output", {2, 3}, {0, 0.25, 0.5, 0.75, 1.0, 1.25});
    t.role = "output";
    t.op = "matmul";
    t.order = 3;
    run.tensors.push_back(t);
    Tensor h{.name = "half", .dtype = DType::F16, .shape = {2}};
    push<uint16_t>(h, {floatToHalf(1.0f), floatToHalf(-2.5f)});
    run.tensors.push_back(h);
    Tensor b{.name = "bf16", .dtype = DType::BF16, .shape = {2}};
    push<uint16_t>(b, {floatToBf16(1.0f), floatToBf16(-2.5f)});
    run.tensors.push_back(b);
    Tensor flags{.name = "flags", .dtype = DType::Bool, .shape = {3}};
    push<uint8_t>(flags, {1, 0, 1});
    run.tensors.push_back(flags);
    run.collector.dropped_records = 5;
    return run;
}

} // namespace

TEST_CASE("h5py reads a run file we wrote", "[runfile][python]") {
    const std::string path = ks::test::scratchDir("py_read") + "/known.ksr.h5";
    REQUIRE(writeRun(knownRun(), path).ok());
    const auto result = ks::test::runPython("data/read_runfile.py", {path});
    INFO(result.output);
    CHECK(result.exitCode == 0);
    CHECK_THAT(result.output, Catch::Contains("0 failures"));
}

TEST_CASE("we read a run file h5py wrote", "[runfile][python]") {
    const std::string path = ks::test::scratchDir("py_write") + "/py.ksr.h5";
    const auto made = ks::test::runPython("data/write_runfile.py", {path});
    INFO(made.output);
    REQUIRE(made.exitCode == 0);
    auto run = readRun(path);
    if (!run) FAIL(run.error().message);
    CHECK(run->info.backend == "imported:h5py");
    CHECK(run->info.origin_unix_ns == 1600000000000000000);
    CHECK(run->info.hostname == "py-host");
    REQUIRE(run->kernels.size() == 10);
    CHECK(run->strings.get(run->kernels.name[0]) == "matmul_kernel");
    CHECK(run->strings.get(run->kernels.name[1]) == "relu_kernel");
    CHECK(run->kernels.end_ns[9] - run->kernels.start_ns[9] == 250);
    CHECK(run->kernels.stream[4] == 3);
    CHECK(run->kernels.grid_x[0] == 64);
    CHECK(run->kernels.correlation[9] == 10);
    REQUIRE(run->api.size() == 10);
    CHECK(run->strings.get(run->api.name[0]) == "cudaLaunchKernel");
    REQUIRE(run->ranges.size() == 1);
    CHECK(run->strings.get(run->ranges.name[0]) == "epoch 1");
    CHECK(run->strings.get(run->ranges.category[0]) == "π");
    CHECK(run->counters.at("temperature").value == std::vector<double>{40.5, 41.0});
    REQUIRE(run->tensors.size() == 3);
    bool sawWeight = false;
    for (const Tensor& t : run->tensors) {
        if (t.name == "layer1/weight") {
            sawWeight = true;
            CHECK(t.dtype == DType::F64);
            CHECK(t.shape == std::vector<int64_t>{2, 3});
            CHECK(t.valueAt(5) == 1.0);
            CHECK(t.role == "param");
        }
        if (t.name == "mask") CHECK(t.dtype == DType::Bool);
        if (t.name == "h") {
            CHECK(t.dtype == DType::F16);
            CHECK(t.valueAt(1) == 2.0);
        }
    }
    CHECK(sawWeight);

    SECTION("a partial read gets only the columns asked for") {
        ReadOptions options;
        options.onlyColumns = {"/gpu/kernels/start_ns", "/gpu/kernels/end_ns"};
        auto part = readRun(path, options);
        REQUIRE(part.ok());
        CHECK(part->kernels.start_ns.size() == 10);
        CHECK(part->kernels.name.empty());
        CHECK(part->api.size() == 0);
        CHECK(part->tensors.empty());
    }
}

TEST_CASE("malformed run files give one-line errors naming file, dataset and problem",
          "[runfile][python]") {
    const std::string dir = ks::test::scratchDir("py_malformed");
    struct Case {
        const char* name;
        const char* dataset;
        const char* problem;
    };
    const Case cases[] = {
        {"bad_magic", "/", "not a Kernscope run file"},
        {"newer_version", "/", "format version 3"},
        {"missing_column", "/gpu/kernels/stream", "missing column"},
        {"unequal_columns", "/gpu/kernels/end_ns", "has 9 rows but start_ns has 10"},
        {"string_id_out_of_range", "/gpu/kernels/name", "string id 57 at row 3 out of range"},
        {"negative_duration", "/gpu/kernels", "negative duration at row 4"},
        {"bad_string_offsets", "/strings/offsets", "decreases at index 3"},
    };
    for (const Case& c : cases) {
        const std::string path = dir + "/" + c.name + ".ksr.h5";
        const auto made = ks::test::runPython("data/write_runfile.py", {path, c.name});
        INFO(c.name << ": " << made.output);
        REQUIRE(made.exitCode == 0);
        auto run = readRun(path);
        REQUIRE_FALSE(run.ok());
        const std::string& message = run.error().message;
        INFO(message);
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.rfind(path + ": " + c.dataset + ":", 0) == 0);
        CHECK_THAT(message, Catch::Contains(c.problem));
        // The summaries' partial read validates the same way.
        ReadOptions options;
        options.onlyColumns = {"/gpu/kernels"};
        auto part = readRun(path, options);
        CHECK_FALSE(part.ok());
    }
}
