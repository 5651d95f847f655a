// Benchmark helper for bench_stats.sh: writes the synthetic run the benchmark times.
//   bench_stats OUT.ksr.h5 [KERNELS] [STREAMS] [NAMES]
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_stats OUT.ksr.h5 [KERNELS] [STREAMS] [NAMES]\n");
        return 2;
    }
    ks::data::SyntheticOptions o;
    o.kernels = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 5'000'000;
    o.streams = argc > 3 ? uint32_t(std::strtoul(argv[3], nullptr, 10)) : 8;
    o.names = argc > 4 ? uint32_t(std::strtoul(argv[4], nullptr, 10)) : 2000;
    const auto t0 = std::chrono::steady_clock::now();
    ks::data::Run run = ks::data::makeSyntheticRun(o);
    const auto t1 = std::chrono::steady_clock::now();
    if (auto s = ks::data::writeRun(run, argv[1]); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    const auto t2 = std::chrono::steady_clock::now();
    std::printf("generated %zu kernels, %zu API calls, %zu copies in %.2f s; wrote %s in %.2f s\n",
                run.kernels.size(), run.api.size(), run.memcpy.size(),
                std::chrono::duration<double>(t1 - t0).count(), argv[1],
                std::chrono::duration<double>(t2 - t1).count());
    return 0;
}
