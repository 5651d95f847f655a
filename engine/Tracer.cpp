#include "Tracer.h"

#include <ctime>

namespace ks::engine {

namespace {
int64_t realtimeNs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
} // namespace

Tracer::Tracer(bool enabled) : m_enabled(enabled) {
    // A realtime/steady pair taken together: steady durations convert to the realtime clock the
    // CUPTI collector uses, so engine ranges and GPU activity line up.
    m_originSteady = std::chrono::steady_clock::now();
    m_originUnixNs = realtimeNs();
    m_run.info.origin_unix_ns = m_originUnixNs;
    m_run.info.clock_domain = "realtime";
    m_category = m_run.strings.intern("engine");
    m_run.nameThread(m_thread, "engine");
    // Enough for a few thousand steps without reallocating inside a step.
    m_run.ranges.forEachColumn([](const char*, auto& column) { column.reserve(1 << 16); });
    m_run.kernels.forEachColumn([](const char*, auto& column) { column.reserve(1 << 16); });
    m_open.reserve(64);
}

void Tracer::kernel(uint32_t device, uint32_t stream, uint32_t name, int64_t startNs,
                    int64_t endNs) {
    if (!m_enabled) return;
    auto& k = m_run.kernels;
    k.start_ns.push_back(startNs);
    k.end_ns.push_back(endNs);
    k.device.push_back(device);
    k.stream.push_back(stream);
    k.correlation.push_back(uint32_t(k.correlation.size() + 1));
    k.name.push_back(name);
    for (auto* column : {&k.grid_x, &k.grid_y, &k.grid_z, &k.block_x, &k.block_y, &k.block_z,
                         &k.registers_per_thread, &k.shared_static, &k.shared_dynamic})
        column->push_back(0);
}

void Tracer::counter(const std::string& name, int64_t timeNs, double value) {
    auto& series = m_run.counters[name];
    series.time_ns.push_back(timeNs);
    series.value.push_back(value);
}

data::Run Tracer::take() {
    const int64_t t = now();
    while (!m_open.empty()) {
        m_run.ranges.end_ns[m_open.back()] = t;
        m_open.pop_back();
    }
    data::Run out = std::move(m_run);
    m_run = data::Run{};
    return out;
}

} // namespace ks::engine
