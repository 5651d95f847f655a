// [gpu] The CUDA backend against the CPU backend, op by op and over whole training steps. Without
// a usable device these tests say so and skip.
#include "EngineFixtures.h"
#include "TestSupport.h"

#include "engine/Backend.h"
#include "engine/Dataset.h"
#include "engine/Trainer.h"

#include <catch2/catch.hpp>
#include <map>

using namespace ks;
using namespace ks::test;

namespace {

std::unique_ptr<engine::Backend> cudaOrSkip() {
    std::string why, detail;
    auto cuda = engine::createCudaBackend(&why, &detail);
    if (!cuda) skipTest("CUDA test: " + why + " (" + detail + ")");
    return cuda;
}

// Host vector <-> device buffer helpers for the op comparisons.
struct DeviceVec {
    engine::Backend& be;
    void* p;
    size_t n;
    DeviceVec(engine::Backend& b, const std::vector<float>& host)
        : be(b), p(b.allocate(host.size() * 4)), n(host.size()) {
        REQUIRE(p);
        REQUIRE(be.upload(p, host.data(), n * 4));
    }
    ~DeviceVec() { be.release(p); }
    float* f() { return static_cast<float*>(p); }
    std::vector<float> get() {
        std::vector<float> h(n);
        REQUIRE(be.download(h.data(), p, n * 4));
        return h;
    }
};

std::vector<float> randomVec(size_t n, uint64_t seed) {
    engine::Rng rng(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = float(rng.normal());
    return v;
}

void checkClose(const std::vector<float>& gpu, const std::vector<float>& cpu, double rtol,
                double atol, const char* what) {
    auto ref = data::makeF32Tensor(what, {int64_t(cpu.size())}, cpu);
    const auto r = allClose(gpu, ref, rtol, atol);
    INFO(r.message);
    CHECK(r.ok);
}

} // namespace

TEST_CASE("CUDA ops match the CPU backend", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    auto cpu = engine::createCpuBackend(2);
    const int B = 64, in = 96, out = 40;
    auto x = randomVec(size_t(B) * in, 1), w = randomVec(size_t(out) * in, 2),
         b = randomVec(out, 3), dy = randomVec(size_t(B) * out, 4);
    for (auto& v : w) v *= 0.1f;

    // Linear forward + backward.
    std::vector<float> y(size_t(B) * out), dw(w.size()), db(out), dx(x.size());
    REQUIRE(cpu->gemm(false, true, B, out, in, 1, x.data(), in, w.data(), in, 0, y.data(), out));
    REQUIRE(cpu->addBias(y.data(), b.data(), B, out));
    REQUIRE(cpu->gemm(true, false, out, in, B, 1, dy.data(), out, x.data(), in, 0, dw.data(), in));
    REQUIRE(cpu->sumRows(dy.data(), db.data(), B, out));
    REQUIRE(cpu->gemm(false, false, B, in, out, 1, dy.data(), out, w.data(), in, 0, dx.data(), in));
    DeviceVec gx(*gpu, x), gw(*gpu, w), gb(*gpu, b), gdy(*gpu, dy), gy(*gpu, y), gdw(*gpu, dw),
        gdb(*gpu, db), gdx(*gpu, dx);
    REQUIRE(gpu->gemm(false, true, B, out, in, 1, gx.f(), in, gw.f(), in, 0, gy.f(), out));
    REQUIRE(gpu->addBias(gy.f(), gb.f(), B, out));
    REQUIRE(gpu->gemm(true, false, out, in, B, 1, gdy.f(), out, gx.f(), in, 0, gdw.f(), in));
    REQUIRE(gpu->sumRows(gdy.f(), gdb.f(), B, out));
    REQUIRE(gpu->gemm(false, false, B, in, out, 1, gdy.f(), out, gw.f(), in, 0, gdx.f(), in));
    checkClose(gy.get(), y, kMatmulRtol * 10, kMatmulAtol, "linear_out");
    checkClose(gdw.get(), dw, kBackwardRtol, kBackwardAtol, "linear_dw");
    checkClose(gdb.get(), db, kBackwardRtol, kBackwardAtol, "linear_db");
    checkClose(gdx.get(), dx, kBackwardRtol, kBackwardAtol, "linear_dx");

    // ReLU.
    std::vector<float> r(y.size()), rdx(y.size());
    REQUIRE(cpu->reluForward(y.data(), r.data(), y.size()));
    REQUIRE(cpu->reluBackward(r.data(), dy.data(), rdx.data(), y.size()));
    DeviceVec gr(*gpu, r), grdx(*gpu, rdx);
    REQUIRE(gpu->reluForward(gy.f(), gr.f(), y.size()));
    REQUIRE(gpu->reluBackward(gr.f(), gdy.f(), grdx.f(), y.size()));
    checkClose(gr.get(), r, kMatmulRtol * 10, kMatmulAtol, "relu_out");
    checkClose(grdx.get(), rdx, kBackwardRtol, kBackwardAtol, "relu_dx");

    // Softmax + cross-entropy.
    std::vector<int32_t> labels(B);
    for (int i = 0; i < B; ++i) labels[i] = i % out;
    void* glabels = gpu->allocate(B * 4);
    REQUIRE(glabels);
    REQUIRE(gpu->upload(glabels, labels.data(), B * 4));
    auto* gl = static_cast<int32_t*>(glabels);
    std::vector<float> probs(y.size()), dlog(y.size());
    float loss = 0, correct = 0, gloss = 0, gcorrect = 0;
    REQUIRE(
        cpu->softmaxCrossEntropy(y.data(), labels.data(), B, out, probs.data(), &loss, &correct));
    REQUIRE(cpu->softmaxCrossEntropyBackward(probs.data(), labels.data(), B, out, dlog.data()));
    DeviceVec gp(*gpu, probs), gdl(*gpu, dlog);
    REQUIRE(gpu->softmaxCrossEntropy(gy.f(), gl, B, out, gp.f(), &gloss, &gcorrect));
    REQUIRE(gpu->softmaxCrossEntropyBackward(gp.f(), gl, B, out, gdl.f()));
    checkClose(gp.get(), probs, kSoftmaxRtol, kSoftmaxAtol, "softmax");
    checkClose({gloss}, {loss}, kSoftmaxRtol, kSoftmaxAtol, "ce_loss");
    CHECK(gcorrect == correct);
    checkClose(gdl.get(), dlog, kBackwardRtol, kBackwardAtol, "ce_dlogits");
    gpu->release(glabels);

    // MSE, SGD, Adam.
    float mse = 0, gmse = 0;
    std::vector<float> dpred(y.size());
    REQUIRE(cpu->mseForward(y.data(), dy.data(), y.size(), &mse));
    REQUIRE(cpu->mseBackward(y.data(), dy.data(), y.size(), dpred.data()));
    DeviceVec gdp(*gpu, dpred);
    REQUIRE(gpu->mseForward(gy.f(), gdy.f(), y.size(), &gmse));
    REQUIRE(gpu->mseBackward(gy.f(), gdy.f(), y.size(), gdp.f()));
    checkClose({gmse}, {mse}, kMatmulRtol * 10, kMatmulAtol, "mse_loss");
    checkClose(gdp.get(), dpred, kBackwardRtol, kBackwardAtol, "mse_dpred");

    auto p = w, vel = std::vector<float>(w.size(), 0.f), m = vel, v = vel;
    DeviceVec gpw(*gpu, p), gvel(*gpu, vel), gm(*gpu, m), gv(*gpu, v);
    for (int s = 1; s <= 3; ++s) {
        REQUIRE(cpu->sgdUpdate(p.data(), dw.data(), vel.data(), p.size(), 0.1f, 0.9f));
        REQUIRE(gpu->sgdUpdate(gpw.f(), gdw.f(), gvel.f(), p.size(), 0.1f, 0.9f));
    }
    checkClose(gpw.get(), p, kMatmulRtol * 10, kMatmulAtol, "sgd");
    for (int s = 1; s <= 3; ++s) {
        REQUIRE(cpu->adamUpdate(p.data(), dw.data(), m.data(), v.data(), p.size(), 0.01f, 0.9f,
                                0.999f, 1e-8f, s));
        REQUIRE(gpu->adamUpdate(gpw.f(), gdw.f(), gm.f(), gv.f(), p.size(), 0.01f, 0.9f, 0.999f,
                                1e-8f, s));
    }
    checkClose(gpw.get(), p, kMatmulRtol * 10, kMatmulAtol, "adam");
}

TEST_CASE("CUDA training steps match the CPU backend tensor by tensor", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    auto cpu = engine::createCpuBackend(2);
    engine::TrainConfig cfg;
    cfg.steps = 3;
    cfg.dumpSteps = {0, 1, 2};
    engine::Tracer tc, tg;
    REQUIRE(engine::train(cfg, *cpu, tc).ok());
    REQUIRE(engine::train(cfg, *gpu, tg).ok());
    const auto rc = tc.take(), rg = tg.take();
    REQUIRE(rc.tensors.size() == rg.tensors.size());
    CHECK(rg.info.backend == "cuda");
    for (size_t i = 0; i < rc.tensors.size(); ++i) {
        REQUIRE(rc.tensors[i].name == rg.tensors[i].name);
        const auto r = allClose(rg.tensors[i], rc.tensors[i], kBackwardRtol, kBackwardAtol);
        INFO(r.message);
        CHECK(r.ok);
    }
}

#ifdef KS_HAVE_CUDA_BACKEND
#include "engine/cuda/CublasApi.h"

TEST_CASE("cuBLAS is loaded on demand and its entry points resolve", "[engine][cuda]") {
    std::string error;
    const auto* api = engine::cuda::CublasApi::get(&error);
    INFO(error);
    REQUIRE(api);
    CHECK(std::string(api->statusName(CUBLAS_STATUS_NOT_INITIALIZED)) ==
          "CUBLAS_STATUS_NOT_INITIALIZED");
    CHECK(api->sgemm);
    CHECK(api->setMathMode);
}
#endif
