#include "gui/app/FlameView.h"
#include "data/analysis/KernelStats.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace ks::gui {

FlameView::FlameView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_style.icicle = true;
}

void FlameView::setTree(std::shared_ptr<const FlameTree> tree) {
    m_diff.reset();
    m_style.diff = nullptr;
    showTree(std::move(tree));
}

void FlameView::setDiff(std::shared_ptr<const FlameDiff> diff) {
    m_diff = std::move(diff);
    m_style.diff = m_diff.get();
    // The tree drawn is the diff's own (B's weights); the alias keeps the diff alive.
    showTree(m_diff ? std::shared_ptr<const FlameTree>(m_diff, &m_diff->tree) : nullptr);
}

void FlameView::showTree(std::shared_ptr<const FlameTree> tree) {
    m_tree = std::move(tree);
    m_style.zoomRoot = 0;
    m_style.hovered = UINT32_MAX;
    updateMinimumHeight();
    update();
    emit zoomChanged(0);
}

void FlameView::updateMinimumHeight() {
    const int depth = m_tree ? int(m_tree->maxDepth()) + 1 : 1;
    setMinimumHeight(std::max(200, int(depth * m_style.rowHeight) + 12));
}

QSize FlameView::sizeHint() const {
    return {900, minimumHeight()};
}

void FlameView::setZoomRoot(uint32_t node) {
    if (!m_tree || node >= m_tree->size()) return;
    m_style.zoomRoot = node;
    update();
    emit zoomChanged(node);
}

void FlameView::setIcicle(bool icicle) {
    m_style.icicle = icicle;
    update();
}

void FlameView::setColorMode(FlameColor mode) {
    m_style.color = mode;
    update();
}

void FlameView::setDark(bool dark) {
    m_style.dark = dark;
    update();
}

int FlameView::setSearch(const QString& pattern) {
    m_style.search = QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
    update();
    if (!m_style.search.isValid()) return -1;
    if (pattern.isEmpty() || !m_tree) return 0;
    int n = 0;
    for (const auto& node : m_tree->nodes())
        if (m_style.search.match(QString::fromStdString(node.name)).hasMatch()) ++n;
    return n;
}

QRectF FlameView::area() const {
    return QRectF(4, 4, width() - 8, height() - 8);
}

void FlameView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), m_style.dark ? QColor(30, 31, 34) : QColor(252, 252, 253));
    if (!m_tree || m_tree->node(0).total <= 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter,
                   tr("No CPU ranges or samples for this selection.\n"
                      "File ▸ Import reads folded stacks and perf script output."));
        return;
    }
    paintFlame(p, *m_tree, area(), m_style);
}

uint32_t FlameView::nodeAt(QPoint pos) const {
    if (!m_tree) return UINT32_MAX;
    for (const FlameBox& b : layoutFlame(*m_tree, area(), m_style))
        if (b.rect.contains(pos)) return b.node;
    return UINT32_MAX;
}

QString FlameView::describe(uint32_t node) const {
    const FlameNode& n = m_tree->node(node);
    const double all = m_tree->node(0).total;
    const double zoom = m_tree->node(m_style.zoomRoot).total;
    auto amount = [&](double v) {
        return m_tree->unit == "ns"
                   ? QString::fromStdString(data::formatDuration(v))
                   : tr("%L1 %2").arg(v, 0, 'f', 0).arg(QString::fromStdString(m_tree->unit));
    };
    QString html =
        QStringLiteral("<b>%1</b><table>").arg(QString::fromStdString(n.name).toHtmlEscaped());
    auto line = [&](const QString& k, const QString& v) {
        html +=
            QStringLiteral("<tr><td style='color:gray;padding-right:8px'>%1</td><td>%2</td></tr>")
                .arg(k, v);
    };
    line(tr("Total"), tr("%1 (%2 % of all)")
                          .arg(amount(n.total))
                          .arg(all > 0 ? 100 * n.total / all : 0, 0, 'f', 2));
    if (m_style.zoomRoot != 0)
        line(tr("Of zoomed"),
             QStringLiteral("%1 %").arg(zoom > 0 ? 100 * n.total / zoom : 0, 0, 'f', 2));
    line(tr("Self"),
         tr("%1 (%2 %)").arg(amount(n.self)).arg(all > 0 ? 100 * n.self / all : 0, 0, 'f', 2));
    if (m_diff) {
        const double a = m_diff->baseline[node], b = n.total;
        const QString scaled = m_diff->normalised ? tr(" (scaled to B's total)") : QString();
        line(tr("A total"), amount(a) + scaled);
        line(tr("B total"), amount(b));
        line(tr("Change"), QStringLiteral("%1%2 (%3)")
                               .arg(b >= a ? QStringLiteral("+") : QString())
                               .arg(amount(b - a))
                               .arg(a > 0 ? QStringLiteral("%1%2 %")
                                                .arg(b >= a ? QStringLiteral("+") : QString())
                                                .arg(100 * (b - a) / a, 0, 'f', 1)
                                          : tr("new in B")));
        if (m_diff->presence[node] == FlameDiff::OnlyA) line(tr("Only in"), tr("A (gone in B)"));
    }
    line(tr("Depth"), QString::number(n.depth));
    const std::string module = frameModule(n.name);
    if (module != n.name) line(tr("Module"), QString::fromStdString(module).toHtmlEscaped());
    html += QStringLiteral("</table>");
    return html;
}

void FlameView::mouseMoveEvent(QMouseEvent* e) {
    const uint32_t node = nodeAt(e->pos());
    if (node != m_style.hovered) {
        m_style.hovered = node;
        update();
        if (node != UINT32_MAX) emit hovered(QString::fromStdString(m_tree->node(node).name));
    }
}

void FlameView::mousePressEvent(QMouseEvent* e) {
    const uint32_t node = nodeAt(e->pos());
    if (e->button() == Qt::LeftButton && node != UINT32_MAX) {
        // Clicking the zoom root itself zooms back out one level.
        setZoomRoot(node == m_style.zoomRoot ? m_tree->node(node).parent : node);
    } else if (e->button() == Qt::RightButton || e->button() == Qt::BackButton) {
        if (m_tree) setZoomRoot(m_tree->node(m_style.zoomRoot).parent);
    }
}

void FlameView::leaveEvent(QEvent*) {
    m_style.hovered = UINT32_MAX;
    update();
}

bool FlameView::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip && m_tree) {
        auto* help = static_cast<QHelpEvent*>(e);
        const uint32_t node = nodeAt(help->pos());
        if (node != UINT32_MAX)
            QToolTip::showText(help->globalPos(), describe(node), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

} // namespace ks::gui
