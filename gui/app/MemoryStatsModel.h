#pragma once
// The Memory page's table: per copy kind count, bytes, time, GB/s and share of the device peak.
#include "data/analysis/KernelStats.h"
#include "gui/app/StatsTableModel.h"

namespace ks::gui {

class MemoryStatsModel : public StatsTableModel<data::CopyStat> {
    Q_OBJECT
public:
    enum Column { Kind, Count, Bytes, TotalTime, AverageGBps, PeakGBps, ShareOfPeak, ColumnCount };

    explicit MemoryStatsModel(QObject* parent = nullptr);
};

} // namespace ks::gui
