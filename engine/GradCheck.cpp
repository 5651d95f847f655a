#include "GradCheck.h"

#include "CpuOps.h"
#include "Dataset.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace ks::engine {
namespace {

template <class T> struct SmallMlp {
    std::vector<int> sizes;
    int batch = 0;
    std::vector<T> x;
    std::vector<int32_t> labels;
    std::vector<std::vector<T>> w, b;         // parameters, PyTorch layout
    std::vector<std::vector<T>> z, a, dw, db; // activations and gradients
    std::vector<uint8_t> mask;                // ReLU signs of the last forward pass

    size_t layers() const { return w.size(); }

    // Forward pass; returns the mean cross-entropy (double accumulation, like the engine).
    double forward() {
        mask.clear();
        const T* h = x.data();
        for (size_t i = 0; i < layers(); ++i) {
            const int in = sizes[i], out = sizes[i + 1];
            cpu::gemm<T>(false, true, batch, out, in, T(1), h, in, w[i].data(), in, T(0),
                         z[i].data(), out);
            cpu::addBias(z[i].data(), b[i].data(), batch, out);
            if (i + 1 < layers()) {
                cpu::reluForward(z[i].data(), a[i].data(), z[i].size());
                for (T v : z[i]) mask.push_back(v > T(0));
                h = a[i].data();
            }
        }
        std::vector<T> probs(z.back().size());
        return cpu::softmaxCrossEntropy(z.back().data(), labels.data(), batch, sizes.back(),
                                        probs.data(), nullptr);
    }

    void backward() {
        const int classes = sizes.back();
        std::vector<T> probs(z.back().size());
        cpu::softmaxCrossEntropy(z.back().data(), labels.data(), batch, classes, probs.data(),
                                 nullptr);
        std::vector<T> dh(probs.size());
        cpu::softmaxCrossEntropyBackward(probs.data(), labels.data(), batch, classes, dh.data());
        for (size_t i = layers(); i-- > 0;) {
            const int in = sizes[i], out = sizes[i + 1];
            std::vector<T> dz = dh;
            if (i + 1 < layers()) cpu::reluBackward(a[i].data(), dh.data(), dz.data(), dz.size());
            const T* h = i == 0 ? x.data() : a[i - 1].data();
            cpu::gemm<T>(true, false, out, in, batch, T(1), dz.data(), out, h, in, T(0),
                         dw[i].data(), in);
            cpu::sumRows(dz.data(), db[i].data(), batch, out);
            if (i > 0) {
                dh.assign(size_t(batch) * in, T(0));
                cpu::gemm<T>(false, false, batch, in, out, T(1), dz.data(), out, w[i].data(), in,
                             T(0), dh.data(), in);
            }
        }
    }
};

template <class T> GradCheckResult run(const GradCheckConfig& cfg) {
    SmallMlp<T> net;
    net.sizes = cfg.layers;
    net.batch = cfg.batch;
    const int in = cfg.layers.front(), classes = cfg.layers.back();
    const Dataset d = makeClassificationData(cfg.batch, in, classes, cfg.seed);
    net.x.assign(d.x.begin(), d.x.end());
    net.labels = d.labels;
    Rng rng(cfg.seed + 1000003);
    for (size_t i = 0; i + 1 < cfg.layers.size(); ++i) {
        const int li = cfg.layers[i], lo = cfg.layers[i + 1];
        const double bound = 1.0 / std::sqrt(double(li));
        std::vector<T> w(size_t(li) * lo), b(lo);
        for (auto& v : w) v = T(rng.uniform(-bound, bound));
        for (auto& v : b) v = T(rng.uniform(-bound, bound));
        net.w.push_back(w);
        net.b.push_back(b);
        net.z.emplace_back(size_t(cfg.batch) * lo);
        net.a.emplace_back(size_t(cfg.batch) * lo);
        net.dw.emplace_back(w.size());
        net.db.emplace_back(b.size());
    }
    net.forward();
    net.backward();
    const std::vector<uint8_t> baseMask = net.mask;

    GradCheckResult result;
    result.float64 = sizeof(T) == 8;
    // h ~ eps^(1/3) balances truncation (h^2) against rounding (eps / h) in central differences.
    result.h = std::cbrt(double(std::numeric_limits<T>::epsilon()));
    for (size_t i = 0; i < net.layers(); ++i) {
        for (int which = 0; which < 2; ++which) {
            std::vector<T>& p = which == 0 ? net.w[i] : net.b[i];
            const std::vector<T>& g = which == 0 ? net.dw[i] : net.db[i];
            GradCheckParam param;
            param.layer = "fc" + std::to_string(i + 1);
            param.what = which == 0 ? "weight" : "bias";
            param.name = param.layer + "." + param.what;
            param.shape = which == 0 ? std::vector<int64_t>{cfg.layers[i + 1], cfg.layers[i]}
                                     : std::vector<int64_t>{cfg.layers[i + 1]};
            param.analytic.assign(g.begin(), g.end());
            param.numerical.resize(p.size());
            for (size_t k = 0; k < p.size(); ++k) {
                const T saved = p[k];
                const double step = result.h * std::max(1.0, std::abs(double(saved)));
                p[k] = T(double(saved) + step);
                const double lossPlus = net.forward();
                const bool kinkPlus = net.mask != baseMask;
                const double up = double(p[k]);
                p[k] = T(double(saved) - step);
                const double lossMinus = net.forward();
                const bool kinkMinus = net.mask != baseMask;
                const double down = double(p[k]);
                p[k] = saved;
                // Divide by the step actually taken (the perturbed values are rounded to T).
                param.numerical[k] = (lossPlus - lossMinus) / (up - down);
                if (kinkPlus || kinkMinus) {
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

template <class T>
data::Tensor makeTensor(const std::string& name, const GradCheckParam& p,
                        const std::vector<double>& values, data::DType dtype, int64_t order) {
    data::Tensor t;
    t.name = name;
    t.dtype = dtype;
    t.shape = p.shape;
    t.role = "grad";
    t.op = "matmul";
    t.layer = p.layer;
    t.step = 0;
    t.order = order;
    t.bytes.resize(values.size() * sizeof(T));
    for (size_t i = 0; i < values.size(); ++i) {
        const T v = T(values[i]);
        std::memcpy(t.bytes.data() + i * sizeof(T), &v, sizeof(T));
    }
    return t;
}

} // namespace

GradCheckResult gradCheck(const GradCheckConfig& config) {
    return config.float64 ? run<double>(config) : run<float>(config);
}

void addGradCheckTensors(const GradCheckResult& result, data::Run& run, int64_t firstOrder) {
    const std::string mode = result.float64 ? "f64" : "f32";
    int64_t order = firstOrder;
    for (const auto& p : result.params) {
        const std::string base = "gradcheck/" + mode + "/" + p.layer + "/grad_" + p.what;
        if (result.float64) {
            run.tensors.push_back(
                makeTensor<double>(base, p, p.analytic, data::DType::F64, order++));
            run.tensors.push_back(
                makeTensor<double>(base + "_numerical", p, p.numerical, data::DType::F64, order++));
        } else {
            run.tensors.push_back(
                makeTensor<float>(base, p, p.analytic, data::DType::F32, order++));
            run.tensors.push_back(
                makeTensor<float>(base + "_numerical", p, p.numerical, data::DType::F32, order++));
        }
    }
}

} // namespace ks::engine
