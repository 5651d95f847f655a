#pragma once
// The Kernels page's table: nsys `cuda_gpu_kern_sum` columns plus launch shape and occupancy.
#include "data/analysis/KernelStats.h"
#include "gui/app/TableExport.h"

#include <QAbstractTableModel>

namespace ks::gui {

class KernelStatsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimePercent,
        Total,
        Instances,
        Average,
        Median,
        Minimum,
        Maximum,
        StdDev,
        Name,
        Grid,
        Block,
        Registers,
        SharedMemory,
        Occupancy,
        ColumnCount
    };
    // Raw numbers for sorting (Qt::DisplayRole is formatted text).
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int NameIdRole = Qt::UserRole + 2;

    explicit KernelStatsModel(QObject* parent = nullptr);
    void setStats(std::vector<data::KernelStat> stats);
    void setDurationUnit(DurationUnit unit);
    DurationUnit durationUnit() const { return m_unit; }
    const std::vector<data::KernelStat>& stats() const { return m_stats; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant exportValue(const data::KernelStat& s, int column) const;
    std::vector<data::KernelStat> m_stats;
    DurationUnit m_unit = DurationUnit::Auto;
};

} // namespace ks::gui
