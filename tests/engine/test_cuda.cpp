// [gpu] The CUDA backend against the CPU backend: every TensorOps op in float and double, the
// optimizer updates, whole MLP and transformer training steps tensor by tensor (fp32 and bf16),
// and the gradient check running the CUDA kernels. Without a usable device these tests say so and
// skip.
#include "EngineFixtures.h"
#include "TestSupport.h"

#include "engine/Backend.h"
#include "engine/Dataset.h"
#include "engine/GradCheck.h"
#include "engine/Trainer.h"
#include "engine/Transformer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using namespace ks;
using namespace ks::test;

namespace {

std::unique_ptr<engine::Backend> cudaOrSkip() {
    std::string why, detail;
    auto cuda = engine::createCudaBackend(&why, &detail);
    if (!cuda) skipTest("CUDA test: " + why + " (" + detail + ")");
    return cuda;
}

// A device copy of a host vector.
template <class T> struct DeviceVec {
    engine::Backend& be;
    void* p;
    size_t n;
    DeviceVec(engine::Backend& b, const std::vector<T>& host)
        : be(b), p(b.allocate(host.size() * sizeof(T))), n(host.size()) {
        REQUIRE(p);
        REQUIRE(be.upload(p, host.data(), n * sizeof(T)));
    }
    ~DeviceVec() { be.release(p); }
    DeviceVec(const DeviceVec&) = delete;
    T* d() const { return static_cast<T*>(p); }
    std::vector<T> get() const {
        std::vector<T> h(n);
        REQUIRE(be.download(h.data(), p, n * sizeof(T)));
        return h;
    }
};

template <class T> std::vector<T> randomVec(size_t n, uint64_t seed, double scale = 1) {
    engine::Rng rng(seed);
    std::vector<T> v(n);
    for (auto& x : v) x = T(scale * rng.normal());
    return v;
}

// max |gpu - cpu| / (1 + |cpu|) within tol, NaN and infinity in the same places.
template <class T>
void checkClose(const std::vector<T>& gpu, const std::vector<T>& cpu, double tol,
                const char* what) {
    REQUIRE(gpu.size() == cpu.size());
    double worst = 0;
    size_t worstAt = 0, mismatched = 0;
    for (size_t i = 0; i < cpu.size(); ++i) {
        const double g = double(gpu[i]), c = double(cpu[i]);
        if (!std::isfinite(c) || !std::isfinite(g)) {
            mismatched += !(std::isnan(c) ? std::isnan(g) : g == c);
            continue;
        }
        const double d = std::abs(g - c) / (1 + std::abs(c));
        if (d > worst) worst = d, worstAt = i;
    }
    INFO(what << ": worst relative difference " << worst << " at " << worstAt << " ("
              << double(gpu[worstAt]) << " vs " << double(cpu[worstAt]) << "), " << mismatched
              << " non-finite mismatches");
    CHECK(worst <= tol);
    CHECK(mismatched == 0);
}

// Every op of TensorOps<T> on the same inputs, CPU against CUDA.
template <class T>
void compareAllOps(engine::Backend& gpuBackend, engine::TensorOps<T>& cpu,
                   engine::TensorOps<T>& gpu, double tol) {
    const int B = 6, Tc = 7, D = 16, H = 2, V = 11, N = B * Tc, hd = D / H;
    auto dev = [&](const std::vector<T>& h) {
        return std::make_unique<DeviceVec<T>>(gpuBackend, h);
    };

    SECTION("linear: gemm in three forms, bias and its gradient") {
        auto x = randomVec<T>(size_t(N) * D, 1), w = randomVec<T>(size_t(3 * D) * D, 2, 0.1),
             b = randomVec<T>(3 * D, 3), dy = randomVec<T>(size_t(N) * 3 * D, 4);
        std::vector<T> y(size_t(N) * 3 * D), dw(w.size()), db(3 * D), dx(x.size());
        auto gx = dev(x), gw = dev(w), gb = dev(b), gdy = dev(dy), gy = dev(y), gdw = dev(dw),
             gdb = dev(db), gdx = dev(dx);
        REQUIRE(cpu.gemm(false, true, N, 3 * D, D, T(1), x.data(), D, w.data(), D, T(0), y.data(),
                         3 * D));
        REQUIRE(cpu.addBias(y.data(), b.data(), N, 3 * D));
        REQUIRE(cpu.gemm(true, false, 3 * D, D, N, T(1), dy.data(), 3 * D, x.data(), D, T(0),
                         dw.data(), D));
        REQUIRE(cpu.sumRows(dy.data(), db.data(), N, 3 * D));
        REQUIRE(cpu.gemm(false, false, N, D, 3 * D, T(1), dy.data(), 3 * D, w.data(), D, T(0),
                         dx.data(), D));
        REQUIRE(
            gpu.gemm(false, true, N, 3 * D, D, T(1), gx->d(), D, gw->d(), D, T(0), gy->d(), 3 * D));
        REQUIRE(gpu.addBias(gy->d(), gb->d(), N, 3 * D));
        REQUIRE(gpu.gemm(true, false, 3 * D, D, N, T(1), gdy->d(), 3 * D, gx->d(), D, T(0),
                         gdw->d(), D));
        REQUIRE(gpu.sumRows(gdy->d(), gdb->d(), N, 3 * D));
        REQUIRE(gpu.gemm(false, false, N, D, 3 * D, T(1), gdy->d(), 3 * D, gw->d(), D, T(0),
                         gdx->d(), D));
        checkClose(gy->get(), y, tol, "linear out");
        checkClose(gdw->get(), dw, tol, "linear dw");
        checkClose(gdb->get(), db, tol, "linear db");
        checkClose(gdx->get(), dx, tol, "linear dx");
    }
    SECTION("strided products over the heads of a QKV buffer, as the attention uses them") {
        auto qkv = randomVec<T>(size_t(Tc) * 3 * D, 5);
        std::vector<T> att(size_t(H) * Tc * Tc), heads(size_t(Tc) * D);
        auto gq = dev(qkv), ga = dev(att), gh = dev(heads);
        const int64_t tt = int64_t(Tc) * Tc;
        REQUIRE(cpu.gemmStrided(false, true, Tc, Tc, hd, T(0.5), qkv.data(), 3 * D, hd,
                                qkv.data() + D, 3 * D, hd, T(0), att.data(), Tc, tt, H));
        REQUIRE(cpu.gemmStrided(false, false, Tc, hd, Tc, T(1), att.data(), Tc, tt,
                                qkv.data() + 2 * D, 3 * D, hd, T(0), heads.data(), D, hd, H));
        REQUIRE(gpu.gemmStrided(false, true, Tc, Tc, hd, T(0.5), gq->d(), 3 * D, hd, gq->d() + D,
                                3 * D, hd, T(0), ga->d(), Tc, tt, H));
        REQUIRE(gpu.gemmStrided(false, false, Tc, hd, Tc, T(1), ga->d(), Tc, tt, gq->d() + 2 * D,
                                3 * D, hd, T(0), gh->d(), D, hd, H));
        checkClose(ga->get(), att, tol, "scores");
        checkClose(gh->get(), heads, tol, "weighted values");
    }
    SECTION("elementwise: fill, copy, add, scale, ReLU, GELU") {
        auto x = randomVec<T>(size_t(N) * 4 * D, 6, 3), dy = randomVec<T>(x.size(), 7);
        const size_t n = x.size();
        std::vector<T> y(n), t(n), dx(n), sum = x;
        auto gx = dev(x), gdy = dev(dy), gy = dev(y), gt = dev(t), gdx = dev(dx), gsum = dev(x);
        REQUIRE(cpu.geluForward(x.data(), y.data(), t.data(), n));
        REQUIRE(cpu.geluBackward(x.data(), t.data(), dy.data(), dx.data(), n));
        REQUIRE(gpu.geluForward(gx->d(), gy->d(), gt->d(), n));
        REQUIRE(gpu.geluBackward(gx->d(), gt->d(), gdy->d(), gdx->d(), n));
        checkClose(gy->get(), y, tol, "gelu out");
        checkClose(gt->get(), t, tol, "gelu tanh");
        checkClose(gdx->get(), dx, tol, "gelu dx");
        REQUIRE(cpu.reluForward(x.data(), y.data(), n));
        REQUIRE(cpu.reluBackward(y.data(), dy.data(), dx.data(), n));
        REQUIRE(gpu.reluForward(gx->d(), gy->d(), n));
        REQUIRE(gpu.reluBackward(gy->d(), gdy->d(), gdx->d(), n));
        checkClose(gy->get(), y, 0, "relu out");
        checkClose(gdx->get(), dx, 0, "relu dx");
        REQUIRE(cpu.add(sum.data(), dy.data(), n));
        REQUIRE(cpu.scale(sum.data(), T(0.25), n));
        REQUIRE(gpu.add(gsum->d(), gdy->d(), n));
        REQUIRE(gpu.scale(gsum->d(), T(0.25), n));
        checkClose(gsum->get(), sum, 0, "add and scale");
        REQUIRE(gpu.copy(gy->d(), gx->d(), n));
        checkClose(gy->get(), x, 0, "copy");
        REQUIRE(gpu.fill(gy->d(), T(-2.5), n));
        checkClose(gy->get(), std::vector<T>(n, T(-2.5)), 0, "fill");
    }
    SECTION("reduced precision rounds exactly as on the CPU; non-finite values are counted") {
        // Ties, subnormals, overflow, infinities and NaN next to ordinary values.
        std::vector<T> x = randomVec<T>(4096, 8, 100);
        const T inf = std::numeric_limits<T>::infinity();
        for (T special : {T(65504), T(65520), T(70000), T(-1e6), T(5.96e-8), T(1e-7), T(2.98e-8),
                          T(1 + 1.0 / 2048), T(1 + 3.0 / 2048), T(3.0e38), inf, -inf,
                          std::numeric_limits<T>::quiet_NaN()})
            x.push_back(special);
        for (auto p : {engine::Precision::F16, engine::Precision::BF16}) {
            auto c = x;
            auto g = dev(x);
            REQUIRE(cpu.roundTo(c.data(), c.size(), p));
            REQUIRE(gpu.roundTo(g->d(), x.size(), p));
            checkClose(g->get(), c, 0, engine::precisionName(p));
            int64_t cpuBad = -1, gpuBad = -1;
            REQUIRE(cpu.countNonFinite(c.data(), c.size(), &cpuBad));
            REQUIRE(gpu.countNonFinite(g->d(), x.size(), &gpuBad));
            CHECK(gpuBad == cpuBad);
            CHECK(cpuBad >= 3);
        }
    }
    SECTION("embeddings forward and backward") {
        std::vector<int32_t> idx(N);
        for (int r = 0; r < N; ++r) idx[r] = (r * 7 + 3) % V; // repeated tokens: sums must add
        auto wte = randomVec<T>(size_t(V) * D, 9), wpe = randomVec<T>(size_t(Tc) * D, 10),
             dout = randomVec<T>(size_t(N) * D, 11);
        std::vector<T> out(size_t(N) * D), dwte(wte.size(), T(7)), dwpe(wpe.size(), T(7));
        auto gwte = dev(wte), gwpe = dev(wpe), gdout = dev(dout), gout = dev(out),
             gdwte = dev(dwte), gdwpe = dev(dwpe);
        DeviceVec<int32_t> gidx(gpuBackend, idx);
        REQUIRE(cpu.embeddingForward(idx.data(), wte.data(), wpe.data(), out.data(), N, Tc, D));
        REQUIRE(
            cpu.embeddingBackward(idx.data(), dout.data(), dwte.data(), dwpe.data(), N, Tc, D, V));
        REQUIRE(gpu.embeddingForward(gidx.d(), gwte->d(), gwpe->d(), gout->d(), N, Tc, D));
        REQUIRE(gpu.embeddingBackward(gidx.d(), gdout->d(), gdwte->d(), gdwpe->d(), N, Tc, D, V));
        checkClose(gout->get(), out, 0, "embedding out");
        checkClose(gdwte->get(), dwte, tol, "wte grad");
        checkClose(gdwpe->get(), dwpe, tol, "wpe grad");
    }
    SECTION("LayerNorm forward and backward, with a large mean") {
        auto x = randomVec<T>(size_t(N) * D, 12), w = randomVec<T>(D, 13), b = randomVec<T>(D, 14),
             dy = randomVec<T>(x.size(), 15);
        for (auto& v : x) v += T(1000); // the two-pass variance keeps its digits
        std::vector<T> y(x.size()), mean(N), rstd(N), dx(x.size()), dw(D), db(D);
        auto gx = dev(x), gw = dev(w), gb = dev(b), gdy = dev(dy), gy = dev(y), gmean = dev(mean),
             grstd = dev(rstd), gdx = dev(dx), gdw = dev(dw), gdb = dev(db);
        REQUIRE(cpu.layerNormForward(x.data(), w.data(), b.data(), y.data(), mean.data(),
                                     rstd.data(), N, D, 1e-5));
        REQUIRE(cpu.layerNormBackward(dy.data(), x.data(), w.data(), mean.data(), rstd.data(),
                                      dx.data(), dw.data(), db.data(), N, D));
        REQUIRE(gpu.layerNormForward(gx->d(), gw->d(), gb->d(), gy->d(), gmean->d(), grstd->d(), N,
                                     D, 1e-5));
        REQUIRE(gpu.layerNormBackward(gdy->d(), gx->d(), gw->d(), gmean->d(), grstd->d(), gdx->d(),
                                      gdw->d(), gdb->d(), N, D));
        // float: the mean of values near 1000 carries ~1e-4 absolute error in either order
        const double lnTol = sizeof(T) == 4 ? 1e-3 : tol;
        checkClose(gmean->get(), mean, tol, "layernorm mean");
        checkClose(grstd->get(), rstd, lnTol, "layernorm rstd");
        checkClose(gy->get(), y, lnTol, "layernorm out");
        checkClose(gdx->get(), dx, lnTol, "layernorm dx");
        checkClose(gdw->get(), dw, lnTol, "layernorm dw");
        checkClose(gdb->get(), db, tol, "layernorm db");
    }
    SECTION("causal softmax forward and backward, masked columns never read") {
        const int rows = B * H * Tc;
        auto att = randomVec<T>(size_t(rows) * Tc, 16, 4), datt = randomVec<T>(att.size(), 17);
        for (int r = 0; r < rows; ++r) // poison the masked part: it must not leak through
            for (int c = r % Tc + 1; c < Tc; ++c) att[size_t(r) * Tc + c] = T(1e30);
        auto p = att;
        std::vector<T> ds(att.size());
        auto gp = dev(att), gdatt = dev(datt), gds = dev(ds);
        REQUIRE(cpu.causalSoftmaxForward(p.data(), rows, Tc));
        REQUIRE(cpu.causalSoftmaxBackward(p.data(), datt.data(), ds.data(), rows, Tc));
        REQUIRE(gpu.causalSoftmaxForward(gp->d(), rows, Tc));
        REQUIRE(gpu.causalSoftmaxBackward(gp->d(), gdatt->d(), gds->d(), rows, Tc));
        checkClose(gp->get(), p, tol, "softmax");
        checkClose(gds->get(), ds, tol, "softmax grad");
    }
    SECTION("a context longer than a warp") {
        const int context = 77, rows = 2 * context;
        auto att = randomVec<T>(size_t(rows) * context, 18, 3);
        auto datt = randomVec<T>(att.size(), 19);
        auto p = att;
        std::vector<T> ds(att.size());
        auto gp = dev(att), gdatt = dev(datt), gds = dev(ds);
        REQUIRE(cpu.causalSoftmaxForward(p.data(), rows, context));
        REQUIRE(cpu.causalSoftmaxBackward(p.data(), datt.data(), ds.data(), rows, context));
        REQUIRE(gpu.causalSoftmaxForward(gp->d(), rows, context));
        REQUIRE(gpu.causalSoftmaxBackward(gp->d(), gdatt->d(), gds->d(), rows, context));
        checkClose(gp->get(), p, tol, "softmax (long rows)");
        checkClose(gds->get(), ds, tol, "softmax grad (long rows)");
    }
    SECTION("cross-entropy and MSE with their gradients") {
        const int cols = 300; // more columns than threads in a block
        auto logits = randomVec<T>(size_t(N) * cols, 20, 3),
             target = randomVec<T>(logits.size(), 21);
        std::vector<int32_t> labels(N);
        for (int r = 0; r < N; ++r) labels[r] = (r * 37) % cols;
        logits[5] = logits[6] = T(50); // a tie: the lower index is the argmax on both
        std::vector<T> probs(logits.size()), dl(logits.size()), dp(logits.size());
        auto glog = dev(logits), gtarget = dev(target), gprobs = dev(probs), gdl = dev(dl),
             gdp = dev(dp);
        DeviceVec<int32_t> glabels(gpuBackend, labels);
        double loss = 0, gloss = 0, mse = 0, gmse = 0;
        int correct = -1, gcorrect = -2;
        REQUIRE(cpu.crossEntropyForward(logits.data(), labels.data(), N, cols, probs.data(), &loss,
                                        &correct));
        REQUIRE(cpu.crossEntropyBackward(probs.data(), labels.data(), N, cols, dl.data()));
        REQUIRE(gpu.crossEntropyForward(glog->d(), glabels.d(), N, cols, gprobs->d(), &gloss,
                                        &gcorrect));
        REQUIRE(gpu.crossEntropyBackward(gprobs->d(), glabels.d(), N, cols, gdl->d()));
        CHECK(std::abs(gloss - loss) <= tol * (1 + std::abs(loss)));
        CHECK(gcorrect == correct);
        checkClose(gprobs->get(), probs, tol, "xent probs");
        checkClose(gdl->get(), dl, tol, "xent dlogits");
        REQUIRE(cpu.mseForward(logits.data(), target.data(), logits.size(), &mse));
        REQUIRE(cpu.mseBackward(logits.data(), target.data(), logits.size(), dp.data()));
        REQUIRE(gpu.mseForward(glog->d(), gtarget->d(), logits.size(), &gmse));
        REQUIRE(gpu.mseBackward(glog->d(), gtarget->d(), logits.size(), gdp->d()));
        CHECK(std::abs(gmse - mse) <= tol * (1 + mse));
        checkClose(gdp->get(), dp, tol, "mse grad");
    }
}

engine::TrainConfig tinyTransformer() {
    engine::TrainConfig c;
    c.model = engine::ModelKind::Transformer;
    c.vocab = 37;
    c.context = 40; // longer than a warp
    c.width = 32;
    c.heads = 4;
    c.blocks = 2;
    c.batch = 3;
    c.steps = 3;
    // SGD: Adam turns gradients that are rounding noise (the key bias's, exactly 0 in exact
    // arithmetic) into steps of +-lr whose sign differs between two summation orders.
    c.optimizer = engine::OptimizerKind::Sgd;
    c.dumpSteps = {0, 1, 2};
    return c;
}

// Trains `cfg` on both backends and compares every dumped tensor.
void compareTraining(engine::Backend& gpu, const engine::TrainConfig& cfg, double rtol,
                     double atol) {
    auto cpu = engine::createCpuBackend(2);
    engine::Tracer tc, tg;
    REQUIRE(engine::train(cfg, *cpu, tc).ok());
    REQUIRE(engine::train(cfg, gpu, tg).ok());
    const auto rc = tc.take(), rg = tg.take();
    REQUIRE(rc.tensors.size() == rg.tensors.size());
    CHECK(rg.info.backend == "cuda");
    for (size_t i = 0; i < rc.tensors.size(); ++i) {
        REQUIRE(rc.tensors[i].name == rg.tensors[i].name);
        const auto r = allClose(rg.tensors[i], rc.tensors[i], rtol, atol);
        INFO(r.message);
        CHECK(r.ok);
    }
}

} // namespace

TEST_CASE("CUDA float ops match the CPU backend", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    auto cpu = engine::createCpuBackend(2);
    compareAllOps<float>(*gpu, *cpu->ops32(), *gpu->ops32(), 2e-5);
}

TEST_CASE("CUDA double ops match the CPU backend", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    auto cpu = engine::createCpuBackend(2);
    REQUIRE(gpu->ops64());
    compareAllOps<double>(*gpu, *cpu->ops64(), *gpu->ops64(), 1e-12);
}

TEST_CASE("CUDA optimizer updates match the CPU backend", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    auto cpu = engine::createCpuBackend(2);
    const auto g = randomVec<float>(1000, 2);
    auto p = randomVec<float>(1000, 1), vel = std::vector<float>(p.size(), 0.f), m = vel, v = vel;
    DeviceVec<float> gdw(*gpu, g), gpw(*gpu, p), gvel(*gpu, vel), gm(*gpu, m), gv(*gpu, v);
    for (int s = 1; s <= 3; ++s) {
        REQUIRE(cpu->sgdUpdate(p.data(), g.data(), vel.data(), p.size(), 0.1f, 0.9f));
        REQUIRE(gpu->sgdUpdate(gpw.d(), gdw.d(), gvel.d(), p.size(), 0.1f, 0.9f));
    }
    checkClose(gpw.get(), p, 1e-6, "sgd");
    for (int s = 1; s <= 3; ++s) {
        REQUIRE(cpu->adamUpdate(p.data(), g.data(), m.data(), v.data(), p.size(), 0.01f, 0.9f,
                                0.999f, 1e-8f, s));
        REQUIRE(gpu->adamUpdate(gpw.d(), gdw.d(), gm.d(), gv.d(), p.size(), 0.01f, 0.9f, 0.999f,
                                1e-8f, s));
    }
    checkClose(gpw.get(), p, 1e-5, "adam");
}

TEST_CASE("CUDA MLP training steps match the CPU backend tensor by tensor", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    engine::TrainConfig cfg;
    cfg.steps = 3;
    cfg.dumpSteps = {0, 1, 2};
    compareTraining(*gpu, cfg, kBackwardRtol, kBackwardAtol);
}

TEST_CASE("CUDA transformer steps match the CPU backend tensor by tensor", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    SECTION("fp32") {
        compareTraining(*gpu, tinyTransformer(), kBackwardRtol, kBackwardAtol);
    }
    SECTION("bf16: the same rounding points on both backends") {
        auto cfg = tinyTransformer();
        cfg.precision = engine::Precision::BF16;
        // One bf16 ulp (2^-8 relative) where the two summation orders round differently.
        compareTraining(*gpu, cfg, 1e-2, 1e-2);
    }
}

TEST_CASE("the gradient check runs the CUDA kernels: float64 below 1e-7", "[engine][gpu]") {
    auto gpu = cudaOrSkip();
    if (!gpu) return;
    auto cfg = tinyTransformer();
    cfg.vocab = 11;
    cfg.context = 5;
    cfg.width = 8;
    cfg.heads = 2;
    cfg.batch = 2;
    for (bool f64 : {true, false}) {
        auto r = engine::gradCheckTransformer(cfg, *gpu, f64);
        REQUIRE(r.ok());
        INFO("float64 " << f64 << ": max abs " << r->maxAbs);
        CHECK(r->passed());
        CHECK(r->maxAbs < (f64 ? 1e-7 : 2e-3));
        CHECK(r->maxAbs > 0);
    }
    cfg.testBrokenBackward = true;
    auto broken = engine::gradCheckTransformer(cfg, *gpu, true);
    REQUIRE(broken.ok());
    CHECK(!broken->passed());

    engine::GradCheckConfig mlp;
    mlp.float64 = true;
    auto m = engine::gradCheckMlp(mlp, *gpu);
    REQUIRE(m.ok());
    CHECK(m->passed());
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
    CHECK(api->dgemm);
    CHECK(api->sgemmStrided);
    CHECK(api->dgemmStrided);
    CHECK(api->setMathMode);
}
#endif
