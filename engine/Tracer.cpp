#include "Tracer.h"

#include <ctime>
#include <fstream>
#include <string>

namespace ks::engine {

namespace {

int64_t realtimeNs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t steadyNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The TSC is a usable clock only when it ticks at a constant rate through power states.
bool invariantTsc() {
#ifdef KS_TRACER_HAVE_TSC
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("flags", 0) == 0)
            return line.find(" constant_tsc") != std::string::npos &&
                   line.find(" nonstop_tsc") != std::string::npos;
#endif
    return false;
}

} // namespace

Tracer::Tracer(bool enabled) : m_enabled(enabled) {
    static const bool tsc = invariantTsc();
    m_useTsc = tsc;
    // Realtime, steady and tick readings taken together: ticks convert to steady durations, and
    // those to the realtime clock the CUPTI collector uses, so engine and GPU activity line up.
    m_originStamp = stamp();
    m_originSteadyNs = steadyNs();
    m_originUnixNs = realtimeNs();
    m_run.info.origin_unix_ns = m_originUnixNs;
    m_run.info.clock_domain = "realtime";
    m_category = m_run.strings.intern("engine");
    m_run.nameThread(m_thread, "engine");
    // Enough for a few thousand steps without reallocating inside a step.
    m_ranges.reserve(1 << 16);
    m_run.kernels.forEachColumn([](const char*, auto& column) { column.reserve(1 << 16); });
    m_open.reserve(64);
}

void Tracer::kernel(uint32_t device, uint32_t stream, uint32_t name, int64_t startStamp,
                    int64_t endStamp) {
    if (!m_enabled) return;
    auto& k = m_run.kernels;
    k.start_ns.push_back(startStamp);
    k.end_ns.push_back(endStamp);
    k.device.push_back(device);
    k.stream.push_back(stream);
    k.correlation.push_back(uint32_t(k.correlation.size() + 1));
    k.name.push_back(name);
    for (auto* column : {&k.grid_x, &k.grid_y, &k.grid_z, &k.block_x, &k.block_y, &k.block_z,
                         &k.registers_per_thread, &k.shared_static, &k.shared_dynamic})
        column->push_back(0);
}

void Tracer::counter(const std::string& name, int64_t atStamp, double value) {
    auto& series = m_run.counters[name];
    series.time_ns.push_back(atStamp);
    series.value.push_back(value);
}

data::Run Tracer::take() {
    const int64_t endStamp = stamp();
    for (uint32_t i : m_open) m_ranges[i].end = endStamp;
    m_open.clear();

    // Ticks per ns over the whole run; a short run waits a few ms so the rate is precise.
    double nsPerTick = 1.0;
    if (m_useTsc) {
        int64_t steady = steadyNs(), ticks = stamp();
        while (steady - m_originSteadyNs < 5000000) {
            steady = steadyNs();
            ticks = stamp();
        }
        nsPerTick = double(steady - m_originSteadyNs) / double(ticks - m_originStamp);
    }
    const int64_t origin = m_originStamp;
    auto toNs = [&](int64_t s) { return int64_t(double(s - origin) * nsPerTick); };

    auto& r = m_run.ranges;
    for (const RangeRecord& rec : m_ranges) {
        r.start_ns.push_back(toNs(rec.start));
        r.end_ns.push_back(toNs(rec.end));
        r.thread.push_back(m_thread);
        r.depth.push_back(rec.depth);
        r.name.push_back(rec.name);
        r.category.push_back(m_category);
    }
    m_ranges.clear();
    for (auto* column : {&m_run.kernels.start_ns, &m_run.kernels.end_ns})
        for (auto& t : *column) t = toNs(t);
    for (auto& [name, series] : m_run.counters)
        for (auto& t : series.time_ns) t = toNs(t);

    data::Run out = std::move(m_run);
    m_run = data::Run{};
    return out;
}

} // namespace ks::engine
