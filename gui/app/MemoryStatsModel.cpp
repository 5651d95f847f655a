#include "gui/app/MemoryStatsModel.h"

namespace ks::gui {

namespace {

using Stat = data::CopyStat;
using Spec = StatsColumn<Stat>;

Spec gigabytesPerSecond(const char* name, double Stat::*field) {
    return Spec(Spec::Formatted, name, name, [field](const Stat& s) { return s.*field; })
        .withText([field](const Stat& s) { return QString::number(s.*field, 'f', 2); });
}

} // namespace

MemoryStatsModel::MemoryStatsModel(QObject* parent) : StatsTableModel(parent) {
    std::vector<Spec> columns;
    columns.push_back(Spec(Spec::Label, "Operation", "Operation",
                           [](const Stat& s) { return QString::fromStdString(s.kind); }));
    columns.push_back(
        Spec(Spec::Count, "Count", "Count", [](const Stat& s) { return qulonglong(s.count); }));
    columns.push_back(Spec(Spec::Formatted, "Total Bytes", "Total Bytes (B)",
                           [](const Stat& s) { return qulonglong(s.bytes); })
                          .withText([](const Stat& s) {
                              return QString::fromStdString(data::formatBytes(double(s.bytes)));
                          })
                          .withTooltip([](const Stat& s) {
                              return QStringLiteral("%L1 bytes").arg(qulonglong(s.bytes));
                          }));
    columns.push_back(Spec(Spec::Duration, "Total Time", "Total Time (ns)",
                           [](const Stat& s) { return qlonglong(s.totalNs); }));
    columns.push_back(gigabytesPerSecond("Avg GB/s", &Stat::averageGBps));
    columns.push_back(gigabytesPerSecond("Peak GB/s", &Stat::peakGBps));
    columns.push_back(
        shareColumn<Stat>(
            "Avg / Device Peak", "Avg / Device Peak (%)",
            [](const Stat& s) { return s.shareOfPeak; }, 1)
            .withHeaderTooltip(
                tr("Average bandwidth as a share of the device's memory bandwidth, where known")));
    setColumns(std::move(columns));
}

} // namespace ks::gui
