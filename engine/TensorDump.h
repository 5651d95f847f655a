#pragma once
// Tensor dumps of a training step: step{N}/{layer}/{what} with role, op kind, layer, step and
// execution order, copied from backend memory (device buffers on CUDA) or host memory into the
// tracer's run. One dumper per run so the order counts across models and steps.
#include "Backend.h"
#include "Tracer.h"

#include <cstring>
#include <string>
#include <vector>

namespace ks::engine {

class TensorDumper {
public:
    TensorDumper(Backend& backend, Tracer& tracer) : m_backend(backend), m_tracer(tracer) {}

    // From backend memory. `scale` != 1 multiplies float values on the host (gradients of a
    // loss-scaled step are dumped unscaled so they compare with an unscaled run).
    Status device(int step, const std::string& layer, const std::string& what, const char* role,
                  const char* op, const void* src, data::DType dtype, std::vector<int64_t> shape,
                  double scale = 1) {
        data::Tensor t = make(step, layer, what, role, op, dtype, std::move(shape));
        if (Status s = m_backend.download(t.bytes.data(), src, t.bytes.size()); !s) return s;
        if (scale != 1) rescale(t, scale);
        m_tracer.run().tensors.push_back(std::move(t));
        return {};
    }
    Status host(int step, const std::string& layer, const std::string& what, const char* role,
                const char* op, const void* src, data::DType dtype, std::vector<int64_t> shape) {
        data::Tensor t = make(step, layer, what, role, op, dtype, std::move(shape));
        std::memcpy(t.bytes.data(), src, t.bytes.size());
        m_tracer.run().tensors.push_back(std::move(t));
        return {};
    }

private:
    data::Tensor make(int step, const std::string& layer, const std::string& what, const char* role,
                      const char* op, data::DType dtype, std::vector<int64_t> shape) {
        data::Tensor t;
        t.name = "step" + std::to_string(step) + "/" + layer + "/" + what;
        t.dtype = dtype;
        t.shape = std::move(shape);
        t.role = role;
        t.op = op;
        t.layer = layer;
        t.step = step;
        t.order = m_order++;
        t.bytes.resize(t.byteSize());
        return t;
    }
    template <class T> static void rescaleAs(data::Tensor& t, double scale) {
        for (size_t i = 0; i + sizeof(T) <= t.bytes.size(); i += sizeof(T)) {
            T v;
            std::memcpy(&v, t.bytes.data() + i, sizeof(T));
            v = T(v * scale);
            std::memcpy(t.bytes.data() + i, &v, sizeof(T));
        }
    }
    static void rescale(data::Tensor& t, double scale) {
        if (t.dtype == data::DType::F32) rescaleAs<float>(t, scale);
        if (t.dtype == data::DType::F64) rescaleAs<double>(t, scale);
    }

    Backend& m_backend;
    Tracer& m_tracer;
    int64_t m_order = 0;
};

} // namespace ks::engine
