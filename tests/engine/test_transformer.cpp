// The transformer: against a PyTorch 1.13 model of nanoGPT's layout (same parameters and
// batches), reduced precision against fp32, loss scaling, the gradient check of the engine's own
// forward/backward, and the test switches (broken backward, injected NaN) caught by the tools.
#include "EngineFixtures.h"
#include "TestSupport.h"

#include "data/RunFile.h"
#include "engine/Backend.h"
#include "engine/Transformer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <map>
#include <tuple>

using namespace ks;
using namespace ks::test;

namespace {

bool contains(const std::string& s, const std::string& what) {
    return s.find(what) != std::string::npos;
}

// A tiny model: 2 blocks of width 16, 2 heads, context 6, vocabulary 13.
const std::vector<std::string> kTiny = {"--model", "transformer", "--backend", "cpu",     "--vocab",
                                        "13",      "--context",   "6",         "--width", "16",
                                        "--heads", "2",           "--blocks",  "2"};

std::vector<std::string> withTiny(std::vector<std::string> args) {
    std::vector<std::string> all = {"record"};
    all.insert(all.end(), kTiny.begin(), kTiny.end());
    all.insert(all.end(), args.begin(), args.end());
    return all;
}

const data::Tensor& tensorNamed(const data::Run& run, const std::string& name) {
    for (const auto& t : run.tensors)
        if (t.name == name) return t;
    FAIL("no tensor " << name);
    return run.tensors.front();
}

double maxAbsDiff(const data::Tensor& a, const data::Tensor& b) {
    REQUIRE(a.numel() == b.numel());
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        worst = std::max(worst, std::abs(a.valueAt(i) - b.valueAt(i)));
    return worst;
}

engine::TrainConfig smallConfig() {
    engine::TrainConfig c;
    c.model = engine::ModelKind::Transformer;
    c.vocab = 11;
    c.context = 5;
    c.width = 8;
    c.heads = 2;
    c.blocks = 2;
    c.batch = 2;
    return c;
}

} // namespace

TEST_CASE("transformer fp32 matches PyTorch within the op presets over 3 SGD steps",
          "[engine][transformer]") {
    const std::string dir = scratchDir("engine_transformer_sgd");
    runFixtureScript("make_transformer_reference.py",
                     {dir, "sgd", "3", "13", "6", "16", "2", "2", "3"});
    const std::string out = dir + "/run.ksr.h5";
    auto r = runCli(withTiny({"--inputs", dir + "/inputs.npz", "--optimizer", "sgd", "--steps", "3",
                              "--batch", "3", "--dump-steps", "0,1,2", "-o", out}));
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    r = runCli({"compare", out, dir + "/ref.h5", "--preset", "op", "--quiet"});
    INFO(r.output);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.output, "all 417 pairs pass (preset op)"));

    // The names are nanoGPT's module paths.
    auto run = data::readRun(out);
    REQUIRE(run.ok());
    const auto& qkv = tensorNamed(*run, "step2/transformer.h.1.attn.c_attn/output");
    CHECK(qkv.shape == std::vector<int64_t>{3, 6, 48});
    CHECK(qkv.op == "matmul");
    CHECK(tensorNamed(*run, "step0/transformer.h.0.attn.c_attn/weight").shape ==
          std::vector<int64_t>{48, 16});
    CHECK(tensorNamed(*run, "step0/lm_head/grad_weight").role == "grad");
    CHECK(tensorNamed(*run, "step0/transformer.h.0.attn/softmax").op == "softmax");
    CHECK(tensorNamed(*run, "step1/loss/output").op == "cross_entropy");
}

TEST_CASE("transformer AdamW step matches PyTorch", "[engine][transformer]") {
    const std::string dir = scratchDir("engine_transformer_adamw");
    runFixtureScript("make_transformer_reference.py",
                     {dir, "adamw", "1", "13", "6", "16", "2", "2", "3"});
    const std::string out = dir + "/run.ksr.h5";
    auto r = runCli(withTiny({"--inputs", dir + "/inputs.npz", "--optimizer", "adamw", "--steps",
                              "1", "--batch", "3", "-o", out}));
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    // The key part of c_attn.bias has an exactly zero true gradient (softmax ignores a constant
    // added to every score of a row), so Adam's normalisation turns rounding noise into a step of
    // up to +-lr either way: those updates are judged against 2 lr.
    r = runCli({"compare", out, dir + "/ref.h5", "--preset", "op", "--quiet", "--tol",
                "c_attn/updated_bias=0,2e-3"});
    INFO(r.output);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.output, "all 139 pairs pass"));
}

TEST_CASE("bf16 and fp16 runs differ from fp32 within the documented bounds",
          "[engine][transformer][precision]") {
    const std::string dir = scratchDir("engine_transformer_precision");
    std::map<std::string, data::Run> runs;
    for (const char* dtype : {"fp32", "bf16", "fp16"}) {
        const std::string out = dir + "/" + dtype + ".ksr.h5";
        const auto r = runCli(withTiny(
            {"--dtype", dtype, "--steps", "2", "--batch", "4", "--dump-steps", "0", "-o", out}));
        INFO(r.output);
        REQUIRE(r.exitCode == 0);
        auto run = data::readRun(out);
        REQUIRE(run.ok());
        runs[dtype] = std::move(run.value());
    }
    // Bounds of docs/ENGINE.md for this model: loss within 1e-2 (bf16) and 2e-3 (fp16) relative,
    // logits within 0.1 (bf16) and 0.01 (fp16) absolute.
    const double lossRef = tensorNamed(runs["fp32"], "step0/loss/output").valueAt(0);
    const auto& logitsRef = tensorNamed(runs["fp32"], "step0/lm_head/output");
    for (const auto& [dtype, lossBound, logitBound] :
         {std::tuple{"bf16", 1e-2, 0.1}, std::tuple{"fp16", 2e-3, 0.01}}) {
        const auto& run = runs[dtype];
        const double loss = tensorNamed(run, "step0/loss/output").valueAt(0);
        const double logitDiff = maxAbsDiff(tensorNamed(run, "step0/lm_head/output"), logitsRef);
        INFO(dtype << ": loss " << loss << " vs " << lossRef << ", logits max diff " << logitDiff);
        CHECK(loss != lossRef); // the reduced precision is real
        CHECK(logitDiff > 0);
        CHECK(std::abs(loss - lossRef) / lossRef < lossBound);
        CHECK(logitDiff < logitBound);
        // Each activation is a value of the type: bf16 keeps 8 mantissa bits (the low 16 bits of
        // the float are zero).
        if (std::string(dtype) == "bf16") {
            const auto& ln = tensorNamed(run, "step0/transformer.h.0.ln_1/output");
            for (int64_t i = 0; i < ln.numel(); ++i) {
                const float v = float(ln.valueAt(i));
                uint32_t bits;
                std::memcpy(&bits, &v, 4);
                REQUIRE((bits & 0xffffu) == 0);
            }
        }
        // compare names the first rounded op in execution order.
        const auto r = runCli({"compare", dir + "/" + dtype + ".ksr.h5", dir + "/fp32.ksr.h5",
                               "--preset", "op", "--quiet"});
        INFO(r.output);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.output, "first divergence: step0/transformer.h.0.ln_1/output"));
    }
}

TEST_CASE("fp16 loss scaling skips overflowing steps and counts them", "[engine][transformer]") {
    const std::string dir = scratchDir("engine_transformer_lossscale");
    const std::string out = dir + "/over.ksr.h5";
    // A static scale of 1e30 overflows fp16 in every gradient: every step is skipped.
    auto r = runCli(withTiny({"--dtype", "fp16", "--loss-scale", "1e30", "--steps", "3", "--batch",
                              "2", "--dump-steps", "0,2", "-o", out}));
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.output, "3 overflow steps skipped"));
    auto run = data::readRun(out);
    REQUIRE(run.ok());
    const auto& skips = run->counters.at("overflow_skips");
    REQUIRE(skips.size() == 3);
    CHECK(skips.value.back() == 3);
    // No update ran: the parameters of step 2 are those of step 0.
    CHECK(maxAbsDiff(tensorNamed(*run, "step0/lm_head/weight"),
                     tensorNamed(*run, "step2/lm_head/weight")) == 0);
    CHECK(maxAbsDiff(tensorNamed(*run, "step0/transformer.h.0.attn.c_attn/weight"),
                     tensorNamed(*run, "step2/transformer.h.0.attn.c_attn/weight")) == 0);

    // Dynamic scaling (the default for fp16) starts at 65536 and trains normally here.
    r = runCli(withTiny({"--dtype", "fp16", "--steps", "3", "--batch", "2", "--dump-steps", "none",
                         "-o", dir + "/dyn.ksr.h5"}));
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.output, "0 overflow steps skipped"));
    run = data::readRun(dir + "/dyn.ksr.h5");
    REQUIRE(run.ok());
    CHECK(run->counters.at("loss_scale").value.front() == 65536);
}

TEST_CASE("an injected NaN is named by compare as the first divergence", "[engine][transformer]") {
    const std::string dir = scratchDir("engine_transformer_nan");
    auto r = runCli(withTiny({"--steps", "1", "--batch", "2", "-o", dir + "/clean.ksr.h5"}));
    REQUIRE(r.exitCode == 0);
    r = runCli(withTiny({"--steps", "1", "--batch", "2", "--test-nan", "transformer.h.1.mlp.gelu",
                         "-o", dir + "/nan.ksr.h5"}));
    INFO(r.output);
    CHECK(r.exitCode == 1); // the run is written, the non-finite loss reported
    CHECK(contains(r.output, "loss is not finite"));
    r = runCli(
        {"compare", dir + "/nan.ksr.h5", dir + "/clean.ksr.h5", "--preset", "op", "--quiet"});
    INFO(r.output);
    CHECK(r.exitCode == 1);
    CHECK(contains(r.output, "first divergence: step0/transformer.h.1.mlp.gelu/output"));
}

TEST_CASE("gradient check of the engine's own transformer: float64 below 1e-7",
          "[engine][transformer][gradcheck]") {
    auto backend = engine::createCpuBackend(1);
    for (bool f64 : {true, false}) {
        auto r = engine::gradCheckTransformer(smallConfig(), *backend, f64);
        REQUIRE(r.ok());
        INFO("float64 " << f64 << ": max abs " << r->maxAbs << ", max rel " << r->maxRel);
        CHECK(r->passed());
        CHECK(r->maxAbs < (f64 ? 1e-7 : 2e-3));
        CHECK(r->maxAbs > 0); // numerical and analytic are computed independently
        CHECK(r->params.size() == 4 + 12 * 2 + 1);
        CHECK(r->params.front().name == "transformer.wte.weight");
        CHECK(r->params.back().name == "lm_head.weight");
        CHECK(r->checked > 1000);
    }
    // Sampling: at most maxPerTensor elements of a large tensor, stored as a 1-D sample.
    auto sampled = engine::gradCheckTransformer(smallConfig(), *backend, true, 16);
    REQUIRE(sampled.ok());
    CHECK(sampled->passed());
    CHECK(sampled->params[2].shape == std::vector<int64_t>{8});  // ln_1.weight: all 8
    CHECK(sampled->params[4].shape == std::vector<int64_t>{16}); // c_attn.weight: 16 of 192
}

TEST_CASE("the gradient check catches a broken backward", "[engine][transformer][gradcheck]") {
    auto backend = engine::createCpuBackend(1);
    auto cfg = smallConfig();
    cfg.testBrokenBackward = true;
    auto r = engine::gradCheckTransformer(cfg, *backend, true);
    REQUIRE(r.ok());
    CHECK(!r->passed());
    CHECK(r->maxAbs > 1e-3);
    // Only what flows through the attention scores is wrong: q, k of c_attn and everything
    // before it; the MLP of the last block and lm_head stay right.
    for (const auto& p : r->params) {
        INFO(p.name << ": " << p.maxAbs);
        if (p.name == "lm_head.weight" || p.name.starts_with("transformer.h.1.mlp"))
            CHECK(p.maxAbs < 1e-7);
    }

    const std::string dir = scratchDir("engine_transformer_broken");
    const auto cli = runCli(withTiny({"--steps", "1", "--batch", "2", "--gradcheck",
                                      "--test-broken-backward", "-o", dir + "/b.ksr.h5"}));
    INFO(cli.output);
    CHECK(cli.exitCode == 1);
    CHECK(contains(cli.output, "gradcheck float64 (transformer, cpu)"));
    CHECK(contains(cli.output, "FAIL"));
}

TEST_CASE("record --gradcheck on the transformer stores the pairs under module paths",
          "[engine][transformer][gradcheck]") {
    const std::string dir = scratchDir("engine_transformer_gradcheck");
    const std::string out = dir + "/gc.ksr.h5";
    const auto r = runCli(withTiny({"--steps", "1", "--batch", "2", "--gradcheck", "-o", out}));
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.output, "gradcheck float64 (transformer, cpu)"));
    CHECK(!contains(r.output, "FAIL"));
    auto run = data::readRun(out);
    REQUIRE(run.ok());
    const auto& a = tensorNamed(*run, "gradcheck/f64/transformer.h.0.attn.c_attn/grad_weight");
    const auto& n =
        tensorNamed(*run, "gradcheck/f64/transformer.h.0.attn.c_attn/grad_weight_numerical");
    CHECK(a.dtype == data::DType::F64);
    CHECK(maxAbsDiff(a, n) < 1e-7);
}

TEST_CASE("record rejects bad transformer options and inputs", "[engine][transformer][cli]") {
    const std::string dir = scratchDir("engine_transformer_bad");
    auto r = runCli({"record", "--model", "transformer", "--width", "10", "--heads", "3"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "not divisible by --heads"));
    r = runCli({"record", "--model", "transformer", "--dtype", "fp8"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "--dtype 'fp8'"));
    r = runCli({"record", "--model", "mlp", "--optimizer", "adamw", "-o", dir + "/x.ksr.h5"});
    CHECK(r.exitCode == 2);
    r = runCli(
        withTiny({"--steps", "1", "--test-nan", "transformer.h.9.mlp", "-o", dir + "/z.ksr.h5"}));
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "no module 'transformer.h.9.mlp'"));

    // Tokens outside the vocabulary: one line naming the file and the problem.
    const std::string bad = dir + "/tokens.npz";
    runCommand("/usr/bin/python3 -c \"import numpy as np; np.savez('" + bad +
               "', idx=np.full((2, 6), 99, np.int64), targets=np.zeros((2, 6), np.int64))\"");
    r = runCli(withTiny({"--inputs", bad, "--batch", "2", "-o", dir + "/y.ksr.h5"}));
    CHECK(r.exitCode == 2);
    CHECK(contains(r.output, "tokens.npz"));
    CHECK(contains(r.output, "outside the vocabulary"));
}
