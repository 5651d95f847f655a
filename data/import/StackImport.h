#pragma once
// Sampled call stacks into /cpu/samples + /cpu/stacks:
//  - folded stacks ("outer;inner;leaf 42" per line, Brendan Gregg's stackcollapse format): one
//    sample row per line with the count as its weight (folded stacks carry no time: time_ns is
//    the line's index). UTF-8, or UTF-16 LE/BE with a byte-order mark; CRLF; '#' comments.
//    Lines that are not "stack COUNT" are skipped and counted (the run's notes and
//    /collector dropped_records), as speedscope and FlameGraph skip them.
//  - `perf script` text: a header per sample ("comm pid[/tid] [cpu] time: [period] event:")
//    followed by one frame per line ("addr symbol+off (module)"), innermost first, a blank line
//    between samples. The period is the weight (1 when absent), the event name is kept per
//    sample. Frames are named the way FlameGraph's stackcollapse-perf.pl names them: offsets
//    stripped, "[unknown]" replaced by "[module]" when the module is known.
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>
#include <unordered_map>

namespace ks::data {

// Largest weight a folded line may carry; larger counts are skipped and counted (the flame
// graph sums weights as doubles, exact up to 2^53).
constexpr uint64_t kMaxSampleWeight = uint64_t(1) << 53;

Result<Run> parseFoldedStacks(std::string_view text, const std::string& source);
Result<Run> parsePerfScript(std::string_view text, const std::string& source);
Result<Run> importFoldedStacks(const std::string& path);
Result<Run> importPerfScript(const std::string& path);

// UTF-16 (with a byte-order mark) converted to UTF-8; a UTF-8 BOM removed; other text as is.
std::string decodeText(std::string_view bytes);
// True when `head` starts with a UTF-16 byte-order mark.
bool hasUtf16Bom(std::string_view head);

// Interns frames root-to-leaf into the run's stack tree and returns the leaf node.
class StackBuilder {
public:
    explicit StackBuilder(Run& run) : m_run(run) {}
    uint32_t node(uint32_t parent, std::string_view frame);
    static constexpr uint32_t kRoot = kNoParent;

private:
    Run& m_run;
    std::unordered_map<uint64_t, uint32_t> m_nodes; // (parent, frame id) -> node
};

} // namespace ks::data
