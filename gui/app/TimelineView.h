#pragma once
// The custom-painted timeline: rows per device/stream, per thread (API calls, ranges by depth),
// counters as line charts. The draw lists come from TimelineData::layoutRow and are recomputed
// when the view changes, never inside paintEvent.
#include "gui/app/TimelineData.h"

#include <QRegularExpression>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

namespace ks::gui {

class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);

    void setData(std::shared_ptr<const TimelineData> data);
    const TimelineData* data() const { return m_data.get(); }

    // View: the time at the left edge of the event area and nanoseconds per pixel.
    void setView(double t0, double nsPerPx);
    double viewStart() const { return m_t0; }
    double nsPerPx() const { return m_nsPerPx; }
    void zoomToFit();
    void zoomBy(double factor, double anchorX); // factor > 1 zooms in, anchored at widget x
    void panByPixels(double dx);
    void zoomToRange(int64_t begin, int64_t end);
    // Pixel <-> time mapping in widget coordinates (the event area starts at labelWidth()).
    double timeToX(double ns) const;
    double xToTime(double x) const;
    int labelWidth() const { return m_labelWidth; }
    int eventAreaWidth() const { return std::max(1, width() - m_labelWidth); }

    // Draw lists of the current view, one per row (empty for collapsed rows).
    const std::vector<DrawItem>& drawList(size_t row) const { return m_layout[row]; }
    // Recomputes the draw lists for the current view (normally done on every view change).
    void updateLayout();
    // Renders into an image (used by the benchmark and image export).
    void renderTo(QImage& image);

    // Search by name: substring (case-insensitive) or regular expression. Returns the match count.
    int setSearch(const QString& pattern, bool regex);
    int matchCount() const { return int(m_matches.size()); }
    int currentMatch() const { return m_currentMatch; }
    void stepMatch(int delta); // next (+1) / previous (-1), centres and selects the match

    // Shared selection.
    void highlightName(std::optional<uint32_t> nameId); // kernel table row -> instances
    void showInstances(uint32_t nameId);                // zoom to them and select the first
    // Selects and centres one instance of a kernel: the first one inside `within` (the whole run
    // when empty or when none is inside), or the slowest one. False when the name has none.
    bool goToInstance(uint32_t nameId, std::optional<std::pair<int64_t, int64_t>> within,
                      bool slowest);
    void selectEvent(size_t row, size_t index, bool center);
    std::optional<std::pair<size_t, size_t>> selectedEvent() const { return m_selected; }
    void setSpan(std::optional<std::pair<int64_t, int64_t>> span);
    std::optional<std::pair<int64_t, int64_t>> span() const { return m_span; }

    // Row and event under a widget position (folded blocks: the first event of the block).
    bool hitTest(QPoint pos, size_t& row, size_t& index, uint32_t* count = nullptr) const;
    int rowAt(int y) const;
    int rowTop(size_t row) const; // widget y, or -1 when hidden
    void setGroupCollapsed(const QString& group, bool collapsed);
    bool isGroupCollapsed(const QString& group) const;

    QString describeEvent(size_t row, size_t index) const; // HTML for tooltips and details
    QString describeSpan(int64_t begin, int64_t end) const;
    void setDark(bool dark);

signals:
    void cursorTimeChanged(double ns);
    void eventSelected(QString detailsHtml);
    void spanSelected(qint64 begin, qint64 end);
    void spanCleared();
    void viewChanged();
    void matchChanged(); // the current search match moved (F3 / Shift+F3 / Enter)

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void keyPressEvent(QKeyEvent*) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent*) override;

private:
    struct RowGeom {
        int top = 0, height = 0;
        bool header = false; // a group header line (row index is the first row of the group)
        size_t row = 0;
        QString group;
    };
    void rebuildGeometry();
    void clampView();
    void paintInto(QPainter& p, const QRect& rect);
    void paintRuler(QPainter& p, int w);
    void paintRow(QPainter& p, const RowGeom& g, int w);
    void paintFlows(QPainter& p, int w);
    void paintUtilization(QPainter& p, const TimelineRow& row, const RowGeom& g, int w);
    void paintSamples(QPainter& p, const TimelineRow& row, const RowGeom& g, int w);
    void paintLaneNote(QPainter& p, const RowGeom& g, int areaW, const QString& note);
    QString describeSample(size_t row, size_t index) const;
    void paintCoverageBlock(QPainter& p, const TimelineRow& row, const DrawItem& it, QColor c,
                            int y, int h, int w);
    QColor eventColor(size_t row, size_t index) const;
    int contentHeight() const;

    std::shared_ptr<const TimelineData> m_data;
    std::vector<std::vector<DrawItem>> m_layout;
    std::vector<RowGeom> m_geom;
    std::vector<QString> m_collapsed;
    double m_t0 = 0, m_nsPerPx = 1;
    int m_labelWidth = 210;
    int m_scrollY = 0;
    static constexpr int kRulerHeight = 26;
    static constexpr int kRowHeight = 20;
    static constexpr int kHeaderHeight = 20;
    static constexpr int kCounterHeight = 40;
    static constexpr int kUtilizationHeight = 26;
    static constexpr int kSamplesHeight = 26;
    bool m_viewIsFit = false; // the view shows the whole run: a resize fits it again

    std::vector<std::pair<size_t, size_t>> m_matches; // sorted by start time
    std::vector<bool> m_matchName;                    // per string id
    int m_currentMatch = -1;
    std::optional<uint32_t> m_highlightName;
    std::optional<std::pair<size_t, size_t>> m_selected;
    std::optional<std::pair<int64_t, int64_t>> m_span;

    enum class Drag { None, Pan, Span };
    Drag m_drag = Drag::None;
    QPoint m_pressPos;
    double m_pressT0 = 0;
    int m_pressScrollY = 0;
    double m_spanAnchor = 0;
    double m_cursorNs = -1;
    bool m_dark = false;
};

} // namespace ks::gui
