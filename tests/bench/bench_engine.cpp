// Engine benchmarks: one mlp training step (784-256-10, batch 128, SGD) on the CPU backend with
// tracing on and off, and the tracer's cost per range. Prints "name value unit" lines.
//   bench_engine [steps=300] [threads=cores]
#include "bench_engine_timing.h"
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

// ns per push/pop pair, best of 5 rounds of 200k ranges.
double rangeNs(bool enabled) {
    double best = 1e9;
    for (int round = 0; round < 5; ++round) {
        Tracer tracer(enabled);
        const uint32_t name = tracer.intern("fc1");
        const int n = 200000;
        const auto t0 = Clock::now();
        for (int i = 0; i < n; ++i) {
            tracer.push(name);
            tracer.pop();
        }
        best =
            std::min(best, std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n);
    }
    return best;
}

// ns per tracer timestamp (a range takes two).
double clockNs() {
    Tracer tracer;
    const int n = 1000000;
    int64_t sink = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) sink += tracer.stamp();
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
    return sink == 42 ? 0 : ns;
}

} // namespace

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::atoi(argv[1]) : 300;
    const int threads = argc > 2 ? std::atoi(argv[2]) : cpuCount();
    auto backend = createCpuBackend(threads);
    std::printf("threads %d\n", threads);
    const auto t = bench::timeSteps(*backend, TrainConfig{}, 20, steps, 3);
    const double off = t.untraced.wall, on = t.traced.wall;
    std::printf("engine_step_ms_untraced %.4f ms\n", off);
    std::printf("engine_step_ms_traced %.4f ms\n", on);
    std::printf("engine_step_cpu_ms_untraced %.4f ms\n", t.untraced.cpu);
    std::printf("tracing_overhead_pct %.2f %%\n", (on - off) / off * 100);
    const double rOn = rangeNs(true), rOff = rangeNs(false);
    std::printf("tracer_range_ns %.1f ns\n", rOn);
    std::printf("tracer_range_disabled_ns %.1f ns\n", rOff);
    // A traced 784-256-10 step records 28 ranges and 17 kernels (two timestamps each): the cost
    // of tracing per step from the micro figures, steadier than the on/off difference on a busy
    // machine.
    const double ts = clockNs();
    std::printf("timestamp_read_ns %.1f ns\n", ts);
    const double perStepUs = (28 * rOn + 17 * (2 * ts + 10)) / 1000;
    std::printf("tracing_cost_per_step_estimate %.2f us (%.2f %% of an untraced step)\n", perStepUs,
                perStepUs / (off * 1000) * 100);
    return 0;
}
