// Every op of the CPU backend, forward and backward, against NumPy and PyTorch 1.13 autograd on
// the same inputs (tests/engine/make_op_fixtures.py).
#include "EngineFixtures.h"
#include "TestSupport.h"

#include "engine/Backend.h"

#include <catch2/catch.hpp>

using namespace ks;
using namespace ks::test;

namespace {

const TensorMap& opFixtures() {
    static const TensorMap fixtures = [] {
        const std::string dir = scratchDir("engine_ops");
        runFixtureScript("make_op_fixtures.py", {dir + "/ops.h5"});
        return readTensors(dir + "/ops.h5");
    }();
    return fixtures;
}

// Checks `got` against numpy/<name> and torch/<name>.
void checkBoth(const std::vector<float>& got, const std::string& name, double rtol, double atol) {
    const auto& f = opFixtures();
    for (const char* lib : {"numpy/", "torch/"}) {
        const auto it = f.find(lib + name);
        REQUIRE(it != f.end());
        const auto r = allClose(got, it->second, rtol, atol);
        INFO(r.message);
        CHECK(r.ok);
    }
}

int dim(const std::string& name, size_t i) {
    return int(opFixtures().at(name).shape.at(i));
}

} // namespace

TEST_CASE("linear forward and backward match NumPy and PyTorch", "[engine][ops]") {
    const auto& f = opFixtures();
    auto backend = engine::createCpuBackend(2);
    auto* be = backend->ops32();
    auto x = floats(f.at("in/x")), w = floats(f.at("in/w")), b = floats(f.at("in/b")),
         dy = floats(f.at("in/dy"));
    const int B = dim("in/x", 0), in = dim("in/x", 1), out = dim("in/w", 0);
    std::vector<float> y(size_t(B) * out), dw(w.size()), db(b.size()), dx(x.size());
    REQUIRE(be->gemm(false, true, B, out, in, 1.f, x.data(), in, w.data(), in, 0.f, y.data(), out));
    REQUIRE(be->addBias(y.data(), b.data(), B, out));
    checkBoth(y, "linear_out", kMatmulRtol, kMatmulAtol);
    REQUIRE(
        be->gemm(true, false, out, in, B, 1.f, dy.data(), out, x.data(), in, 0.f, dw.data(), in));
    REQUIRE(be->sumRows(dy.data(), db.data(), B, out));
    REQUIRE(
        be->gemm(false, false, B, in, out, 1.f, dy.data(), out, w.data(), in, 0.f, dx.data(), in));
    checkBoth(dw, "linear_dw", kBackwardRtol, kBackwardAtol);
    checkBoth(db, "linear_db", kBackwardRtol, kBackwardAtol);
    checkBoth(dx, "linear_dx", kBackwardRtol, kBackwardAtol);
}

TEST_CASE("ReLU forward and backward match NumPy and PyTorch", "[engine][ops]") {
    const auto& f = opFixtures();
    auto backend = engine::createCpuBackend(2);
    auto* be = backend->ops32();
    auto r = floats(f.at("in/r")), dy = floats(f.at("in/rdy"));
    std::vector<float> y(r.size()), dx(r.size());
    REQUIRE(be->reluForward(r.data(), y.data(), r.size()));
    REQUIRE(be->reluBackward(y.data(), dy.data(), dx.data(), r.size()));
    checkBoth(y, "relu_out", 0, 0);
    checkBoth(dx, "relu_dx", 0, 0);
}

TEST_CASE("softmax cross-entropy forward and backward match NumPy and PyTorch", "[engine][ops]") {
    const auto& f = opFixtures();
    auto backend = engine::createCpuBackend(2);
    auto* be = backend->ops32();
    auto logits = floats(f.at("in/logits"));
    const int B = dim("in/logits", 0), C = dim("in/logits", 1);
    std::vector<int32_t> labels(B);
    for (int i = 0; i < B; ++i) labels[i] = int32_t(f.at("in/labels").valueAt(i));
    std::vector<float> probs(logits.size()), dlogits(logits.size());
    double loss = 0;
    int correct = -1;
    REQUIRE(
        be->crossEntropyForward(logits.data(), labels.data(), B, C, probs.data(), &loss, &correct));
    checkBoth(probs, "softmax", kSoftmaxRtol, kSoftmaxAtol);
    checkBoth({float(loss)}, "ce_loss", kSoftmaxRtol, kSoftmaxAtol);
    CHECK(correct >= 0);
    CHECK(correct <= B);
    REQUIRE(be->crossEntropyBackward(probs.data(), labels.data(), B, C, dlogits.data()));
    checkBoth(dlogits, "ce_dlogits", kBackwardRtol, kBackwardAtol);
}

TEST_CASE("MSE forward and backward match NumPy and PyTorch", "[engine][ops]") {
    const auto& f = opFixtures();
    auto backend = engine::createCpuBackend(2);
    auto* be = backend->ops32();
    auto pred = floats(f.at("in/pred")), target = floats(f.at("in/target"));
    std::vector<float> dpred(pred.size());
    double loss = 0;
    REQUIRE(be->mseForward(pred.data(), target.data(), pred.size(), &loss));
    REQUIRE(be->mseBackward(pred.data(), target.data(), pred.size(), dpred.data()));
    checkBoth({float(loss)}, "mse_loss", kMatmulRtol, kMatmulAtol);
    checkBoth(dpred, "mse_dpred", kBackwardRtol, kBackwardAtol);
}

TEST_CASE("SGD with momentum and Adam match NumPy and torch.optim over three steps",
          "[engine][ops]") {
    const auto& f = opFixtures();
    auto be = engine::createCpuBackend(2);
    const auto p0 = floats(f.at("in/p0"));
    std::vector<std::vector<float>> grads;
    for (int i = 0; i < 3; ++i) grads.push_back(floats(f.at("in/g" + std::to_string(i))));

    auto sgd = p0;
    std::vector<float> velocity(p0.size(), 0.f);
    for (auto& g : grads)
        REQUIRE(be->sgdUpdate(sgd.data(), g.data(), velocity.data(), sgd.size(), 0.1f, 0.9f));
    checkBoth(sgd, "sgd_p3", kMatmulRtol, kMatmulAtol);

    auto adam = p0;
    std::vector<float> m(p0.size(), 0.f), v(p0.size(), 0.f);
    for (int s = 0; s < 3; ++s)
        REQUIRE(be->adamUpdate(adam.data(), grads[s].data(), m.data(), v.data(), adam.size(), 0.01f,
                               0.9f, 0.999f, 1e-8f, s + 1));
    checkBoth(adam, "adam_p3", kMatmulRtol, kMatmulAtol);
}
