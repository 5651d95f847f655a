#include "Dataset.h"

#include <cmath>
#include <string>

namespace ks::engine {

double Rng::normal() {
    if (m_haveSpare) {
        m_haveSpare = false;
        return m_spare;
    }
    double u1 = uniform();
    while (u1 <= 0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    m_spare = r * std::sin(2 * M_PI * u2);
    m_haveSpare = true;
    return r * std::cos(2 * M_PI * u2);
}

Dataset makeClassificationData(int samples, int features, int classes, uint64_t seed) {
    Dataset d;
    d.samples = samples;
    d.features = features;
    d.outputs = classes;
    d.classification = true;
    Rng rng(seed);
    std::vector<float> centroids(size_t(classes) * features);
    for (auto& c : centroids) c = float(rng.normal());
    d.x.resize(size_t(samples) * features);
    d.labels.resize(samples);
    const double scale = 1.0 / std::sqrt(1.01);
    for (int i = 0; i < samples; ++i) {
        const int label = int(rng.next() % uint64_t(classes));
        d.labels[i] = label;
        const float* mu = centroids.data() + size_t(label) * features;
        float* row = d.x.data() + size_t(i) * features;
        for (int f = 0; f < features; ++f) row[f] = float((0.1 * mu[f] + rng.normal()) * scale);
    }
    return d;
}

Dataset makeRegressionData(int samples, int features, int outputs, uint64_t seed) {
    Dataset d;
    d.samples = samples;
    d.features = features;
    d.outputs = outputs;
    d.classification = false;
    Rng rng(seed);
    d.x.resize(size_t(samples) * features);
    for (auto& v : d.x) v = float(rng.normal());
    const double bound = 1.0 / std::sqrt(double(features));
    std::vector<double> teacher(size_t(outputs) * features);
    for (auto& t : teacher) t = rng.uniform(-bound, bound);
    d.targets.resize(size_t(samples) * outputs);
    for (int i = 0; i < samples; ++i)
        for (int o = 0; o < outputs; ++o) {
            double acc = 0;
            for (int f = 0; f < features; ++f)
                acc += double(d.x[size_t(i) * features + f]) * teacher[size_t(o) * features + f];
            d.targets[size_t(i) * outputs + o] = float(acc > 0 ? acc : 0);
        }
    return d;
}

data::Result<Dataset> datasetFromTensors(const std::vector<data::Tensor>& tensors,
                                         bool classification, int features, int outputs) {
    const data::Tensor* x = nullptr;
    const data::Tensor* y = nullptr;
    for (const auto& t : tensors) {
        if (t.name == "x") x = &t;
        if (t.name == "y") y = &t;
    }
    if (!x || !y) return data::Error{"inputs need tensors named 'x' and 'y'"};
    if (x->shape.size() != 2 || x->shape[1] != features || x->shape[0] < 1)
        return data::Error{"inputs: 'x' must be [samples, " + std::to_string(features) + "]"};
    if (!data::isFloat(x->dtype)) return data::Error{"inputs: 'x' must hold floats"};
    Dataset d;
    d.samples = int(x->shape[0]);
    d.features = features;
    d.outputs = outputs;
    d.classification = classification;
    d.x.resize(size_t(x->numel()));
    for (int64_t i = 0; i < x->numel(); ++i) d.x[i] = float(x->valueAt(i));
    if (classification) {
        if (y->shape.size() != 1 || y->shape[0] != d.samples)
            return data::Error{"inputs: 'y' must be [" + std::to_string(d.samples) + "] class ids"};
        d.labels.resize(d.samples);
        for (int i = 0; i < d.samples; ++i) {
            const double v = y->valueAt(i);
            if (!(v >= 0 && v < outputs) || v != std::floor(v))
                return data::Error{"inputs: 'y'[" + std::to_string(i) + "] = " + std::to_string(v) +
                                   " is not a class id below " + std::to_string(outputs)};
            d.labels[i] = int32_t(v);
        }
    } else {
        if (y->shape.size() != 2 || y->shape[0] != d.samples || y->shape[1] != outputs)
            return data::Error{"inputs: 'y' must be [" + std::to_string(d.samples) + ", " +
                               std::to_string(outputs) + "] targets"};
        d.targets.resize(size_t(y->numel()));
        for (int64_t i = 0; i < y->numel(); ++i) d.targets[i] = float(y->valueAt(i));
    }
    return d;
}

} // namespace ks::engine
