#include "gui/render/FlameGraph.h"

#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>

namespace ks::gui {

std::string frameModule(std::string_view frame) {
    if (!frame.empty() && frame.back() == ')') {
        const size_t open = frame.rfind('(');
        if (open != std::string_view::npos && open + 2 < frame.size())
            return std::string(frame.substr(open + 1, frame.size() - open - 2));
    }
    if (const size_t colons = frame.find("::"); colons != std::string_view::npos && colons > 0)
        return std::string(frame.substr(0, colons));
    if (const size_t slash = frame.find('/'); slash != std::string_view::npos && slash > 0)
        return std::string(frame.substr(0, slash));
    return std::string(frame);
}

QColor flameColor(std::string_view name, FlameColor mode, bool dim) {
    const std::string key = mode == FlameColor::Module ? frameModule(name) : std::string(name);
    // FNV-1a: stable colours across runs and platforms.
    uint32_t h = 2166136261u;
    for (unsigned char c : key) h = (h ^ c) * 16777619u;
    // Warm hues (red..yellow) like classic flame graphs; modules spread over more hues.
    const int hue = mode == FlameColor::Module ? int(h % 360) : int(h % 50);
    const int sat = 150 + int((h >> 8) % 70);
    const int val = 215 + int((h >> 16) % 35);
    QColor c = QColor::fromHsv(hue, sat, val);
    if (dim) c = QColor::fromHsv(hue, 25, 200);
    return c;
}

QColor diffColor(const FlameDiff& diff, uint32_t node) {
    if (diff.presence[node] == FlameDiff::OnlyB) return QColor(200, 40, 40); // new: full red
    // Intensity by the frame's own relative change (B / A), full at 4x either way: the width
    // already shows how much time is at stake, the colour shows how much that frame changed.
    // (Scaling by the largest absolute change would make every frame pale next to the root.)
    const double a = diff.baseline[node], b = diff.tree.node(node).total;
    if (a <= 0 || b <= 0) return b > 0 ? QColor(200, 40, 40) : QColor(40, 40, 200);
    const double ratio = b / a;
    if (std::fabs(ratio - 1.0) < 0.01) return QColor(225, 225, 225);
    const double t = std::min(1.0, std::fabs(std::log(ratio)) / std::log(4.0));
    const int fade = int(std::lround(200 * (1.0 - std::sqrt(t))));
    return ratio > 1 ? QColor(255, 40 + fade, 40 + fade) : QColor(40 + fade, 40 + fade, 255);
}

std::vector<FlameBox> layoutFlame(const FlameTree& tree, const QRectF& area, const FlameStyle& s) {
    std::vector<FlameBox> boxes;
    if (tree.size() == 0) return boxes;
    const uint32_t root = s.zoomRoot < tree.size() ? s.zoomRoot : 0;
    const double rootTotal = tree.node(root).total;
    if (rootTotal <= 0) return boxes;
    const double scale = area.width() / rootTotal;
    const double rootDepth = tree.node(root).depth;
    auto yOf = [&](uint32_t depth) {
        const double level = depth - rootDepth;
        return s.icicle ? area.top() + level * s.rowHeight
                        : area.bottom() - (level + 1) * s.rowHeight;
    };
    // Ancestors of the zoom root are drawn full width above it (the breadcrumb in the graph).
    struct Item {
        uint32_t node;
        double x;
    };
    std::vector<Item> work{{root, area.left()}};
    while (!work.empty()) {
        const Item it = work.back();
        work.pop_back();
        const FlameNode& n = tree.node(it.node);
        const double w = n.total * scale;
        if (w < 0.5) continue;
        const double y = yOf(n.depth);
        if (y + s.rowHeight < area.top() - 1 || y > area.bottom() + 1) continue;
        boxes.push_back({QRectF(it.x, y, w, s.rowHeight - 1), it.node});
        double x = it.x;
        for (uint32_t c : n.children) {
            work.push_back({c, x});
            x += tree.node(c).total * scale;
        }
    }
    return boxes;
}

void paintFlame(QPainter& p, const FlameTree& tree, const QRectF& area, const FlameStyle& s) {
    const bool searching = s.search.isValid() && !s.search.pattern().isEmpty();
    QFont font = p.font();
    font.setPointSizeF(std::max(7.0, s.rowHeight * 0.45));
    p.setFont(font);
    const QFontMetricsF fm(font);
    const double minLabel = fm.horizontalAdvance(QStringLiteral("W…")) * 2; // ~ few characters
    const bool differential = s.diff && s.diff->presence.size() == tree.size();
    for (const FlameBox& b : layoutFlame(tree, area, s)) {
        const FlameNode& n = tree.node(b.node);
        const QString name = QString::fromStdString(n.name);
        const bool match = searching && s.search.match(name).hasMatch();
        QColor fill = differential ? diffColor(*s.diff, b.node)
                                   : flameColor(n.name, s.color, searching && !match);
        if (differential && searching && !match) fill = QColor::fromHsv(fill.hue(), 25, 215);
        if (match) fill = QColor(236, 64, 180);
        if (b.node == 0) fill = s.dark ? QColor(90, 90, 100) : QColor(200, 200, 210);
        if (b.node == s.hovered) fill = fill.lighter(125);
        p.fillRect(b.rect, fill);
        if (b.rect.width() >= 3) {
            p.setPen(QPen(fill.darker(130), 0));
            p.drawRect(b.rect.adjusted(0, 0, -0.5, -0.5));
        }
        if (differential && s.diff->presence[b.node] == FlameDiff::OnlyB && b.rect.width() >= 3) {
            p.setPen(QPen(QColor(20, 20, 20), 1.5, Qt::DashLine)); // new in B
            p.drawRect(b.rect.adjusted(1, 1, -1.5, -1.5));
        }
        if (b.rect.width() > minLabel) { // no labels on boxes narrower than a few characters
            // Dark text on light fills, light text on the saturated differential colours.
            p.setPen(fill.lightnessF() < 0.45 ? QColor(250, 250, 250) : QColor(20, 20, 20));
            const QRectF text = b.rect.adjusted(4, 0, -3, 0);
            p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft,
                       fm.elidedText(name, Qt::ElideRight, text.width()));
        }
    }
}

static void paintForExport(QPainter& p, const FlameTree& tree, const FlameStyle& s, QSize size) {
    p.fillRect(QRect(QPoint(0, 0), size), s.dark ? QColor(30, 30, 34) : QColor(255, 255, 255));
    p.setRenderHint(QPainter::Antialiasing, false);
    paintFlame(p, tree, QRectF(4, 4, size.width() - 8, size.height() - 8), s);
}

bool saveFlamePng(const FlameTree& tree, const FlameStyle& s, const QString& path, QSize size,
                  QString* error) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    {
        QPainter p(&image);
        paintForExport(p, tree, s, size);
    }
    QSaveFile file(path); // a temp file renamed into place
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        if (error)
            *error = QStringLiteral("%1: cannot write PNG: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool saveFlameSvg(const FlameTree& tree, const FlameStyle& s, const QString& path, QSize size,
                  QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("%1: cannot write SVG: %2").arg(path, file.errorString());
        return false;
    }
    {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(QStringLiteral("Kernscope flame graph"));
        QPainter p(&svg);
        paintForExport(p, tree, s, size);
    }
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("%1: cannot write SVG: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace ks::gui
