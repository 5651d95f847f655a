// Benchmark: import of one file through the importer registry, without writing a run file.
// Prints the wall time (best of N), throughput, the run's column bytes and the peak resident
// memory the import added, so the ratio memory / column bytes can be checked.
//   bench_import FILE [REPEATS]
#include "data/import/Importers.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

long peakRssKb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

long currentRssKb() {
    std::ifstream in("/proc/self/statm");
    long pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * 4;
}

template <class Table> uint64_t tableBytes(const Table& t) {
    uint64_t n = 0;
    ks::data::forEachColumn(
        t, [&](const char*, const auto& column) { n += column.size() * sizeof(column[0]); });
    return n;
}

uint64_t columnBytes(const ks::data::Run& run) {
    uint64_t n = tableBytes(run.kernels) + tableBytes(run.memcpy) + tableBytes(run.memset) +
                 tableBytes(run.api) + tableBytes(run.ranges) + tableBytes(run.samples) +
                 tableBytes(run.stacks) + tableBytes(run.devices) + tableBytes(run.threads);
    for (const auto& [name, series] : run.counters) n += tableBytes(series);
    n += run.strings.blob().size() + run.strings.offsets().size() * sizeof(uint64_t);
    return n;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_import FILE [REPEATS]\n");
        return 2;
    }
    const std::string path = argv[1];
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    std::ifstream probe(path, std::ios::binary | std::ios::ate);
    const double megabytes = double(probe.tellg()) / 1e6;
    const long before = currentRssKb();
    double best = 1e30, bestCpu = 1e30;
    uint64_t bytes = 0, events = 0;
    long peak = 0;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpuSeconds();
        auto run = ks::data::importFile(path);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!run) {
            std::fprintf(stderr, "%s\n", run.error().message.c_str());
            return 2;
        }
        best = std::min(best, s);
        bestCpu = std::min(bestCpu, cpuSeconds() - c0);
        if (i == 0) {
            peak = peakRssKb(); // the first import sets the peak; later ones reuse freed memory
            bytes = columnBytes(*run);
            events = run->kernels.size() + run->memcpy.size() + run->memset.size() +
                     run->api.size() + run->ranges.size() + run->samples.size();
        }
    }
    const double addedMb = double(peak - before) / 1024.0;
    std::printf("%s: %.1f MB, %llu rows; best of %d: %.3f s wall = %.0f MB/s, %.3f s CPU = %.0f "
                "MB/s; column bytes %.1f MB; peak memory added %.1f MB = %.2fx column bytes\n",
                path.c_str(), megabytes, (unsigned long long)events, repeats, best,
                megabytes / best, bestCpu, megabytes / bestCpu, double(bytes) / 1e6,
                addedMb * 1.048576, addedMb * 1.048576e6 / double(std::max<uint64_t>(bytes, 1)));
    return 0;
}
