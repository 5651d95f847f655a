#include "cupti_collector/ClockMapping.h"

#include "cupti_collector/ActivityTables.h"

#include <cmath>
#include <ctime>

namespace ks::cupti {

int64_t realtimeNowNs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

ClockPair readClockPair(uint64_t (*sourceClock)(void*), void* context) {
    // Bracket the source read between two realtime reads and take the midpoint.
    const int64_t before = realtimeNowNs();
    const uint64_t source = sourceClock(context);
    const int64_t after = realtimeNowNs();
    return {source, before + (after - before) / 2, (after - before) / 2 + 1};
}

ClockMapping::ClockMapping(ClockPair start, ClockPair stop, int64_t originUnixNs)
    : m_sourceStart(int64_t(start.sourceNs)), m_runStart(start.realtimeNs - originUnixNs) {
    const int64_t sourceSpan = int64_t(stop.sourceNs) - int64_t(start.sourceNs);
    const int64_t realSpan = stop.realtimeNs - start.realtimeNs;
    // Disagreement within the reads' uncertainty (plus 20 us of scheduling noise) is not drift:
    // a constant offset is then exact enough and keeps the conversion in integers.
    const int64_t noise = start.uncertaintyNs + stop.uncertaintyNs + 20'000;
    if (sourceSpan > 0 && realSpan > 0 && std::llabs(realSpan - sourceSpan) > noise) {
        m_slope = double(realSpan) / double(sourceSpan);
        m_offsetOnly = false;
    }
}

int64_t ClockMapping::toRunNs(int64_t sourceNs) const {
    const int64_t delta = sourceNs - m_sourceStart;
    if (m_offsetOnly) return m_runStart + delta;
    return m_runStart + int64_t(std::llround(double(delta) * m_slope));
}

void ClockMapping::apply(ActivityTables& tables) const {
    auto convert = [&](std::vector<int64_t>& column) {
        for (int64_t& t : column) t = toRunNs(t);
    };
    auto convertTable = [&](auto& table) {
        convert(table.start_ns);
        convert(table.end_ns);
    };
    convertTable(tables.kernels);
    convertTable(tables.memcpy);
    convertTable(tables.memset);
    convertTable(tables.api);
    convertTable(tables.ranges);
}

} // namespace ks::cupti
