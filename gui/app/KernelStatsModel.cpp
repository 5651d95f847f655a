#include "gui/app/KernelStatsModel.h"

namespace ks::gui {

namespace {

using Stat = data::KernelStat;
using Spec = StatsColumn<Stat>;

// "128x1x1" in CSV files, "128×1×1" on screen ("—" for an unknown shape).
QString dim3Text(uint32_t x, uint32_t y, uint32_t z) {
    return QStringLiteral("%1x%2x%3").arg(x).arg(std::max(1u, y)).arg(std::max(1u, z));
}
QString dim3(uint32_t x, uint32_t y, uint32_t z) {
    if (x == 0) return QStringLiteral("—");
    return QStringLiteral("%1×%2×%3").arg(x).arg(std::max(1u, y)).arg(std::max(1u, z));
}
qulonglong volume(uint32_t x, uint32_t y, uint32_t z) {
    return qulonglong(x) * std::max(1u, y) * std::max(1u, z);
}

// An empty CSV cell for a number that is not known: pandas still reads the column as numbers.
QVariant missing() {
    return QString();
}

Spec duration(const char* name, const char* csvName, Spec::Value value) {
    return Spec(Spec::Duration, name, csvName, std::move(value));
}

} // namespace

KernelStatsModel::KernelStatsModel(QObject* parent) : StatsTableModel(parent) {
    std::vector<Spec> columns;
    columns.push_back(
        Spec(Spec::Formatted, "Time (%)", "Time (%)", [](const Stat& s) {
            return s.percent;
        }).withText([](const Stat& s) { return QString::number(s.percent, 'f', 1); }));
    columns.push_back(
        duration("Total", "Total Time (ns)", [](const Stat& s) { return qlonglong(s.total); }));
    columns.push_back(Spec(Spec::Count, "Instances", "Instances",
                           [](const Stat& s) { return qulonglong(s.instances); }));
    columns.push_back(duration("Avg", "Avg (ns)", [](const Stat& s) { return s.average; }));
    columns.push_back(duration("Med", "Med (ns)", [](const Stat& s) { return s.median; }));
    columns.push_back(
        duration("Min", "Min (ns)", [](const Stat& s) { return qlonglong(s.minimum); }));
    columns.push_back(
        duration("Max", "Max (ns)", [](const Stat& s) { return qlonglong(s.maximum); }));
    columns.push_back(duration("StdDev", "StdDev (ns)", [](const Stat& s) { return s.stddev; }));
    auto name = [](const Stat& s) { return QString::fromStdString(s.displayName); };
    columns.push_back(Spec(Spec::Label, "Name", "Name", name).withTooltip(name));
    columns.push_back(Spec(Spec::Formatted, "Grid", "Grid", [](const Stat& s) {
                          return volume(s.gridX, s.gridY, s.gridZ);
                      }).withText([](const Stat& s) {
                            return dim3(s.gridX, s.gridY, s.gridZ);
                        }).withExport([](const Stat& s) {
        return s.gridX ? QVariant(dim3Text(s.gridX, s.gridY, s.gridZ)) : missing();
    }));
    columns.push_back(Spec(Spec::Formatted, "Block", "Block", [](const Stat& s) {
                          return volume(s.blockX, s.blockY, s.blockZ);
                      }).withText([](const Stat& s) {
                            return dim3(s.blockX, s.blockY, s.blockZ);
                        }).withExport([](const Stat& s) {
        return s.blockX ? QVariant(dim3Text(s.blockX, s.blockY, s.blockZ)) : missing();
    }));
    columns.push_back(
        Spec(Spec::Formatted, "Registers", "Registers", [](const Stat& s) { return s.registers; })
            .withText([](const Stat& s) {
                return s.registers ? QString::number(s.registers) : QStringLiteral("—");
            })
            .withExport(
                [](const Stat& s) { return s.registers ? QVariant(s.registers) : missing(); }));
    columns.push_back(Spec(Spec::Formatted, "Shared Mem", "Shared Mem (B)", [](const Stat& s) {
                          return s.sharedBytes;
                      }).withText([](const Stat& s) {
        return s.sharedBytes ? QString::fromStdString(data::formatBytes(s.sharedBytes))
                             : QStringLiteral("0");
    }));
    columns.push_back(
        Spec(Spec::Formatted, "Occupancy", "Occupancy (%)",
             [](const Stat& s) { return s.occupancy ? *s.occupancy : -1.0; })
            .withText([](const Stat& s) {
                return s.occupancy
                           ? QString::number(*s.occupancy * 100.0, 'f', 0) + QStringLiteral(" %")
                           : QStringLiteral("n/a");
            })
            .withExport([](const Stat& s) {
                return s.occupancy ? QVariant(*s.occupancy * 100.0) : missing();
            })
            .dimmedWhen([](const Stat& s) { return !s.occupancy; })
            .withHeaderTooltip(tr("Theoretical occupancy from the device's threads, registers and "
                                  "shared memory per SM (n/a on CPU devices)")));
    setColumns(std::move(columns));
}

QVariant KernelStatsModel::data(const QModelIndex& index, int role) const {
    if (role == NameIdRole && checkIndex(index, CheckIndexOption::IndexIsValid))
        return stats()[size_t(index.row())].name;
    return StatsTableModel::data(index, role);
}

} // namespace ks::gui
