#include "gui/app/MemoryPage.h"
#include "gui/app/TableExport.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::gui {

MemoryPage::MemoryPage(QWidget* parent) : QWidget(parent) {
    m_model = new MemoryStatsModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(MemoryStatsModel::SortRole);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("memoryTable"));
    m_view->setModel(m_proxy);
    setupTableView(*m_view);
    m_view->sortByColumn(MemoryStatsModel::TotalTime, Qt::DescendingOrder);
    m_info = new QLabel(this);
    m_info->setWordWrap(true);
    auto* exportButton = new QPushButton(tr("Export CSV…"), this);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_info, 1);
    bar->addWidget(makeUnitChooser(this, [this](DurationUnit u) { m_model->setDurationUnit(u); }));
    bar->addWidget(exportButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    connect(exportButton, &QPushButton::clicked, this, &MemoryPage::exportRequested);
}

void MemoryPage::setRun(const LoadedRun& run) {
    m_run = run;
    m_span.reset();
    recompute();
}

void MemoryPage::setSpan(std::optional<data::TimeSpan> span) {
    m_span = span;
    recompute();
}

void MemoryPage::recompute() {
    const quint64 generation = ++m_generation;
    if (!m_run.run) {
        m_model->setStats({});
        return;
    }
    auto run = m_run.run;
    auto span = m_span;
    QtConcurrent::run([run, span] {
        return data::computeCopyStats(*run, span);
    }).then(this, [this, generation, span](std::vector<data::CopyStat> stats) {
        if (generation != m_generation) return;
        const bool empty = stats.empty();
        m_model->setStats(std::move(stats));
        m_view->resizeColumnsToContents();
        QString text = empty ? tr("No memory copies or memsets in this run.")
                             : tr("Memory operations by kind. Bandwidth is bytes / duration; "
                                  "the share compares the average with the device's memory "
                                  "bandwidth.");
        if (span)
            text += tr("  Limited to the selected span (%1).")
                        .arg(QString::fromStdString(
                            data::formatDuration(double(span->end - span->begin))));
        m_info->setText(text);
        emit statsReady();
    });
}

bool MemoryPage::exportCsv(const QString& path, QString* error) const {
    return writeCsv(*m_proxy, path, error);
}

} // namespace ks::gui
