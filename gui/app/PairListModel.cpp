#include "gui/app/PairListModel.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace ks::gui {

using namespace data::compare;

PairListModel::PairListModel(QObject* parent) : QAbstractTableModel(parent) {}

void PairListModel::setReport(std::shared_ptr<const CompareReport> report) {
    beginResetModel();
    m_report = std::move(report);
    m_runOnly.clear();
    endResetModel();
}

void PairListModel::setRunOnly(std::vector<data::Tensor> tensors) {
    beginResetModel();
    m_report.reset();
    m_runOnly = std::move(tensors);
    endResetModel();
}

int PairListModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    if (!m_report) return int(m_runOnly.size());
    return int(m_report->pairs.size() + m_report->unmatchedRun.size() +
               m_report->unmatchedRef.size());
}

int PairListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

static QString number(double v) {
    if (std::isnan(v)) return QStringLiteral("nan");
    if (std::isinf(v)) return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(v, 'g', 4);
}

QVariant PairListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row(), col = index.column();
    if (role == Qt::TextAlignmentRole)
        return col == Name || col == Status ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                            : int(Qt::AlignRight | Qt::AlignVCenter);
    if (!m_report) { // run tensors only
        const data::Tensor& t = m_runOnly[size_t(row)];
        if (role == PairIndexRole) return -1;
        if (role != Qt::DisplayRole && role != SortRole) return {};
        switch (col) {
        case Order: // numbered from 1 in execution order, like `kernscope-cli compare`
            return qlonglong(row + 1);
        case Name:
            return QString::fromStdString(t.name);
        case Status:
            return tr("no reference");
        case Shape:
            return QString::fromStdString(formatShape(t.shape));
        case DType:
            return QString::fromUtf8(data::dtypeName(t.dtype).data());
        default:
            return role == SortRole ? QVariant(0.0) : QVariant(QStringLiteral("—"));
        }
    }
    const auto& pairs = m_report->pairs;
    if (size_t(row) >= pairs.size()) {
        // Unmatched names: run side first, then reference side.
        const size_t u = size_t(row) - pairs.size();
        const bool runSide = u < m_report->unmatchedRun.size();
        const std::string& name = runSide
                                      ? m_report->unmatchedRun[u]
                                      : m_report->unmatchedRef[u - m_report->unmatchedRun.size()];
        if (role == PairIndexRole) return -1;
        if (role == Qt::ForegroundRole) return QBrush(QColor(128, 128, 128));
        if (role != Qt::DisplayRole && role != SortRole) return {};
        switch (col) {
        case Order:
            return role == SortRole ? QVariant(qlonglong(1) << 40) : QVariant(QString());
        case Name:
            return QString::fromStdString(name);
        case Status:
            return runSide ? tr("unmatched (run only)") : tr("unmatched (reference only)");
        default:
            return role == SortRole ? QVariant(-1.0) : QVariant(QStringLiteral("—"));
        }
    }
    const PairResult& p = pairs[size_t(row)];
    const bool first = row == m_report->firstDivergence;
    if (role == PairIndexRole) return row;
    if (role == Qt::FontRole && first) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::ForegroundRole && col == Status)
        return QBrush(p.passed() ? QColor(46, 160, 67) : QColor(218, 54, 51));
    if (role == Qt::ToolTipRole && first)
        return tr("First divergence: the earliest tensor in execution order that fails");
    if (role == SortRole) {
        switch (col) {
        case Order:
            return qlonglong(row + 1);
        case Name:
            return QString::fromStdString(p.runName);
        case Status:
            return int(p.status);
        case MaxAbs:
            return p.hasMetrics ? p.metrics.maxAbs : -1.0;
        case MaxRel:
            return p.hasMetrics ? p.metrics.maxRel : -1.0;
        case Mismatched:
            return p.hasMetrics ? qlonglong(p.metrics.mismatched) : qlonglong(-1);
        case Shape:
            return QString::fromStdString(formatShape(p.runShape));
        case DType:
            return QString::fromUtf8(data::dtypeName(p.runDType).data());
        }
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (col) {
    case Order: // the pair's number in `kernscope-cli compare`'s table
        return qlonglong(row + 1);
    case Name:
        return QString::fromStdString(p.runName) +
               (p.refName != p.runName ? QStringLiteral("  ↔ ") + QString::fromStdString(p.refName)
                                       : QString());
    case Status: {
        QString s = QString::fromUtf8(pairStatusName(p.status).data());
        return first ? s + tr("  ◀ first divergence") : s;
    }
    case MaxAbs:
        return p.hasMetrics ? number(p.metrics.maxAbs) : QStringLiteral("—");
    case MaxRel:
        return p.hasMetrics ? number(p.metrics.maxRel) : QStringLiteral("—");
    case Mismatched:
        return p.hasMetrics
                   ? QStringLiteral("%L1 / %L2").arg(p.metrics.mismatched).arg(p.metrics.numel)
                   : QStringLiteral("—");
    case Shape:
        return p.runShape == p.refShape ? QString::fromStdString(formatShape(p.runShape))
                                        : QString::fromStdString(formatShape(p.runShape) + " vs " +
                                                                 formatShape(p.refShape));
    case DType:
        return p.runDType == p.refDType
                   ? QString::fromUtf8(data::dtypeName(p.runDType).data())
                   : QStringLiteral("%1 vs %2")
                         .arg(QString::fromUtf8(data::dtypeName(p.runDType).data()),
                              QString::fromUtf8(data::dtypeName(p.refDType).data()));
    }
    return {};
}

QVariant PairListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 ||
        section >= ColumnCount)
        return {};
    static const char* names[] = {"#",       "Tensor",     "Status", "Max abs",
                                  "Max rel", "Mismatched", "Shape",  "DType"};
    return QString::fromUtf8(names[section]);
}

} // namespace ks::gui
