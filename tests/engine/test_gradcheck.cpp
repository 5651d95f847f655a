// The gradient check meets its goals (GradCheck.h) and stores its tensor pairs.
#include "engine/Backend.h"
#include "engine/GradCheck.h"

#include <catch2/catch.hpp>

using namespace ks;

TEST_CASE("gradient check: float32 below 1e-4, float64 below 1e-7", "[engine][gradcheck]") {
    for (bool f64 : {false, true}) {
        engine::GradCheckConfig cfg;
        cfg.float64 = f64;
        const auto r = engine::gradCheck(cfg);
        INFO("float64 " << f64 << ": max abs " << r.maxAbs << ", max rel " << r.maxRel);
        CHECK(r.passed());
        CHECK(r.maxAbs < (f64 ? 1e-7 : 1e-4));
        CHECK(r.params.size() == 4); // fc1.weight, fc1.bias, fc2.weight, fc2.bias
        CHECK(r.checked > 200);
        CHECK(r.skipped < r.checked / 10);

        data::Run run;
        engine::addGradCheckTensors(r, run, 0);
        REQUIRE(run.tensors.size() == 8);
        CHECK(run.tensors[0].name ==
              std::string("gradcheck/") + (f64 ? "f64" : "f32") + "/fc1/grad_weight");
        CHECK(run.tensors[1].name == run.tensors[0].name + "_numerical");
        CHECK(run.tensors[0].dtype == (f64 ? data::DType::F64 : data::DType::F32));
        CHECK(run.tensors[0].shape == std::vector<int64_t>{12, 16});
    }
}

TEST_CASE("gradient check holds for a deeper MLP and another seed", "[engine][gradcheck]") {
    for (bool f64 : {false, true}) {
        engine::GradCheckConfig cfg;
        cfg.layers = {10, 9, 7, 4};
        cfg.batch = 5;
        cfg.seed = 3;
        cfg.float64 = f64;
        const auto r = engine::gradCheck(cfg);
        INFO("float64 " << f64 << ": max abs " << r.maxAbs << ", max rel " << r.maxRel);
        CHECK(r.passed());
        CHECK(r.params.size() == 6);
        // The numerical gradient is not a copy of the backward pass: they differ a little.
        CHECK(r.maxAbs > 0);
    }
}

TEST_CASE("gradient check runs the trainer's code and catches a broken backward",
          "[engine][gradcheck]") {
    auto backend = engine::createCpuBackend(1);
    engine::GradCheckConfig cfg;
    cfg.float64 = true;
    auto good = engine::gradCheckMlp(cfg, *backend);
    REQUIRE(good.ok());
    CHECK(good->passed());
    CHECK(good->maxAbs < 1e-7);
    cfg.testBrokenBackward = true;
    auto broken = engine::gradCheckMlp(cfg, *backend);
    REQUIRE(broken.ok());
    INFO("broken: max abs " << broken->maxAbs);
    CHECK(!broken->passed());
    CHECK(broken->maxAbs > 1e-3);
    // fc2 sits after the last ReLU: its gradients are still right.
    CHECK(broken->params[2].maxAbs < 1e-7);
}
