#pragma once
// Converts source timestamps (CUPTI's clock: CLOCK_REALTIME on Linux) to ns since the run origin.
// A pair (source clock, CLOCK_REALTIME) is read at start and at stop; times are interpolated
// linearly between them, so an offset or a slow drift between the two clocks is corrected.
#include <cstdint>

namespace ks::cupti {

struct ActivityTables;

struct ClockPair {
    uint64_t sourceNs = 0;
    int64_t realtimeNs = 0;
    int64_t uncertaintyNs = 0; // half the time the two reads took
};

ClockPair readClockPair(uint64_t (*sourceClock)(void*), void* context);
int64_t realtimeNowNs();

class ClockMapping {
public:
    ClockMapping(ClockPair start, ClockPair stop, int64_t originUnixNs);
    int64_t toRunNs(int64_t sourceNs) const;
    // Converts every time column of `tables` in place.
    void apply(ActivityTables& tables) const;
    double slope() const { return m_slope; }

private:
    int64_t m_sourceStart = 0;
    int64_t m_runStart = 0; // start.realtimeNs - origin
    double m_slope = 1.0;   // realtime ns per source ns
    bool m_offsetOnly = true;
};

} // namespace ks::cupti
