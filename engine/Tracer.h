#pragma once
// The engine's CPU tracer: NVTX-style push/pop ranges, CPU "kernels" and counters, recorded into
// preallocated vectors on the engine thread and moved into a data::Run at the end.
//
// A range costs two timestamp reads and one vector append. Timestamps are raw ticks: the CPU's
// invariant TSC where there is one (a clock_gettime call costs ~50 ns on some VMs, rdtsc far
// less), else steady_clock ns. take() converts ticks to ns since the origin with a rate measured
// against steady_clock over the whole run.
#include "data/Run.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define KS_TRACER_HAVE_TSC 1
#endif

namespace ks::engine {

class Tracer {
public:
    // `enabled` false turns every call into a branch (the "tracing off" case of the benchmark).
    explicit Tracer(bool enabled = true);

    bool enabled() const { return m_enabled; }
    // Time origin: CLOCK_REALTIME ns at construction; every timestamp is ns since then.
    int64_t originUnixNs() const { return m_originUnixNs; }

    // A raw timestamp for push/kernel/counter; converted to ns by take().
    int64_t stamp() const {
#ifdef KS_TRACER_HAVE_TSC
        if (m_useTsc) return int64_t(__rdtsc());
#endif
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    uint32_t intern(std::string_view name) {
        return m_run.strings.intern(name);
    }

    void push(uint32_t name) {
        if (!m_enabled) return;
        m_open.push_back(uint32_t(m_ranges.size()));
        m_ranges.push_back({stamp(), 0, name, uint32_t(m_open.size() - 1)});
    }
    void pop() {
        if (!m_enabled || m_open.empty()) return;
        m_ranges[m_open.back()].end = stamp();
        m_open.pop_back();
    }
    // A finished op on a CPU "device" (stream = worker lane); times from stamp().
    void kernel(uint32_t device, uint32_t stream, uint32_t name, int64_t startStamp,
                int64_t endStamp);
    void counter(const std::string& name, int64_t atStamp, double value);

    // The run being built (strings, devices, threads, tensors...); hand it over with take().
    data::Run& run() {
        return m_run;
    }
    // Closes open ranges, converts every timestamp to ns since the origin and returns the run.
    data::Run take();

private:
    bool m_enabled;
    bool m_useTsc = false;
    int64_t m_originUnixNs;
    int64_t m_originSteadyNs;
    int64_t m_originStamp;
    // One record per range (a single append per push), turned into columns by take().
    struct RangeRecord {
        int64_t start, end;
        uint32_t name, depth;
    };
    data::Run m_run;
    std::vector<RangeRecord> m_ranges;
    std::vector<uint32_t> m_open; // indices of open ranges, innermost last
    uint32_t m_thread = 0;
    uint32_t m_category = 0;
};

// RAII range: the tracer's range plus the backend's NVTX range when one is given.
template <class Nvtx> class ScopedRange {
public:
    ScopedRange(Tracer& t, uint32_t name, Nvtx* nvtx, const char* text) : m_t(t), m_nvtx(nvtx) {
        m_t.push(name);
        if (m_nvtx) m_nvtx->rangePush(text);
    }
    ~ScopedRange() {
        if (m_nvtx) m_nvtx->rangePop();
        m_t.pop();
    }
    ScopedRange(const ScopedRange&) = delete;
    ScopedRange& operator=(const ScopedRange&) = delete;

private:
    Tracer& m_t;
    Nvtx* m_nvtx;
};

} // namespace ks::engine
