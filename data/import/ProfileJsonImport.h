#pragma once
// Sampling profilers' JSON into a Run (see docs/IMPORT.md):
//  - speedscope's own format (https://www.speedscope.app/file-format-schema.json): each profile
//    becomes a thread; "evented" profiles (O/C events) become /cpu/ranges, "sampled" profiles
//    become /cpu/samples with their weights (time units converted to ns).
//  - V8 .cpuprofile (Chrome DevTools: flat `nodes` + `timeDeltas`; Node: nested `head` +
//    `timestamps`): /cpu/samples, one row per sample, stacks from the node tree.
// Parsed with simdjson's DOM (bounded nesting depth, no recursion in our code); malformed
// events and samples are skipped and counted in the notes and /collector dropped_records.
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>

namespace ks::data {

Result<Run> parseSpeedscope(std::string_view text, const std::string& source);
Result<Run> importSpeedscope(const std::string& path);
Result<Run> parseCpuProfile(std::string_view text, const std::string& source);
Result<Run> importCpuProfile(const std::string& path);

} // namespace ks::data
