#include "gui/app/KernelsPage.h"
#include "gui/app/KernelMetricsPanel.h"
#include "gui/app/TableExport.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::gui {

KernelsPage::KernelsPage(QWidget* parent) : QWidget(parent) {
    m_model = new KernelStatsModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(KernelStatsModel::SortRole);
    m_proxy->setFilterKeyColumn(KernelStatsModel::Name);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter kernels by name (regular expression)…"));
    m_filter->setClearButtonEnabled(true);
    m_spanLabel = new QLabel(this);
    m_clearSpan = new QPushButton(tr("Whole run"), this);
    m_clearSpan->setToolTip(tr("Clear the timeline span and show the whole run"));
    m_clearSpan->hide();
    m_countLabel = new QLabel(this);
    auto* exportButton = new QPushButton(tr("Export CSV…"), this);

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_spanLabel);
    bar->addWidget(m_clearSpan);
    bar->addWidget(m_countLabel);
    bar->addWidget(makeUnitChooser(this, [this](DurationUnit u) {
        m_model->setDurationUnit(u);
        if (!m_view) return; // the first call, before the view exists
        m_view->resizeColumnsToContents();
        m_view->horizontalHeader()->setSectionResizeMode(KernelStatsModel::Name,
                                                         QHeaderView::Stretch);
    }));
    bar->addWidget(exportButton);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("kernelTable"));
    m_view->setModel(m_proxy);
    setupTableView(*m_view);
    m_view->sortByColumn(KernelStatsModel::Total, Qt::DescendingOrder);
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setSectionResizeMode(KernelStatsModel::Name, QHeaderView::Stretch);

    m_metrics = new KernelMetricsPanel(this);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_metrics);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterRegularExpression(
            QRegularExpression(text, QRegularExpression::CaseInsensitiveOption));
        m_countLabel->setText(
            tr("%L1 of %L2 kernels").arg(m_proxy->rowCount()).arg(m_model->rowCount()));
    });
    connect(m_clearSpan, &QPushButton::clicked, this, [this] { setSpan(std::nullopt); });
    connect(exportButton, &QPushButton::clicked, this, &KernelsPage::exportRequested);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                std::optional<uint32_t> name;
                if (current.isValid()) name = current.data(KernelStatsModel::NameIdRole).toUInt();
                m_metrics->showKernel(name);
                emit kernelSelected(name);
            });
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        emit kernelActivated(index.data(KernelStatsModel::NameIdRole).toUInt());
    });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QModelIndex index = m_view->indexAt(pos);
        if (!index.isValid()) return;
        QMenu menu(this);
        menu.addActions(contextActions(index, &menu));
        menu.exec(m_view->viewport()->mapToGlobal(pos));
    });
}

QList<QAction*> KernelsPage::contextActions(const QModelIndex& index, QObject* parent) {
    const uint32_t name = index.data(KernelStatsModel::NameIdRole).toUInt();
    auto* all = new QAction(tr("Show Instances on the Timeline"), parent);
    connect(all, &QAction::triggered, this, [this, name] { emit instancesRequested(name); });
    auto* slowest = new QAction(tr("Go to Slowest Instance"), parent);
    connect(slowest, &QAction::triggered, this,
            [this, name] { emit slowestInstanceRequested(name); });
    auto* inSpan = new QAction(
        m_span ? tr("Go to an Instance in the Span") : tr("Go to the First Instance"), parent);
    connect(inSpan, &QAction::triggered, this, [this, name] { emit kernelActivated(name); });
    return {all, slowest, inSpan};
}

bool KernelsPage::selectKernel(const QString& name) {
    m_filter->clear();
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QModelIndex i = m_proxy->index(r, KernelStatsModel::Name);
        if (i.data(Qt::DisplayRole).toString() == name ||
            i.data(Qt::ToolTipRole).toString() == name) {
            m_view->setCurrentIndex(i);
            m_view->scrollTo(i);
            return true;
        }
    }
    return false;
}

void KernelsPage::setRun(const LoadedRun& run) {
    m_run = run;
    m_metrics->setRun(run.run);
    // An Nsight Compute file opened alone has metrics but no timed kernels: the panel takes the
    // page instead of an empty table.
    m_view->setVisible(!run.run || run.run->kernels.size() > 0 ||
                       run.run->kernelMetrics.size() == 0);
    m_span.reset();
    recompute();
}

void KernelsPage::setSpan(std::optional<data::TimeSpan> span) {
    m_span = span;
    recompute();
}

void KernelsPage::recompute() {
    const quint64 generation = ++m_generation;
    m_spanLabel->setText(m_span ? tr("Span: %1")
                                      .arg(QString::fromStdString(data::formatDuration(
                                          double(m_span->end - m_span->begin))))
                                : QString());
    m_clearSpan->setVisible(bool(m_span));
    if (!m_run.run) {
        m_model->setStats({});
        return;
    }
    m_computing = true;
    auto run = m_run.run;
    auto span = m_span;
    QtConcurrent::run([run, span] {
        return data::computeKernelStats(*run, span);
    }).then(this, [this, generation](std::vector<data::KernelStat> stats) {
        if (generation != m_generation) return; // a newer span or run replaced this job
        m_model->setStats(std::move(stats));
        m_countLabel->setText(
            tr("%L1 of %L2 kernels").arg(m_proxy->rowCount()).arg(m_model->rowCount()));
        m_view->resizeColumnsToContents();
        m_view->horizontalHeader()->setSectionResizeMode(KernelStatsModel::Name,
                                                         QHeaderView::Stretch);
        m_computing = false;
        emit statsReady();
    });
}

bool KernelsPage::exportCsv(const QString& path, QString* error) const {
    return writeCsv(*m_proxy, path, error);
}

} // namespace ks::gui
