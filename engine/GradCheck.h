#pragma once
// Gradient check: central differences for every parameter of a small MLP (Linear-ReLU-...-Linear,
// softmax cross-entropy), compared with the backward pass. Both run the trainer's own forward and
// backward code (Trainer.cpp) on a backend's ops, in float32 or float64. Elements whose
// perturbation flips a ReLU (the loss has a kink there) are skipped and counted, since no finite
// difference is meaningful across a kink. The transformer's check is in Transformer.h.
#include "Backend.h"
#include "data/Run.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ks::engine {

struct GradCheckConfig {
    std::vector<int> layers{16, 12, 5};
    int batch = 8;
    uint64_t seed = 1;
    bool float64 = false;
    bool testBrokenBackward = false; // see TrainConfig
};

struct GradCheckParam {
    std::string name;  // "fc1.weight"
    std::string layer; // "fc1"
    std::string what;  // "weight" | "bias"
    std::vector<int64_t> shape;
    std::vector<double> analytic, numerical;
    double maxAbs = 0, maxRel = 0;
    int64_t skipped = 0;
};

struct GradCheckResult {
    bool float64 = false;
    double h = 0; // step used for the central differences
    double maxAbs = 0, maxRel = 0;
    int64_t checked = 0, skipped = 0;
    std::vector<GradCheckParam> params;
    double bound = 0; // the model's own bound; 0: 1e-4 in float32, 1e-7 in float64 (max abs)
    std::string model = "mlp";
    double goal() const { return bound > 0 ? bound : (float64 ? 1e-7 : 1e-4); }
    bool passed() const { return maxAbs < goal(); }
};

// On `backend` (float64 needs its ops64()).
Result<GradCheckResult> gradCheckMlp(const GradCheckConfig& config, Backend& backend);
// On a CPU backend.
GradCheckResult gradCheck(const GradCheckConfig& config);

// Stores each pair as gradcheck/{f32|f64}/{layer}/grad_{what} (the backward pass) and
// .../grad_{what}_numerical (central differences), role grad, op matmul, in the mode's dtype.
void addGradCheckTensors(const GradCheckResult& result, data::Run& run, int64_t firstOrder);

} // namespace ks::engine
