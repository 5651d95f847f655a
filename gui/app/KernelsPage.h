#pragma once
// Kernels page: nsys-style kernel summary with launch shape and occupancy; filter, copy, CSV;
// limited to the timeline's span when one is selected. Statistics are computed on a worker.
#include "gui/app/KernelStatsModel.h"
#include "gui/app/RunLoader.h"

#include <QWidget>

#include <optional>

class QAction;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace ks::gui {

class KernelMetricsPanel;

class KernelsPage : public QWidget {
    Q_OBJECT
public:
    explicit KernelsPage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    void setSpan(std::optional<data::TimeSpan> span);
    bool exportCsv(const QString& path, QString* error) const;

    KernelStatsModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    KernelMetricsPanel* metricsPanel() const { return m_metrics; }
    QLineEdit* filterEdit() const { return m_filter; }
    bool computing() const { return m_computing; }
    // The context menu's actions for a row of the view (tests trigger them directly).
    QList<QAction*> contextActions(const QModelIndex& index, QObject* parent);
    // Selects the row of a kernel by its name (the Summary page's links); false when absent.
    bool selectKernel(const QString& name);

signals:
    void kernelSelected(std::optional<uint32_t> nameId);
    void kernelActivated(uint32_t nameId);    // double-click: an instance inside the current span
    void instancesRequested(uint32_t nameId); // context menu: all instances
    void slowestInstanceRequested(uint32_t nameId); // context menu: the slowest instance
    void statsReady();
    void exportRequested();

private:
    void recompute();
    LoadedRun m_run;
    std::optional<data::TimeSpan> m_span;
    quint64 m_generation = 0;
    bool m_computing = false;
    KernelStatsModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view = nullptr;
    QLineEdit* m_filter;
    QLabel* m_spanLabel;
    QPushButton* m_clearSpan;
    QLabel* m_countLabel;
    KernelMetricsPanel* m_metrics;
};

} // namespace ks::gui
