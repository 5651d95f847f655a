#include "GradCheck.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace ks::engine {
namespace {

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
    auto backend = createCpuBackend();
    auto r = gradCheckMlp(config, *backend);
    // The CPU backend has float and double ops: only an allocation failure gets here.
    return r ? std::move(r.value()) : GradCheckResult{};
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
