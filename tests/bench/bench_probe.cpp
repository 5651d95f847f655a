// Cost of the isolated HDF5 probe that runs before every HDF5 file is opened in-process: the
// forked child that reads all metadata, against reading the same metadata in-process and against
// reading the whole run. Goal: <= 10 ms per open of a normal file.
//   bench_probe [KERNELS] [REPEATS] [TENSORS]
#include "data/Hdf5Probe.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sys/resource.h>
#include <vector>

using namespace ks::data;

namespace {

double medianMs(int repeats, const std::function<void()>& f, double* p90 = nullptr) {
    std::vector<double> ms;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    if (p90) *p90 = ms[size_t(ms.size() * 0.9)];
    return ms[ms.size() / 2];
}

// CPU seconds used so far by this process and its waited-for children: unlike wall time, not
// inflated when other work shares the cores.
double cpuSeconds() {
    auto seconds = [](const rusage& u) {
        return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return seconds(self) + seconds(children);
}

} // namespace

int main(int argc, char** argv) {
    const size_t kernels = argc > 1 ? size_t(std::atoll(argv[1])) : 100'000;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 30;
    const int tensors = argc > 3 ? std::atoi(argv[3]) : 64;
    SyntheticOptions o;
    o.kernels = kernels;
    Run run = makeSyntheticRun(o);
    for (int i = 0; i < tensors; ++i) // a model's worth of tensors: datasets with 6 attributes
        run.tensors.push_back(makeF32Tensor("step0/layer" + std::to_string(i) + "/output", {64, 64},
                                            std::vector<float>(64 * 64, 1.0f)));
    const std::string path =
        (std::filesystem::temp_directory_path() / "ks-bench-probe.ksr.h5").string();
    if (auto s = writeRun(run, path); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }
    const double mb = double(std::filesystem::file_size(path)) / 1e6;

    double probeP90 = 0;
    const double cpuBefore = cpuSeconds();
    const double probe = medianMs(
        repeats,
        [&] {
            h5::forgetProbes();
            if (!h5::probeFile(path)) std::abort();
        },
        &probeP90);
    const double probeCpuMs = (cpuSeconds() - cpuBefore) * 1000.0 / repeats;
    const double walkCpuBefore = cpuSeconds();
    const double walk = medianMs(repeats, [&] {
        if (!h5::walkMetadata(path)) std::abort();
    });
    const double walkCpuMs = (cpuSeconds() - walkCpuBefore) * 1000.0 / repeats;
    const double cached = medianMs(repeats, [&] {
        if (!h5::probeFile(path)) std::abort();
    });
    const double read = medianMs(std::max(3, repeats / 5), [&] {
        h5::forgetProbes();
        if (!readRun(path)) std::abort();
    });
    std::printf("run file: %zu kernels, %d tensors, %.1f MB\n", kernels, tensors, mb);
    std::printf("probe (fork + metadata walk), first open: median %.2f ms, p90 %.2f ms "
                "(goal <= 10 ms)\n",
                probe, probeP90);
    std::printf(
        "metadata walk in-process:                 median %.2f ms (fork overhead %.2f ms)\n", walk,
        probe - walk);
    std::printf("probe CPU time (parent + child), mean:    %.2f ms; metadata walk alone %.2f ms\n",
                probeCpuMs, walkCpuMs);
    std::printf("probe, same unchanged file again:         median %.3f ms (stat only)\n", cached);
    std::printf("readRun (whole file, probe included):     median %.1f ms; probe = %.1f%% of it\n",
                read, 100.0 * probe / read);
    std::filesystem::remove(path);
    return 0;
}
