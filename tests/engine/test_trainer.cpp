// Whole training steps of the engine's mlp against PyTorch on the same inputs and initial
// parameters (tests/engine/make_mlp_reference.py, which records with kernscope_ref.py), plus the
// trace's structure and a loss that falls.
#include "EngineFixtures.h"
#include "TestSupport.h"

#include "engine/Trainer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <thread>

using namespace ks;
using namespace ks::test;

namespace {

// Tolerance preset of a tensor: gradients "backward", softmax and the
// loss "softmax", everything else "matmul". From step 1 on every tensor depends on parameters
// updated from gradients, so it gets the backward preset too (Adam divides by sqrt(v) and turns
// the rounding of tiny gradients into differences of ~1e-5 in the next step's outputs).
std::pair<double, double> tolerance(const data::Tensor& t) {
    if (t.role == "grad" || t.step > 0) return {kBackwardRtol, kBackwardAtol};
    if (t.op == "softmax" || t.op == "cross_entropy") return {kSoftmaxRtol, kSoftmaxAtol};
    return {kMatmulRtol, kMatmulAtol};
}

void compareWithTorch(const char* optimizer) {
    const std::string dir = scratchDir(std::string("engine_mlp_") + optimizer);
    const int steps = 3;
    runFixtureScript("make_mlp_reference.py", {dir, optimizer, std::to_string(steps)});
    const TensorMap ref = readTensors(dir + "/ref.h5");
    const TensorMap inputs = readTensors(dir + "/inputs.h5");

    engine::TrainConfig cfg;
    cfg.steps = steps;
    cfg.optimizer =
        std::string(optimizer) == "sgd" ? engine::OptimizerKind::Sgd : engine::OptimizerKind::Adam;
    cfg.dumpSteps = {0, 1, 2};
    for (const auto& [name, t] : inputs) cfg.inputs.push_back(t);
    auto backend = engine::createCpuBackend(2);
    engine::Tracer tracer;
    const auto status = engine::train(cfg, *backend, tracer);
    INFO(status.message());
    REQUIRE(status.ok());
    const data::Run run = tracer.take();

    std::set<std::string> ours, theirs;
    for (const auto& t : run.tensors) ours.insert(t.name);
    for (const auto& [name, t] : ref) theirs.insert(name);
    CHECK(ours == theirs);
    for (const auto& t : run.tensors) {
        const auto it = ref.find(t.name);
        if (it == ref.end()) continue;
        const auto [rtol, atol] = tolerance(t);
        const auto r = allClose(t, it->second, rtol, atol);
        INFO(r.message);
        CHECK(r.ok);
    }
}

} // namespace

TEST_CASE("mlp steps with SGD match PyTorch tensor by tensor", "[engine][mlp]") {
    compareWithTorch("sgd");
}

TEST_CASE("mlp steps with Adam match PyTorch tensor by tensor", "[engine][mlp]") {
    compareWithTorch("adam");
}

TEST_CASE("mlp loss falls over 200 steps and the trace has the documented shape", "[engine][mlp]") {
    engine::TrainConfig cfg; // 784-256-10, batch 128, SGD, synthetic data
    auto backend = engine::createCpuBackend(2);
    engine::Tracer tracer;
    auto trainer = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(trainer.ok());
    REQUIRE(trainer.value()->run().ok());
    const auto& h = trainer.value()->history();
    REQUIRE(h.size() == 200);
    double last = 0;
    for (size_t i = 190; i < 200; ++i) last += h[i].loss / 10;
    CHECK(h[0].loss > 2.0);
    CHECK(last < 0.5 * h[0].loss);
    CHECK(h.back().accuracy > 0.8);

    const data::Run run = tracer.take();
    CHECK(run.info.backend == "cpu");
    REQUIRE(run.counters.count("loss"));
    CHECK(run.counters.at("loss").size() == 200);
    CHECK(run.counters.at("accuracy").size() == 200);

    // Ranges: train (0) > step N (1) > forward/loss/backward/optimizer_step (2) > layer (3).
    auto name = [&](uint32_t id) { return std::string(run.strings.get(id)); };
    const auto& r = run.ranges;
    REQUIRE(r.size() > 0);
    CHECK(name(r.name[0]) == "train");
    CHECK(r.depth[0] == 0);
    std::set<std::string> depth2, depth3;
    for (size_t i = 0; i < r.size(); ++i) {
        CHECK(r.end_ns[i] >= r.start_ns[i]);
        if (r.depth[i] == 1) CHECK(name(r.name[i]).rfind("step ", 0) == 0);
        if (r.depth[i] == 2) depth2.insert(name(r.name[i]));
        if (r.depth[i] == 3) depth3.insert(name(r.name[i]));
    }
    CHECK(depth2 ==
          std::set<std::string>{"load_batch", "forward", "loss", "backward", "optimizer_step"});
    CHECK(depth3 == std::set<std::string>{"fc1", "relu1", "fc2"});
    CHECK(run.threadName(0) == "engine");

    // Every op is a kernel on the cpu device, its shape in the name.
    REQUIRE(run.kernels.size() == 200 * 17);
    CHECK(run.deviceIsCpu(run.kernels.device[0]));
    std::set<std::string> kernelNames;
    for (uint32_t id : run.kernels.name) kernelNames.insert(name(id));
    CHECK(kernelNames.count("sgemm 128x784x256"));
    CHECK(kernelNames.count("relu_fwd 128x256"));
    CHECK(kernelNames.count("softmax_xent_bwd 128x10"));
    CHECK(kernelNames.count("sgd_update 256x784"));

    // Dumps: first and last step by default, in execution order.
    std::set<std::string> names;
    int64_t previous = -1;
    for (const auto& t : run.tensors) {
        names.insert(t.name);
        CHECK(t.order > previous);
        previous = t.order;
    }
    CHECK(names.count("step0/fc1/output"));
    CHECK(names.count("step0/fc1/grad_weight"));
    CHECK(names.count("step199/loss/output"));
    CHECK(!names.count("step1/fc1/output"));
}

TEST_CASE("linear-relu trains with an MSE loss", "[engine]") {
    engine::TrainConfig cfg;
    cfg.model = engine::ModelKind::LinearRelu;
    cfg.layers = {784, 256};
    cfg.steps = 20;
    cfg.optimizer = engine::OptimizerKind::Adam;
    auto backend = engine::createCpuBackend(2);
    engine::Tracer tracer;
    auto trainer = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(trainer.ok());
    REQUIRE(trainer.value()->run().ok());
    const auto& h = trainer.value()->history();
    CHECK(h.back().loss < h.front().loss);
    const data::Run run = tracer.take();
    std::set<std::string> names;
    for (const auto& t : run.tensors) names.insert(t.name);
    CHECK(names.count("step0/relu1/output"));
    CHECK(names.count("step0/loss/output"));
    CHECK(!names.count("step0/loss/softmax"));
}

TEST_CASE("bad configurations and inputs are errors with a message", "[engine]") {
    auto backend = engine::createCpuBackend(2);
    engine::Tracer tracer;
    engine::TrainConfig cfg;
    cfg.layers = {784};
    auto r = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(!r.ok());
    CHECK(r.error().message.find("layers") != std::string::npos);

    cfg = {};
    cfg.inputs.push_back(data::makeF32Tensor("x", {4, 3}, std::vector<float>(12, 1.f)));
    cfg.inputs.push_back(data::makeF32Tensor("y", {4}, {0, 1, 2, 3}));
    r = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(!r.ok());
    CHECK(r.error().message.find("'x' must be [samples, 784]") != std::string::npos);

    cfg.layers = {3, 4};
    r = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(!r.ok()); // 4 samples cannot fill a batch of 128
    CHECK(r.error().message.find("fewer than the batch size 128") != std::string::npos);
    cfg.batch = 4;

    cfg.layers = {3, 2};
    r = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(!r.ok()); // label 2 and 3 are not classes of a 2-way classifier
    CHECK(r.error().message.find("not a class id") != std::string::npos);

    cfg.layers = {3, 4};
    cfg.inputs.push_back(data::makeF32Tensor("fc1.weight", {3, 4}, std::vector<float>(12, 0.f)));
    r = engine::Trainer::create(cfg, *backend, tracer);
    REQUIRE(!r.ok());
    CHECK(r.error().message.find("fc1.weight") != std::string::npos);
}

TEST_CASE("tracer converts its timestamps to ns since the origin", "[engine][tracer]") {
    engine::Tracer tracer;
    const uint32_t outer = tracer.intern("outer"), inner = tracer.intern("inner");
    tracer.push(outer);
    tracer.push(inner);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    tracer.pop();
    tracer.push(inner); // left open: take() closes it
    const data::Run run = tracer.take();
    REQUIRE(run.ranges.size() == 3);
    const auto& r = run.ranges;
    CHECK(r.depth == std::vector<uint32_t>{0, 1, 1});
    CHECK(r.start_ns[0] >= 0);
    CHECK(r.start_ns[1] >= r.start_ns[0]);
    // The sleep lasts at least 3 ms; a wrong tick rate would be off by orders of magnitude.
    CHECK(r.end_ns[1] - r.start_ns[1] >= 3000000);
    CHECK(r.end_ns[1] - r.start_ns[1] < 10000000000ll);
    CHECK(r.end_ns[2] >= r.start_ns[2]);
    CHECK(r.end_ns[0] >= r.end_ns[2]);
    CHECK(run.info.origin_unix_ns > 0);
    CHECK(run.strings.get(run.ranges.category[0]) == "engine");
}
