#pragma once
// The reading side of the injection library's spool folder (cupti_collector/inject/EventFormat.h):
// turns the per-thread event segments into NVTX ranges and marks in /cpu/ranges, thread and
// process names, and the captured tensor files into /tensors. Every record that cannot be used
// is counted, never silently skipped.
#include "data/Result.h"
#include "data/Run.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ks::cli {

struct SpoolStats {
    uint64_t events = 0;
    uint64_t dropped = 0;   // records the program could not keep (spool limit)
    uint64_t damaged = 0;   // records or files that failed their checks
    uint64_t unmatched = 0; // pops/ends without a push/start, ranges never closed
    uint64_t tensors = 0;
    int64_t lastEventNs = 0; // CLOCK_MONOTONIC of the last event seen (0 when none)
};

// Maps spool time stamps (EventClock) onto the run's time: CLOCK_MONOTONIC_RAW ns since the
// recording's origin. TSC stamps go through two (tsc, raw) pairs the recorder took around the run.
struct SpoolClock {
    int64_t originRawNs = 0;
    uint64_t tsc0 = 0;
    int64_t raw0 = 0;
    long double nsPerTick = 0; // 0: no TSC mapping (TSC segments are then damaged)
    static SpoolClock fromPairs(int64_t originRawNs, uint64_t tsc0, int64_t raw0, uint64_t tsc1,
                                int64_t raw1);
    // nullopt for an unknown clock or a TSC stamp without a mapping.
    std::optional<int64_t> toRunNs(int64_t stamp, uint32_t clock) const;
};

// Reads every spool file in `dir` into `run`; ranges still open are closed at `endRunNs` (or at the
// last event, when later). Names of domains are prefixed "domain::", categories stored as "nvtx"
// or "nvtx:<category>", marks are zero-length ranges.
data::Result<SpoolStats> readSpool(const std::string& dir, const SpoolClock& clock,
                                   int64_t endRunNs, data::Run& run);

} // namespace ks::cli
