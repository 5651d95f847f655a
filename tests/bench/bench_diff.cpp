// Benchmark helper for bench_diff.sh: writes run B of the pair the benchmark compares: the
// synthetic run bench_stats writes (same options, another seed, so every duration differs) with
// ten kernel names 20 % slower.
//   bench_diff OUT_B.ksr.h5 [KERNELS] [STREAMS] [NAMES]
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_diff OUT_B.ksr.h5 [KERNELS] [STREAMS] [NAMES]\n");
        return 2;
    }
    ks::data::SyntheticOptions o;
    o.kernels = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 5'000'000;
    o.streams = argc > 3 ? uint32_t(std::strtoul(argv[3], nullptr, 10)) : 8;
    o.names = argc > 4 ? uint32_t(std::strtoul(argv[4], nullptr, 10)) : 2000;
    o.seed = 2;
    ks::data::Run run = ks::data::makeSyntheticRun(o);
    auto& k = run.kernels;
    for (size_t i = 0; i < k.size(); ++i)
        if (k.name[i] % 200 == 7) k.end_ns[i] += (k.end_ns[i] - k.start_ns[i]) / 5;
    if (auto s = ks::data::writeRun(run, argv[1]); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    std::printf("wrote %s (%zu kernels)\n", argv[1], k.size());
    return 0;
}
