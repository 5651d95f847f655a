// Engine benchmark: one training step of a GPT-style transformer (4 blocks, width 256, 4 heads,
// context 128, batch 8, vocabulary 256, AdamW, fp32) on the CPU backend, tracing off and on.
// Prints "name value unit" lines.
//   bench_engine_transformer [steps=10] [threads=cores] [dtype=fp32]
#include "engine/Backend.h"
#include "engine/SystemInfo.h"
#include "engine/Trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace ks::engine;
using Clock = std::chrono::steady_clock;

namespace {

// Median ms per step over `steps` timed steps after 3 warm-up steps.
double stepMs(Backend& backend, bool tracing, int steps, Precision precision) {
    TrainConfig cfg;
    cfg.model = ModelKind::Transformer;
    cfg.blocks = 4;
    cfg.width = 256;
    cfg.heads = 4;
    cfg.context = 128;
    cfg.batch = 8;
    cfg.vocab = 256;
    cfg.optimizer = OptimizerKind::AdamW;
    cfg.precision = precision;
    cfg.steps = steps + 3;
    cfg.dumpSteps.clear();
    Tracer tracer(tracing);
    auto trainer = Trainer::create(cfg, backend, tracer);
    if (!trainer) {
        std::fprintf(stderr, "bench_engine_transformer: %s\n", trainer.error().message.c_str());
        std::exit(1);
    }
    for (int i = 0; i < 3; ++i) (void)trainer.value()->step();
    std::vector<double> ms;
    for (int i = 0; i < steps; ++i) {
        const auto t0 = Clock::now();
        (void)trainer.value()->step();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;
    const int threads = argc > 2 ? std::atoi(argv[2]) : cpuCount();
    const auto precision = precisionFromName(argc > 3 ? argv[3] : "fp32");
    if (!precision) {
        std::fprintf(stderr, "bench_engine_transformer: dtype must be fp32, fp16 or bf16\n");
        return 2;
    }
    auto backend = createCpuBackend(threads);
    std::printf("threads %d\n", threads);
    double off = 1e9, on = 1e9;
    for (int r = 0; r < 2; ++r) {
        off = std::min(off, stepMs(*backend, false, steps, *precision));
        on = std::min(on, stepMs(*backend, true, steps, *precision));
    }
    std::printf("engine_transformer_step_ms_untraced %.3f ms\n", off);
    std::printf("engine_transformer_step_ms_traced %.3f ms\n", on);
    return 0;
}
