#pragma once
// Flame trees: call paths merged into a prefix tree of weighted frames, built from CPU ranges,
// sampled stacks (by their weight, one event at a time) or folded-stack text. Also the derived
// views: folded export, bottom-up (inverted) tree, callers/callees of one frame, and the
// differential tree of two runs. Qt-free: the window draws these trees, the command line prints
// them.
#include "data/Run.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::data {

struct FlameNode {
    std::string name;
    uint32_t parent = 0;
    uint32_t depth = 0;
    double total = 0; // inclusive weight (ns or samples)
    double self = 0;  // exclusive weight
    std::vector<uint32_t> children;
};

class FlameTree {
public:
    FlameTree();
    // Node 0 is the root ("all").
    const std::vector<FlameNode>& nodes() const { return m_nodes; }
    const FlameNode& node(uint32_t i) const { return m_nodes[i]; }
    size_t size() const { return m_nodes.size(); }
    uint32_t child(uint32_t parent, std::string_view name); // finds or adds
    // Weighted stack, outermost frame first: adds to the leaf's self weight.
    void addStack(const std::vector<std::string_view>& frames, double weight);
    void addSelf(uint32_t node, double weight) { m_nodes[node].self += weight; }
    // Totals from self weights (samples, folded stacks).
    void computeTotalsFromSelf();
    // Self weights from inclusive totals (ranges, where each range's duration is known).
    void addTotal(uint32_t node, double weight) { m_nodes[node].total += weight; }
    void computeSelfFromTotals();
    // Children sorted by name (flame graph convention), so layouts are stable.
    void sortChildren();
    void setRootName(std::string name) { m_nodes[0].name = std::move(name); }
    std::string unit = "ns"; // "ns", "samples" or the sampled event's name
    uint32_t maxDepth() const;
    // The path from the root to `node` (root first).
    std::vector<uint32_t> pathTo(uint32_t node) const;
    // The node at a path of names below the root, or nullopt.
    std::optional<uint32_t> find(const std::vector<std::string>& path) const;

private:
    std::vector<FlameNode> m_nodes;
};

// Ranges merged by call path (depth nesting), one thread or all (`thread` empty). With
// `mergeNumbers`, digit runs in names become '#', so "step 12" and "step 13" merge.
FlameTree flameFromRanges(const Run& run, std::optional<uint32_t> thread = std::nullopt,
                          bool mergeNumbers = false);
// "step 12 / 40" -> "step # / #"; digits that end an identifier stay ("fc1", "conv2d").
std::string withoutNumbers(std::string_view name);
// Sampled stacks, each sample counted by its weight; one thread or all, one event or all.
FlameTree flameFromSamples(const Run& run, std::optional<uint32_t> thread = std::nullopt,
                           std::optional<uint32_t> event = std::nullopt);
// The sampled events of a run (string ids, 0 = unnamed), in first-seen order.
std::vector<uint32_t> sampleEvents(const Run& run);
// Folded stacks text: "outer;inner;leaf count" per line. Lines that do not parse are counted.
FlameTree flameFromFolded(std::string_view text, size_t* badLines = nullptr);

// Folded stacks of a tree: one "outer;...;leaf weight" line per node with self weight, in
// lexicographic order (as stackcollapse-perf.pl writes them). Weights print as integers when
// they are whole.
std::string foldedText(const FlameTree& tree);

// Bottom-up view: every frame's self weight hangs under the frame itself, then its caller, its
// caller's caller... The first level answers "which functions take the time themselves".
FlameTree invertedFlame(const FlameTree& tree);
// All calls of frame `name` merged: its callees (the root is the frame; outermost occurrences
// only, so recursion is not counted twice) ...
FlameTree calleesOf(const FlameTree& tree, std::string_view name);
// ... and its callers (inverted: the root is the frame, its children the direct callers).
FlameTree callersOf(const FlameTree& tree, std::string_view name);
// Total weight of frames whose name satisfies `match` (outermost matches only, so a matching
// frame inside another is not counted twice), and the count of matching frames.
struct FlameMatch {
    double weight = 0;
    size_t frames = 0;
};
template <class Pred> FlameMatch matchedWeight(const FlameTree& tree, Pred&& match) {
    FlameMatch m;
    std::vector<uint8_t> covered(tree.size(), 0); // an ancestor matched
    for (uint32_t i = 1; i < tree.size(); ++i) {
        const FlameNode& n = tree.node(i);
        const bool under = n.parent != 0 && covered[n.parent];
        const bool hit = match(n.name);
        if (hit) ++m.frames;
        if (hit && !under) m.weight += n.total;
        covered[i] = under || hit;
    }
    return m;
}

// B's tree with A's value for every frame (matched by call path). Frames only in A are added
// with B weight 0 (so they take no width) and listed; frames only in B have baseline 0.
struct FlameDiff {
    enum Presence : uint8_t { Both = 0, OnlyB = 1, OnlyA = 2 };
    FlameTree tree;               // B's weights (the union of both trees' frames)
    std::vector<double> baseline; // A's total per node of `tree`, scaled when normalised
    std::vector<double> baseSelf; // A's self weight per node, scaled likewise
    std::vector<Presence> presence;
    bool normalised = false;
    double scaleA = 1;             // factor applied to A's weights (B total / A total)
    double totalA = 0, totalB = 0; // root totals before scaling
    double delta(uint32_t node) const { return tree.node(node).total - baseline[node]; }
    // The largest |delta| of any frame below the root (0 when nothing changed).
    double maxAbsDelta() const;
};
// `normalise`: A is scaled to B's total first, so the colours show changes in share rather
// than the change of the whole run.
FlameDiff diffFlame(const FlameTree& a, const FlameTree& b, bool normalise);

} // namespace ks::data
