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

static QString dim3Text(uint32_t x, uint32_t y, uint32_t z) {
    return QStringLiteral("%1x%2x%3").arg(x).arg(std::max(1u, y)).arg(std::max(1u, z));
}

static QString dim3(uint32_t x, uint32_t y, uint32_t z) {
    if (x == 0) return QStringLiteral("—");
    return QStringLiteral("%1×%2×%3").arg(x).arg(std::max(1u, y)).arg(std::max(1u, z));
}

void KernelStatsModel::setDurationUnit(DurationUnit unit) {
    m_unit = unit;
    if (!m_stats.empty()) emit dataChanged(index(0, Total), index(rowCount() - 1, StdDev));
    emit headerDataChanged(Qt::Horizontal, Total, StdDev);
}

static bool isDuration(int column) {
    return column >= KernelStatsModel::Total && column <= KernelStatsModel::StdDev &&
           column != KernelStatsModel::Instances;
}

QVariant KernelStatsModel::exportValue(const data::KernelStat& s, int column) const {
    const QString missing; // an empty cell: pandas reads the column as numbers
    switch (column) {
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
        return s.gridX ? dim3Text(s.gridX, s.gridY, s.gridZ) : missing;
    case Block:
        return s.blockX ? dim3Text(s.blockX, s.blockY, s.blockZ) : missing;
    case Registers:
        return s.registers ? QVariant(s.registers) : QVariant(missing);
    case SharedMemory:
        return s.sharedBytes;
    case Occupancy:
        return s.occupancy ? QVariant(*s.occupancy * 100.0) : QVariant(missing);
    }
    return {};
}

int KernelStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_stats.size());
}

int KernelStatsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
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
    if (role == ExportRole) return exportValue(s, index.column());
    if (role == Qt::ToolTipRole && isDuration(index.column()))
        return exactNanoseconds(exportValue(s, index.column()).toDouble());
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
    auto ns = [&](double v) { return formatDurationIn(v, m_unit); };
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
    // CSV names carry their unit (durations in ns, like kernscope-cli stats).
    static const char* csvNames[] = {
        "Time (%)", "Total Time (ns)", "Instances",      "Avg (ns)",     "Med (ns)",
        "Min (ns)", "Max (ns)",        "StdDev (ns)",    "Name",         "Grid",
        "Block",    "Registers",       "Shared Mem (B)", "Occupancy (%)"};
    static const char* names[] = {"Time (%)", "Total",     "Instances",  "Avg",      "Med",
                                  "Min",      "Max",       "StdDev",     "Name",     "Grid",
                                  "Block",    "Registers", "Shared Mem", "Occupancy"};
    if (role == ExportRole) return QString::fromUtf8(csvNames[section]);
    if (role == Qt::DisplayRole) {
        const QString unit = unitName(m_unit);
        return isDuration(section) && !unit.isEmpty()
                   ? QStringLiteral("%1 (%2)").arg(QString::fromUtf8(names[section]), unit)
                   : QString::fromUtf8(names[section]);
    }
    if (role == Qt::ToolTipRole && section == Occupancy)
        return tr("Theoretical occupancy from the device's threads, registers and shared memory "
                  "per SM (n/a on CPU devices)");
    return {};
}

} // namespace ks::gui
