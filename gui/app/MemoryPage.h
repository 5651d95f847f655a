#pragma once
// Memory page: copies and memsets per kind with bandwidth and share of the device peak.
#include "gui/app/MemoryStatsModel.h"
#include "gui/app/RunLoader.h"

#include <QWidget>

#include <optional>

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace ks::gui {

class MemoryPage : public QWidget {
    Q_OBJECT
public:
    explicit MemoryPage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    void setSpan(std::optional<data::TimeSpan> span);
    bool exportCsv(const QString& path, QString* error) const;
    MemoryStatsModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }

signals:
    void statsReady();
    void exportRequested();

private:
    void recompute();
    LoadedRun m_run;
    std::optional<data::TimeSpan> m_span;
    quint64 m_generation = 0;
    MemoryStatsModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    QLabel* m_info;
};

} // namespace ks::gui
