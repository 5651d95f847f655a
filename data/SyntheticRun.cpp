#include "data/SyntheticRun.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ks::data {
namespace {

// splitmix64: tiny, fast and the same on every platform (std distributions are not).
struct Rng {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)
    uint64_t below(uint64_t n) { return next() % n; }
};

const char* const kOps[] = {"sgemm_nn",        "relu_fwd",   "relu_bwd", "softmax_fwd", "layernorm",
                            "elementwise_add", "reduce_sum", "dropout",  "adam_update", "copy"};

} // namespace

Run makeSyntheticRun(const SyntheticOptions& o) {
    Run run;
    Rng rng{o.seed};
    run.info.producer = "kernscope synthetic";
    run.info.backend = "cuda";
    run.info.clock_domain = "realtime";
    run.info.origin_unix_ns = 1700000000000000000;
    run.info.created_utc = "2023-11-14T22:13:20Z";
    run.info.model = "synthetic";
    run.info.notes = "synthetic run: " + std::to_string(o.kernels) + " kernels, " +
                     std::to_string(o.streams) + " streams, " + std::to_string(o.names) + " names";
    const uint32_t gpu = run.addDevice("gpu", "Synthetic GPU");
    run.devices.sm_count[gpu] = 132;
    run.devices.clock_khz[gpu] = 1980000;
    run.devices.memory_bytes[gpu] = 80ull << 30;
    run.devices.memory_bandwidth_gbps[gpu] = 3350.0;
    run.devices.cc_major[gpu] = 9;
    const uint32_t mainThread = 1;
    run.nameThread(mainThread, "python (main)");

    // Per name: a mean duration spread log-uniformly over 2 µs .. 2 ms and a launch config.
    const uint32_t names = std::max<uint32_t>(o.names, 1);
    const uint32_t streams = std::max<uint32_t>(o.streams, 1);
    std::vector<uint32_t> nameIds(names), gridX(names), blockX(names), regs(names), shared(names);
    std::vector<double> meanNs(names);
    for (uint32_t i = 0; i < names; ++i) {
        nameIds[i] = run.strings.intern(std::string(kOps[i % std::size(kOps)]) + "_kernel_" +
                                        std::to_string(i));
        meanNs[i] = 2000.0 * std::pow(1000.0, rng.uniform());
        gridX[i] = uint32_t(1 + rng.below(4096));
        blockX[i] = 32u << rng.below(5);
        regs[i] = uint32_t(16 + 8 * rng.below(24));
        shared[i] = uint32_t(1024 * rng.below(48));
    }
    const uint32_t launch = run.strings.intern("cudaLaunchKernel");
    const uint32_t memcpyAsync = run.strings.intern("cudaMemcpyAsync");
    const uint32_t stepCat = run.strings.intern("train");

    KernelTable& k = run.kernels;
    k.forEachColumn([&](const char*, auto& col) { col.reserve(o.kernels); });
    std::vector<int64_t> streamFree(streams, 0);
    int64_t cpu = 1000;
    uint32_t correlation = 0;
    int64_t stepStart = cpu;
    auto addApi = [&](int64_t start, int64_t end, uint32_t name, uint32_t corr) {
        if (!o.apiCalls) return;
        run.api.start_ns.push_back(start);
        run.api.end_ns.push_back(end);
        run.api.thread.push_back(mainThread);
        run.api.correlation.push_back(corr);
        run.api.name.push_back(name);
        run.api.return_value.push_back(0);
    };
    auto addRange = [&](int64_t start, int64_t end, uint32_t depth, uint32_t name) {
        run.ranges.start_ns.push_back(start);
        run.ranges.end_ns.push_back(end);
        run.ranges.thread.push_back(mainThread);
        run.ranges.depth.push_back(depth);
        run.ranges.name.push_back(name);
        run.ranges.category.push_back(stepCat);
    };
    const size_t perStep = std::max<size_t>(o.kernelsPerStep, 2);
    CounterSeries& memory = run.counters["memory_used_bytes"];
    for (size_t i = 0; i < o.kernels; ++i) {
        // Skewed: low name indices are much more common (u^2), like real workloads.
        const double u = rng.uniform();
        const uint32_t n = std::min<uint32_t>(uint32_t(u * u * names), names - 1);
        const uint32_t s = uint32_t(i % streams);
        const int64_t apiDur = 2000 + int64_t(rng.below(3000));
        addApi(cpu, cpu + apiDur, launch, ++correlation);
        const int64_t start = std::max(streamFree[s], cpu + apiDur / 2 + 1000);
        const int64_t dur = std::max<int64_t>(1, int64_t(meanNs[n] * (0.5 + rng.uniform())));
        cpu += apiDur + 500 + int64_t(rng.below(1000));
        streamFree[s] = start + dur + 200;
        // One launch in ten uses a second config: the summary must find the common one.
        const bool alt = rng.below(10) == 0;
        k.start_ns.push_back(start);
        k.end_ns.push_back(start + dur);
        k.device.push_back(gpu);
        k.stream.push_back(7 + s);
        k.correlation.push_back(correlation);
        k.name.push_back(nameIds[n]);
        k.grid_x.push_back(alt ? gridX[n] * 2 : gridX[n]);
        k.grid_y.push_back(1);
        k.grid_z.push_back(1);
        k.block_x.push_back(blockX[n]);
        k.block_y.push_back(1);
        k.block_z.push_back(1);
        k.registers_per_thread.push_back(regs[n]);
        k.shared_static.push_back(shared[n]);
        k.shared_dynamic.push_back(alt ? 4096 : 0);

        if (o.memcpyEvery > 0 && i % o.memcpyEvery == 0) {
            const uint8_t kind = uint8_t(1 + rng.below(3)); // HtoD, DtoH, DtoD
            const uint64_t bytes = (1ull << 16) << rng.below(10);
            const double gbps = kind == 3 ? 1500.0 : 25.0; // bytes per ns
            const int64_t copyDur = std::max<int64_t>(1, int64_t(double(bytes) / gbps));
            const int64_t apiEnd = cpu + 3000;
            addApi(cpu, apiEnd, memcpyAsync, ++correlation);
            const int64_t cstart = std::max(streamFree[s], cpu + 1500);
            run.memcpy.start_ns.push_back(cstart);
            run.memcpy.end_ns.push_back(cstart + copyDur);
            run.memcpy.device.push_back(gpu);
            run.memcpy.stream.push_back(7 + s);
            run.memcpy.correlation.push_back(correlation);
            run.memcpy.kind.push_back(kind);
            run.memcpy.bytes.push_back(bytes);
            streamFree[s] = cstart + copyDur + 200;
            cpu = apiEnd + 500;
        }
        if ((i + 1) % perStep == 0 || i + 1 == o.kernels) {
            const size_t step = i / perStep;
            const int64_t mid = stepStart + (cpu - stepStart) / 2;
            addRange(stepStart, cpu, 0, run.strings.intern("step " + std::to_string(step)));
            addRange(stepStart, mid, 1, run.strings.intern("forward"));
            addRange(mid, cpu, 1, run.strings.intern("backward"));
            memory.time_ns.push_back(cpu);
            memory.value.push_back(double(1ull << 30) + double(rng.below(1ull << 28)));
            stepStart = cpu;
            cpu += 1000;
        }
    }
    // Ranges are sorted by start per thread; the outer range comes first at equal start.
    return run;
}

} // namespace ks::data
