#pragma once
// The Memory page's table: per copy kind count, bytes, time, GB/s and share of the device peak.
#include "data/analysis/KernelStats.h"
#include "gui/app/TableExport.h"

#include <QAbstractTableModel>

namespace ks::gui {

class MemoryStatsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Kind, Count, Bytes, TotalTime, AverageGBps, PeakGBps, ShareOfPeak, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit MemoryStatsModel(QObject* parent = nullptr);
    void setStats(std::vector<data::CopyStat> stats);
    void setDurationUnit(DurationUnit unit);
    const std::vector<data::CopyStat>& stats() const { return m_stats; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<data::CopyStat> m_stats;
    DurationUnit m_unit = DurationUnit::Auto;
};

} // namespace ks::gui
