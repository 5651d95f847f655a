#include "gui/app/MemoryStatsModel.h"

#include <QLocale>

namespace ks::gui {

MemoryStatsModel::MemoryStatsModel(QObject* parent) : QAbstractTableModel(parent) {}

void MemoryStatsModel::setStats(std::vector<data::CopyStat> stats) {
    beginResetModel();
    m_stats = std::move(stats);
    endResetModel();
}

void MemoryStatsModel::setDurationUnit(DurationUnit unit) {
    m_unit = unit;
    if (!m_stats.empty()) emit dataChanged(index(0, TotalTime), index(rowCount() - 1, TotalTime));
    emit headerDataChanged(Qt::Horizontal, TotalTime, TotalTime);
}

int MemoryStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_stats.size());
}

int MemoryStatsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MemoryStatsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const data::CopyStat& s = m_stats[size_t(index.row())];
    if (role == Qt::TextAlignmentRole)
        return index.column() == Kind ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                      : int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole) {
        switch (index.column()) {
        case Kind:
            return QString::fromStdString(s.kind);
        case Count:
            return qulonglong(s.count);
        case Bytes:
            return qulonglong(s.bytes);
        case TotalTime:
            return qlonglong(s.totalNs);
        case AverageGBps:
            return s.averageGBps;
        case PeakGBps:
            return s.peakGBps;
        case ShareOfPeak:
            return s.shareOfPeak ? *s.shareOfPeak : -1.0;
        }
        return {};
    }
    if (role == ExportRole) {
        switch (index.column()) {
        case Kind:
            return QString::fromStdString(s.kind);
        case Count:
            return qulonglong(s.count);
        case Bytes:
            return qulonglong(s.bytes);
        case TotalTime:
            return qlonglong(s.totalNs);
        case AverageGBps:
            return s.averageGBps;
        case PeakGBps:
            return s.peakGBps;
        case ShareOfPeak:
            return s.shareOfPeak ? QVariant(*s.shareOfPeak * 100.0) : QVariant(QString());
        }
        return {};
    }
    if (role == Qt::ToolTipRole && index.column() == TotalTime)
        return exactNanoseconds(double(s.totalNs));
    if (role == Qt::ToolTipRole && index.column() == Bytes)
        return QStringLiteral("%L1 bytes").arg(qulonglong(s.bytes));
    if (role != Qt::DisplayRole) return {};
    const QLocale locale = QLocale::c();
    switch (index.column()) {
    case Kind:
        return QString::fromStdString(s.kind);
    case Count:
        return locale.toString(qulonglong(s.count));
    case Bytes:
        return QString::fromStdString(data::formatBytes(double(s.bytes)));
    case TotalTime:
        return formatDurationIn(double(s.totalNs), m_unit);
    case AverageGBps:
        return QString::number(s.averageGBps, 'f', 2);
    case PeakGBps:
        return QString::number(s.peakGBps, 'f', 2);
    case ShareOfPeak:
        return s.shareOfPeak
                   ? QString::number(*s.shareOfPeak * 100.0, 'f', 1) + QStringLiteral(" %")
                   : QStringLiteral("n/a");
    }
    return {};
}

QVariant MemoryStatsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    static const char* names[] = {"Operation", "Count",     "Total Bytes",      "Total Time",
                                  "Avg GB/s",  "Peak GB/s", "Avg / Device Peak"};
    static const char* csvNames[] = {
        "Operation", "Count",     "Total Bytes (B)",      "Total Time (ns)",
        "Avg GB/s",  "Peak GB/s", "Avg / Device Peak (%)"};
    if (role == ExportRole) return QString::fromUtf8(csvNames[section]);
    if (role == Qt::DisplayRole) {
        const QString unit = unitName(m_unit);
        return section == TotalTime && !unit.isEmpty() ? QStringLiteral("Total Time (%1)").arg(unit)
                                                       : QString::fromUtf8(names[section]);
    }
    if (role == Qt::ToolTipRole && section == ShareOfPeak)
        return tr("Average bandwidth as a share of the device's memory bandwidth, where known");
    return {};
}

} // namespace ks::gui
