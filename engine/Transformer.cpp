#include "Transformer.h"

#include "Buffer.h"
#include "Dataset.h"
#include "TensorDump.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ks::engine {

using data::DType;

#define KS_TRY(expr)                                                                               \
    do {                                                                                           \
        Status ks_status_ = (expr);                                                                \
        if (!ks_status_) return ks_status_.error();                                                \
    } while (0)

namespace {

std::string dims(std::initializer_list<int64_t> d) {
    std::string s;
    for (int64_t v : d) {
        if (!s.empty()) s += 'x';
        s += std::to_string(v);
    }
    return s;
}
std::string dims(const std::vector<int64_t>& d) {
    std::string s;
    for (int64_t v : d) {
        if (!s.empty()) s += 'x';
        s += std::to_string(v);
    }
    return s;
}

// Tracing and dumping of a training step; absent for the gradient check.
struct StepHooks {
    Tracer* tracer = nullptr;
    Backend* nvtx = nullptr; // CUDA: NVTX ranges too
    TensorDumper* dumper = nullptr;
    bool kernels = false; // CPU backend: each op recorded as a kernel
    uint32_t cpuDevice = 0;
    int step = 0;
    bool dump = false;
    double gradUnscale = 1; // dumped gradients are divided by the loss scale
    const char* optName = "sgd";
};

// The model in element type T on a backend's TensorOps<T>. The trainer (T = float) and the
// gradient check (T = double where the backend has it) both run exactly this code.
template <class T> class Net {
public:
    struct Param {
        std::string module, what; // "transformer.h.0.attn.c_attn", "weight"
        std::vector<int64_t> shape;
        size_t n = 0;
        Buffer value, grad;
        Buffer low;         // matmul weights in reduced precision: the rounded copy the step uses
        bool decay = false; // 2-D: AdamW weight decay applies
        Buffer state1, state2;
        std::string name() const { return module + "." + what; }
    };
    struct Block {
        size_t ln1w, ln1b, attnW, attnB, projW, projB, ln2w, ln2b, fcW, fcB, mprojW, mprojB;
        Buffer ln1, mean1, rstd1, qkv, att, heads, attnOut, ln2, mean2, rstd2, fc, gelu, geluTanh,
            mlpOut;
    };

    Backend& be;
    TensorOps<T>& ops;
    int B, Tc, D, H, V, L, N;
    Precision prec;
    bool broken;
    std::string nanModule;
    std::vector<Param> params;
    std::vector<Block> blocks;
    size_t wte = 0, wpe = 0, lnfW = 0, lnfB = 0, head = 0;
    Buffer idx, targets;
    std::vector<Buffer> res; // residual stream: block i reads res[2i], writes res[2i+1], res[2i+2]
    Buffer lnf, meanf, rstdf, logits, probs;
    Buffer dres, dbranch, dtmp, dheads, dqkv, datt, dscores, dgelu, dfc, dln, dlogits;
    StepHooks* hooks = nullptr;
    std::string allocError;
    bool nanInjected = false; // the NaN test switch found its module

    Net(Backend& backend, TensorOps<T>& o, const TrainConfig& c)
        : be(backend), ops(o), B(c.batch), Tc(c.context), D(c.width), H(c.heads), V(c.vocab),
          L(c.blocks), N(c.batch * c.context), prec(c.precision), broken(c.testBrokenBackward),
          nanModule(c.testNanModule) {}

    Buffer buf(size_t elements) {
        Buffer b(&be, elements * sizeof(T));
        if (!b.ok() && allocError.empty()) allocError = be.lastError();
        return b;
    }
    size_t addParam(const std::string& module, const std::string& what, std::vector<int64_t> shape,
                    bool matmul) {
        Param p;
        p.module = module;
        p.what = what;
        p.n = 1;
        for (int64_t d : shape) p.n *= size_t(d);
        p.shape = std::move(shape);
        p.value = buf(p.n);
        p.grad = buf(p.n);
        if (matmul && prec != Precision::F32) p.low = buf(p.n);
        p.decay = p.shape.size() == 2;
        params.push_back(std::move(p));
        return params.size() - 1;
    }

    // Allocates every parameter and activation; parameters in nanoGPT's named_parameters order.
    Status allocate() {
        const int64_t d = D, f = 4 * D;
        params.reserve(size_t(4 + 12 * L + 1));
        wte = addParam("transformer.wte", "weight", {V, d}, false);
        wpe = addParam("transformer.wpe", "weight", {Tc, d}, false);
        blocks.resize(L);
        for (int i = 0; i < L; ++i) {
            const std::string h = "transformer.h." + std::to_string(i);
            Block& k = blocks[i];
            k.ln1w = addParam(h + ".ln_1", "weight", {d}, false);
            k.ln1b = addParam(h + ".ln_1", "bias", {d}, false);
            k.attnW = addParam(h + ".attn.c_attn", "weight", {3 * d, d}, true);
            k.attnB = addParam(h + ".attn.c_attn", "bias", {3 * d}, false);
            k.projW = addParam(h + ".attn.c_proj", "weight", {d, d}, true);
            k.projB = addParam(h + ".attn.c_proj", "bias", {d}, false);
            k.ln2w = addParam(h + ".ln_2", "weight", {d}, false);
            k.ln2b = addParam(h + ".ln_2", "bias", {d}, false);
            k.fcW = addParam(h + ".mlp.c_fc", "weight", {f, d}, true);
            k.fcB = addParam(h + ".mlp.c_fc", "bias", {f}, false);
            k.mprojW = addParam(h + ".mlp.c_proj", "weight", {d, f}, true);
            k.mprojB = addParam(h + ".mlp.c_proj", "bias", {d}, false);
            const size_t nd = size_t(N) * D, att = size_t(B) * H * Tc * Tc;
            k.ln1 = buf(nd);
            k.mean1 = buf(N);
            k.rstd1 = buf(N);
            k.qkv = buf(3 * nd);
            k.att = buf(att);
            k.heads = buf(nd);
            k.attnOut = buf(nd);
            k.ln2 = buf(nd);
            k.mean2 = buf(N);
            k.rstd2 = buf(N);
            k.fc = buf(4 * nd);
            k.gelu = buf(4 * nd);
            k.geluTanh = buf(4 * nd);
            k.mlpOut = buf(nd);
        }
        lnfW = addParam("transformer.ln_f", "weight", {d}, false);
        lnfB = addParam("transformer.ln_f", "bias", {d}, false);
        head = addParam("lm_head", "weight", {V, d}, true);
        const size_t nd = size_t(N) * D, att = size_t(B) * H * Tc * Tc, nv = size_t(N) * V;
        idx = Buffer(&be, size_t(N) * 4);
        targets = Buffer(&be, size_t(N) * 4);
        if (!idx.ok() || !targets.ok()) allocError = be.lastError();
        for (int i = 0; i < 2 * L + 1; ++i) res.push_back(buf(nd));
        lnf = buf(nd);
        meanf = buf(N);
        rstdf = buf(N);
        logits = buf(nv);
        probs = buf(nv);
        dres = buf(nd);
        dbranch = buf(nd);
        dtmp = buf(nd);
        dheads = buf(nd);
        dqkv = buf(3 * nd);
        datt = buf(att);
        dscores = buf(att);
        dgelu = buf(4 * nd);
        dfc = buf(4 * nd);
        dln = buf(nd);
        dlogits = buf(nv);
        if (!allocError.empty()) return Error{"allocating the transformer: " + allocError};
        return {};
    }

    // nanoGPT's initialisation: Linear and Embedding weights N(0, 0.02), the residual projections
    // (c_proj) N(0, 0.02 / sqrt(2 blocks)), biases 0, LayerNorm weight 1 and bias 0. `wide`
    // (gradient check): every parameter N(0, 0.4), LayerNorm weights 1 + N(0, 0.4).
    Status initialise(uint64_t seed, bool wide) {
        Rng rng(seed + 1000003);
        for (auto& p : params) {
            std::vector<T> v(p.n);
            const bool ln = p.module.find("ln_") != std::string::npos;
            const bool proj = p.module.ends_with("c_proj");
            if (wide) {
                for (auto& x : v)
                    x = T((ln && p.what == "weight" ? 1.0 : 0.0) + 0.4 * rng.normal());
            } else if (ln) {
                std::fill(v.begin(), v.end(), T(p.what == "weight" ? 1 : 0));
            } else if (p.what == "bias") {
                std::fill(v.begin(), v.end(), T(0));
            } else {
                const double sd = proj ? 0.02 / std::sqrt(2.0 * L) : 0.02;
                for (auto& x : v) x = T(sd * rng.normal());
            }
            KS_TRY(be.upload(p.value.template as<T>(), v.data(), p.n * sizeof(T)));
        }
        return {};
    }

    T* P(size_t i) const { return params[i].value.template as<T>(); }
    T* G(size_t i) const { return params[i].grad.template as<T>(); }
    // The weight a matrix product uses: the reduced-precision copy when there is one.
    T* W(size_t i) const { return params[i].low.ok() ? params[i].low.template as<T>() : P(i); }
    static T* at(const Buffer& b) { return b.template as<T>(); }

    // ---- tracing, dumping, test switches ----
    template <class F> Status op(const char* kernel, const std::string& shape, F&& f) {
        if (!hooks || !hooks->kernels) return f();
        const int64_t t0 = hooks->tracer->stamp();
        Status s = f();
        hooks->tracer->kernel(hooks->cpuDevice, 0,
                              hooks->tracer->intern(std::string(kernel) + " " + shape), t0,
                              hooks->tracer->stamp());
        return s;
    }
    struct Scope {
        StepHooks* h;
        Scope(StepHooks* hooks, const std::string& name) : h(hooks) {
            if (!h || !h->tracer) return;
            h->tracer->push(h->tracer->intern(name));
            if (h->nvtx) h->nvtx->rangePush(name.c_str());
        }
        ~Scope() {
            if (!h || !h->tracer) return;
            if (h->nvtx) h->nvtx->rangePop();
            h->tracer->pop();
        }
    };
    Status dump(const std::string& module, const char* what, const char* role, const char* opName,
                const T* src, std::vector<int64_t> shape) {
        if (!hooks || !hooks->dump) return {};
        const bool grad = std::string_view(role) == "grad";
        return hooks->dumper->device(hooks->step, module, what, role, opName, src,
                                     sizeof(T) == 4 ? DType::F32 : DType::F64, std::move(shape),
                                     grad ? hooks->gradUnscale : 1.0);
    }
    Status dumpParam(size_t i, const std::string& prefix, const char* role) {
        if (!hooks || !hooks->dump) return {};
        const Param& p = params[i];
        const std::string what = prefix + p.what;
        const bool grad = prefix == "grad_";
        return dump(p.module, what.c_str(), role, grad ? "matmul" : hooks->optName,
                    grad ? G(i) : P(i), p.shape);
    }
    // Rounds an op's output to the step's precision, then applies the NaN test switch.
    Status produced(const std::string& module, T* out, size_t n) {
        if (prec != Precision::F32) KS_TRY(ops.roundTo(out, n, prec));
        if (!nanModule.empty() && module == nanModule) {
            nanInjected = true;
            const T nan = std::numeric_limits<T>::quiet_NaN();
            KS_TRY(be.upload(out, &nan, sizeof(T)));
        }
        return {};
    }
    Status lowp(T* x, size_t n) {
        return prec == Precision::F32 ? Status{} : ops.roundTo(x, n, prec);
    }

    // ---- building blocks ----
    // y = x W^T + b over `rows` rows, W [out, in]; y rounded to the precision.
    Status linearForward(const std::string& module, size_t w, const size_t* b, const T* x, T* y,
                         int rows, int in, int out) {
        KS_TRY(op("gemm_nt", dims({rows, out, in}), [&] {
            return ops.gemm(false, true, rows, out, in, T(1), x, in, W(w), in, T(0), y, out);
        }));
        if (b)
            KS_TRY(op("bias_add", dims({rows, out}),
                      [&] { return ops.addBias(y, P(*b), rows, out); }));
        KS_TRY(produced(module, y, size_t(rows) * out));
        return dump(module, "output", "output", "matmul", y, {B, Tc, out});
    }
    // dW = dy^T x, db = sum dy (fp32 accumulation), dx = dy W (rounded); dx may be null.
    Status linearBackward(const std::string& module, size_t w, const size_t* b, const T* x,
                          const T* dy, T* dx, int rows, int in, int out) {
        KS_TRY(op("gemm_tn", dims({out, in, rows}), [&] {
            return ops.gemm(true, false, out, in, rows, T(1), dy, out, x, in, T(0), G(w), in);
        }));
        if (b)
            KS_TRY(op("bias_grad", dims({rows, out}),
                      [&] { return ops.sumRows(dy, G(*b), rows, out); }));
        KS_TRY(dumpParam(w, "grad_", "grad"));
        if (b) KS_TRY(dumpParam(*b, "grad_", "grad"));
        if (!dx) return {};
        KS_TRY(op("gemm_nn", dims({rows, in, out}), [&] {
            return ops.gemm(false, false, rows, in, out, T(1), dy, out, W(w), in, T(0), dx, in);
        }));
        KS_TRY(lowp(dx, size_t(rows) * in));
        return dump(module, "grad_input", "grad", "matmul", dx, {B, Tc, in});
    }
    Status layerNormForward(const std::string& module, size_t w, size_t b, const T* x, T* y,
                            T* mean, T* rstd) {
        KS_TRY(op("layernorm_fwd", dims({N, D}),
                  [&] { return ops.layerNormForward(x, P(w), P(b), y, mean, rstd, N, D, 1e-5); }));
        KS_TRY(produced(module, y, size_t(N) * D));
        return dump(module, "output", "output", "layernorm", y, {B, Tc, D});
    }
    Status layerNormBackward(const std::string& module, size_t w, size_t b, const T* dy, const T* x,
                             const T* mean, const T* rstd, T* dx) {
        KS_TRY(op("layernorm_bwd", dims({N, D}), [&] {
            return ops.layerNormBackward(dy, x, P(w), mean, rstd, dx, G(w), G(b), N, D);
        }));
        KS_TRY(dumpParam(w, "grad_", "grad"));
        KS_TRY(dumpParam(b, "grad_", "grad"));
        return dump(module, "grad_input", "grad", "layernorm", dx, {B, Tc, D});
    }

    // Causal self-attention from qkv [N, 3D] (q, k, v column blocks; head h at h * hd):
    // att = softmax(q k^T / sqrt(hd), causal) per (batch, head), heads = att v.
    Status attentionForward(const std::string& module, Block& k) {
        const int hd = D / H;
        const T scale = T(1 / std::sqrt(double(hd)));
        const size_t tt = size_t(Tc) * Tc;
        // One strided product per batch row over its heads: head h of q, k and v sits at
        // column h * hd of the QKV rows, its scores at (b H + h) T T.
        KS_TRY(op("attn_scores", dims({B * H, Tc, Tc, hd}), [&]() -> Status {
            for (int b = 0; b < B; ++b) {
                const T* q = at(k.qkv) + size_t(b) * Tc * 3 * D;
                KS_TRY(ops.gemmStrided(false, true, Tc, Tc, hd, scale, q, 3 * D, hd, q + D, 3 * D,
                                       hd, T(0), at(k.att) + size_t(b) * H * tt, Tc, tt, H));
            }
            return {};
        }));
        const std::vector<int64_t> attShape{B, H, Tc, Tc};
        KS_TRY(lowp(at(k.att), B * H * tt));
        KS_TRY(dump(module, "scores", "output", "bmm", at(k.att), attShape));
        KS_TRY(op("softmax_causal_fwd", dims({B * H * Tc, Tc}),
                  [&] { return ops.causalSoftmaxForward(at(k.att), B * H * Tc, Tc); }));
        KS_TRY(produced(module + ".softmax", at(k.att), B * H * tt));
        KS_TRY(dump(module, "softmax", "output", "softmax", at(k.att), attShape));
        KS_TRY(op("attn_values", dims({B * H, Tc, hd, Tc}), [&]() -> Status {
            for (int b = 0; b < B; ++b) {
                const T* v = at(k.qkv) + size_t(b) * Tc * 3 * D + 2 * D;
                KS_TRY(ops.gemmStrided(false, false, Tc, hd, Tc, T(1),
                                       at(k.att) + size_t(b) * H * tt, Tc, tt, v, 3 * D, hd, T(0),
                                       at(k.heads) + size_t(b) * Tc * D, D, hd, H));
            }
            return {};
        }));
        KS_TRY(produced(module, at(k.heads), size_t(N) * D));
        return dump(module, "heads", "output", "bmm", at(k.heads), {B, Tc, D});
    }
    // From dheads: datt = dy v^T, dv = att^T dy, dscores = softmax backward, dq = dscores k s,
    // dk = dscores^T q s, into dqkv.
    Status attentionBackward(const std::string& module, Block& k) {
        const int hd = D / H;
        const T scale = T(1 / std::sqrt(double(hd)));
        const size_t tt = size_t(Tc) * Tc;
        const T* qkv = at(k.qkv);
        T* dq = at(dqkv);
        KS_TRY(op("attn_values_bwd", dims({B * H, Tc, hd, Tc}), [&]() -> Status {
            for (int b = 0; b < B; ++b) {
                const size_t row = size_t(b) * Tc * 3 * D;
                const T* dy = at(dheads) + size_t(b) * Tc * D;
                const size_t a = size_t(b) * H * tt;
                KS_TRY(ops.gemmStrided(false, true, Tc, Tc, hd, T(1), dy, D, hd, qkv + row + 2 * D,
                                       3 * D, hd, T(0), at(datt) + a, Tc, tt, H));
                KS_TRY(ops.gemmStrided(true, false, Tc, hd, Tc, T(1), at(k.att) + a, Tc, tt, dy, D,
                                       hd, T(0), dq + row + 2 * D, 3 * D, hd, H));
            }
            return {};
        }));
        KS_TRY(lowp(at(datt), B * H * tt));
        if (broken) { // test switch: the softmax backward "forgotten"
            KS_TRY(ops.copy(at(dscores), at(datt), B * H * tt));
        } else {
            KS_TRY(op("softmax_causal_bwd", dims({B * H * Tc, Tc}), [&] {
                return ops.causalSoftmaxBackward(at(k.att), at(datt), at(dscores), B * H * Tc, Tc);
            }));
        }
        KS_TRY(lowp(at(dscores), B * H * tt));
        KS_TRY(dump(module, "grad_scores", "grad", "softmax", at(dscores), {B, H, Tc, Tc}));
        KS_TRY(op("attn_scores_bwd", dims({B * H, Tc, Tc, hd}), [&]() -> Status {
            for (int b = 0; b < B; ++b) {
                const size_t row = size_t(b) * Tc * 3 * D;
                const T* ds = at(dscores) + size_t(b) * H * tt;
                KS_TRY(ops.gemmStrided(false, false, Tc, hd, Tc, scale, ds, Tc, tt, qkv + row + D,
                                       3 * D, hd, T(0), dq + row, 3 * D, hd, H));
                KS_TRY(ops.gemmStrided(true, false, Tc, hd, Tc, scale, ds, Tc, tt, qkv + row, 3 * D,
                                       hd, T(0), dq + row + D, 3 * D, hd, H));
            }
            return {};
        }));
        return lowp(dq, size_t(N) * 3 * D);
    }

    // ---- the model ----
    // Forward pass and mean cross-entropy of the batch in idx/targets.
    Status forward(double* loss) {
        const size_t nd = size_t(N) * D;
        for (auto& p : params)
            if (p.low.ok()) {
                KS_TRY(ops.copy(p.low.template as<T>(), p.value.template as<T>(), p.n));
                KS_TRY(ops.roundTo(p.low.template as<T>(), p.n, prec));
            }
        {
            Scope s(hooks, "transformer.wte");
            KS_TRY(op("embedding_fwd", dims({N, D}), [&] {
                return ops.embeddingForward(idx.i(), P(wte), P(wpe), at(res[0]), N, Tc, D);
            }));
            KS_TRY(produced("transformer.drop", at(res[0]), 0));
            KS_TRY(
                dump("transformer.drop", "output", "output", "embedding", at(res[0]), {B, Tc, D}));
        }
        for (int i = 0; i < L; ++i) {
            Block& k = blocks[i];
            const std::string h = "transformer.h." + std::to_string(i);
            Scope s(hooks, h);
            T* x = at(res[2 * i]);
            T* mid = at(res[2 * i + 1]);
            T* out = at(res[2 * i + 2]);
            KS_TRY(layerNormForward(h + ".ln_1", k.ln1w, k.ln1b, x, at(k.ln1), at(k.mean1),
                                    at(k.rstd1)));
            KS_TRY(linearForward(h + ".attn.c_attn", k.attnW, &k.attnB, at(k.ln1), at(k.qkv), N, D,
                                 3 * D));
            KS_TRY(attentionForward(h + ".attn", k));
            KS_TRY(linearForward(h + ".attn.c_proj", k.projW, &k.projB, at(k.heads), at(k.attnOut),
                                 N, D, D));
            KS_TRY(residual(h, "attn_residual", x, at(k.attnOut), mid, nd));
            KS_TRY(layerNormForward(h + ".ln_2", k.ln2w, k.ln2b, mid, at(k.ln2), at(k.mean2),
                                    at(k.rstd2)));
            KS_TRY(linearForward(h + ".mlp.c_fc", k.fcW, &k.fcB, at(k.ln2), at(k.fc), N, D, 4 * D));
            KS_TRY(op("gelu_fwd", dims({N, 4 * D}), [&] {
                return ops.geluForward(at(k.fc), at(k.gelu), at(k.geluTanh), 4 * nd);
            }));
            KS_TRY(produced(h + ".mlp.gelu", at(k.gelu), 4 * nd));
            KS_TRY(dump(h + ".mlp.gelu", "output", "output", "gelu", at(k.gelu), {B, Tc, 4 * D}));
            KS_TRY(linearForward(h + ".mlp.c_proj", k.mprojW, &k.mprojB, at(k.gelu), at(k.mlpOut),
                                 N, 4 * D, D));
            KS_TRY(residual(h, "output", mid, at(k.mlpOut), out, nd));
        }
        {
            Scope s(hooks, "transformer.ln_f");
            KS_TRY(layerNormForward("transformer.ln_f", lnfW, lnfB, at(res[2 * L]), at(lnf),
                                    at(meanf), at(rstdf)));
        }
        {
            Scope s(hooks, "lm_head");
            KS_TRY(linearForward("lm_head", head, nullptr, at(lnf), at(logits), N, D, V));
        }
        Scope s(hooks, "loss");
        KS_TRY(op("softmax_xent_fwd", dims({N, V}), [&] {
            return ops.crossEntropyForward(at(logits), targets.i(), N, V, at(probs), loss, nullptr);
        }));
        KS_TRY(dump("loss", "softmax", "output", "softmax", at(probs), {B, Tc, V}));
        if (hooks && hooks->dump) {
            const T l = T(*loss);
            KS_TRY(hooks->dumper->host(hooks->step, "loss", "output", "output", "cross_entropy", &l,
                                       sizeof(T) == 4 ? DType::F32 : DType::F64, {}));
        }
        return {};
    }
    // out = x + branch (the residual stream stays in the master precision).
    Status residual(const std::string& block, const char* what, const T* x, const T* branch, T* out,
                    size_t n) {
        KS_TRY(op("residual_add", dims({N, D}), [&]() -> Status {
            KS_TRY(ops.copy(out, x, n));
            return ops.add(out, branch, n);
        }));
        if (!nanModule.empty() && nanModule == block + "/" + what)
            KS_TRY(produced(nanModule, out, 0));
        return dump(block, what, "output", "residual_add", out, {B, Tc, D});
    }

    // Backward pass of the last forward; activation gradients scaled by `lossScale`.
    Status backward(T lossScale) {
        const size_t nd = size_t(N) * D;
        {
            Scope s(hooks, "loss");
            KS_TRY(op("softmax_xent_bwd", dims({N, V}), [&] {
                return ops.crossEntropyBackward(at(probs), targets.i(), N, V, at(dlogits));
            }));
            if (lossScale != T(1)) KS_TRY(ops.scale(at(dlogits), lossScale, size_t(N) * V));
            KS_TRY(lowp(at(dlogits), size_t(N) * V));
            KS_TRY(dump("loss", "grad_input", "grad", "cross_entropy", at(dlogits), {B, Tc, V}));
        }
        {
            Scope s(hooks, "lm_head");
            KS_TRY(
                linearBackward("lm_head", head, nullptr, at(lnf), at(dlogits), at(dln), N, D, V));
        }
        {
            Scope s(hooks, "transformer.ln_f");
            KS_TRY(layerNormBackward("transformer.ln_f", lnfW, lnfB, at(dln), at(res[2 * L]),
                                     at(meanf), at(rstdf), at(dres)));
        }
        for (int i = L; i-- > 0;) {
            Block& k = blocks[i];
            const std::string h = "transformer.h." + std::to_string(i);
            Scope s(hooks, h);
            // MLP branch: its output gradient is the residual gradient in reduced precision.
            KS_TRY(ops.copy(at(dbranch), at(dres), nd));
            KS_TRY(lowp(at(dbranch), nd));
            KS_TRY(linearBackward(h + ".mlp.c_proj", k.mprojW, &k.mprojB, at(k.gelu), at(dbranch),
                                  at(dgelu), N, 4 * D, D));
            KS_TRY(op("gelu_bwd", dims({N, 4 * D}), [&] {
                return ops.geluBackward(at(k.fc), at(k.geluTanh), at(dgelu), at(dfc), 4 * nd);
            }));
            KS_TRY(lowp(at(dfc), 4 * nd));
            KS_TRY(dump(h + ".mlp.gelu", "grad_input", "grad", "gelu", at(dfc), {B, Tc, 4 * D}));
            KS_TRY(linearBackward(h + ".mlp.c_fc", k.fcW, &k.fcB, at(k.ln2), at(dfc), at(dln), N, D,
                                  4 * D));
            KS_TRY(layerNormBackward(h + ".ln_2", k.ln2w, k.ln2b, at(dln), at(res[2 * i + 1]),
                                     at(k.mean2), at(k.rstd2), at(dtmp)));
            KS_TRY(ops.add(at(dres), at(dtmp), nd));
            // Attention branch.
            KS_TRY(ops.copy(at(dbranch), at(dres), nd));
            KS_TRY(lowp(at(dbranch), nd));
            KS_TRY(linearBackward(h + ".attn.c_proj", k.projW, &k.projB, at(k.heads), at(dbranch),
                                  at(dheads), N, D, D));
            KS_TRY(attentionBackward(h + ".attn", k));
            KS_TRY(linearBackward(h + ".attn.c_attn", k.attnW, &k.attnB, at(k.ln1), at(dqkv),
                                  at(dln), N, D, 3 * D));
            KS_TRY(layerNormBackward(h + ".ln_1", k.ln1w, k.ln1b, at(dln), at(res[2 * i]),
                                     at(k.mean1), at(k.rstd1), at(dtmp)));
            KS_TRY(ops.add(at(dres), at(dtmp), nd));
            KS_TRY(dump(h, "grad_input", "grad", "residual_add", at(dres), {B, Tc, D}));
        }
        Scope s(hooks, "transformer.wte");
        KS_TRY(op("embedding_bwd", dims({N, D}), [&] {
            return ops.embeddingBackward(idx.i(), at(dres), G(wte), G(wpe), N, Tc, D, V);
        }));
        KS_TRY(dumpParam(wte, "grad_", "grad"));
        return dumpParam(wpe, "grad_", "grad");
    }

    int paramIndex(const std::string& name) const {
        for (size_t i = 0; i < params.size(); ++i)
            if (params[i].name() == name) return int(i);
        return -1;
    }
};

// Token batches. Synthetic text: a SplitMix64 stream (seed + 7919) drives a Markov chain in
// which each token has 4 successors drawn once; batch s row r is the window of context + 1
// tokens starting at ((s * batch + r) * context) mod (length - context - 1).
struct TokenData {
    int rows = 0; // sequences (inputs file) or 0 for the synthetic stream
    std::vector<int32_t> stream;
    std::vector<int32_t> idx, targets; // inputs file: rows x context
};

TokenData makeSyntheticText(const TrainConfig& c) {
    Rng rng(c.seed + 7919);
    std::vector<int32_t> next(size_t(c.vocab) * 4);
    for (auto& n : next) n = int32_t(rng.next() % uint64_t(c.vocab));
    TokenData d;
    const size_t length = size_t(c.batch) * c.context * 16 + c.context + 1;
    d.stream.resize(length);
    int32_t t = int32_t(rng.next() % uint64_t(c.vocab));
    for (auto& v : d.stream) {
        v = t;
        t = next[size_t(t) * 4 + rng.next() % 4];
    }
    return d;
}

// idx and targets from an inputs file: integers [rows, context] inside the vocabulary.
Result<TokenData> tokensFromInputs(const TrainConfig& c) {
    TokenData d;
    const data::Tensor* found[2] = {nullptr, nullptr};
    for (const auto& t : c.inputs) {
        if (t.name == "idx") found[0] = &t;
        if (t.name == "targets") found[1] = &t;
    }
    const char* names[2] = {"idx", "targets"};
    for (int k = 0; k < 2; ++k) {
        const data::Tensor* t = found[k];
        if (!t)
            return Error{std::string("inputs: no '") + names[k] +
                         "' tensor (int64 [batch, context])"};
        if (t->shape.size() != 2 || t->shape[1] != c.context || t->shape[0] < 1 ||
            t->shape[0] > (1 << 24) || data::isFloat(t->dtype))
            return Error{std::string("inputs: '") + names[k] + "' must be integers of shape [N, " +
                         std::to_string(c.context) + "] (the context)"};
        std::vector<int32_t>& out = k == 0 ? d.idx : d.targets;
        out.resize(size_t(t->numel()));
        for (size_t i = 0; i < out.size(); ++i) {
            const double v = t->valueAt(int64_t(i));
            if (!(v >= 0 && v < c.vocab))
                return Error{std::string("inputs: '") + names[k] + "' holds token " +
                             std::to_string(v) + " outside the vocabulary 0.." +
                             std::to_string(c.vocab - 1)};
            out[i] = int32_t(v);
        }
    }
    if (found[0]->shape != found[1]->shape)
        return Error{"inputs: 'idx' and 'targets' have different shapes"};
    d.rows = int(found[0]->shape[0]);
    if (d.rows < c.batch)
        return Error{"inputs: 'idx' has " + std::to_string(d.rows) +
                     " sequences, fewer than the batch size " + std::to_string(c.batch)};
    return d;
}

void batchTokens(const TokenData& d, const TrainConfig& c, int step, std::vector<int32_t>& idx,
                 std::vector<int32_t>& targets) {
    const size_t T = size_t(c.context);
    idx.resize(size_t(c.batch) * T);
    targets.resize(idx.size());
    for (int r = 0; r < c.batch; ++r) {
        if (d.rows > 0) {
            const size_t row = size_t((int64_t(step) * c.batch + r) % d.rows);
            std::copy_n(d.idx.begin() + row * T, T, idx.begin() + r * T);
            std::copy_n(d.targets.begin() + row * T, T, targets.begin() + r * T);
        } else {
            const size_t windows = d.stream.size() - T - 1;
            const size_t start = size_t((int64_t(step) * c.batch + r) * int64_t(T) % windows);
            std::copy_n(d.stream.begin() + start, T, idx.begin() + r * T);
            std::copy_n(d.stream.begin() + start + 1, T, targets.begin() + r * T);
        }
    }
}

// Parameters given in the inputs file (PyTorch names) replace the initialisation.
template <class T> Status loadParameters(Net<T>& net, const std::vector<data::Tensor>& inputs) {
    for (const auto& t : inputs) {
        const int i = net.paramIndex(t.name);
        if (i < 0) continue;
        auto& p = net.params[size_t(i)];
        if (t.shape != p.shape || !data::isFloat(t.dtype))
            return Error{"inputs: '" + t.name + "' must be a float tensor of shape [" +
                         dims(p.shape) + "]"};
        std::vector<T> v(p.n);
        for (size_t k = 0; k < p.n; ++k) v[k] = T(t.valueAt(int64_t(k)));
        KS_TRY(net.be.upload(p.value.template as<T>(), v.data(), p.n * sizeof(T)));
    }
    return {};
}

} // namespace

Status checkTransformerConfig(const TrainConfig& c) {
    auto range = [](int v, int lo, int hi, const char* what) -> Status {
        if (v < lo || v > hi)
            return Error{std::string(what) + " " + std::to_string(v) + " is out of range (" +
                         std::to_string(lo) + ".." + std::to_string(hi) + ")"};
        return {};
    };
    KS_TRY(range(c.vocab, 2, 1 << 20, "--vocab"));
    KS_TRY(range(c.context, 1, 1 << 14, "--context"));
    KS_TRY(range(c.width, 1, 1 << 14, "--width"));
    KS_TRY(range(c.heads, 1, 1 << 10, "--heads"));
    KS_TRY(range(c.blocks, 1, 1 << 10, "--blocks"));
    KS_TRY(range(c.batch, 1, 1 << 16, "--batch"));
    if (c.width % c.heads != 0)
        return Error{"--width " + std::to_string(c.width) + " is not divisible by --heads " +
                     std::to_string(c.heads)};
    // The largest buffers: logits [batch*context, vocab] and attention [batch, heads, T, T].
    const double n = double(c.batch) * c.context;
    const double w = c.width;
    if (n * c.vocab > 1 << 30 || n * c.context * c.heads > 1 << 30 || n * 4 * w > 1 << 30 ||
        double(c.vocab) * w > 1 << 30 || 4 * w * w > 1 << 30)
        return Error{"transformer too large: a tensor would exceed 2^30 elements"};
    return {};
}

struct TransformerTrainer::Impl {
    Backend& backend;
    Tracer& tracer;
    TrainConfig cfg;
    Net<float> net;
    TokenData data;
    TensorDumper dumper;
    StepHooks hooks;
    std::vector<int32_t> idx, targets;
    double scale = 1; // current loss scale
    bool scaling = false, dynamic = false;
    int goodSteps = 0;
    int64_t skips = 0;

    Impl(Backend& b, Tracer& t, const TrainConfig& c, TensorOps<float>& ops)
        : backend(b), tracer(t), cfg(c), net(b, ops, c), dumper(b, t) {}

    bool dumping(int step) const {
        return std::any_of(cfg.dumpSteps.begin(), cfg.dumpSteps.end(),
                           [&](int s) { return s == step || (s < 0 && step == cfg.steps - 1); });
    }
    Status optimizerStep(int step);
};

TransformerTrainer::TransformerTrainer(std::unique_ptr<Impl> impl) : m(std::move(impl)) {}
TransformerTrainer::~TransformerTrainer() = default;
Tracer& TransformerTrainer::tracer() {
    return m->tracer;
}
Backend& TransformerTrainer::backend() {
    return m->backend;
}
int64_t TransformerTrainer::overflowSkips() const {
    return m->skips;
}
double TransformerTrainer::lossScale() const {
    return m->scale;
}

Result<std::unique_ptr<TransformerTrainer>>
TransformerTrainer::create(const TrainConfig& config, Backend& backend, Tracer& tracer) {
    KS_TRY(checkTransformerConfig(config));
    auto impl = std::make_unique<Impl>(backend, tracer, config, *backend.ops32());
    Impl& m = *impl;
    if (m.cfg.lr <= 0) m.cfg.lr = defaultLearningRate(m.cfg.optimizer);
    if (!m.cfg.inputs.empty()) {
        auto d = tokensFromInputs(m.cfg);
        if (!d) return d.error();
        m.data = std::move(d.value());
    } else {
        m.data = makeSyntheticText(m.cfg);
    }
    KS_TRY(m.net.allocate());
    KS_TRY(m.net.initialise(m.cfg.seed, false));
    KS_TRY(loadParameters(m.net, m.cfg.inputs));
    const bool adam = m.cfg.optimizer != OptimizerKind::Sgd;
    for (auto& p : m.net.params) {
        p.state1 = Buffer(&backend, p.n * 4);
        if (adam) p.state2 = Buffer(&backend, p.n * 4);
        if (!p.state1.ok() || (adam && !p.state2.ok()))
            return Error{"allocating optimizer state: " + backend.lastError()};
        KS_TRY(backend.fill(p.state1.f(), 0, p.n));
        if (adam) KS_TRY(backend.fill(p.state2.f(), 0, p.n));
    }
    // fp16: loss scaling, static (--loss-scale) or dynamic (PyTorch GradScaler's defaults).
    m.scaling = m.cfg.precision == Precision::F16 || m.cfg.lossScale > 0;
    m.dynamic = m.scaling && m.cfg.lossScale <= 0;
    m.scale = !m.scaling ? 1.0 : m.dynamic ? 65536.0 : double(m.cfg.lossScale);

    auto& run = tracer.run();
    m.hooks.tracer = tracer.enabled() ? &tracer : nullptr;
    m.hooks.nvtx = backend.asynchronous() ? &backend : nullptr;
    m.hooks.dumper = &m.dumper;
    m.hooks.kernels = m.cfg.recordKernels && !backend.asynchronous() && tracer.enabled();
    if (m.hooks.kernels) m.hooks.cpuDevice = run.addDevice("cpu", backend.deviceName());
    m.hooks.optName = optimizerName(m.cfg.optimizer);
    m.net.hooks = &m.hooks;
    const auto& c = m.cfg;
    run.info.backend = backend.name();
    run.info.model = "transformer " + std::to_string(c.blocks) + "x" + std::to_string(c.width) +
                     " h" + std::to_string(c.heads) + " T" + std::to_string(c.context) + " V" +
                     std::to_string(c.vocab) + " " + precisionName(c.precision);
    return std::unique_ptr<TransformerTrainer>(new TransformerTrainer(std::move(impl)));
}

Result<StepResult> TransformerTrainer::step(int s) {
    Impl& m = *this->m;
    Net<float>& net = m.net;
    Tracer& tr = m.tracer;
    const auto& c = m.cfg;
    m.hooks.step = s;
    m.hooks.dump = m.dumping(s);
    m.hooks.gradUnscale = 1 / m.scale;
    using Scope = Net<float>::Scope;
    StepHooks* hooks = m.hooks.tracer ? &m.hooks : nullptr;
    Scope stepScope(hooks, "step " + std::to_string(s));
    {
        Scope r(hooks, "load_batch");
        batchTokens(m.data, c, s, m.idx, m.targets);
        KS_TRY(m.backend.upload(net.idx.i(), m.idx.data(), m.idx.size() * 4));
        KS_TRY(m.backend.upload(net.targets.i(), m.targets.data(), m.targets.size() * 4));
        if (m.hooks.dump) {
            const std::vector<int64_t> i64(m.idx.begin(), m.idx.end()),
                t64(m.targets.begin(), m.targets.end());
            KS_TRY(m.dumper.host(s, "input", "idx", "input", "input", i64.data(), DType::I64,
                                 {c.batch, c.context}));
            KS_TRY(m.dumper.host(s, "input", "targets", "input", "input", t64.data(), DType::I64,
                                 {c.batch, c.context}));
            for (size_t i = 0; i < net.params.size(); ++i) KS_TRY(net.dumpParam(i, "", "param"));
        }
    }
    StepResult result;
    {
        Scope r(hooks, "forward");
        KS_TRY(net.forward(&result.loss));
    }
    if (!c.testNanModule.empty() && !net.nanInjected)
        return Error{"--test-nan: the model has no module '" + c.testNanModule + "'"};
    {
        Scope r(hooks, "backward");
        KS_TRY(net.backward(float(m.scale)));
    }
    // Loss scaling: a step whose gradients overflowed is skipped (and the scale halved).
    bool skip = false;
    if (m.scaling) {
        int64_t bad = 0;
        for (auto& p : net.params) {
            int64_t n = 0;
            KS_TRY(net.ops.countNonFinite(p.grad.f(), p.n, &n));
            bad += n;
        }
        skip = bad > 0 && std::isfinite(result.loss);
        if (!skip && m.scale != 1)
            for (auto& p : net.params) KS_TRY(net.ops.scale(p.grad.f(), float(1 / m.scale), p.n));
    }
    const int64_t t = tr.stamp();
    if (skip) {
        ++m.skips;
        tr.counter("overflow_skips", t, double(m.skips));
    }
    if (m.scaling) tr.counter("loss_scale", t, m.scale);
    if (m.dynamic) {
        if (skip) {
            m.scale *= 0.5;
            m.goodSteps = 0;
        } else if (++m.goodSteps >= c.lossScaleGrowth) {
            m.scale *= 2;
            m.goodSteps = 0;
        }
    }
    if (!skip) {
        Scope r(hooks, "optimizer_step");
        KS_TRY(m.optimizerStep(s));
    }
    KS_TRY(m.backend.synchronize());
    tr.counter("loss", tr.stamp(), result.loss);
    return result;
}

Status TransformerTrainer::Impl::optimizerStep(int s) {
    const auto& c = cfg;
    for (size_t i = 0; i < net.params.size(); ++i) {
        auto& p = net.params[i];
        float* w = p.value.f();
        const float* g = p.grad.f();
        if (c.optimizer == OptimizerKind::Sgd) {
            KS_TRY(backend.sgdUpdate(w, g, p.state1.f(), p.n, c.lr, c.momentum));
        } else {
            // AdamW (PyTorch 1.13): w *= 1 - lr * weight_decay, then the Adam update.
            if (c.optimizer == OptimizerKind::AdamW && p.decay && c.weightDecay > 0)
                KS_TRY(net.ops.scale(w, 1 - c.lr * c.weightDecay, p.n));
            KS_TRY(backend.adamUpdate(w, g, p.state1.f(), p.state2.f(), p.n, c.lr, c.beta1, c.beta2,
                                      c.eps, s + 1));
        }
        KS_TRY(net.dumpParam(i, "updated_", "param"));
    }
    return {};
}

Result<std::vector<float>> TransformerTrainer::parameter(const std::string& name) {
    const int i = m->net.paramIndex(name);
    if (i < 0) return Error{"no parameter named '" + name + "'"};
    const auto& p = m->net.params[size_t(i)];
    std::vector<float> v(p.n);
    KS_TRY(m->backend.download(v.data(), p.value.f(), p.n * 4));
    return v;
}

namespace {

template <class T>
Result<GradCheckResult> gradCheckNet(const TrainConfig& config, Backend& backend, TensorOps<T>& ops,
                                     int maxPerTensor) {
    TrainConfig c = config;
    c.precision = Precision::F32;
    KS_TRY(checkTransformerConfig(c));
    Net<T> net(backend, ops, c);
    KS_TRY(net.allocate());
    KS_TRY(net.initialise(c.seed, true));
    const TokenData d = makeSyntheticText(c);
    std::vector<int32_t> idx, targets;
    batchTokens(d, c, 0, idx, targets);
    KS_TRY(backend.upload(net.idx.i(), idx.data(), idx.size() * 4));
    KS_TRY(backend.upload(net.targets.i(), targets.data(), targets.size() * 4));
    double loss = 0;
    KS_TRY(net.forward(&loss));
    KS_TRY(net.backward(T(1)));

    GradCheckResult result;
    result.float64 = sizeof(T) == 8;
    result.model = "transformer";
    result.bound = result.float64 ? 1e-7 : 2e-3;
    result.h = std::cbrt(double(std::numeric_limits<T>::epsilon()));
    Rng pick(c.seed + 17);
    for (auto& p : net.params) {
        GradCheckParam gp;
        gp.layer = p.module;
        gp.what = p.what;
        gp.name = p.name();
        std::vector<T> grad(p.n), value(p.n);
        KS_TRY(backend.download(grad.data(), p.grad.template as<T>(), p.n * sizeof(T)));
        KS_TRY(backend.download(value.data(), p.value.template as<T>(), p.n * sizeof(T)));
        // Every element of a small tensor; a deterministic sample of a large one.
        std::vector<size_t> elements;
        if (p.n <= size_t(maxPerTensor)) {
            for (size_t k = 0; k < p.n; ++k) elements.push_back(k);
            gp.shape = p.shape;
        } else {
            for (int k = 0; k < maxPerTensor; ++k) elements.push_back(pick.next() % p.n);
            gp.shape = {int64_t(elements.size())};
        }
        T* dst = p.value.template as<T>();
        for (size_t k : elements) {
            const T saved = value[k];
            const double step = result.h * std::max(1.0, std::abs(double(saved)));
            const T up = T(double(saved) + step), down = T(double(saved) - step);
            double lossPlus = 0, lossMinus = 0;
            KS_TRY(backend.upload(dst + k, &up, sizeof(T)));
            KS_TRY(net.forward(&lossPlus));
            KS_TRY(backend.upload(dst + k, &down, sizeof(T)));
            KS_TRY(net.forward(&lossMinus));
            KS_TRY(backend.upload(dst + k, &saved, sizeof(T)));
            const double numerical = (lossPlus - lossMinus) / (double(up) - double(down));
            const double analytic = double(grad[k]);
            gp.analytic.push_back(analytic);
            gp.numerical.push_back(numerical);
            const double diff = std::abs(numerical - analytic);
            gp.maxAbs = std::max(gp.maxAbs, diff);
            gp.maxRel = std::max(gp.maxRel,
                                 diff / std::max({std::abs(numerical), std::abs(analytic), 1e-3}));
            ++result.checked;
        }
        result.maxAbs = std::max(result.maxAbs, gp.maxAbs);
        result.maxRel = std::max(result.maxRel, gp.maxRel);
        result.params.push_back(std::move(gp));
    }
    return result;
}

} // namespace

Result<GradCheckResult> gradCheckTransformer(const TrainConfig& config, Backend& backend,
                                             bool float64, int maxPerTensor) {
    if (float64) {
        if (TensorOps<double>* ops = backend.ops64())
            return gradCheckNet<double>(config, backend, *ops, maxPerTensor);
        return Error{"the " + backend.name() + " backend has no float64 ops"};
    }
    return gradCheckNet<float>(config, backend, *backend.ops32(), maxPerTensor);
}

} // namespace ks::engine
