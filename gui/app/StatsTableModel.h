#pragma once
// The Kernels and Memory pages' tables: one row per statistic, each column described once (its
// headers, its exact value, how it reads) instead of a switch per role in every model.
#include "gui/app/TableExport.h"

#include <QAbstractTableModel>
#include <QBrush>
#include <QColor>
#include <QLocale>

#include <functional>
#include <optional>
#include <vector>

namespace ks::gui {

template <class Stat> struct StatsColumn {
    // Label: text, left-aligned. Count: an integer with digit grouping. Duration: ns in the
    // chosen unit, exact in the tooltip, the unit in the header. Formatted: `text` says.
    enum Kind { Label, Count, Duration, Formatted };
    using Value = std::function<QVariant(const Stat&)>;
    using Text = std::function<QString(const Stat&)>;

    // `value` is the exact value: what the column sorts by and what a CSV cell holds.
    StatsColumn(Kind kind, const char* name, const char* csvName, Value value)
        : kind(kind), name(name), csvName(csvName), value(std::move(value)) {}
    StatsColumn withText(Text f) && { return text = std::move(f), std::move(*this); }
    // The CSV cell where it differs from the value (a missing number sorts low, exports empty).
    StatsColumn withExport(Value f) && { return exported = std::move(f), std::move(*this); }
    StatsColumn withTooltip(Text f) && { return tooltip = std::move(f), std::move(*this); }
    // Grey text where the value is not known.
    StatsColumn dimmedWhen(std::function<bool(const Stat&)> f) && {
        return dimmed = std::move(f), std::move(*this);
    }
    StatsColumn withHeaderTooltip(QString tip) && {
        return headerTooltip = std::move(tip), std::move(*this);
    }

    Kind kind;
    const char* name;    // header
    const char* csvName; // header in CSV files, with the unit
    Value value, exported;
    Text text, tooltip;
    std::function<bool(const Stat&)> dimmed;
    QString headerTooltip;
};

// A share (0..1) that may be unknown: "50 %" with `decimals` on screen, "n/a" (sorting lowest)
// when unknown; percent in CSV files, an empty cell when unknown.
template <class Stat>
StatsColumn<Stat> shareColumn(const char* name, const char* csvName,
                              std::optional<double> (*share)(const Stat&), int decimals) {
    return StatsColumn<Stat>(StatsColumn<Stat>::Formatted, name, csvName,
                             [share](const Stat& s) { return share(s).value_or(-1.0); })
        .withText([share, decimals](const Stat& s) {
            const auto v = share(s);
            return v ? QString::number(*v * 100.0, 'f', decimals) + QStringLiteral(" %")
                     : QStringLiteral("n/a");
        })
        .withExport([share](const Stat& s) {
            const auto v = share(s);
            return v ? QVariant(*v * 100.0) : QVariant(QString());
        });
}

template <class Stat> class StatsTableModel : public QAbstractTableModel {
public:
    // Raw numbers for sorting (Qt::DisplayRole is formatted text).
    static constexpr int SortRole = Qt::UserRole + 1;

    void setStats(std::vector<Stat> stats) {
        beginResetModel();
        m_stats = std::move(stats);
        endResetModel();
    }
    void setDurationUnit(DurationUnit unit) {
        m_unit = unit;
        if (!m_stats.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        emit headerDataChanged(Qt::Horizontal, 0, columnCount() - 1);
    }
    DurationUnit durationUnit() const { return m_unit; }
    const std::vector<Stat>& stats() const { return m_stats; }

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(m_stats.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(m_columns.size());
    }

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
            return {};
        const Stat& s = m_stats[size_t(index.row())];
        const StatsColumn<Stat>& c = m_columns[size_t(index.column())];
        switch (role) {
        case Qt::DisplayRole:
            return text(c, s);
        case Qt::TextAlignmentRole:
            return c.kind == StatsColumn<Stat>::Label ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                                      : int(Qt::AlignRight | Qt::AlignVCenter);
        case SortRole:
            return c.value(s);
        case ExportRole:
            return c.exported ? c.exported(s) : c.value(s);
        case Qt::ToolTipRole:
            if (c.tooltip) return c.tooltip(s);
            if (c.kind == StatsColumn<Stat>::Duration)
                return exactNanoseconds(c.value(s).toDouble());
            return {};
        case Qt::ForegroundRole:
            if (c.dimmed && c.dimmed(s)) return QBrush(QColor(128, 128, 128));
            return {};
        }
        return {};
    }

    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override {
        if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
        const StatsColumn<Stat>& c = m_columns[size_t(section)];
        if (role == ExportRole) return QString::fromUtf8(c.csvName);
        if (role == Qt::DisplayRole) {
            const QString unit = unitName(m_unit);
            return c.kind == StatsColumn<Stat>::Duration && !unit.isEmpty()
                       ? QStringLiteral("%1 (%2)").arg(QString::fromUtf8(c.name), unit)
                       : QString::fromUtf8(c.name);
        }
        if (role == Qt::ToolTipRole && !c.headerTooltip.isEmpty()) return c.headerTooltip;
        return {};
    }

protected:
    explicit StatsTableModel(QObject* parent) : QAbstractTableModel(parent) {}
    // Called once by the derived model's constructor, in the order of its Column enum.
    void setColumns(std::vector<StatsColumn<Stat>> columns) { m_columns = std::move(columns); }

private:
    QString text(const StatsColumn<Stat>& c, const Stat& s) const {
        switch (c.kind) {
        case StatsColumn<Stat>::Label:
            return c.value(s).toString();
        case StatsColumn<Stat>::Count:
            return QLocale::c().toString(c.value(s).toULongLong());
        case StatsColumn<Stat>::Duration:
            return formatDurationIn(c.value(s).toDouble(), m_unit);
        case StatsColumn<Stat>::Formatted:
            return c.text(s);
        }
        return {};
    }

    std::vector<StatsColumn<Stat>> m_columns;
    std::vector<Stat> m_stats;
    DurationUnit m_unit = DurationUnit::Auto;
};

} // namespace ks::gui
