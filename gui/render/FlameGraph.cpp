#include "gui/render/FlameGraph.h"

#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>
#include <functional>
#include <unordered_map>

namespace ks::gui {

FlameTree::FlameTree() {
    m_nodes.push_back(FlameNode{"all", 0, 0, 0, 0, {}});
    unit = QStringLiteral("ns");
}

uint32_t FlameTree::child(uint32_t parent, std::string_view name) {
    for (uint32_t c : m_nodes[parent].children)
        if (m_nodes[c].name == name) return c;
    const auto id = uint32_t(m_nodes.size());
    m_nodes.push_back(FlameNode{std::string(name), parent, m_nodes[parent].depth + 1, 0, 0, {}});
    m_nodes[parent].children.push_back(id);
    return id;
}

void FlameTree::addStack(const std::vector<std::string_view>& frames, double weight) {
    uint32_t node = 0;
    for (auto f : frames) node = child(node, f);
    m_nodes[node].self += weight;
}

void FlameTree::computeTotalsFromSelf() {
    for (auto& n : m_nodes) n.total = n.self;
    // Children always have larger ids than their parent: one backward pass.
    for (size_t i = m_nodes.size(); i-- > 1;) m_nodes[m_nodes[i].parent].total += m_nodes[i].total;
}

void FlameTree::computeSelfFromTotals() {
    // The root spans what its children span.
    m_nodes[0].total = 0;
    for (uint32_t c : m_nodes[0].children) m_nodes[0].total += m_nodes[c].total;
    for (auto& n : m_nodes) {
        double children = 0;
        for (uint32_t c : n.children) children += m_nodes[c].total;
        n.self = std::max(0.0, n.total - children);
    }
}

void FlameTree::sortChildren() {
    for (auto& n : m_nodes)
        std::sort(n.children.begin(), n.children.end(),
                  [&](uint32_t a, uint32_t b) { return m_nodes[a].name < m_nodes[b].name; });
}

uint32_t FlameTree::maxDepth() const {
    uint32_t d = 0;
    for (const auto& n : m_nodes) d = std::max(d, n.depth);
    return d;
}

std::vector<uint32_t> FlameTree::pathTo(uint32_t node) const {
    std::vector<uint32_t> path{node};
    while (node != 0) path.push_back(node = m_nodes[node].parent);
    std::reverse(path.begin(), path.end());
    return path;
}

std::string withoutNumbers(std::string_view name) {
    auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    auto isAlpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::string out;
    for (size_t i = 0; i < name.size(); ++i) {
        // Only free-standing numbers ("step 12") merge; digits that end an identifier ("fc1",
        // "conv2d") name a different thing and stay.
        if (isDigit(name[i]) && (i == 0 || !isAlpha(name[i - 1]))) {
            out += '#';
            while (i + 1 < name.size() && isDigit(name[i + 1])) ++i;
        } else {
            out += name[i];
        }
    }
    return out;
}

FlameTree flameFromRanges(const data::Run& run, std::optional<uint32_t> thread, bool mergeNumbers) {
    FlameTree tree;
    const auto& r = run.ranges;
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < r.size(); ++i)
        if (!thread || r.thread[i] == *thread) order.push_back(i);
    // Per thread, outer ranges before the ranges they contain.
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        if (r.thread[a] != r.thread[b]) return r.thread[a] < r.thread[b];
        if (r.start_ns[a] != r.start_ns[b]) return r.start_ns[a] < r.start_ns[b];
        return r.depth[a] < r.depth[b];
    });
    std::vector<uint32_t> stack; // flame nodes of the open ranges, by depth
    uint32_t currentThread = UINT32_MAX;
    for (uint32_t i : order) {
        if (r.thread[i] != currentThread) stack.clear(), currentThread = r.thread[i];
        const size_t depth = std::min<size_t>(r.depth[i], stack.size());
        stack.resize(depth);
        const uint32_t parent = stack.empty() ? 0 : stack.back();
        const std::string_view name = run.strings.get(r.name[i]);
        const uint32_t node =
            mergeNumbers ? tree.child(parent, withoutNumbers(name)) : tree.child(parent, name);
        tree.addTotal(node, double(std::max<int64_t>(0, r.end_ns[i] - r.start_ns[i])));
        stack.push_back(node);
    }
    tree.computeSelfFromTotals();
    tree.sortChildren();
    tree.unit = QStringLiteral("ns");
    return tree;
}

FlameTree flameFromSamples(const data::Run& run, std::optional<uint32_t> thread) {
    FlameTree tree;
    const auto& st = run.stacks;
    std::vector<uint32_t> flameOf(st.size(), UINT32_MAX);
    // Stack nodes map to flame nodes through their parents (memoised, iterative).
    std::function<uint32_t(uint32_t)> resolve = [&](uint32_t s) -> uint32_t {
        std::vector<uint32_t> chain;
        while (s < st.size() && flameOf[s] == UINT32_MAX) {
            chain.push_back(s);
            if (chain.size() > st.size()) break; // a cycle in a bad file
            s = st.parent[s];
        }
        uint32_t node = s < st.size() ? flameOf[s] : 0;
        for (size_t k = chain.size(); k-- > 0;) {
            node = tree.child(node, run.strings.get(st.frame[chain[k]]));
            flameOf[chain[k]] = node;
        }
        return node;
    };
    const auto& sm = run.samples;
    for (size_t i = 0; i < sm.size(); ++i) {
        if (thread && sm.thread[i] != *thread) continue;
        if (sm.stack[i] >= st.size()) continue;
        // A row stands for `weight` samples (a folded count, a perf period).
        tree.addSelf(resolve(sm.stack[i]), i < sm.weight.size() ? double(sm.weight[i]) : 1.0);
    }
    tree.computeTotalsFromSelf();
    tree.sortChildren();
    tree.unit = QStringLiteral("samples");
    return tree;
}

FlameTree flameFromFolded(std::string_view text, size_t* badLines) {
    FlameTree tree;
    size_t bad = 0;
    std::vector<std::string_view> frames;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        const size_t sp = line.rfind(' ');
        if (sp == std::string_view::npos) {
            ++bad;
            continue;
        }
        char* endp = nullptr;
        const std::string countText(line.substr(sp + 1));
        const double count = std::strtod(countText.c_str(), &endp);
        if (endp == countText.c_str() || *endp != '\0' || !(count >= 0)) {
            ++bad;
            continue;
        }
        frames.clear();
        std::string_view stack = line.substr(0, sp);
        while (!stack.empty()) {
            const size_t semi = stack.find(';');
            frames.push_back(stack.substr(0, semi));
            stack = semi == std::string_view::npos ? std::string_view{} : stack.substr(semi + 1);
        }
        tree.addStack(frames, count);
    }
    tree.computeTotalsFromSelf();
    tree.sortChildren();
    tree.unit = QStringLiteral("samples");
    if (badLines) *badLines = bad;
    return tree;
}

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
    for (const FlameBox& b : layoutFlame(tree, area, s)) {
        const FlameNode& n = tree.node(b.node);
        const QString name = QString::fromStdString(n.name);
        const bool match = searching && s.search.match(name).hasMatch();
        QColor fill = flameColor(n.name, s.color, searching && !match);
        if (match) fill = QColor(236, 64, 180);
        if (b.node == 0) fill = s.dark ? QColor(90, 90, 100) : QColor(200, 200, 210);
        if (b.node == s.hovered) fill = fill.lighter(125);
        p.fillRect(b.rect, fill);
        if (b.rect.width() >= 3) {
            p.setPen(QPen(fill.darker(130), 0));
            p.drawRect(b.rect.adjusted(0, 0, -0.5, -0.5));
        }
        if (b.rect.width() > minLabel) { // no labels on boxes narrower than a few characters
            p.setPen(QColor(20, 20, 20));
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
