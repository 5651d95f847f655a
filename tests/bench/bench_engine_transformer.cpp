// Engine benchmark: one training step of a GPT-style transformer (4 blocks, width 256, 4 heads,
// context 128, batch 8, vocabulary 256, AdamW, fp32) on the CPU backend, tracing off and on.
// Prints "name value unit" lines.
//   bench_engine_transformer [steps=10] [threads=cores] [dtype=fp32]
#include "bench_engine_timing.h"
#include "engine/Backend.h"
#include "engine/SystemInfo.h"
#include "engine/Trainer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

using namespace ks::engine;

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;
    const int threads = argc > 2 ? std::atoi(argv[2]) : cpuCount();
    const auto precision = precisionFromName(argc > 3 ? argv[3] : "fp32");
    if (!precision) {
        std::fprintf(stderr, "bench_engine_transformer: dtype must be fp32, fp16 or bf16\n");
        return 2;
    }
    TrainConfig cfg;
    cfg.model = ModelKind::Transformer;
    cfg.blocks = 4;
    cfg.width = 256;
    cfg.heads = 4;
    cfg.context = 128;
    cfg.batch = 8;
    cfg.vocab = 256;
    cfg.optimizer = OptimizerKind::AdamW;
    cfg.precision = *precision;
    auto backend = createCpuBackend(threads);
    std::printf("threads %d\n", threads);
    const auto t = bench::timeSteps(*backend, cfg, 3, steps, 2);
    std::printf("engine_transformer_step_ms_untraced %.3f ms\n", t.untraced.wall);
    std::printf("engine_transformer_step_ms_traced %.3f ms\n", t.traced.wall);
    std::printf("engine_transformer_step_cpu_ms_untraced %.3f ms\n", t.untraced.cpu);
    return 0;
}
