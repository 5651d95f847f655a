#pragma once
// The Nsight Compute metrics of a run (/gpu/kernel_metrics: an ncu CSV imported, or attached to a
// run's kernels): for the kernel selected on the Kernels page, or for every kernel, one row per
// launch and metric, grouped by section, rules included. Hidden when the run has no metrics.
#include "data/Run.h"

#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QTableWidget;

namespace ks::gui {

class KernelMetricsPanel : public QWidget {
    Q_OBJECT
public:
    explicit KernelMetricsPanel(QWidget* parent = nullptr);
    void setRun(std::shared_ptr<const data::Run> run);
    // The metrics of the kernels named `nameId` (a string id of the run), or of all kernels.
    void showKernel(std::optional<uint32_t> nameId);
    QTableWidget* table() const { return m_table; }

    static constexpr int kMaxRows = 20000; // a table widget beyond that is too slow to fill

private:
    bool matches(size_t row, const std::optional<uint32_t>& nameId) const;
    std::shared_ptr<const data::Run> m_run;
    QLabel* m_title;
    QTableWidget* m_table;
};

} // namespace ks::gui
