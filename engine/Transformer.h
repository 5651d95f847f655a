#pragma once
// A GPT-style transformer (nanoGPT's layout and parameter names) on any backend with TensorOps:
// token + learned position embeddings, pre-norm blocks (LayerNorm -> causal multi-head attention
// -> residual -> LayerNorm -> MLP with tanh GELU -> residual), a final LayerNorm and an untied
// lm_head without bias; mean cross-entropy of next-token prediction. See docs/ENGINE.md.
//
// Parameters (PyTorch names and layouts; Linear weights [out, in]):
//   transformer.wte.weight [vocab, width], transformer.wpe.weight [context, width]
//   transformer.h.{i}.ln_1.{weight,bias} [width]
//   transformer.h.{i}.attn.c_attn.{weight [3 width, width], bias}   q, k, v in that order
//   transformer.h.{i}.attn.c_proj.{weight [width, width], bias}
//   transformer.h.{i}.ln_2.{weight,bias}
//   transformer.h.{i}.mlp.c_fc.{weight [4 width, width], bias}
//   transformer.h.{i}.mlp.c_proj.{weight [width, 4 width], bias}
//   transformer.ln_f.{weight,bias}, lm_head.weight [vocab, width]
// Inputs: idx and targets, int64 [batch, context].
#include "Backend.h"
#include "GradCheck.h"
#include "Trainer.h"

#include <memory>
#include <string>
#include <vector>

namespace ks::engine {

// Checks the transformer sizes of a configuration (width divisible by heads, ranges).
Status checkTransformerConfig(const TrainConfig& config);

class TransformerTrainer {
public:
    static Result<std::unique_ptr<TransformerTrainer>> create(const TrainConfig& config,
                                                              Backend& backend, Tracer& tracer);
    ~TransformerTrainer();
    // Step `step`: batch, forward, loss, backward, loss-scale check, optimizer; dumps and counters.
    Result<StepResult> step(int step);
    Result<std::vector<float>> parameter(const std::string& name);
    int64_t overflowSkips() const;
    double lossScale() const;
    Tracer& tracer();
    Backend& backend();

private:
    struct Impl;
    explicit TransformerTrainer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m;
};

// The gradient check of the transformer: the same forward and backward code record trains with,
// on `backend`'s ops, in float64 when the backend has them (else float32), against central
// differences for every parameter tensor (up to `maxPerTensor` sampled elements each).
// Uses config's sizes and seed; parameters drawn wider than nanoGPT's init (see ENGINE.md) so
// every nonlinearity is exercised. Bounds: float64 1e-7, float32 2e-3 (max abs difference).
Result<GradCheckResult> gradCheckTransformer(const TrainConfig& config, Backend& backend,
                                             bool float64, int maxPerTensor = 256);

} // namespace ks::engine
