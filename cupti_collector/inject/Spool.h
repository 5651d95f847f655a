#pragma once
// The writing side of the spool (EventFormat.h): each thread appends records to its own mapped
// segment file, with no lock and no system call on the common path (one clock read through the
// vDSO and a copy). A full segment is replaced by a new one; when the process's spool limit is
// reached, records are dropped and counted in the segment header, never silently lost.
#include "EventFormat.h"

#include <cstdint>
#include <string_view>

namespace ks::inject {

// Reads KS_PROFILE_DIR and KS_PROFILE_LIMIT_MB once; false when not running under the recorder.
bool spoolActive();
const char* spoolDirectory();

int64_t monotonicNs(); // CLOCK_MONOTONIC_RAW
int64_t eventTime();   // the spool's EventClock: TSC when the recorder asked for it
uint32_t currentTid();

// Appends one record for the calling thread. Safe from any thread, after fork and at exit.
void appendEvent(EventType type, uint32_t domain, uint32_t category, uint64_t a,
                 std::string_view text);

} // namespace ks::inject
