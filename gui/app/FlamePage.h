#pragma once
// CPU flame graph page: from CPU ranges (merged by call path) or sampled stacks (recorded or
// imported); one thread or all; flame/icicle; colour by name or module; breadcrumb; export.
#include "gui/app/FlameView.h"
#include "gui/app/RunLoader.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace ks::gui {

class FlamePage : public QWidget {
    Q_OBJECT
public:
    enum Source { Ranges, Samples };
    explicit FlamePage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    FlameView* view() const { return m_view; }
    QComboBox* sourceBox() const { return m_source; }
    QLineEdit* searchEdit() const { return m_search; }
    bool exportImage(const QString& path, QString* error) const; // .png or .svg by suffix
    bool building() const { return m_building; }

signals:
    void treeReady();
    void exportRequested();

private:
    void rebuild();
    void updateBreadcrumb(uint32_t node);
    LoadedRun m_run;
    quint64 m_generation = 0;
    bool m_building = false;
    FlameView* m_view;
    QComboBox* m_source;
    QComboBox* m_thread;
    QComboBox* m_orientation;
    QComboBox* m_color;
    QCheckBox* m_mergeNumbers;
    QLineEdit* m_search;
    QLabel* m_matches;
    QLabel* m_breadcrumb;
};

} // namespace ks::gui
