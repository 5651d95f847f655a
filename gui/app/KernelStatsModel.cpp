#include "gui/app/KernelStatsModel.h"

namespace ks::gui {

namespace {

using Stat = data::KernelStat;
using Spec = StatsColumn<Stat>;

// An empty CSV cell for a number that is not known: pandas still reads the column as numbers.
QVariant missing() {
    return QString();
}

struct Dim3 {
    uint32_t x, y, z; // y and z of 0 (not recorded) read as 1
};

// A launch shape: "128×1×1" on screen ("—" when unknown), "128x1x1" in CSV files (an empty cell
// when unknown), sorted by its thread or block count.
Spec shape(const char* name, Dim3 (*dims)(const Stat&)) {
    auto text = [dims](const Stat& s, QChar times) {
        const Dim3 d = dims(s);
        return QStringLiteral("%1%4%2%4%3")
            .arg(QString::number(d.x), QString::number(std::max(1u, d.y)),
                 QString::number(std::max(1u, d.z)), QString(times));
    };
    return Spec(Spec::Formatted, name, name,
                [dims](const Stat& s) {
                    const Dim3 d = dims(s);
                    return qulonglong(d.x) * std::max(1u, d.y) * std::max(1u, d.z);
                })
        .withText([text, dims](const Stat& s) {
            return dims(s).x ? text(s, QChar(0x00D7)) : QStringLiteral("—");
        })
        .withExport([text, dims](const Stat& s) {
            return dims(s).x ? QVariant(text(s, QLatin1Char('x'))) : missing();
        });
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
    columns.push_back(shape("Grid", [](const Stat& s) { return Dim3{s.gridX, s.gridY, s.gridZ}; }));
    columns.push_back(shape("Block", [](const Stat& s) {
        return Dim3{s.blockX, s.blockY, s.blockZ};
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
        shareColumn<Stat>(
            "Occupancy", "Occupancy (%)", [](const Stat& s) { return s.occupancy; }, 0)
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
