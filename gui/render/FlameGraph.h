#pragma once
// Flame graphs: a call tree merged by call path (from CPU ranges, sampled stacks or folded
// stacks) and a QPainter renderer shared by the window and image export (PNG/SVG).
#include "data/Run.h"

#include <QColor>
#include <QRectF>
#include <QRegularExpression>
#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

class QPainter;

namespace ks::gui {

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
    QString unit; // "ns" or "samples"
    uint32_t maxDepth() const;
    // The path from the root to `node` (root first).
    std::vector<uint32_t> pathTo(uint32_t node) const;

private:
    std::vector<FlameNode> m_nodes;
};

// Ranges merged by call path (depth nesting), one thread or all (`thread` empty). With
// `mergeNumbers`, digit runs in names become '#', so "step 12" and "step 13" merge.
FlameTree flameFromRanges(const data::Run& run, std::optional<uint32_t> thread = std::nullopt,
                          bool mergeNumbers = false);
// "step 12 / 40" -> "step # / #"; digits that end an identifier stay ("fc1", "conv2d").
std::string withoutNumbers(std::string_view name);
// Sampled stacks, one sample = weight 1.
FlameTree flameFromSamples(const data::Run& run, std::optional<uint32_t> thread = std::nullopt);
// Folded stacks text: "outer;inner;leaf count" per line. Lines that do not parse are counted.
FlameTree flameFromFolded(std::string_view text, size_t* badLines = nullptr);

enum class FlameColor { NameHash, Module };

struct FlameStyle {
    uint32_t zoomRoot = 0;     // the frame drawn full width
    bool icicle = false;       // root at the top (icicle) or at the bottom (flame)
    QRegularExpression search; // matches are highlighted, others dimmed (when valid, non-empty)
    FlameColor color = FlameColor::NameHash;
    uint32_t hovered = UINT32_MAX;
    double rowHeight = 18;
    bool dark = false;
};

// The module of a frame: "sym (libfoo.so)" -> "libfoo.so", "ns::f" -> "ns", else the name.
std::string frameModule(std::string_view frame);
QColor flameColor(std::string_view name, FlameColor mode, bool dim);

struct FlameBox {
    QRectF rect;
    uint32_t node;
};
// Boxes of the visible frames (narrower than 0.5 px are dropped) in `area`.
std::vector<FlameBox> layoutFlame(const FlameTree& tree, const QRectF& area, const FlameStyle& s);
void paintFlame(QPainter& p, const FlameTree& tree, const QRectF& area, const FlameStyle& s);
// Image export. Errors name the file.
bool saveFlamePng(const FlameTree& tree, const FlameStyle& s, const QString& path, QSize size,
                  QString* error);
bool saveFlameSvg(const FlameTree& tree, const FlameStyle& s, const QString& path, QSize size,
                  QString* error);

} // namespace ks::gui
