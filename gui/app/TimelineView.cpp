#include "gui/app/TimelineView.h"
#include "data/analysis/KernelStats.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <map>

namespace ks::gui {

namespace {

uint32_t hashOf(std::string_view s) {
    uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
}

// Tick step with 1-2-5 steps so labels are ~100 px apart.
double niceStep(double raw) {
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) return m * p;
    return 10 * p;
}

QString tickLabel(double ns, double step) {
    // Unit from the value's magnitude (48.7 ms, not 48700 µs), decimals from the tick step.
    struct U {
        double scale;
        const char* name;
    };
    const U units[] = {{1, "ns"}, {1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}};
    const double magnitude = std::max(std::fabs(ns), step);
    U u = units[0];
    for (const U& c : units)
        if (magnitude >= c.scale) u = c;
    double v = ns / u.scale;
    if (std::fabs(ns) < step * 1e-6) v = 0; // no "-0 ms"
    const double stepInUnit = step / u.scale;
    const int decimals = stepInUnit >= 1 ? 0 : int(std::ceil(-std::log10(stepInUnit) - 1e-9));
    return QString::number(v, 'f', std::min(decimals, 6)) + QString::fromUtf8(" ") +
           QString::fromUtf8(u.name);
}

// "1.234 ms (1,234,567 ns)": readable and exact.
QString exactDuration(int64_t ns) {
    return QStringLiteral("%1 (%L2 ns)")
        .arg(QString::fromStdString(data::formatDuration(double(ns))))
        .arg(qlonglong(ns));
}

} // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(400, 200);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void TimelineView::setData(std::shared_ptr<const TimelineData> data) {
    m_data = std::move(data);
    m_matches.clear();
    m_matchName.clear();
    m_currentMatch = -1;
    m_selected.reset();
    m_span.reset();
    m_highlightName.reset();
    m_scrollY = 0;
    m_layout.assign(m_data ? m_data->rows().size() : 0, {});
    rebuildGeometry();
    zoomToFit();
}

void TimelineView::setDark(bool dark) {
    m_dark = dark;
    update();
}

void TimelineView::rebuildGeometry() {
    m_geom.clear();
    if (!m_data) return;
    int y = kRulerHeight;
    QString group;
    bool collapsed = false;
    const auto& rows = m_data->rows();
    for (size_t r = 0; r < rows.size(); ++r) {
        const QString g = QString::fromStdString(rows[r].group);
        if (g != group) {
            group = g;
            collapsed = isGroupCollapsed(g);
            m_geom.push_back({y, kHeaderHeight, true, r, g});
            y += kHeaderHeight;
        }
        if (collapsed) continue;
        const int h = rows[r].kind == RowKind::Counter       ? kCounterHeight
                      : rows[r].kind == RowKind::Utilization ? kUtilizationHeight
                      : rows[r].kind == RowKind::Samples     ? kSamplesHeight
                                                             : kRowHeight;
        m_geom.push_back({y, h, false, r, g});
        y += h;
    }
}

int TimelineView::contentHeight() const {
    return m_geom.empty() ? kRulerHeight : m_geom.back().top + m_geom.back().height;
}

void TimelineView::setGroupCollapsed(const QString& group, bool collapsed) {
    m_collapsed.erase(std::remove(m_collapsed.begin(), m_collapsed.end(), group),
                      m_collapsed.end());
    if (collapsed) m_collapsed.push_back(group);
    rebuildGeometry();
    updateLayout();
    update();
}

bool TimelineView::isGroupCollapsed(const QString& group) const {
    return std::find(m_collapsed.begin(), m_collapsed.end(), group) != m_collapsed.end();
}

void TimelineView::clampView() {
    if (!m_data) return;
    const double span = double(m_data->end() - m_data->begin());
    const double maxNsPerPx = span * 1.2 / eventAreaWidth();
    m_nsPerPx = std::clamp(m_nsPerPx, 0.01, std::max(maxNsPerPx, 0.02));
    const double visible = m_nsPerPx * eventAreaWidth();
    const double margin = span * 0.1;
    m_t0 = std::clamp(
        m_t0, double(m_data->begin()) - margin,
        std::max(double(m_data->begin()) - margin, double(m_data->end()) + margin - visible));
    const int maxScroll = std::max(0, contentHeight() - height());
    m_scrollY = std::clamp(m_scrollY, 0, maxScroll);
}

void TimelineView::setView(double t0, double nsPerPx) {
    m_viewIsFit = false;
    m_t0 = t0;
    m_nsPerPx = nsPerPx;
    clampView();
    updateLayout();
    update();
    emit viewChanged();
}

void TimelineView::zoomToFit() {
    if (!m_data) return;
    const double span = double(m_data->end() - m_data->begin());
    const double nsPerPx = span * 1.02 / eventAreaWidth();
    setView(double(m_data->begin()) - span * 0.01, nsPerPx);
    m_viewIsFit = true;
}

void TimelineView::zoomBy(double factor, double anchorX) {
    const double anchorT = xToTime(anchorX);
    const double nsPerPx = m_nsPerPx / factor;
    setView(anchorT - (anchorX - m_labelWidth) * nsPerPx, nsPerPx);
}

void TimelineView::panByPixels(double dx) {
    setView(m_t0 + dx * m_nsPerPx, m_nsPerPx);
}

void TimelineView::zoomToRange(int64_t begin, int64_t end) {
    const double span = std::max<double>(double(end - begin), 10.0);
    const double nsPerPx = span * 1.1 / eventAreaWidth();
    setView(double(begin) - span * 0.05, nsPerPx);
}

double TimelineView::timeToX(double ns) const {
    return m_labelWidth + (ns - m_t0) / m_nsPerPx;
}
double TimelineView::xToTime(double x) const {
    return m_t0 + (x - m_labelWidth) * m_nsPerPx;
}

void TimelineView::updateLayout() {
    if (!m_data) return;
    m_layout.resize(m_data->rows().size());
    for (auto& l : m_layout) l.clear();
    const int top = m_scrollY + kRulerHeight, bottom = m_scrollY + height();
    for (const RowGeom& g : m_geom) {
        if (g.header || g.top + g.height < top || g.top > bottom) continue;
        const RowKind kind = m_data->rows()[g.row].kind;
        if (kind == RowKind::Counter || kind == RowKind::Utilization || kind == RowKind::Samples)
            continue;
        m_data->layoutRow(g.row, m_t0, m_nsPerPx, eventAreaWidth(), m_layout[g.row]);
    }
}

void TimelineView::resizeEvent(QResizeEvent*) {
    // Until the user moves the view, it keeps showing the whole run (the first layout happens
    // before the window has its final size).
    if (m_viewIsFit) return zoomToFit();
    clampView();
    updateLayout();
}

void TimelineView::renderTo(QImage& image) {
    QPainter p(&image);
    paintInto(p, image.rect());
}

void TimelineView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paintInto(p, rect());
}

QColor TimelineView::eventColor(size_t row, size_t index) const {
    const auto& r = m_data->rows()[row];
    const EventRef ref = r.ref[index];
    switch (ref.source) {
    case EventSource::Memcpy:
        switch (data::MemcpyKind(m_data->run().memcpy.kind[ref.index])) {
        case data::MemcpyKind::HtoD:
            return QColor(76, 175, 80);
        case data::MemcpyKind::DtoH:
            return QColor(229, 115, 115);
        case data::MemcpyKind::DtoD:
            return QColor(255, 193, 7);
        default:
            return QColor(161, 136, 127);
        }
    case EventSource::Memset:
        return QColor(144, 164, 174);
    case EventSource::Api:
        return QColor(100, 140, 200);
    case EventSource::Range: {
        const uint32_t h = hashOf(m_data->run().strings.get(r.name[index]));
        return QColor::fromHsv(int(h % 360), 70 + int((h >> 9) % 40), 215);
    }
    case EventSource::Sample:
        return QColor(239, 108, 0);
    case EventSource::Kernel: {
        // Kernels: blue-green-violet family so they stand apart from copies.
        const uint32_t h = hashOf(m_data->run().strings.get(r.name[index]));
        return QColor::fromHsv(170 + int(h % 110), 110 + int((h >> 8) % 70),
                               200 + int((h >> 16) % 40));
    }
    }
    return Qt::gray;
}

void TimelineView::paintInto(QPainter& p, const QRect& rect) {
    const QColor bg = m_dark ? QColor(30, 31, 34) : QColor(252, 252, 253);
    const QColor text = m_dark ? QColor(220, 220, 225) : QColor(30, 30, 35);
    p.fillRect(rect, bg);
    if (!m_data) {
        p.setPen(text);
        p.drawText(rect, Qt::AlignCenter, tr("Open a run (File ▸ Open, or drop a .ksr.h5 file)"));
        return;
    }
    const int w = rect.width();
    p.save();
    p.setClipRect(QRect(0, kRulerHeight, w, rect.height() - kRulerHeight));
    p.translate(0, -m_scrollY);
    for (const RowGeom& g : m_geom) {
        if (g.top + g.height < m_scrollY + kRulerHeight || g.top > m_scrollY + rect.height())
            continue;
        paintRow(p, g, w);
    }
    paintFlows(p, w);
    p.restore();

    // Span selection overlay.
    if (m_span) {
        const double x0 = std::max<double>(m_labelWidth, timeToX(double(m_span->first)));
        const double x1 = std::min<double>(w, timeToX(double(m_span->second)));
        if (x1 > x0) {
            p.fillRect(QRectF(x0, kRulerHeight, x1 - x0, rect.height() - kRulerHeight),
                       QColor(66, 133, 244, 40));
            p.setPen(QPen(QColor(66, 133, 244), 1));
            p.drawLine(QPointF(x0, kRulerHeight), QPointF(x0, rect.height()));
            p.drawLine(QPointF(x1, kRulerHeight), QPointF(x1, rect.height()));
        }
    }
    paintRuler(p, w);
    // Cursor line.
    if (m_cursorNs >= 0) {
        const double x = timeToX(m_cursorNs);
        if (x >= m_labelWidth) {
            p.setPen(QPen(m_dark ? QColor(255, 255, 255, 90) : QColor(0, 0, 0, 70), 1));
            p.drawLine(QPointF(x, kRulerHeight), QPointF(x, rect.height()));
        }
    }
}

void TimelineView::paintRuler(QPainter& p, int w) {
    const QColor bg = m_dark ? QColor(43, 44, 48) : QColor(238, 239, 242);
    const QColor fg = m_dark ? QColor(200, 200, 205) : QColor(60, 60, 66);
    p.fillRect(QRect(0, 0, w, kRulerHeight), bg);
    p.setPen(m_dark ? QColor(70, 70, 76) : QColor(200, 200, 206));
    p.drawLine(0, kRulerHeight - 1, w, kRulerHeight - 1);
    p.drawLine(m_labelWidth - 1, 0, m_labelWidth - 1, kRulerHeight);
    const double step = niceStep(m_nsPerPx * 110);
    // Ticks at multiples of the step from the run's first event, where the labels count from.
    const double origin = double(m_data->begin());
    const double tStart = origin + std::floor((xToTime(m_labelWidth) - origin) / step) * step;
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p.setFont(f);
    for (double t = tStart; timeToX(t) < w; t += step) {
        const double x = timeToX(t);
        if (x < m_labelWidth) continue;
        p.setPen(fg);
        p.drawLine(QPointF(x, kRulerHeight - 8), QPointF(x, kRulerHeight - 1));
        // Time relative to the run's first event reads best.
        p.drawText(QPointF(x + 3, kRulerHeight - 10), tickLabel(t - double(m_data->begin()), step));
        for (int k = 1; k < 5; ++k) {
            const double xm = timeToX(t + step * k / 5);
            p.drawLine(QPointF(xm, kRulerHeight - 4), QPointF(xm, kRulerHeight - 1));
        }
    }
    p.setPen(fg);
    const QString scale =
        QString::fromStdString(data::formatDuration(m_nsPerPx * eventAreaWidth()));
    p.drawText(QRect(8, 0, m_labelWidth - 16, kRulerHeight), Qt::AlignVCenter | Qt::AlignLeft,
               tr("Window %1").arg(scale));
}

void TimelineView::paintRow(QPainter& p, const RowGeom& g, int w) {
    const auto& row = m_data->rows()[g.row];
    const QColor text = m_dark ? QColor(220, 220, 225) : QColor(30, 30, 35);
    const QColor labelBg = m_dark ? QColor(38, 39, 43) : QColor(244, 245, 247);
    const QColor grid = m_dark ? QColor(55, 56, 60) : QColor(226, 228, 232);
    if (g.header) {
        p.fillRect(QRect(0, g.top, w, g.height),
                   m_dark ? QColor(48, 50, 56) : QColor(229, 232, 238));
        p.setPen(text);
        QFont f = font();
        f.setBold(true);
        p.setFont(f);
        const bool collapsed = isGroupCollapsed(g.group);
        p.drawText(QRect(6, g.top, w - 12, g.height), Qt::AlignVCenter | Qt::AlignLeft,
                   QString::fromUtf8(collapsed ? "▸ " : "▾ ") + g.group);
        p.setFont(font());
        return;
    }
    p.fillRect(QRect(0, g.top, m_labelWidth, g.height), labelBg);
    p.setPen(grid);
    p.drawLine(0, g.top + g.height - 1, w, g.top + g.height - 1);
    p.drawLine(m_labelWidth - 1, g.top, m_labelWidth - 1, g.top + g.height);
    p.setPen(text);
    p.drawText(QRect(18, g.top, m_labelWidth - 24, g.height), Qt::AlignVCenter | Qt::AlignLeft,
               QString::fromStdString(row.label));

    p.save();
    p.setClipRect(QRect(m_labelWidth, g.top, w - m_labelWidth, g.height));
    p.translate(m_labelWidth, 0);
    if (row.kind == RowKind::Counter) {
        const auto& s = *row.counter;
        const double range = std::max(1e-12, row.counterMax - row.counterMin);
        auto yOf = [&](double v) {
            return g.top + g.height - 3 - (v - row.counterMin) / range * (g.height - 8);
        };
        // Visible samples by binary search; one point per pixel column at most.
        const auto first = std::upper_bound(s.time_ns.begin(), s.time_ns.end(), int64_t(m_t0));
        size_t i = first == s.time_ns.begin() ? 0 : size_t(first - s.time_ns.begin()) - 1;
        QPainterPath path;
        double lastX = -1e9;
        bool started = false;
        const double tEnd = m_t0 + m_nsPerPx * eventAreaWidth();
        for (; i < s.size(); ++i) {
            const double x = (double(s.time_ns[i]) - m_t0) / m_nsPerPx;
            if (x - lastX < 1.0 && double(s.time_ns[i]) < tEnd && started) continue;
            const QPointF pt(x, yOf(s.value[i]));
            if (!started)
                path.moveTo(pt), started = true;
            else
                path.lineTo(pt);
            lastX = x;
            if (double(s.time_ns[i]) > tEnd) break;
        }
        QPainterPath fill = path;
        if (started) {
            fill.lineTo(QPointF(path.currentPosition().x(), g.top + g.height - 2));
            fill.lineTo(QPointF(path.elementAt(0).x, g.top + g.height - 2));
            p.fillPath(fill, QColor(255, 152, 0, 50));
        }
        // Antialiasing only when the line has few points: it is the costliest thing per frame.
        p.setPen(QPen(QColor(245, 124, 0), 1.2));
        p.setRenderHint(QPainter::Antialiasing, path.elementCount() < 400);
        p.drawPath(path);
        p.setRenderHint(QPainter::Antialiasing, false);
        p.setPen(text);
        // Byte counters read best in binary units.
        const bool bytes = row.label.find("bytes") != std::string::npos;
        auto fmt = [&](double v) {
            return bytes ? QString::fromStdString(data::formatBytes(v))
                         : QString::number(v, 'g', 4);
        };
        p.drawText(QRect(4, g.top + 1, 300, 12), Qt::AlignLeft | Qt::AlignTop,
                   QStringLiteral("%1 … %2").arg(fmt(row.counterMin), fmt(row.counterMax)));
        // The value under the cursor: the last sample at or before it.
        const auto at = std::upper_bound(s.time_ns.begin(), s.time_ns.end(), int64_t(m_cursorNs));
        if (m_cursorNs >= 0 && at != s.time_ns.begin()) {
            const size_t k = size_t(at - s.time_ns.begin()) - 1;
            const double x = (m_cursorNs - m_t0) / m_nsPerPx;
            const double yv = yOf(s.value[k]);
            p.setRenderHint(QPainter::Antialiasing, true);
            p.setBrush(QColor(245, 124, 0));
            p.setPen(Qt::NoPen);
            p.drawEllipse(QPointF(x, yv), 3, 3);
            p.setBrush(Qt::NoBrush);
            p.setRenderHint(QPainter::Antialiasing, false);
            const QString label = fmt(s.value[k]);
            const int tw = QFontMetrics(font()).horizontalAdvance(label) + 8;
            const double lx = x + 6 + tw > w - m_labelWidth ? x - 6 - tw : x + 6;
            const QRectF box(lx, g.top + 2, tw, 14);
            p.fillRect(box, m_dark ? QColor(50, 52, 58, 230) : QColor(255, 255, 255, 230));
            p.setPen(text);
            p.drawText(box, Qt::AlignCenter, label);
        }
        p.restore();
        return;
    }
    if (row.kind == RowKind::Utilization) {
        paintUtilization(p, row, g, w);
        p.restore();
        return;
    }
    if (row.kind == RowKind::Samples) {
        paintSamples(p, row, g, w);
        p.restore();
        return;
    }
    const QFontMetrics fm(font());
    const int minLabelPx = fm.horizontalAdvance(QStringLiteral("Wxx")) + 6;
    const int y = g.top + 2, h = g.height - 4;
    const bool searching = !m_matchName.empty();
    for (const DrawItem& it : m_layout[g.row]) {
        const double x0 = std::max<double>(it.x0, -2), x1 = std::min<double>(it.x1, w + 2);
        const QRectF r(x0, y, std::max(1.0, x1 - x0), h);
        if (it.count > 1) {
            // A folded block: drawn by how much of each pixel column its events cover, so a
            // half-idle stretch looks half full; a count when it fits.
            QColor c = eventColor(g.row, it.first);
            c.setHsv(c.hue(), std::min(255, c.saturation() * 3 / 4), m_dark ? 150 : 175);
            paintCoverageBlock(p, row, it, c, y, h, w);
            if (r.width() > minLabelPx) {
                p.setPen(m_dark ? QColor(20, 20, 20) : QColor(50, 50, 50));
                p.drawText(r.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                           tr("%L1 events").arg(it.count));
            }
            continue;
        }
        QColor c = eventColor(g.row, it.first);
        const uint32_t name = row.name[it.first];
        const bool matched = searching && name < m_matchName.size() && m_matchName[name];
        const bool highlighted = m_highlightName && name == *m_highlightName &&
                                 row.ref[it.first].source == EventSource::Kernel;
        if ((searching && !matched) || (m_highlightName && !highlighted && !searching))
            c = c.lighter(m_dark ? 60 : 135), c.setAlpha(m_dark ? 200 : 150);
        p.fillRect(r, c);
        if (matched || highlighted) {
            p.setPen(QPen(highlighted ? QColor(255, 87, 34) : QColor(236, 64, 180), 2));
            p.drawRect(r.adjusted(1, 1, -1, -1));
        }
        if (m_selected && m_selected->first == g.row && m_selected->second == it.first) {
            p.setPen(QPen(m_dark ? Qt::white : Qt::black, 2));
            p.drawRect(r.adjusted(1, 1, -1, -1));
        }
        if (r.width() > minLabelPx) {
            p.setPen(QColor(15, 15, 20));
            const QRectF tr2 = r.adjusted(3, 0, -2, 0);
            p.drawText(tr2, Qt::AlignVCenter | Qt::AlignLeft,
                       fm.elidedText(QString::fromStdString(m_data->eventName(g.row, it.first)),
                                     Qt::ElideRight, int(tr2.width())));
        }
    }
    p.restore();
}

// Busy fraction per pixel column as a bar from the lane's bottom, on a faint tint of the block.
// Columns of equal height merge into one rectangle; all go to the painter in one call.
static void coverageBars(QPainter& p, const TimelineRow& row, double t0, double nsPerPx, int x0,
                         int x1, int y, int h, const QColor& c) {
    static thread_local std::vector<QRect> rects;
    rects.clear();
    size_t hint = 0;
    int64_t before = row.busyBefore(int64_t(t0 + x0 * nsPerPx), hint);
    int runStart = x0, runHeight = -1;
    auto flush = [&](int xEnd) {
        if (runHeight > 0)
            rects.emplace_back(runStart, y + h - runHeight, xEnd - runStart, runHeight);
    };
    size_t advance = 0; // events per column so far: the next column's first guess
    for (int x = x0; x < x1; ++x) {
        const size_t previous = hint;
        hint += advance;
        const int64_t after = row.busyBefore(int64_t(t0 + (x + 1) * nsPerPx), hint);
        advance = hint - previous;
        const double fraction = std::clamp(double(after - before) / nsPerPx, 0.0, 1.0);
        before = after;
        // Any work at all shows at least one pixel.
        const int height = fraction > 0 ? std::max(1, int(std::lround(fraction * h))) : 0;
        if (height != runHeight) {
            flush(x);
            runStart = x, runHeight = height;
        }
    }
    flush(x1);
    if (rects.empty()) return;
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    p.drawRects(rects.data(), int(rects.size()));
    p.setBrush(Qt::NoBrush);
}

void TimelineView::paintCoverageBlock(QPainter& p, const TimelineRow& row, const DrawItem& it,
                                      QColor c, int y, int h, int w) {
    const int x0 = std::max(0, int(std::floor(it.x0))), x1 = std::min(w, int(std::ceil(it.x1)));
    QColor tint = c;
    tint.setAlpha(m_dark ? 55 : 60);
    p.fillRect(QRect(x0, y, std::max(1, x1 - x0), h), tint);
    coverageBars(p, row, m_t0, m_nsPerPx, x0, std::max(x1, x0 + 1), y, h, c);
}

// The device's busy fraction per pixel column (union of its streams), with the window's busy %.
void TimelineView::paintUtilization(QPainter& p, const TimelineRow& row, const RowGeom& g, int w) {
    const int areaW = w - m_labelWidth;
    const QColor c = m_dark ? QColor(102, 187, 106) : QColor(56, 142, 60);
    coverageBars(p, row, m_t0, m_nsPerPx, 0, areaW, g.top + 2, g.height - 4, c);
    const int64_t a = int64_t(std::max(m_t0, double(m_data->begin())));
    const int64_t b = int64_t(std::min(m_t0 + m_nsPerPx * areaW, double(m_data->end())));
    if (b > a) {
        const QString label =
            tr("%1 % busy in view")
                .arg(100.0 * double(row.busyBetween(a, b)) / double(b - a), 0, 'f', 1);
        paintLaneNote(p, g, areaW, label);
    }
}

// A short note at the right end of a lane ("12.5 % busy in view") on a backing box.
void TimelineView::paintLaneNote(QPainter& p, const RowGeom& g, int areaW, const QString& note) {
    const QFontMetrics fm(font());
    const QRect box(areaW - fm.horizontalAdvance(note) - 14, g.top + 2,
                    fm.horizontalAdvance(note) + 10, g.height - 4);
    p.fillRect(box, m_dark ? QColor(38, 39, 43, 220) : QColor(255, 255, 255, 220));
    p.setPen(m_dark ? QColor(220, 220, 225) : QColor(30, 30, 35));
    p.drawText(box, Qt::AlignCenter, note);
}

// Sample weight per pixel column as bars scaled to the fullest column in view (the thread's CPU
// activity, as Hotspot draws it), with the samples in view counted in the corner.
void TimelineView::paintSamples(QPainter& p, const TimelineRow& row, const RowGeom& g, int w) {
    const int areaW = w - m_labelWidth;
    static thread_local std::vector<uint64_t> columns;
    columns.assign(size_t(std::max(areaW, 0)), 0);
    uint64_t fullest = 0;
    for (int x = 0; x < areaW; ++x) {
        columns[size_t(x)] =
            row.weightBetween(int64_t(m_t0 + x * m_nsPerPx), int64_t(m_t0 + (x + 1) * m_nsPerPx));
        fullest = std::max(fullest, columns[size_t(x)]);
    }
    const int h = g.height - 4, bottom = g.top + 2 + h;
    if (fullest > 0) {
        static thread_local std::vector<QRect> rects;
        rects.clear();
        for (int x = 0; x < areaW; ++x) {
            if (!columns[size_t(x)]) continue;
            const double share = double(columns[size_t(x)]) / double(fullest);
            const int height = std::max(2, int(std::lround(share * h)));
            rects.emplace_back(x, bottom - height, 1, height);
        }
        p.setPen(Qt::NoPen);
        p.setBrush(m_dark ? QColor(255, 152, 0) : QColor(239, 108, 0));
        p.drawRects(rects.data(), int(rects.size()));
        p.setBrush(Qt::NoBrush);
    }
    const auto first = std::lower_bound(row.start.begin(), row.start.end(), int64_t(m_t0));
    const auto last = std::lower_bound(first, row.start.end(), int64_t(m_t0 + m_nsPerPx * areaW));
    const qlonglong inView = last - first;
    paintLaneNote(p, g, areaW,
                  inView == 1 ? tr("1 sample in view") : tr("%L1 samples in view").arg(inView));
}

void TimelineView::paintFlows(QPainter& p, int w) {
    if (!m_selected) return;
    // The arrows stay inside the track area (never over the row labels or the ruler).
    p.save();
    p.setClipRect(QRect(m_labelWidth, m_scrollY + kRulerHeight, w - m_labelWidth,
                        std::max(0, height() - kRulerHeight)),
                  Qt::IntersectClip);
    struct Restore {
        QPainter& p;
        ~Restore() { p.restore(); }
    } restore{p};
    // Flow arrow: API call -> the kernel/copy it launched, matched by correlation id.
    const auto [row, index] = *m_selected;
    const auto& run = m_data->run();
    const EventRef ref = m_data->rows()[row].ref[index];
    uint32_t correlation = 0;
    switch (ref.source) {
    case EventSource::Kernel:
        correlation = run.kernels.correlation[ref.index];
        break;
    case EventSource::Memcpy:
        correlation = run.memcpy.correlation[ref.index];
        break;
    case EventSource::Memset:
        correlation = run.memset.correlation[ref.index];
        break;
    case EventSource::Api:
        correlation = run.api.correlation[ref.index];
        break;
    default:
        return;
    }
    if (correlation == 0) return;
    std::vector<std::pair<size_t, size_t>> targets;
    size_t apiRow = 0, apiIndex = 0;
    if (!m_data->findApiByCorrelation(correlation, apiRow, apiIndex)) return;
    auto addTargets = [&](EventSource src, const std::vector<uint32_t>& corr) {
        for (uint32_t i = 0; i < corr.size(); ++i)
            if (corr[i] == correlation) {
                size_t r = 0, k = 0;
                if (m_data->locate({src, i}, r, k)) targets.emplace_back(r, k);
            }
    };
    if (ref.source == EventSource::Api) {
        addTargets(EventSource::Kernel, run.kernels.correlation);
        addTargets(EventSource::Memcpy, run.memcpy.correlation);
        addTargets(EventSource::Memset, run.memset.correlation);
    } else {
        targets.emplace_back(row, index);
    }
    const int apiTop = rowTop(apiRow);
    if (apiTop < 0) return;
    const auto& apiR = m_data->rows()[apiRow];
    const QPointF from(timeToX(double(apiR.start[apiIndex])), apiTop + kRowHeight / 2.0);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (auto [r, k] : targets) {
        const int top = rowTop(r);
        if (top < 0) continue;
        const QPointF to(timeToX(double(m_data->rows()[r].start[k])), top + kRowHeight / 2.0);
        QPainterPath path(from);
        const double dy = (to.y() - from.y()) / 2;
        path.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
        p.setPen(QPen(QColor(255, 87, 34), 1.6));
        p.drawPath(path);
        // Arrow head.
        const QPointF dir = to.y() > from.y() ? QPointF(0, -1) : QPointF(0, 1);
        QPolygonF head;
        head << to << to + dir * 7 + QPointF(-4, 0) << to + dir * 7 + QPointF(4, 0);
        p.setBrush(QColor(255, 87, 34));
        p.drawPolygon(head);
        p.setBrush(Qt::NoBrush);
    }
    p.setRenderHint(QPainter::Antialiasing, false);
}

int TimelineView::rowTop(size_t row) const {
    for (const RowGeom& g : m_geom)
        if (!g.header && g.row == row) return g.top;
    return -1;
}

int TimelineView::rowAt(int y) const {
    const int cy = y + m_scrollY;
    if (y < kRulerHeight) return -1;
    for (size_t i = 0; i < m_geom.size(); ++i)
        if (cy >= m_geom[i].top && cy < m_geom[i].top + m_geom[i].height) return int(i);
    return -1;
}

bool TimelineView::hitTest(QPoint pos, size_t& row, size_t& index, uint32_t* count) const {
    if (!m_data || pos.x() < m_labelWidth) return false;
    const int gi = rowAt(pos.y());
    if (gi < 0 || m_geom[size_t(gi)].header) return false;
    row = m_geom[size_t(gi)].row;
    const double x = pos.x() - m_labelWidth;
    const auto& r = m_data->rows()[row];
    if (r.kind == RowKind::Samples) {
        // The sample nearest the cursor, within three pixels.
        const int64_t t = int64_t(xToTime(pos.x()));
        const auto at = std::lower_bound(r.start.begin(), r.start.end(), t);
        double best = 3 * m_nsPerPx;
        bool found = false;
        for (auto it : {at, at == r.start.begin() ? at : at - 1})
            if (it != r.start.end() && std::abs(double(*it - t)) <= best) {
                best = std::abs(double(*it - t));
                index = size_t(it - r.start.begin());
                found = true;
            }
        if (found && count) *count = 1;
        return found;
    }
    for (const DrawItem& it : m_layout[row]) {
        if (x >= it.x0 - 1 && x <= std::max(it.x1, it.x0 + 2) + 1) {
            index = it.first;
            if (count) *count = it.count;
            // Within a folded block, prefer the event nearest the cursor.
            if (it.count > 1) {
                const auto& r = m_data->rows()[row];
                const int64_t t = int64_t(xToTime(pos.x()));
                auto b = r.start.begin() + it.first, e = b + it.count;
                auto at = std::upper_bound(b, e, t);
                index = size_t((at == b ? at : at - 1) - r.start.begin());
            }
            return true;
        }
    }
    return false;
}

// A CPU sample: its time, weight, event and call stack (leaf first, as perf report shows it).
QString TimelineView::describeSample(size_t rowIndex, size_t index) const {
    const auto& row = m_data->rows()[rowIndex];
    const auto& run = m_data->run();
    const uint32_t sample = row.ref[index].index;
    auto text = [&](uint32_t id) {
        return QString::fromStdString(std::string(run.strings.get(id))).toHtmlEscaped();
    };
    QString html = QStringLiteral("<b>%1</b><table>").arg(text(row.name[index]));
    auto line = [&](const QString& k, const QString& v) {
        html +=
            QStringLiteral("<tr><td style='color:gray;padding-right:8px'>%1</td><td>%2</td></tr>")
                .arg(k, v);
    };
    line(tr("Time"), exactDuration(row.start[index] - m_data->begin()));
    if (sample < run.samples.weight.size())
        line(tr("Weight"), QString::number(qulonglong(run.samples.weight[sample])));
    if (sample < run.samples.event.size() && run.samples.event[sample] != 0)
        line(tr("Event"), text(run.samples.event[sample]));
    line(tr("Row"), QString::fromStdString(row.group + " / " + row.label).toHtmlEscaped());
    html += QStringLiteral("</table>");
    constexpr int kShownFrames = 16;
    int depth = 0;
    uint32_t node = sample < run.samples.stack.size() ? run.samples.stack[sample] : data::kNoParent;
    for (; node < run.stacks.size() && depth < kShownFrames; ++depth) {
        html += (depth == 0 ? QString() : QStringLiteral("<br>")) + text(run.stacks.frame[node]);
        node = run.stacks.parent[node];
    }
    if (node < run.stacks.size()) html += tr("<br>… (deeper frames not shown)");
    return html;
}

QString TimelineView::describeEvent(size_t rowIndex, size_t index) const {
    const auto& row = m_data->rows()[rowIndex];
    const auto& run = m_data->run();
    const EventRef ref = row.ref[index];
    if (ref.source == EventSource::Sample) return describeSample(rowIndex, index);
    const int64_t dur = row.end[index] - row.start[index];
    QString html =
        QStringLiteral("<b>%1</b><table>")
            .arg(QString::fromStdString(m_data->eventName(rowIndex, index)).toHtmlEscaped());
    auto line = [&](const QString& k, const QString& v) {
        html +=
            QStringLiteral("<tr><td style='color:gray;padding-right:8px'>%1</td><td>%2</td></tr>")
                .arg(k, v);
    };
    line(tr("Start"), exactDuration(row.start[index] - m_data->begin()));
    line(tr("End"), exactDuration(row.end[index] - m_data->begin()));
    line(tr("Duration"), exactDuration(dur));
    line(tr("Row"), QString::fromStdString(row.group + " / " + row.label).toHtmlEscaped());
    auto bytesLine = [&](uint64_t bytes) {
        line(tr("Bytes"), QString::fromStdString(data::formatBytes(double(bytes))));
        if (dur > 0)
            line(tr("Bandwidth"),
                 QStringLiteral("%1 GB/s").arg(double(bytes) / double(dur), 0, 'f', 2));
    };
    switch (ref.source) {
    case EventSource::Kernel: {
        const auto& k = run.kernels;
        const size_t i = ref.index;
        if (k.grid_x[i] == 0) { // CPU ops have no launch configuration
            line(tr("Device"), QString::fromUtf8(run.deviceName(k.device[i]).data(),
                                                 qsizetype(run.deviceName(k.device[i]).size()))
                                   .toHtmlEscaped());
            break;
        }
        line(tr("Grid"),
             QStringLiteral("%1 × %2 × %3").arg(k.grid_x[i]).arg(k.grid_y[i]).arg(k.grid_z[i]));
        line(tr("Block"),
             QStringLiteral("%1 × %2 × %3").arg(k.block_x[i]).arg(k.block_y[i]).arg(k.block_z[i]));
        line(tr("Registers/thread"), QString::number(k.registers_per_thread[i]));
        line(tr("Shared memory"),
             QString::fromStdString(data::formatBytes(k.shared_static[i] + k.shared_dynamic[i])));
        line(tr("Correlation"), QString::number(k.correlation[i]));
        break;
    }
    case EventSource::Memcpy:
        bytesLine(run.memcpy.bytes[ref.index]);
        line(tr("Correlation"), QString::number(run.memcpy.correlation[ref.index]));
        break;
    case EventSource::Memset:
        bytesLine(run.memset.bytes[ref.index]);
        break;
    case EventSource::Api:
        line(tr("Correlation"), QString::number(run.api.correlation[ref.index]));
        line(tr("Return"), QString::number(run.api.return_value[ref.index]));
        break;
    case EventSource::Range:
        line(tr("Category"),
             QString::fromStdString(std::string(run.strings.get(run.ranges.category[ref.index])))
                 .toHtmlEscaped());
        line(tr("Depth"), QString::number(run.ranges.depth[ref.index]));
        break;
    case EventSource::Sample: // described by describeSample
        break;
    }
    html += QStringLiteral("</table>");
    return html;
}

QString TimelineView::describeSpan(int64_t begin, int64_t end) const {
    const int64_t len = std::max<int64_t>(1, end - begin);
    QString html = tr("<b>Selected span</b> from %1, length %2<br>")
                       .arg(exactDuration(begin - m_data->begin()), exactDuration(end - begin));
    // Per device: the combined (union) utilisation, then each stream; per thread: API and
    // range lanes. Busy is the union of the lane's events inside the span, not a sum.
    html += QStringLiteral("<table cellspacing='0' cellpadding='2'><tr>"
                           "<th align='left'>%1</th><th align='right'>%2</th>"
                           "<th align='right'>%3</th><th align='right'>%4</th>"
                           "<th align='right'>%5</th><th align='right'>%6</th></tr>")
                .arg(tr("Lane"), tr("Busy %"), tr("Busy"), tr("Events"), tr("Idle gaps"),
                     tr("Longest gap"));
    const auto& rows = m_data->rows();
    auto eventsIn = [&](const TimelineRow& row) -> size_t {
        const size_t first = row.firstEndingAfter(begin);
        const size_t last =
            size_t(std::lower_bound(row.start.begin(), row.start.end(), end) - row.start.begin());
        return last > first ? last - first : 0;
    };
    std::map<uint32_t, size_t> deviceEvents;
    for (const TimelineRow& row : rows)
        if (row.kind == RowKind::Device) deviceEvents[row.device] += eventsIn(row);
    for (size_t r = 0; r < rows.size(); ++r) {
        const TimelineRow& row = rows[r];
        if (row.kind == RowKind::Counter) continue;
        const int64_t busy = row.busyBetween(begin, end);
        int64_t longest = 0;
        const size_t gaps = row.idleGaps(begin, end, 1, &longest);
        const size_t events =
            row.kind == RowKind::Utilization ? deviceEvents[row.device] : eventsIn(row);
        if (events == 0) continue;
        const bool combined = row.kind == RowKind::Utilization;
        const QString lane = QString::fromStdString(combined ? row.group + " — all streams"
                                                             : row.group + " / " + row.label)
                                 .toHtmlEscaped();
        html +=
            QStringLiteral("<tr><td>%1%2%3</td><td align='right'>%4</td><td align='right'>%5</td>"
                           "<td align='right'>%6</td><td align='right'>%L7</td>"
                           "<td align='right'>%8</td></tr>")
                .arg(combined ? QStringLiteral("<b>") : QString(), lane,
                     combined ? QStringLiteral("</b>") : QString())
                .arg(100.0 * double(busy) / double(len), 0, 'f', 1)
                .arg(QString::fromStdString(data::formatDuration(double(busy))))
                .arg(QLocale().toString(qulonglong(events)))
                .arg(qulonglong(gaps))
                .arg(QString::fromStdString(data::formatDuration(double(longest))));
    }
    return html + QStringLiteral("</table>");
}

int TimelineView::setSearch(const QString& pattern, bool regex) {
    m_matches.clear();
    m_matchName.clear();
    m_currentMatch = -1;
    if (!m_data || pattern.isEmpty()) {
        update();
        return 0;
    }
    QRegularExpression re(regex ? pattern : QRegularExpression::escape(pattern),
                          QRegularExpression::CaseInsensitiveOption);
    if (!re.isValid()) {
        update();
        return -1;
    }
    // Match names once in the string table, then collect events by name id.
    const auto& strings = m_data->run().strings;
    m_matchName.assign(strings.size(), false);
    for (uint32_t i = 1; i < strings.size(); ++i)
        m_matchName[i] =
            re.match(QString::fromUtf8(strings.get(i).data(), qsizetype(strings.get(i).size())))
                .hasMatch();
    const auto& rows = m_data->rows();
    for (size_t r = 0; r < rows.size(); ++r) {
        // Search finds events; samples (thousands per function) belong to the flame graph.
        if (rows[r].kind == RowKind::Samples) continue;
        for (size_t i = 0; i < rows[r].size(); ++i)
            if (rows[r].name[i] && m_matchName[rows[r].name[i]]) m_matches.emplace_back(r, i);
    }
    std::stable_sort(m_matches.begin(), m_matches.end(), [&](const auto& a, const auto& b) {
        return rows[a.first].start[a.second] < rows[b.first].start[b.second];
    });
    update();
    return int(m_matches.size());
}

void TimelineView::stepMatch(int delta) {
    if (m_matches.empty()) return;
    const int n = int(m_matches.size());
    m_currentMatch =
        m_currentMatch < 0 ? (delta > 0 ? 0 : n - 1) : ((m_currentMatch + delta) % n + n) % n;
    const auto [row, index] = m_matches[size_t(m_currentMatch)];
    selectEvent(row, index, true);
    emit matchChanged();
}

void TimelineView::highlightName(std::optional<uint32_t> nameId) {
    m_highlightName = nameId;
    update();
}

void TimelineView::showInstances(uint32_t nameId) {
    highlightName(nameId);
    const auto& k = m_data->run().kernels;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    std::optional<uint32_t> first;
    for (uint32_t i = 0; i < k.size(); ++i)
        if (k.name[i] == nameId) {
            if (k.start_ns[i] < lo) lo = k.start_ns[i], first = i;
            hi = std::max(hi, k.end_ns[i]);
        }
    if (!first) return;
    zoomToRange(lo, hi);
    size_t row = 0, index = 0;
    if (m_data->locate({EventSource::Kernel, *first}, row, index)) selectEvent(row, index, false);
}

bool TimelineView::goToInstance(uint32_t nameId, std::optional<std::pair<int64_t, int64_t>> within,
                                bool slowest) {
    if (!m_data) return false;
    const auto& k = m_data->run().kernels;
    std::optional<uint32_t> best, firstAnywhere;
    for (uint32_t i = 0; i < k.size(); ++i) {
        if (k.name[i] != nameId) continue;
        if (slowest) {
            if (!best || k.end_ns[i] - k.start_ns[i] > k.end_ns[*best] - k.start_ns[*best])
                best = i;
            continue;
        }
        if (!firstAnywhere || k.start_ns[i] < k.start_ns[*firstAnywhere]) firstAnywhere = i;
        const bool inside = within && k.start_ns[i] < within->second && k.end_ns[i] > within->first;
        if (inside && (!best || k.start_ns[i] < k.start_ns[*best])) best = i;
    }
    if (!best) best = firstAnywhere;
    size_t row = 0, index = 0;
    if (!best || !m_data->locate({EventSource::Kernel, *best}, row, index)) return false;
    highlightName(nameId);
    selectEvent(row, index, true);
    return true;
}

void TimelineView::selectEvent(size_t row, size_t index, bool center) {
    m_selected = {row, index};
    const auto& r = m_data->rows()[row];
    if (center) {
        const double mid = 0.5 * double(r.start[index] + r.end[index]);
        double nsPerPx = m_nsPerPx;
        // Zoom in so the event is at least ~40 px wide unless that would zoom absurdly far.
        const double dur = double(r.end[index] - r.start[index]);
        if (dur / nsPerPx < 40 && dur > 0) nsPerPx = std::max(dur / 40, nsPerPx / 1000);
        // Make the row visible.
        const int top = rowTop(row);
        if (top >= 0 && (top < m_scrollY + kRulerHeight || top + kRowHeight > m_scrollY + height()))
            m_scrollY = top - height() / 2;
        setView(mid - nsPerPx * eventAreaWidth() / 2.0, nsPerPx);
    }
    update();
    emit eventSelected(describeEvent(row, index));
}

void TimelineView::setSpan(std::optional<std::pair<int64_t, int64_t>> span) {
    m_span = span;
    update();
    if (span)
        emit spanSelected(span->first, span->second);
    else
        emit spanCleared();
}

void TimelineView::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (e->modifiers() & Qt::ControlModifier) {
        zoomBy(std::pow(1.25, steps), e->position().x());
    } else if (e->modifiers() & Qt::ShiftModifier) {
        panByPixels(-steps * eventAreaWidth() * 0.1);
    } else {
        m_scrollY -= int(steps * kRowHeight * 3);
        clampView();
        updateLayout();
        update();
    }
    e->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* e) {
    setFocus();
    m_pressPos = e->pos();
    m_pressT0 = m_t0;
    m_pressScrollY = m_scrollY;
    const bool spanGesture = e->button() == Qt::RightButton ||
                             (e->button() == Qt::LeftButton &&
                              (e->modifiers() & Qt::ShiftModifier || e->pos().y() < kRulerHeight));
    if (spanGesture && e->pos().x() >= m_labelWidth) {
        m_drag = Drag::Span;
        m_spanAnchor = xToTime(e->pos().x());
    } else if (e->button() == Qt::LeftButton) {
        m_drag = Drag::Pan;
        setCursor(Qt::ClosedHandCursor);
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent* e) {
    if (m_data) {
        m_cursorNs = xToTime(e->pos().x());
        if (e->pos().x() >= m_labelWidth)
            emit cursorTimeChanged(m_cursorNs - double(m_data->begin()));
    }
    if (m_drag == Drag::Pan) {
        const QPoint d = e->pos() - m_pressPos;
        m_scrollY = m_pressScrollY - d.y();
        setView(m_pressT0 - d.x() * m_nsPerPx, m_nsPerPx);
    } else if (m_drag == Drag::Span) {
        const double t = xToTime(e->pos().x());
        m_span = {int64_t(std::min(t, m_spanAnchor)), int64_t(std::max(t, m_spanAnchor))};
    }
    update();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* e) {
    const bool moved = (e->pos() - m_pressPos).manhattanLength() > 3;
    if (m_drag == Drag::Span) {
        if (moved && m_span)
            setSpan(m_span);
        else
            setSpan(std::nullopt);
    } else if (m_drag == Drag::Pan && !moved && m_data) {
        // A click: select the event under the cursor, or a group header toggles its group.
        const int gi = rowAt(e->pos().y());
        if (gi >= 0 && m_geom[size_t(gi)].header) {
            const QString g = m_geom[size_t(gi)].group;
            setGroupCollapsed(g, !isGroupCollapsed(g));
        } else {
            size_t row = 0, index = 0;
            if (hitTest(e->pos(), row, index))
                selectEvent(row, index, false);
            else
                m_selected.reset(), update();
        }
    }
    m_drag = Drag::None;
    unsetCursor();
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent* e) {
    size_t row = 0, index = 0;
    if (hitTest(e->pos(), row, index)) {
        const auto& r = m_data->rows()[row];
        zoomToRange(r.start[index], r.end[index]);
    }
}

void TimelineView::keyPressEvent(QKeyEvent* e) {
    const double cx = m_cursorNs >= 0 ? timeToX(m_cursorNs) : m_labelWidth + eventAreaWidth() / 2.0;
    const double anchor = std::clamp<double>(cx, m_labelWidth, width());
    switch (e->key()) {
    case Qt::Key_W:
        zoomBy(1.4, anchor);
        break;
    case Qt::Key_S:
        zoomBy(1 / 1.4, anchor);
        break;
    case Qt::Key_A:
        panByPixels(-eventAreaWidth() * 0.15);
        break;
    case Qt::Key_D:
        panByPixels(eventAreaWidth() * 0.15);
        break;
    case Qt::Key_Z:
        if (m_span) zoomToRange(m_span->first, m_span->second);
        break;
    case Qt::Key_F:
        if (m_selected) {
            const auto& r = m_data->rows()[m_selected->first];
            zoomToRange(r.start[m_selected->second], r.end[m_selected->second]);
        }
        break;
    case Qt::Key_0:
    case Qt::Key_Home:
        zoomToFit();
        break;
    case Qt::Key_Escape:
        m_selected.reset();
        setSpan(std::nullopt);
        break;
    default:
        QWidget::keyPressEvent(e);
        return;
    }
    e->accept();
}

void TimelineView::leaveEvent(QEvent*) {
    m_cursorNs = -1;
    update();
}

bool TimelineView::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip && m_data) {
        auto* help = static_cast<QHelpEvent*>(e);
        size_t row = 0, index = 0;
        uint32_t count = 1;
        if (m_drag == Drag::None && hitTest(help->pos(), row, index, &count)) {
            QString html = describeEvent(row, index);
            if (count > 1)
                html =
                    tr("<i>%L1 events folded here; zoom in (W / Ctrl+wheel) to see them.</i><br>")
                        .arg(count) +
                    html;
            QToolTip::showText(help->globalPos(), html, this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(e);
}

} // namespace ks::gui
