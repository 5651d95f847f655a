#pragma once
// The reading side of the injection library's spool folder (cupti_collector/inject/EventFormat.h):
// turns the per-thread event segments into NVTX ranges and marks in /cpu/ranges, thread and
// process names, and the captured tensor files into /tensors. Every record that cannot be used
// is counted, never silently skipped.
#include "data/Result.h"
#include "data/Run.h"

#include <cstdint>
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

// Reads every spool file in `dir` into `run`: times become ns since `originMonoNs`
// (CLOCK_MONOTONIC); ranges still open are closed at `endMonoNs`. Names of domains are prefixed
// "domain::", categories stored as "nvtx" or "nvtx:<category>", marks are zero-length ranges.
data::Result<SpoolStats> readSpool(const std::string& dir, int64_t originMonoNs, int64_t endMonoNs,
                                   data::Run& run);

} // namespace ks::cli
