#pragma once
// Training data: a deterministic synthetic data set made from a seed, or tensors from a file.
//
// Synthetic classification (model mlp), documented so anyone can rebuild it:
//   * a SplitMix64 generator seeded with `seed`; normals by Box-Muller on two 53-bit uniforms;
//   * `classes` centroids mu_c, each `features` standard normals (drawn first, class by class);
//   * then for each sample i: label = next() % classes, x = (0.1 mu_label + z) / sqrt(1.01),
//     z standard normal (Box-Muller pairs): unit variance, classes that take a while to learn.
// Synthetic regression (model linear-relu): x standard normal; target = ReLU(x T^T) with a
// teacher T [outputs, features] drawn U(-1/sqrt(features), 1/sqrt(features)) after x.
#include "data/Result.h"
#include "data/Tensor.h"

#include <cstdint>
#include <vector>

namespace ks::engine {

class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    double normal();

private:
    uint64_t m_state;
    bool m_haveSpare = false;
    double m_spare = 0;
};

struct Dataset {
    int samples = 0;
    int features = 0;
    int outputs = 0; // classes (classification) or target width (regression)
    bool classification = true;
    std::vector<float> x;        // samples x features
    std::vector<int32_t> labels; // classification
    std::vector<float> targets;  // regression: samples x outputs
};

Dataset makeClassificationData(int samples, int features, int classes, uint64_t seed);
Dataset makeRegressionData(int samples, int features, int outputs, uint64_t seed);
// From tensors named "x" (samples x features, float) and "y" (class ids, integer, for
// classification; samples x outputs floats for regression).
data::Result<Dataset> datasetFromTensors(const std::vector<data::Tensor>& tensors,
                                         bool classification, int features, int outputs);

} // namespace ks::engine
