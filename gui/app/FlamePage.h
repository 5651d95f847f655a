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
    enum Mode { TopDown, BottomUp, CallersCallees };
    explicit FlamePage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    FlameView* view() const { return m_view; }
    QComboBox* sourceBox() const { return m_source; }
    QLineEdit* searchEdit() const { return m_search; }
    QComboBox* modeBox() const { return m_mode; }
    QComboBox* eventBox() const { return m_event; }
    QComboBox* threadBox() const { return m_thread; }
    QLabel* matchLabel() const { return m_matches; }
    FlameView* callersView() const { return m_callers; }
    FlameView* calleesView() const { return m_callees; }
    // The frame the caller/callee view is about (the zoomed frame of the top-down view).
    QString focusFrame() const { return m_focus; }
    void setFocusFrame(const QString& name);
    bool exportImage(const QString& path, QString* error) const; // .png or .svg by suffix
    bool building() const { return m_building; }

signals:
    void treeReady();
    void exportRequested();

private:
    void rebuild();
    void applyMode();
    void updateSearch();
    void updateBreadcrumb(uint32_t node);
    std::shared_ptr<const FlameTree> m_topDown, m_bottomUp;
    QString m_focus;
    QComboBox* m_mode;
    QComboBox* m_event;
    FlameView* m_callers;
    FlameView* m_callees;
    QWidget* m_sandwich;
    QWidget* m_mainScroll;
    QLabel* m_sandwichLabel;
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
