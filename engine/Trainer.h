#pragma once
// The models the engine trains (linear-relu, mlp and transformer), on any Backend, with CPU
// ranges, CPU "kernels", loss/accuracy counters and tensor dumps recorded into a Tracer's run.
// The transformer lives in Transformer.h (its names and dumps are in docs/ENGINE.md); below is
// the mlp / linear-relu layout.
//
// Layers are named like a PyTorch nn.Module with attributes fc1, relu1, fc2, relu2, ..., fcN
// (no ReLU after the last Linear of an mlp; linear-relu is fc1 + relu1 with an MSE loss).
// Dumped tensors, for each dumped step N, in execution order:
//   step{N}/input/x, step{N}/input/y                      role input
//   step{N}/fcK/weight [out,in], step{N}/fcK/bias [out]   role param (values used by the step)
//   step{N}/fcK/output (op matmul), step{N}/reluK/output (op relu)
//   step{N}/loss/softmax (op softmax, mlp only), step{N}/loss/output (scalar; cross_entropy|mse)
//   step{N}/loss/grad_input   dL/d(last layer output)     role grad
//   step{N}/fcK/grad_weight, grad_bias, grad_input (K > 1) role grad, op matmul
//   step{N}/reluK/grad_input                               role grad, op relu
//   step{N}/fcK/updated_weight, updated_bias               role param, op sgd|adam
#include "Backend.h"
#include "Dataset.h"
#include "Precision.h"
#include "Tracer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ks::engine {

class TransformerTrainer;

enum class ModelKind { LinearRelu, Mlp, Transformer };
enum class OptimizerKind { Sgd, Adam, AdamW };

const char* modelName(ModelKind kind);         // "linear-relu" | "mlp" | "transformer"
const char* optimizerName(OptimizerKind kind); // "sgd" | "adam" | "adamw"

struct TrainConfig {
    ModelKind model = ModelKind::Mlp;
    std::vector<int> layers{784, 256, 10}; // linear-relu: {in, out}
    int steps = 200;
    int batch = 128;
    OptimizerKind optimizer = OptimizerKind::Sgd;
    float lr = 0;                                    // 0: 0.01 for SGD, 0.001 for Adam
    float momentum = 0.9f;                           // SGD
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f; // Adam
    uint64_t seed = 1;
    std::vector<int> dumpSteps{0, -1}; // -1 = the last step
    // From --inputs: "x", "y" and optionally "fc1.weight", "fc1.bias", ... (PyTorch layout).
    std::vector<data::Tensor> inputs;
    bool recordKernels = true; // CPU backend: every op as a kernel on the "cpu" device

    // Transformer (see Transformer.h): sizes, precision, loss scaling, AdamW weight decay.
    int vocab = 256, context = 32, width = 64, heads = 4, blocks = 2;
    Precision precision = Precision::F32;
    float lossScale = 0;        // 0: dynamic for fp16 (start 65536), none otherwise
    int lossScaleGrowth = 2000; // dynamic scaling: good steps before the scale doubles
    float weightDecay = 0.1f;   // AdamW, on the 2-D parameters only (as nanoGPT)
    // Test-only switches: a deliberately wrong backward (transformer: the attention softmax
    // backward skipped; mlp: the ReLU mask taken from the gradient) and a NaN written into the
    // first element of the named transformer module's forward output.
    bool testBrokenBackward = false;
    std::string testNanModule;
};

float defaultLearningRate(OptimizerKind kind);

struct StepResult {
    double loss = 0;
    double accuracy = 0; // mlp only
};

class Trainer {
public:
    // Checks the configuration, builds the data set, allocates and initialises every buffer.
    static data::Result<std::unique_ptr<Trainer>> create(const TrainConfig& config,
                                                         Backend& backend, Tracer& tracer);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // One training step (forward, loss, backward, optimizer) inside a "step N" range.
    data::Result<StepResult> step();
    // Every remaining step inside a "train" range; `progress(done, total, loss)` after each.
    data::Status run(const std::function<void(int, int, const StepResult&)>& progress = {});

    int stepsDone() const { return m_step; }
    const TrainConfig& config() const { return m_config; }
    const std::vector<StepResult>& history() const { return m_history; }
    // Copies a parameter ("fc1.weight") to the host.
    data::Result<std::vector<float>> parameter(const std::string& name);

    // Transformer: loss-scale overflow steps skipped so far (fp16), and whether a non-finite loss
    // stopped the run (the step is still recorded, so the run file shows where it went wrong).
    int64_t overflowSkips() const;
    bool diverged() const { return m_diverged; }

private:
    struct Impl;
    explicit Trainer(std::unique_ptr<Impl> impl, const TrainConfig& config);
    explicit Trainer(std::unique_ptr<TransformerTrainer> transformer, const TrainConfig& config);
    std::unique_ptr<Impl> m_impl;
    std::unique_ptr<TransformerTrainer> m_transformer;
    bool m_diverged = false;
    TrainConfig m_config;
    int m_step = 0;
    std::vector<StepResult> m_history;
};

// Convenience for `record`: runs the whole configuration into the tracer's run.
data::Status train(const TrainConfig& config, Backend& backend, Tracer& tracer,
                   const std::function<void(int, int, const StepResult&)>& progress = {});

} // namespace ks::engine
