#pragma once
// Kernels page: nsys-style kernel summary with launch shape and occupancy; filter, copy, CSV;
// limited to the timeline's span when one is selected. Statistics are computed on a worker.
#include "gui/app/KernelStatsModel.h"
#include "gui/app/RunLoader.h"

#include <QWidget>

#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace ks::gui {

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
    QLineEdit* filterEdit() const { return m_filter; }
    bool computing() const { return m_computing; }

signals:
    void kernelSelected(std::optional<uint32_t> nameId);
    void kernelActivated(uint32_t nameId); // double-click: show instances on the timeline
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
    QTableView* m_view;
    QLineEdit* m_filter;
    QLabel* m_spanLabel;
    QPushButton* m_clearSpan;
    QLabel* m_countLabel;
};

} // namespace ks::gui
