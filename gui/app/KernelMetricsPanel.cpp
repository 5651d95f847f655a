#include "gui/app/KernelMetricsPanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ks::gui {

namespace {
enum Column { Launch, Section, Metric, Value, Unit, ColumnCount };

// A value shown as ncu wrote it ("3,995,312,500") that sorts by its number; text values (rules,
// enumerations) sort after the numbers, as text.
class ValueItem : public QTableWidgetItem {
public:
    ValueItem(const QString& text, double value) : QTableWidgetItem(text), m_value(value) {}
    bool operator<(const QTableWidgetItem& other) const override {
        const auto* o = dynamic_cast<const ValueItem*>(&other);
        if (!o) return QTableWidgetItem::operator<(other);
        const bool a = std::isfinite(m_value), b = std::isfinite(o->m_value);
        if (a && b) return m_value < o->m_value;
        if (a != b) return a;
        return text() < o->text();
    }

private:
    double m_value;
};
} // namespace

KernelMetricsPanel::KernelMetricsPanel(QWidget* parent) : QWidget(parent) {
    m_title = new QLabel(this);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("kernelMetrics"));
    m_table->setHorizontalHeaderLabels(
        {tr("Launch"), tr("Section"), tr("Metric"), tr("Value"), tr("Unit")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(Metric, QHeaderView::Stretch);
    m_table->setWordWrap(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_table, 1);
    hide();
}

void KernelMetricsPanel::setRun(std::shared_ptr<const data::Run> run) {
    m_run = std::move(run);
    setVisible(m_run && m_run->kernelMetrics.size() > 0);
    showKernel(std::nullopt);
}

// A metric row belongs to the kernel when its matched launch has that name or, unmatched (an ncu
// file imported alone), when ncu's own kernel name is the same text.
bool KernelMetricsPanel::matches(size_t row, const std::optional<uint32_t>& nameId) const {
    if (!nameId) return true;
    const auto& m = m_run->kernelMetrics;
    const auto& k = m_run->kernels;
    if (m.kernel[row] != data::kNoKernel && m.kernel[row] < k.size())
        return k.name[m.kernel[row]] == *nameId;
    return m_run->strings.get(m.kernel_name[row]) == m_run->strings.get(*nameId);
}

void KernelMetricsPanel::showKernel(std::optional<uint32_t> nameId) {
    m_table->setSortingEnabled(false);
    m_table->setRowCount(0);
    if (!m_run || m_run->kernelMetrics.size() == 0) return;
    const auto& m = m_run->kernelMetrics;
    auto text = [&](uint32_t id) {
        const auto s = m_run->strings.get(id);
        return QString::fromUtf8(s.data(), qsizetype(s.size()));
    };
    std::vector<size_t> rows;
    size_t total = 0;
    for (size_t i = 0; i < m.size(); ++i)
        if (matches(i, nameId) && total++ < size_t(kMaxRows)) rows.push_back(i);
    m_table->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const size_t i = rows[size_t(r)];
        const bool rule = m.kind[i] == 1;
        auto* launch = new QTableWidgetItem;
        launch->setData(Qt::DisplayRole, qulonglong(m.launch[i]));
        m_table->setItem(r, Launch, launch);
        m_table->setItem(r, Section, new QTableWidgetItem(text(m.section[i])));
        m_table->setItem(
            r, Metric,
            new QTableWidgetItem(rule ? tr("Rule: %1").arg(text(m.metric[i])) : text(m.metric[i])));
        auto* value = new ValueItem(text(m.text[i]), m.value[i]);
        value->setToolTip(text(m.text[i]));
        value->setTextAlignment(rule ? Qt::AlignLeft | Qt::AlignVCenter
                                     : Qt::AlignRight | Qt::AlignVCenter);
        m_table->setItem(r, Value, value);
        m_table->setItem(r, Unit, new QTableWidgetItem(text(m.unit[i])));
    }
    m_table->setSortingEnabled(true);
    m_table->resizeColumnsToContents();
    // A rule's sentence would make the value column page-wide: it is elided (full text in the
    // tooltip), so numbers stay next to their metric names.
    m_table->setColumnWidth(Value, std::min(m_table->columnWidth(Value), 220));
    m_table->horizontalHeader()->setSectionResizeMode(Metric, QHeaderView::Stretch);
    const QString scope = nameId                      ? tr("for %1").arg(text(*nameId))
                          : m_run->kernels.size() > 0 ? tr("for every kernel (select one above)")
                                                      : tr("for every kernel");
    m_title->setText(total > rows.size()
                         ? tr("<b>Nsight Compute metrics</b> %1: first %L2 of %L3 rows")
                               .arg(scope.toHtmlEscaped())
                               .arg(rows.size())
                               .arg(total)
                         : tr("<b>Nsight Compute metrics</b> %1: %L2 rows")
                               .arg(scope.toHtmlEscaped())
                               .arg(rows.size()));
    m_title->setToolTip(nameId ? text(*nameId) : QString());
}

} // namespace ks::gui
