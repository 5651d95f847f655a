#pragma once
// The engine's CPU tracer: NVTX-style push/pop ranges, CPU "kernels" and counters, recorded into
// preallocated vectors on the engine thread and moved into a data::Run at the end. A range costs
// two steady_clock reads and a vector append; names are interned once, up front, by the caller.
#include "data/Run.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ks::engine {

class Tracer {
public:
    // `enabled` false turns every call into a branch (the "tracing off" case of the benchmark).
    explicit Tracer(bool enabled = true);

    bool enabled() const { return m_enabled; }
    // Time origin: CLOCK_REALTIME ns at construction; every timestamp is ns since then.
    int64_t originUnixNs() const { return m_originUnixNs; }
    int64_t now() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - m_originSteady)
            .count();
    }

    uint32_t intern(std::string_view name) { return m_run.strings.intern(name); }

    void push(uint32_t name) {
        if (!m_enabled) return;
        m_open.push_back(uint32_t(m_run.ranges.start_ns.size()));
        auto& r = m_run.ranges;
        r.start_ns.push_back(now());
        r.end_ns.push_back(0);
        r.thread.push_back(m_thread);
        r.depth.push_back(uint32_t(m_open.size() - 1));
        r.name.push_back(name);
        r.category.push_back(m_category);
    }
    void pop() {
        if (!m_enabled || m_open.empty()) return;
        m_run.ranges.end_ns[m_open.back()] = now();
        m_open.pop_back();
    }
    // A finished op on a CPU "device" (stream = worker lane).
    void kernel(uint32_t device, uint32_t stream, uint32_t name, int64_t startNs, int64_t endNs);
    void counter(const std::string& name, int64_t timeNs, double value);

    // The run being built (strings, devices, threads...); hand it over with take().
    data::Run& run() { return m_run; }
    // Closes open ranges and returns the run with info.origin_unix_ns set.
    data::Run take();

private:
    bool m_enabled;
    int64_t m_originUnixNs;
    std::chrono::steady_clock::time_point m_originSteady;
    data::Run m_run;
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
