#pragma once
// The Kernels page's table: nsys `cuda_gpu_kern_sum` columns plus launch shape and occupancy.
#include "data/analysis/KernelStats.h"
#include "gui/app/StatsTableModel.h"

namespace ks::gui {

class KernelStatsModel : public StatsTableModel<data::KernelStat> {
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
    static constexpr int NameIdRole = Qt::UserRole + 2;

    explicit KernelStatsModel(QObject* parent = nullptr);
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

} // namespace ks::gui
