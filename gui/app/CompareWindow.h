#pragma once
// A comparison of two runs in one window: A (the baseline, blue) and B (the run under test,
// orange) on every page. Summary, kernel / API / range diff tables, memory operations by kind,
// a differential flame graph, A and B timelines stacked and aligned at a chosen step, and B's
// tensors against A's. Every view exports (CSV for tables, PNG/SVG for the flame graph).
#include "data/analysis/RunDiff.h"
#include "gui/app/FlameView.h"
#include "gui/app/RunLoader.h"

#include <QAbstractTableModel>
#include <QMainWindow>

class QCheckBox;
class QComboBox;
class QLabel;
class QTabWidget;
class QTableView;
class QTextBrowser;

namespace ks::gui {

class TensorsPage;
class TimelineView;

// One diff table (kernels, API calls or ranges) as a sortable model: Qt::DisplayRole is the
// formatted text, Qt::UserRole the number to sort by, tooltips the exact nanoseconds.
class DiffTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Change,
        DeltaTotal,
        DeltaPercent,
        TotalA,
        TotalB,
        InstancesA,
        InstancesB,
        MedianA,
        MedianB,
        MedianRatio,
        PValue,
        Name,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;
    void setTable(const data::DiffTable* table);
    const data::DiffRow* rowAt(int row) const;
    int rowCount(const QModelIndex& = {}) const override;
    int columnCount(const QModelIndex& = {}) const override { return ColumnCount; }
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

private:
    const data::DiffTable* m_table = nullptr;
};

class CompareWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Page { Summary, Kernels, Memory, Flame, Timeline, Api, Ranges, Tensors };
    CompareWindow(LoadedRun a, LoadedRun b, QWidget* parent = nullptr);
    ~CompareWindow() override;
    // Loads both files (run files, or profiles to import) and opens a comparison window; on
    // failure returns nullptr and sets `error` (one line naming the file).
    static CompareWindow* open(const QString& pathA, const QString& pathB, QWidget* parent,
                               QString* error);
    // File ▸ Compare With…: B chosen in a file dialog, A the window's current run (or chosen
    // first when none is open). Shows errors in a message box.
    static void compareWithDialog(QWidget* parent, const LoadedRun& current);

    const data::RunDiff& diff() const { return m_diff; }
    QTabWidget* tabs() const { return m_tabs; }
    QTextBrowser* summary() const { return m_summary; }
    DiffTableModel* kernelModel() const { return m_kernelModel; }
    QTableView* kernelView() const { return m_kernelView; }
    FlameView* flameView() const { return m_flame; }
    TimelineView* timelineA() const { return m_timelineA; }
    TimelineView* timelineB() const { return m_timelineB; }
    QComboBox* alignBox() const { return m_align; }
    TensorsPage* tensorsPage() const { return m_tensors; }
    int pageIndex(Page page) const;

    // Exports; errors name the file.
    bool exportTableCsv(Page page, const QString& path, QString* error) const;
    bool exportFlame(const QString& path, QString* error) const; // .png or .svg by suffix
    bool exportTimelinePng(const QString& path, QString* error);
    // Aligns B's timeline at A's: the instance of the step chosen in the align box.
    void alignAt(int comboIndex);

private:
    QWidget* buildSummary();
    QWidget* buildTable(DiffTableModel*& model, QTableView*& view, const data::DiffTable& table,
                        Page page);
    QWidget* buildMemory();
    QWidget* buildFlame();
    QWidget* buildTimelines();
    void rebuildFlame();
    void syncTimelines(bool fromA);
    void exportDialog(Page page);

    LoadedRun m_a, m_b;
    data::DiffOptions m_options;
    data::RunDiff m_diff;
    QTabWidget* m_tabs;
    QTextBrowser* m_summary = nullptr;
    DiffTableModel* m_kernelModel = nullptr;
    DiffTableModel* m_apiModel = nullptr;
    DiffTableModel* m_rangeModel = nullptr;
    QTableView* m_kernelView = nullptr;
    QTableView* m_apiView = nullptr;
    QTableView* m_rangeView = nullptr;
    QTableView* m_memoryView = nullptr;
    FlameView* m_flame = nullptr;
    QComboBox* m_flameSource = nullptr;
    QCheckBox* m_normalise = nullptr;
    QLabel* m_flameInfo = nullptr;
    TimelineView* m_timelineA = nullptr;
    TimelineView* m_timelineB = nullptr;
    QComboBox* m_align = nullptr;
    double m_offset = 0; // B time = A time + offset
    bool m_syncing = false;
    TensorsPage* m_tensors = nullptr;
};

// Colours that mean A and B everywhere in the comparison.
QColor colorA();
QColor colorB();

} // namespace ks::gui
