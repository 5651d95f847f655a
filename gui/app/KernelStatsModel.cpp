#include "gui/app/KernelStatsModel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

namespace ks::gui {

KernelStatsModel::KernelStatsModel(QObject* parent) : QAbstractTableModel(parent) {}

void KernelStatsModel::setStats(std::vector<data::KernelStat> stats) {
    beginResetModel();
    m_stats = std::move(stats);
    endResetModel();
}

int KernelStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_stats.size());
}

int KernelStatsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

static QString dim3(uint32_t x, uint32_t y, uint32_t z) {
    if (x == 0) return QStringLiteral("—");
    return QStringLiteral("%1×%2×%3").arg(x).arg(std::max(1u, y)).arg(std::max(1u, z));
}

QVariant KernelStatsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const data::KernelStat& s = m_stats[size_t(index.row())];
    const QLocale locale = QLocale::c();
    if (role == NameIdRole) return s.name;
    if (role == Qt::TextAlignmentRole)
        return index.column() == Name ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                      : int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Name)
        return QString::fromStdString(s.displayName);
    if (role == SortRole) {
        switch (index.column()) {
        case TimePercent:
            return s.percent;
        case Total:
            return qlonglong(s.total);
        case Instances:
            return qulonglong(s.instances);
        case Average:
            return s.average;
        case Median:
            return s.median;
        case Minimum:
            return qlonglong(s.minimum);
        case Maximum:
            return qlonglong(s.maximum);
        case StdDev:
            return s.stddev;
        case Name:
            return QString::fromStdString(s.displayName);
        case Grid:
            return qulonglong(s.gridX) * std::max(1u, s.gridY) * std::max(1u, s.gridZ);
        case Block:
            return qulonglong(s.blockX) * std::max(1u, s.blockY) * std::max(1u, s.blockZ);
        case Registers:
            return s.registers;
        case SharedMemory:
            return s.sharedBytes;
        case Occupancy:
            return s.occupancy ? *s.occupancy : -1.0;
        }
        return {};
    }
    if (role == Qt::ForegroundRole && index.column() == Occupancy && !s.occupancy)
        return QBrush(QColor(128, 128, 128));
    if (role != Qt::DisplayRole) return {};
    auto ns = [&](double v) { return locale.toString(qlonglong(std::llround(v))); };
    switch (index.column()) {
    case TimePercent:
        return QString::number(s.percent, 'f', 1);
    case Total:
        return ns(double(s.total));
    case Instances:
        return locale.toString(qulonglong(s.instances));
    case Average:
        return ns(s.average);
    case Median:
        return ns(s.median);
    case Minimum:
        return ns(double(s.minimum));
    case Maximum:
        return ns(double(s.maximum));
    case StdDev:
        return ns(s.stddev);
    case Name:
        return QString::fromStdString(s.displayName);
    case Grid:
        return dim3(s.gridX, s.gridY, s.gridZ);
    case Block:
        return dim3(s.blockX, s.blockY, s.blockZ);
    case Registers:
        return s.registers ? QString::number(s.registers) : QStringLiteral("—");
    case SharedMemory:
        return s.sharedBytes ? QString::fromStdString(data::formatBytes(s.sharedBytes))
                             : QStringLiteral("0");
    case Occupancy:
        return s.occupancy ? QString::number(*s.occupancy * 100.0, 'f', 0) + QStringLiteral(" %")
                           : QStringLiteral("n/a");
    }
    return {};
}

QVariant KernelStatsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    static const char* names[] = {
        "Time (%)", "Total Time (ns)", "Instances",   "Avg (ns)", "Med (ns)",
        "Min (ns)", "Max (ns)",        "StdDev (ns)", "Name",     "Grid",
        "Block",    "Registers",       "Shared Mem",  "Occupancy"};
    if (role == Qt::DisplayRole) return QString::fromUtf8(names[section]);
    if (role == Qt::ToolTipRole && section == Occupancy)
        return tr("Theoretical occupancy from the device's threads, registers and shared memory "
                  "per SM (n/a on CPU devices)");
    return {};
}

} // namespace ks::gui
