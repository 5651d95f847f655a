// Translation throughput of the CUPTI collector: records per second from fake buffers on one
// core. Goal: >= 20 million records/s, so collection never becomes the bottleneck.
//   bench_cupti [records]   prints "translate: N records in T ms = R M records/s" lines
// The columns' memory is part of the cost: on a machine where page faults are slow (VMs), run it
// also with GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295 so freed memory is reused and
// the figure shows the translation work alone (bench_cupti.sh prints both).
#if __has_include(<cupti_activity.h>)
#include "../cupti/Records.h"
#include "cupti_collector/ClockMapping.h"
#include "cupti_collector/Collector.h"
#include "cupti_collector/FakeActivitySource.h"
#include "cupti_collector/RecordTranslator.h"

#include <sys/mman.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

using namespace ks::cupti;
using namespace ks::test;

namespace {

constexpr uint64_t kT0 = 1'795'000'000'000'000'000ull;
const char* const kKernelNames[] = {"_Z4gemmPKfS0_Pfiii", "relu_kernel", "softmax_fwd",
                                    "layernorm_bwd", "adam_step"};

// A realistic mix: per launch an API record and a kernel; every 8th a memcpy; NVTX ranges.
FakeRecordBatch makeBatch(size_t records) {
    FakeRecordBatch b;
    uint64_t t = kT0;
    uint32_t corr = 1, marker = 1;
    while (b.count() < records) {
        b.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_START, t, marker, 11, "layer"));
        for (int i = 0; i < 8 && b.count() < records; ++i, ++corr, t += 1000) {
            b.add(apiRecord(CUPTI_ACTIVITY_KIND_RUNTIME, 211, t, t + 300, 11, corr));
            b.add(kernelRecord(t + 200, t + 900, corr % 4, corr, kKernelNames[corr % 5]));
        }
        b.add(memcpyRecord(t, t + 500, CUPTI_ACTIVITY_MEMCPY_KIND_DTOH, 4096, corr++));
        b.add(markerRecord(CUPTI_ACTIVITY_FLAG_MARKER_END, t + 600, marker++, 11, nullptr));
        t += 1000;
    }
    return b;
}

double seconds(std::chrono::steady_clock::time_point from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
}

// CPU time of this thread: the cost on one core, whatever else the machine is running.
double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

long minorFaults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

void report(const char* what, size_t records, double s, long faults) {
    std::printf("%s: %zu records in %.1f ms = %.1f M records/s (%ld page faults)\n", what, records,
                s * 1e3, double(records) / s / 1e6, faults);
}

// What one first touch of a fresh 4 KiB page costs here (VMs: far more than bare metal).
double pageFaultMicroseconds() {
    const size_t n = 32u << 20;
    void* m = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 0;
    auto* p = static_cast<volatile char*>(m);
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i += 4096) p[i] = 1;
    const double s = seconds(start);
    munmap(m, n);
    return s * 1e6 / double(n / 4096);
}

} // namespace

int main(int argc, char** argv) {
    const size_t records = argc > 1 ? size_t(std::atoll(argv[1])) : 1'000'000;
    const FakeRecordBatch batch = makeBatch(records);
    std::printf("fake batch: %zu records, %.1f MiB\n", batch.count(), batch.bytes() / 1048576.0);

    std::printf("first touch of a fresh page on this machine: %.2f us\n", pageFaultMicroseconds());

    // 1. The pure translator walking packed buffers (what the collector thread does per buffer).
    double best = 1e30, bestCpu = 1e30;
    long bestFaults = 0;
    for (int rep = 0; rep < 5; ++rep) {
        FakeActivitySource walker;
        RecordTranslator t([](CUpti_ActivityKind, uint32_t) { return std::string("cudaLaunch"); });
        auto* data = const_cast<uint8_t*>(batch.data());
        const long faults = minorFaults();
        const double cpu = threadCpuSeconds();
        const auto start = std::chrono::steady_clock::now();
        CUpti_Activity* r = nullptr;
        while (walker.nextRecord(data, batch.bytes(), r)) t.add(r);
        const double s = seconds(start);
        bestCpu = std::min(bestCpu, threadCpuSeconds() - cpu);
        if (s < best) {
            best = s;
            bestFaults = minorFaults() - faults;
        }
        if (t.tables().records != batch.count()) return 1;
    }
    report("translate (walk + columns, best of 5)", batch.count(), best, bestFaults);
    std::printf("translate CPU time on its core: %.1f ms = %.1f M records/s\n", bestCpu * 1e3,
                double(batch.count()) / bestCpu / 1e6);

    // 2. Finish: marker pairing leftovers, depth, sort, clock conversion.
    {
        FakeActivitySource walker;
        RecordTranslator t([](CUpti_ActivityKind, uint32_t) { return std::string("cudaLaunch"); });
        CUpti_Activity* r = nullptr;
        auto* data = const_cast<uint8_t*>(batch.data());
        while (walker.nextRecord(data, batch.bytes(), r)) t.add(r);
        const long faults = minorFaults();
        const auto start = std::chrono::steady_clock::now();
        ActivityTables out = t.finish();
        ClockMapping({kT0, int64_t(kT0)}, {kT0 + 1000, int64_t(kT0) + 1000}, int64_t(kT0))
            .apply(out);
        report("finish (pairing, depth, sort, clock)", batch.count(), seconds(start),
               minorFaults() - faults);
    }

    // 3. The whole path: 8 MiB pool buffers, queue, collector thread, stop into a Run.
    {
        auto source = std::make_unique<FakeActivitySource>();
        FakeActivitySource* fake = source.get();
        auto c = Collector::start(std::move(source), {}, realtimeNowNs());
        if (!c) return 1;
        const long faults = minorFaults();
        const auto start = std::chrono::steady_clock::now();
        fake->deliver(batch);
        ks::data::Run run;
        c.value()->stopInto(run);
        report("collector end to end (deliver + translate + stopInto)", batch.count(),
               seconds(start), minorFaults() - faults);
        std::printf("  kernels %zu, api %zu, memcpy %zu, ranges %zu, buffers %llu, dropped %llu\n",
                    run.kernels.size(), run.api.size(), run.memcpy.size(), run.ranges.size(),
                    (unsigned long long)run.collector.buffers,
                    (unsigned long long)run.collector.dropped_records);
    }
    std::printf("goal: >= 20 M records/s for the translation on one core\n");
    return 0;
}
#else
#include <cstdio>
int main() {
    std::puts("bench_cupti: built without the CUDA toolkit (no CUPTI headers)");
    return 0;
}
#endif
