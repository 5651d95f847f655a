#pragma once
// The Tensors page's pair list: every (run, reference) pair in execution order with its status,
// then the unmatched names; the first divergence is marked.
#include "data/compare/Comparison.h"

#include <QAbstractTableModel>

namespace ks::gui {

class PairListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Order, Name, Status, MaxAbs, MaxRel, Mismatched, Shape, DType, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int PairIndexRole = Qt::UserRole + 2; // index into report.pairs, -1 unmatched

    explicit PairListModel(QObject* parent = nullptr);
    void setReport(std::shared_ptr<const data::compare::CompareReport> report);
    const data::compare::CompareReport* report() const { return m_report.get(); }
    // Run tensors listed without a reference (no comparison yet).
    void setRunOnly(std::vector<data::Tensor> tensors);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const data::compare::CompareReport> m_report;
    std::vector<data::Tensor> m_runOnly; // names and shapes only
};

} // namespace ks::gui
