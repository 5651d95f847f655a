#pragma once
// Sampled call stacks into /cpu/samples + /cpu/stacks:
//  - folded stacks ("outer;inner;leaf 42" per line, Brendan Gregg's stackcollapse format): a line
//    becomes `count` samples with consecutive time_ns (folded stacks carry no time);
//  - `perf script` text: a header per sample ("comm pid/tid [cpu] time: period event:") followed
//    by one frame per line ("addr symbol+off (module)"), innermost first, blank line between.
// Errors are one line: "file:LINE: problem".
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>
#include <unordered_map>

namespace ks::data {

Result<Run> parseFoldedStacks(std::string_view text, const std::string& source);
Result<Run> parsePerfScript(std::string_view text, const std::string& source);
Result<Run> importFoldedStacks(const std::string& path);
Result<Run> importPerfScript(const std::string& path);

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
