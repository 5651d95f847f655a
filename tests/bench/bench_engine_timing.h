#pragma once
// The timing loop of the engine benchmarks (bench_engine: mlp, bench_engine_transformer): a
// training step's median time, tracing off and on, interleaved so that the frequency drift of a
// busy machine hits both alike.
#include "engine/Backend.h"
#include "engine/Trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace ks::engine::bench {

// Median ms per step over `steps` timed steps after `warmup` untimed ones, on a fresh trainer.
inline double medianStepMs(Backend& backend, TrainConfig cfg, bool tracing, int warmup, int steps) {
    using Clock = std::chrono::steady_clock;
    cfg.steps = warmup + steps;
    cfg.dumpSteps.clear();
    Tracer tracer(tracing);
    auto trainer = Trainer::create(cfg, backend, tracer);
    if (!trainer) {
        std::fprintf(stderr, "benchmark: %s\n", trainer.error().message.c_str());
        std::exit(1);
    }
    for (int i = 0; i < warmup; ++i) (void)trainer.value()->step();
    std::vector<double> ms;
    for (int i = 0; i < steps; ++i) {
        const auto t0 = Clock::now();
        (void)trainer.value()->step();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    return ms[ms.size() / 2];
}

struct StepTimes {
    double untraced = 1e300, traced = 1e300; // ms per step
};

// The lowest median of `rounds` rounds, each timing an untraced and then a traced trainer.
inline StepTimes timeSteps(Backend& backend, const TrainConfig& cfg, int warmup, int steps,
                           int rounds) {
    StepTimes t;
    for (int r = 0; r < rounds; ++r) {
        t.untraced = std::min(t.untraced, medianStepMs(backend, cfg, false, warmup, steps));
        t.traced = std::min(t.traced, medianStepMs(backend, cfg, true, warmup, steps));
    }
    return t;
}

} // namespace ks::engine::bench
