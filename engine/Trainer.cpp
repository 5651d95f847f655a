#include "Trainer.h"

#include "Buffer.h"
#include "TensorDump.h"
#include "Transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ks::engine {

using data::Result;
using data::Status;
using data::Tensor;

#define KS_TRY(expr)                                                                               \
    do {                                                                                           \
        Status ks_status_ = (expr);                                                                \
        if (!ks_status_) return ks_status_.error();                                                \
    } while (0)

const char* modelName(ModelKind kind) {
    switch (kind) {
    case ModelKind::Mlp:
        return "mlp";
    case ModelKind::Transformer:
        return "transformer";
    case ModelKind::LinearRelu:
        break;
    }
    return "linear-relu";
}
const char* optimizerName(OptimizerKind kind) {
    switch (kind) {
    case OptimizerKind::Adam:
        return "adam";
    case OptimizerKind::AdamW:
        return "adamw";
    case OptimizerKind::Sgd:
        break;
    }
    return "sgd";
}
float defaultLearningRate(OptimizerKind kind) {
    return kind == OptimizerKind::Sgd ? 0.01f : 0.001f;
}

namespace {

std::string shapeText(std::initializer_list<int64_t> dims) {
    std::string s;
    for (int64_t d : dims) {
        if (!s.empty()) s += 'x';
        s += std::to_string(d);
    }
    return s;
}

} // namespace

// The mlp and linear-relu models in element type T on a backend's TensorOps<T>: float for
// training (any backend), double for the gradient check (where the backend has float64 ops).
// The trainer and the gradient check run exactly this code.
template <class T> struct MlpImpl {
    static constexpr data::DType kDType = sizeof(T) == 4 ? data::DType::F32 : data::DType::F64;
    enum class Pass { Loss, Gradients, Train }; // how far pass() goes
    static T* p(const Buffer& b) { return b.template as<T>(); }

    struct Linear {
        std::string name, reluName; // "fc1", "relu1" (reluName empty: no ReLU after it)
        int in = 0, out = 0;
        Buffer w, b, dw, db, wState1, wState2, bState1, bState2;
        Buffer z, a, dz, dh; // output, ReLU output, grad wrt z, grad wrt this block's output
        uint32_t rangeName = 0, reluRange = 0;
        uint32_t kFwd = 0, kBias = 0, kRelu = 0, kReluBwd = 0, kGradW = 0, kGradB = 0, kGradX = 0,
                 kUpdW = 0, kUpdB = 0;
        T* output() const { return reluName.empty() ? p(z) : p(a); }
        T* gradZ() const { return reluName.empty() ? p(dh) : p(dz); }
    };

    Backend& backend;
    TensorOps<T>& ops;
    Tracer& tracer;
    TrainConfig cfg;
    Dataset data;
    std::vector<Linear> layers;
    Buffer x, labels, target, probs;
    std::vector<float> stage; // host staging for a batch that wraps around the data set
    std::vector<int32_t> stageLabels;
    uint32_t cpuDevice = 0;
    bool recordKernels = false;
    int lastStep = 0;
    uint32_t nTrain = 0, nForward = 0, nLoss = 0, nBackward = 0, nOptimizer = 0, nLoad = 0;
    uint32_t kLossFwd = 0, kLossBwd = 0;

    TensorDumper dumper;

    MlpImpl(Backend& b, TensorOps<T>& o, Tracer& t, const TrainConfig& c)
        : backend(b), ops(o), tracer(t), cfg(c), dumper(b, t) {}

    // Copies n host floats to a buffer of T (converted on the host for double).
    Status uploadFloats(T* dst, const float* src, size_t n) {
        if constexpr (sizeof(T) == 4) {
            return backend.upload(dst, src, n * 4);
        } else {
            std::vector<T> v(src, src + n);
            return backend.upload(dst, v.data(), n * sizeof(T));
        }
    }
    Result<StepResult> pass(int s, Pass upTo);

    template <class F> Status op(uint32_t kernelName, F&& f) {
        if (!recordKernels) return f();
        const int64_t t0 = tracer.stamp();
        Status s = f();
        tracer.kernel(cpuDevice, 0, kernelName, t0, tracer.stamp());
        return s;
    }

    bool dumping(int step) const {
        return std::any_of(cfg.dumpSteps.begin(), cfg.dumpSteps.end(),
                           [&](int s) { return s == step || (s < 0 && step == lastStep); });
    }

    // From backend memory (device buffers on CUDA).
    Status dump(int step, const std::string& layer, const std::string& what, const char* role,
                const char* opName, const void* src, data::DType dtype,
                std::vector<int64_t> shape) {
        return dumper.device(step, layer, what, role, opName, src, dtype, std::move(shape));
    }
    // From host memory.
    Status dumpHost(int step, const std::string& layer, const std::string& what, const char* role,
                    const char* opName, const void* src, data::DType dtype,
                    std::vector<int64_t> shape) {
        return dumper.host(step, layer, what, role, opName, src, dtype, std::move(shape));
    }
};

struct Trainer::Impl : MlpImpl<float> {
    using MlpImpl<float>::MlpImpl;
};

Trainer::Trainer(std::unique_ptr<Impl> impl, const TrainConfig& config)
    : m_impl(std::move(impl)), m_config(config) {}
Trainer::Trainer(std::unique_ptr<TransformerTrainer> transformer, const TrainConfig& config)
    : m_transformer(std::move(transformer)), m_config(config) {}
Trainer::~Trainer() = default;

int64_t Trainer::overflowSkips() const {
    return m_transformer ? m_transformer->overflowSkips() : 0;
}

namespace {

// Checks the configuration, builds the data set, allocates and initialises every buffer.
template <class I, class T>
Result<std::unique_ptr<I>> buildMlp(const TrainConfig& cfg, Backend& backend, Tracer& tracer,
                                    TensorOps<T>& ops) {
    const bool mlp = cfg.model == ModelKind::Mlp;
    if (cfg.layers.size() < 2) return data::Error{"--layers needs at least two sizes"};
    if (!mlp && cfg.layers.size() != 2)
        return data::Error{"linear-relu takes exactly two sizes (in,out), e.g. 784,256"};
    for (int n : cfg.layers)
        if (n < 1 || n > (1 << 20))
            return data::Error{"layer size " + std::to_string(n) + " is out of range (1..1048576)"};
    if (cfg.batch < 1 || cfg.batch > (1 << 20)) return data::Error{"--batch must be >= 1"};
    if (cfg.steps < 1) return data::Error{"--steps must be >= 1"};

    auto impl = std::make_unique<I>(backend, ops, tracer, cfg);
    I& m = *impl;
    const int in = cfg.layers.front(), out = cfg.layers.back();
    if (!cfg.inputs.empty()) {
        auto d = datasetFromTensors(cfg.inputs, mlp, in, out);
        if (!d) return d.error();
        m.data = std::move(d.value());
        if (m.data.samples < cfg.batch)
            return data::Error{"inputs: 'x' has " + std::to_string(m.data.samples) +
                               " samples, fewer than the batch size " + std::to_string(cfg.batch)};
    } else {
        // Enough distinct batches that a few hundred steps don't just memorise one.
        const int samples = cfg.batch * std::min(cfg.steps, 16);
        m.data = mlp ? makeClassificationData(samples, in, out, cfg.seed)
                     : makeRegressionData(samples, in, out, cfg.seed);
    }

    // Layers, initialised like torch.nn.Linear: weight and bias U(-1/sqrt(in), 1/sqrt(in)), from
    // a generator seeded with seed + 1000003, fc1.weight, fc1.bias, fc2.weight, ... in order.
    Rng rng(cfg.seed + 1000003);
    const size_t nLayers = cfg.layers.size() - 1;
    m.layers.resize(nLayers);
    const int B = cfg.batch;
    const bool adam = cfg.optimizer == OptimizerKind::Adam;
    for (size_t i = 0; i < nLayers; ++i) {
        auto& L = m.layers[i];
        L.name = "fc" + std::to_string(i + 1);
        L.in = cfg.layers[i];
        L.out = cfg.layers[i + 1];
        if (!mlp || i + 1 < nLayers) L.reluName = "relu" + std::to_string(i + 1);
        const size_t nw = size_t(L.in) * L.out, nb = size_t(L.out), act = size_t(B) * L.out;
        L.w = Buffer(&backend, nw * sizeof(T));
        L.b = Buffer(&backend, nb * sizeof(T));
        L.dw = Buffer(&backend, nw * sizeof(T));
        L.db = Buffer(&backend, nb * sizeof(T));
        L.wState1 = Buffer(&backend, nw * 4);
        L.bState1 = Buffer(&backend, nb * 4);
        if (adam) {
            L.wState2 = Buffer(&backend, nw * 4);
            L.bState2 = Buffer(&backend, nb * 4);
        }
        L.z = Buffer(&backend, act * sizeof(T));
        L.dh = Buffer(&backend, act * sizeof(T));
        if (!L.reluName.empty()) {
            L.a = Buffer(&backend, act * sizeof(T));
            L.dz = Buffer(&backend, act * sizeof(T));
        }
        for (Buffer* b : {&L.w, &L.b, &L.dw, &L.db, &L.wState1, &L.bState1, &L.z, &L.dh})
            if (!b->ok()) return data::Error{"allocating " + L.name + ": " + backend.lastError()};
        if (adam && (!L.wState2.ok() || !L.bState2.ok()))
            return data::Error{"allocating " + L.name + ": " + backend.lastError()};
        if (!L.reluName.empty() && (!L.a.ok() || !L.dz.ok()))
            return data::Error{"allocating " + L.name + ": " + backend.lastError()};

        std::vector<T> w(nw), b(nb);
        const double bound = 1.0 / std::sqrt(double(L.in));
        for (auto& v : w) v = T(rng.uniform(-bound, bound));
        for (auto& v : b) v = T(rng.uniform(-bound, bound));
        // Parameters given in the inputs file replace the initialisation (PyTorch names).
        for (const auto& t : cfg.inputs) {
            const bool isW = t.name == L.name + ".weight", isB = t.name == L.name + ".bias";
            if (!isW && !isB) continue;
            const std::vector<int64_t> want =
                isW ? std::vector<int64_t>{L.out, L.in} : std::vector<int64_t>{L.out};
            if (t.shape != want || !data::isFloat(t.dtype))
                return data::Error{"inputs: '" + t.name + "' must be a float tensor of shape [" +
                                   (isW ? shapeText({L.out, L.in}) : shapeText({L.out})) + "]"};
            auto& dst = isW ? w : b;
            for (size_t k = 0; k < dst.size(); ++k) dst[k] = T(t.valueAt(int64_t(k)));
        }
        KS_TRY(backend.upload(m.p(L.w), w.data(), nw * sizeof(T)));
        KS_TRY(backend.upload(m.p(L.b), b.data(), nb * sizeof(T)));
        for (Buffer* s : {&L.wState1, &L.wState2})
            if (s->ok()) KS_TRY(backend.fill(s->f(), 0, nw));
        for (Buffer* s : {&L.bState1, &L.bState2})
            if (s->ok()) KS_TRY(backend.fill(s->f(), 0, nb));
    }
    m.x = Buffer(&backend, size_t(B) * in * sizeof(T));
    if (mlp) {
        m.labels = Buffer(&backend, size_t(B) * 4);
        m.probs = Buffer(&backend, size_t(B) * out * sizeof(T));
    } else {
        m.target = Buffer(&backend, size_t(B) * out * sizeof(T));
    }
    if (!m.x.ok() || (mlp && (!m.labels.ok() || !m.probs.ok())) || (!mlp && !m.target.ok()))
        return data::Error{"allocating batch buffers: " + backend.lastError()};

    // Names interned once so a traced step does no string work beyond "step N".
    m.lastStep = cfg.steps - 1;
    m.recordKernels = cfg.recordKernels && !backend.asynchronous() && tracer.enabled();
    auto& run = tracer.run();
    if (m.recordKernels) m.cpuDevice = run.addDevice("cpu", backend.deviceName());
    m.nTrain = tracer.intern("train");
    m.nForward = tracer.intern("forward");
    m.nLoss = tracer.intern("loss");
    m.nBackward = tracer.intern("backward");
    m.nOptimizer = tracer.intern("optimizer_step");
    m.nLoad = tracer.intern("load_batch");
    const std::string upd = std::string(optimizerName(cfg.optimizer)) + "_update ";
    for (auto& L : m.layers) {
        L.rangeName = tracer.intern(L.name);
        if (!L.reluName.empty()) L.reluRange = tracer.intern(L.reluName);
        const std::string act = shapeText({B, L.out});
        L.kFwd = tracer.intern("sgemm " + shapeText({B, L.in, L.out}));
        L.kBias = tracer.intern("bias_add " + act);
        L.kRelu = tracer.intern("relu_fwd " + act);
        L.kReluBwd = tracer.intern("relu_bwd " + act);
        L.kGradW = tracer.intern("sgemm " + shapeText({L.out, B, L.in}));
        L.kGradB = tracer.intern("bias_grad " + act);
        L.kGradX = tracer.intern("sgemm " + shapeText({B, L.out, L.in}));
        L.kUpdW = tracer.intern(upd + shapeText({L.out, L.in}));
        L.kUpdB = tracer.intern(upd + shapeText({L.out}));
    }
    const std::string lossShape = shapeText({B, out});
    m.kLossFwd = tracer.intern((mlp ? "softmax_xent_fwd " : "mse_fwd ") + lossShape);
    m.kLossBwd = tracer.intern((mlp ? "softmax_xent_bwd " : "mse_bwd ") + lossShape);
    run.info.backend = backend.name();
    run.info.model = std::string(modelName(cfg.model)) + " " + [&] {
        std::string s;
        for (int n : cfg.layers) {
            if (!s.empty()) s += '-';
            s += std::to_string(n);
        }
        return s;
    }();
    m.stage.resize(size_t(B) * std::max(in, out));
    m.stageLabels.resize(B);
    return impl;
}

} // namespace

Result<std::unique_ptr<Trainer>> Trainer::create(const TrainConfig& config, Backend& backend,
                                                 Tracer& tracer) {
    TrainConfig cfg = config;
    if (cfg.lr <= 0) cfg.lr = defaultLearningRate(cfg.optimizer);
    if (cfg.steps < 1) return data::Error{"--steps must be >= 1"};
    if (cfg.model == ModelKind::Transformer) {
        auto t = TransformerTrainer::create(cfg, backend, tracer);
        if (!t) return t.error();
        return std::unique_ptr<Trainer>(new Trainer(std::move(t.value()), cfg));
    }
    if (cfg.optimizer == OptimizerKind::AdamW)
        return data::Error{"adamw is for the transformer; use adam for " +
                           std::string(modelName(cfg.model))};
    TensorOps<float>* ops = backend.ops32();
    if (!ops) return data::Error{"the " + backend.name() + " backend has no float ops"};
    auto impl = buildMlp<Impl>(cfg, backend, tracer, *ops);
    if (!impl) return impl.error();
    return std::unique_ptr<Trainer>(new Trainer(std::move(impl.value()), cfg));
}

Result<StepResult> Trainer::step() {
    if (m_transformer) {
        auto r = m_transformer->step(m_step);
        if (!r) return r.error();
        ++m_step;
        m_history.push_back(r.value());
        // Not an error: the step is recorded, so the run file shows where the NaN came from.
        if (!std::isfinite(r.value().loss)) m_diverged = true;
        return r;
    }
    auto r = m_impl->pass(m_step, Impl::Pass::Train);
    if (!r) return r.error();
    ++m_step;
    m_history.push_back(r.value());
    return r;
}

template <class T> Result<StepResult> MlpImpl<T>::pass(int s, Pass upTo) {
    auto& m = *this;
    Backend& be = m.backend;
    Tracer& tr = m.tracer;
    const int B = m.cfg.batch;
    const bool mlp = m.cfg.model == ModelKind::Mlp;
    const int in = m.cfg.layers.front(), out = m.cfg.layers.back();
    const bool dump = m.dumping(s);
    const char* optName = optimizerName(m.cfg.optimizer);
    Backend* nvtx = be.asynchronous() ? &be : nullptr;
    const std::string stepName = "step " + std::to_string(s);
    ScopedRange stepRange(tr, tr.enabled() ? tr.intern(stepName) : 0, nvtx, stepName.c_str());

    // Batch s is rows (s*B + r) mod samples of the data set.
    {
        ScopedRange r(tr, m.nLoad, nvtx, "load_batch");
        const int n = m.data.samples;
        const int first = int((int64_t(s) * B) % n);
        const bool contiguous = first + B <= n;
        const float* xs = m.data.x.data() + size_t(first) * in;
        if (!contiguous) {
            for (int r = 0; r < B; ++r)
                std::memcpy(m.stage.data() + size_t(r) * in,
                            m.data.x.data() + size_t((first + r) % n) * in, size_t(in) * 4);
            xs = m.stage.data();
        }
        KS_TRY(m.uploadFloats(p(m.x), xs, size_t(B) * in));
        if (mlp) {
            for (int r = 0; r < B; ++r) m.stageLabels[r] = m.data.labels[(first + r) % n];
            KS_TRY(be.upload(m.labels.i(), m.stageLabels.data(), size_t(B) * 4));
        } else {
            const float* ts = m.data.targets.data() + size_t(first) * out;
            std::vector<float> wrapped;
            if (!contiguous) {
                wrapped.resize(size_t(B) * out);
                for (int r = 0; r < B; ++r)
                    std::memcpy(wrapped.data() + size_t(r) * out,
                                m.data.targets.data() + size_t((first + r) % n) * out,
                                size_t(out) * 4);
                ts = wrapped.data();
            }
            KS_TRY(m.uploadFloats(p(m.target), ts, size_t(B) * out));
        }
        if (dump) {
            KS_TRY(m.dump(s, "input", "x", "input", "input", p(m.x), kDType, {B, in}));
            if (mlp) {
                std::vector<int64_t> y(m.stageLabels.begin(), m.stageLabels.end());
                KS_TRY(
                    m.dumpHost(s, "input", "y", "input", "input", y.data(), data::DType::I64, {B}));
            } else {
                KS_TRY(m.dump(s, "input", "y", "input", "input", p(m.target), kDType, {B, out}));
            }
            for (auto& L : m.layers) {
                KS_TRY(
                    m.dump(s, L.name, "weight", "param", optName, p(L.w), kDType, {L.out, L.in}));
                KS_TRY(m.dump(s, L.name, "bias", "param", optName, p(L.b), kDType, {L.out}));
            }
        }
    }

    // Forward: z = h W^T + b, a = ReLU(z).
    {
        ScopedRange r(tr, m.nForward, nvtx, "forward");
        const T* h = p(m.x);
        for (auto& L : m.layers) {
            {
                ScopedRange lr(tr, L.rangeName, nvtx, L.name.c_str());
                KS_TRY(m.op(L.kFwd, [&] {
                    return m.ops.gemm(false, true, B, L.out, L.in, T(1), h, L.in, p(L.w), L.in,
                                      T(0), p(L.z), L.out);
                }));
                KS_TRY(m.op(L.kBias, [&] { return m.ops.addBias(p(L.z), p(L.b), B, L.out); }));
                if (dump)
                    KS_TRY(m.dump(s, L.name, "output", "output", "matmul", p(L.z), kDType,
                                  {B, L.out}));
            }
            if (!L.reluName.empty()) {
                ScopedRange lr(tr, L.reluRange, nvtx, L.reluName.c_str());
                KS_TRY(m.op(L.kRelu,
                            [&] { return m.ops.reluForward(p(L.z), p(L.a), size_t(B) * L.out); }));
                if (dump)
                    KS_TRY(m.dump(s, L.reluName, "output", "output", "relu", p(L.a), kDType,
                                  {B, L.out}));
            }
            h = L.output();
        }
    }

    // Loss (softmax + cross-entropy, or MSE) and its gradient wrt the last output.
    StepResult result;
    auto& last = m.layers.back();
    {
        ScopedRange r(tr, m.nLoss, nvtx, "loss");
        double lossValue = 0;
        int correct = 0;
        if (mlp) {
            KS_TRY(m.op(m.kLossFwd, [&] {
                return m.ops.crossEntropyForward(p(last.z), m.labels.i(), B, out, p(m.probs),
                                                 &lossValue, &correct);
            }));
        } else {
            KS_TRY(m.op(m.kLossFwd, [&] {
                return m.ops.mseForward(last.output(), p(m.target), size_t(B) * out, &lossValue);
            }));
        }
        const float loss = float(lossValue);
        result.loss = lossValue;
        result.accuracy = mlp ? double(correct) / B : 0.0;
        if (!std::isfinite(loss))
            return data::Error{"step " + std::to_string(s) + ": loss is " + std::to_string(loss) +
                               " (diverged; try a smaller --lr)"};
        const char* lossOp = mlp ? "cross_entropy" : "mse";
        if (dump) {
            if (mlp)
                KS_TRY(m.dump(s, "loss", "softmax", "output", "softmax", p(m.probs), kDType,
                              {B, out}));
            KS_TRY(m.dumpHost(s, "loss", "output", "output", lossOp, &loss, data::DType::F32, {}));
        }
        if (upTo == Pass::Loss) return result;
        // dL/d(last output): for mlp the logits (fused softmax + cross-entropy backward).
        KS_TRY(m.op(m.kLossBwd, [&] {
            return mlp ? m.ops.crossEntropyBackward(p(m.probs), m.labels.i(), B, out, p(last.dh))
                       : m.ops.mseBackward(last.output(), p(m.target), size_t(B) * out, p(last.dh));
        }));
        if (dump)
            KS_TRY(m.dump(s, "loss", "grad_input", "grad", lossOp, p(last.dh), kDType, {B, out}));
    }

    // Backward, last layer first: dz = ReLU'(dh); dW = dz^T h; db = sum dz; dh_prev = dz W.
    {
        ScopedRange r(tr, m.nBackward, nvtx, "backward");
        for (size_t i = m.layers.size(); i-- > 0;) {
            auto& L = m.layers[i];
            if (!L.reluName.empty()) {
                ScopedRange lr(tr, L.reluRange, nvtx, L.reluName.c_str());
                KS_TRY(m.op(L.kReluBwd, [&] {
                    // Test switch: the mask taken from the gradient instead of the activation.
                    const T* mask = m.cfg.testBrokenBackward ? p(L.dh) : p(L.a);
                    return m.ops.reluBackward(mask, p(L.dh), p(L.dz), size_t(B) * L.out);
                }));
                if (dump)
                    KS_TRY(m.dump(s, L.reluName, "grad_input", "grad", "relu", p(L.dz), kDType,
                                  {B, L.out}));
            }
            ScopedRange lr(tr, L.rangeName, nvtx, L.name.c_str());
            const T* h = i == 0 ? p(m.x) : m.layers[i - 1].output();
            const T* dz = L.gradZ();
            KS_TRY(m.op(L.kGradW, [&] {
                return m.ops.gemm(true, false, L.out, L.in, B, T(1), dz, L.out, h, L.in, T(0),
                                  p(L.dw), L.in);
            }));
            KS_TRY(m.op(L.kGradB, [&] { return m.ops.sumRows(dz, p(L.db), B, L.out); }));
            if (dump) {
                KS_TRY(m.dump(s, L.name, "grad_weight", "grad", "matmul", p(L.dw), kDType,
                              {L.out, L.in}));
                KS_TRY(m.dump(s, L.name, "grad_bias", "grad", "matmul", p(L.db), kDType, {L.out}));
            }
            if (i > 0) {
                auto& P = m.layers[i - 1];
                KS_TRY(m.op(L.kGradX, [&] {
                    return m.ops.gemm(false, false, B, L.in, L.out, T(1), dz, L.out, p(L.w), L.in,
                                      T(0), p(P.dh), L.in);
                }));
                if (dump)
                    KS_TRY(m.dump(s, L.name, "grad_input", "grad", "matmul", p(P.dh), kDType,
                                  {B, L.in}));
            }
        }
    }

    if (upTo == Pass::Gradients) return result;

    // Optimizer (float only: the gradient check stops before it).
    if constexpr (sizeof(T) == 4) {
        ScopedRange r(tr, m.nOptimizer, nvtx, "optimizer_step");
        const auto& c = m.cfg;
        for (auto& L : m.layers) {
            ScopedRange lr(tr, L.rangeName, nvtx, L.name.c_str());
            const size_t nw = size_t(L.in) * L.out, nb = size_t(L.out);
            if (c.optimizer == OptimizerKind::Sgd) {
                KS_TRY(m.op(L.kUpdW, [&] {
                    return be.sgdUpdate(p(L.w), p(L.dw), p(L.wState1), nw, c.lr, c.momentum);
                }));
                KS_TRY(m.op(L.kUpdB, [&] {
                    return be.sgdUpdate(p(L.b), p(L.db), p(L.bState1), nb, c.lr, c.momentum);
                }));
            } else {
                KS_TRY(m.op(L.kUpdW, [&] {
                    return be.adamUpdate(p(L.w), p(L.dw), p(L.wState1), p(L.wState2), nw, c.lr,
                                         c.beta1, c.beta2, c.eps, s + 1);
                }));
                KS_TRY(m.op(L.kUpdB, [&] {
                    return be.adamUpdate(p(L.b), p(L.db), p(L.bState1), p(L.bState2), nb, c.lr,
                                         c.beta1, c.beta2, c.eps, s + 1);
                }));
            }
            if (dump) {
                KS_TRY(m.dump(s, L.name, "updated_weight", "param", optName, p(L.w), kDType,
                              {L.out, L.in}));
                KS_TRY(
                    m.dump(s, L.name, "updated_bias", "param", optName, p(L.b), kDType, {L.out}));
            }
        }
        KS_TRY(be.synchronize());
    }
    const int64_t t = tr.stamp();
    tr.counter("loss", t, result.loss);
    if (mlp) tr.counter("accuracy", t, result.accuracy);
    return result;
}

Status Trainer::run(const std::function<void(int, int, const StepResult&)>& progress) {
    Tracer& tr = m_transformer ? m_transformer->tracer() : m_impl->tracer;
    Backend& be = m_transformer ? m_transformer->backend() : m_impl->backend;
    Backend* nvtx = be.asynchronous() ? &be : nullptr;
    ScopedRange r(tr, tr.intern("train"), nvtx, "train");
    while (m_step < m_config.steps && !m_diverged) {
        auto s = step();
        if (!s) return s.error();
        if (progress) progress(m_step, m_config.steps, s.value());
    }
    return {};
}

Result<std::vector<float>> Trainer::parameter(const std::string& name) {
    if (m_transformer) return m_transformer->parameter(name);
    for (auto& L : m_impl->layers) {
        const bool isW = name == L.name + ".weight", isB = name == L.name + ".bias";
        if (!isW && !isB) continue;
        std::vector<float> v(isW ? size_t(L.in) * L.out : size_t(L.out));
        KS_TRY(m_impl->backend.download(v.data(), isW ? L.w.f() : L.b.f(), v.size() * 4));
        return v;
    }
    return data::Error{"no parameter named '" + name + "'"};
}

Status train(const TrainConfig& config, Backend& backend, Tracer& tracer,
             const std::function<void(int, int, const StepResult&)>& progress) {
    auto trainer = Trainer::create(config, backend, tracer);
    if (!trainer) return trainer.error();
    return trainer.value()->run(progress);
}

} // namespace ks::engine

namespace ks::engine {
namespace {

template <class T>
Result<GradCheckResult> gradCheckMlpAs(const GradCheckConfig& gc, Backend& backend,
                                       TensorOps<T>& ops) {
    TrainConfig cfg;
    cfg.model = ModelKind::Mlp;
    cfg.layers = gc.layers;
    cfg.batch = gc.batch;
    cfg.seed = gc.seed;
    cfg.steps = 1;
    cfg.dumpSteps.clear();
    cfg.recordKernels = false;
    cfg.testBrokenBackward = gc.testBrokenBackward;
    Tracer tracer(false);
    using Impl = MlpImpl<T>;
    auto built = buildMlp<Impl>(cfg, backend, tracer, ops);
    if (!built) return built.error();
    Impl& m = *built.value();
    // Signs of every ReLU input: a perturbation that flips one crosses a kink of the loss.
    auto reluSigns = [&](std::vector<uint8_t>& signs) -> Status {
        signs.clear();
        for (auto& L : m.layers) {
            if (L.reluName.empty()) continue;
            std::vector<T> z(size_t(cfg.batch) * L.out);
            KS_TRY(backend.download(z.data(), Impl::p(L.z), z.size() * sizeof(T)));
            for (T v : z) signs.push_back(v > T(0));
        }
        return {};
    };
    auto base = m.pass(0, Impl::Pass::Gradients);
    if (!base) return base.error();
    std::vector<uint8_t> baseSigns, signs;
    KS_TRY(reluSigns(baseSigns));

    GradCheckResult result;
    result.float64 = sizeof(T) == 8;
    result.model = "mlp";
    // h ~ eps^(1/3) balances truncation (h^2) against rounding (eps / h) in central differences.
    result.h = std::cbrt(double(std::numeric_limits<T>::epsilon()));
    for (auto& L : m.layers) {
        for (int which = 0; which < 2; ++which) {
            GradCheckParam param;
            param.layer = L.name;
            param.what = which == 0 ? "weight" : "bias";
            param.name = param.layer + "." + param.what;
            param.shape =
                which == 0 ? std::vector<int64_t>{L.out, L.in} : std::vector<int64_t>{L.out};
            const size_t n = which == 0 ? size_t(L.in) * L.out : size_t(L.out);
            T* value = Impl::p(which == 0 ? L.w : L.b);
            std::vector<T> grad(n), values(n);
            KS_TRY(backend.download(grad.data(), Impl::p(which == 0 ? L.dw : L.db), n * sizeof(T)));
            KS_TRY(backend.download(values.data(), value, n * sizeof(T)));
            param.analytic.assign(grad.begin(), grad.end());
            param.numerical.resize(n);
            for (size_t k = 0; k < n; ++k) {
                const T saved = values[k];
                const double step = result.h * std::max(1.0, std::abs(double(saved)));
                const T up = T(double(saved) + step), down = T(double(saved) - step);
                bool kink = false;
                double losses[2];
                for (int side = 0; side < 2; ++side) {
                    KS_TRY(backend.upload(value + k, side == 0 ? &up : &down, sizeof(T)));
                    auto r = m.pass(0, Impl::Pass::Loss);
                    if (!r) return r.error();
                    losses[side] = r.value().loss;
                    KS_TRY(reluSigns(signs));
                    kink = kink || signs != baseSigns;
                }
                KS_TRY(backend.upload(value + k, &saved, sizeof(T)));
                // Divide by the step actually taken (the perturbed values are rounded to T).
                param.numerical[k] = (losses[0] - losses[1]) / (double(up) - double(down));
                if (kink) {
                    ++param.skipped;
                    continue;
                }
                const double diff = std::abs(param.numerical[k] - param.analytic[k]);
                const double scale =
                    std::max({std::abs(param.numerical[k]), std::abs(param.analytic[k]), 1e-3});
                param.maxAbs = std::max(param.maxAbs, diff);
                param.maxRel = std::max(param.maxRel, diff / scale);
                ++result.checked;
            }
            result.maxAbs = std::max(result.maxAbs, param.maxAbs);
            result.maxRel = std::max(result.maxRel, param.maxRel);
            result.skipped += param.skipped;
            result.params.push_back(std::move(param));
        }
    }
    return result;
}

} // namespace

Result<GradCheckResult> gradCheckMlp(const GradCheckConfig& config, Backend& backend) {
    if (config.float64) {
        if (TensorOps<double>* ops = backend.ops64())
            return gradCheckMlpAs<double>(config, backend, *ops);
        return Error{"the " + backend.name() + " backend has no float64 ops"};
    }
    return gradCheckMlpAs<float>(config, backend, *backend.ops32());
}

} // namespace ks::engine
