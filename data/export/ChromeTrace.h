#pragma once
// The whole run as Chrome trace JSON ({"traceEvents": [...]}), which Perfetto and
// chrome://tracing open: X events (ts/dur in µs, ns precision), M metadata naming processes and
// threads with sort indices, kernel/copy args, s/f flows from each API call to the GPU work it
// launched (same correlation id, category "ac2g" like Kineto) and counters as C events.
#include "data/Result.h"
#include "data/Run.h"

#include <string>

namespace ks::data {

struct ChromeTraceStats {
    size_t events = 0; // everything written, metadata and flows included
    size_t flows = 0;  // s/f pairs
};

// Process ids used in the trace: the host is 1, device d is kChromeDevicePidBase + d.
constexpr int kChromeHostPid = 1;
constexpr int kChromeDevicePidBase = 100;

// Written atomically (temporary file renamed into place).
Result<ChromeTraceStats> writeChromeTrace(const Run& run, const std::string& path);

// JSON string contents: escapes quotes, backslashes and control characters, and replaces bytes
// that are not valid UTF-8 with U+FFFD so every consumer can parse the file.
void appendJsonEscaped(std::string& out, std::string_view s);

} // namespace ks::data
