#pragma once
// The flame graph renderer (QPainter) shared by the window and image export (PNG/SVG): plain
// flame graphs coloured by name or module, and differential ones coloured by the change.
#include "data/analysis/FlameTree.h"

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

// The trees live in data/ (the command line builds them too); the renderer only draws them.
using data::FlameDiff;
using data::flameFromFolded;
using data::flameFromRanges;
using data::flameFromSamples;
using data::FlameNode;
using data::FlameTree;
using data::withoutNumbers;

enum class FlameColor { NameHash, Module };

struct FlameStyle {
    uint32_t zoomRoot = 0;     // the frame drawn full width
    bool icicle = false;       // root at the top (icicle) or at the bottom (flame)
    QRegularExpression search; // matches are highlighted, others dimmed (when valid, non-empty)
    FlameColor color = FlameColor::NameHash;
    uint32_t hovered = UINT32_MAX;
    double rowHeight = 18;
    bool dark = false;
    // Differential colouring: red where B is slower than A, blue where faster, intensity by the
    // frame's relative change; frames new in B are outlined. `tree` must be diff->tree.
    const FlameDiff* diff = nullptr;
};

// The module of a frame: "sym (libfoo.so)" -> "libfoo.so", "ns::f" -> "ns", else the name.
std::string frameModule(std::string_view frame);
QColor flameColor(std::string_view name, FlameColor mode, bool dim);
// The colour of a frame in a differential flame graph (see FlameStyle::diff).
QColor diffColor(const FlameDiff& diff, uint32_t node);

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
