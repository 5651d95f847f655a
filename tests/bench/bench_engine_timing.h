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
#include <ctime>
#include <vector>

namespace ks::engine::bench {

// Medians of one step's wall time and of the process's CPU time over it (all threads): on a
// busy machine the CPU time of a one-thread run is the steadier measure of the work done.
struct StepMs {
    double wall = 1e300, cpu = 1e300;
};

inline double processCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

inline double median(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
}

// Medians over `steps` timed steps after `warmup` untimed ones, on a fresh trainer.
inline StepMs medianStepMs(Backend& backend, TrainConfig cfg, bool tracing, int warmup, int steps) {
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
    std::vector<double> wall, cpu;
    for (int i = 0; i < steps; ++i) {
        const auto t0 = Clock::now();
        const double c0 = processCpuMs();
        (void)trainer.value()->step();
        cpu.push_back(processCpuMs() - c0);
        wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return {median(wall), median(cpu)};
}

struct StepTimes {
    StepMs untraced, traced;
};

// The lowest medians of `rounds` rounds, each timing an untraced and then a traced trainer.
inline StepTimes timeSteps(Backend& backend, const TrainConfig& cfg, int warmup, int steps,
                           int rounds) {
    StepTimes t;
    auto keepLowest = [](StepMs& best, StepMs m) {
        best.wall = std::min(best.wall, m.wall);
        best.cpu = std::min(best.cpu, m.cpu);
    };
    for (int r = 0; r < rounds; ++r) {
        keepLowest(t.untraced, medianStepMs(backend, cfg, false, warmup, steps));
        keepLowest(t.traced, medianStepMs(backend, cfg, true, warmup, steps));
    }
    return t;
}

} // namespace ks::engine::bench
