#pragma once
// The flame graph widget: click a frame to zoom into it, hover for total/self time, search.
#include "gui/render/FlameGraph.h"

#include <QWidget>

#include <memory>

namespace ks::gui {

class FlameView : public QWidget {
    Q_OBJECT
public:
    explicit FlameView(QWidget* parent = nullptr);
    void setTree(std::shared_ptr<const FlameTree> tree);
    const FlameTree* tree() const { return m_tree.get(); }
    // A differential flame graph: B's frames coloured by the change against A; hover shows both.
    void setDiff(std::shared_ptr<const FlameDiff> diff);
    const FlameDiff* diff() const { return m_diff.get(); }
    FlameStyle& flameStyle() { return m_style; }
    const FlameStyle& flameStyle() const { return m_style; }
    void setZoomRoot(uint32_t node);
    uint32_t zoomRoot() const { return m_style.zoomRoot; }
    void setIcicle(bool icicle);
    void setColorMode(FlameColor mode);
    // Returns the number of matching frames (-1 for an invalid regular expression).
    int setSearch(const QString& pattern);
    void setDark(bool dark);
    // Node under a widget position, or UINT32_MAX.
    uint32_t nodeAt(QPoint pos) const;
    QString describe(uint32_t node) const;
    QSize sizeHint() const override;

signals:
    void zoomChanged(uint32_t node);
    void hovered(QString text);

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent*) override;

private:
    QRectF area() const;
    void updateMinimumHeight();
    void showTree(std::shared_ptr<const FlameTree> tree);
    std::shared_ptr<const FlameTree> m_tree;
    std::shared_ptr<const FlameDiff> m_diff;
    FlameStyle m_style;
};

} // namespace ks::gui
