#include "gui/app/CompareWindow.h"

#include "data/RunFile.h"
#include "data/Summary.h"
#include "data/analysis/FlameTree.h"
#include "data/analysis/KernelStats.h" // formatBytes
#include "data/export/AtomicFile.h"
#include "gui/app/PairListModel.h"
#include "gui/app/TableExport.h"
#include "gui/app/TensorsPage.h"
#include "gui/app/TimelineView.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>
#include <map>

namespace ks::gui {

QColor colorA() {
    return QColor(31, 119, 180);
} // blue
QColor colorB() {
    return QColor(255, 127, 14);
} // orange

namespace {

QString duration(double ns) {
    return QString::fromStdString(data::formatDuration(ns));
}

QString signedDuration(double ns) {
    return (ns > 0 ? QStringLiteral("+") : QString()) + duration(ns);
}

QString percentChange(double a, double b) {
    if (a <= 0) return b > 0 ? QObject::tr("new") : QString();
    return QStringLiteral("%1%2 %").arg(b >= a ? "+" : "").arg(100.0 * (b - a) / a, 0, 'f', 1);
}

QString pValue(double p) {
    return p < 1e-4 ? QStringLiteral("< 0.0001") : QString::number(p, 'f', 4);
}

QString label(const QString& text, const QColor& c) {
    return QStringLiteral("<span style='color:%1;font-weight:bold'>%2</span>").arg(c.name(), text);
}

// Step number -> start time of the first range whose name matches the step pattern.
std::map<uint64_t, int64_t> stepStarts(const data::Run& run, const std::string& pattern) {
    std::map<uint64_t, int64_t> out;
    for (const auto& [step, span] : data::stepSpans(run, pattern)) out[step] = span.first;
    return out;
}

} // namespace

// ---- DiffTableModel ----------------------------------------------------------------------------

void DiffTableModel::setTable(const data::DiffTable* table) {
    beginResetModel();
    m_table = table;
    endResetModel();
}

const data::DiffRow* DiffTableModel::rowAt(int row) const {
    return m_table && row >= 0 && size_t(row) < m_table->rows.size() ? &m_table->rows[size_t(row)]
                                                                     : nullptr;
}

int DiffTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_table ? 0 : int(m_table->rows.size());
}

QVariant DiffTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal) return {};
    static const char* names[] = {"Change",   "Δ Total",     "Δ %",         "Total A",
                                  "Total B",  "Instances A", "Instances B", "Median A",
                                  "Median B", "Median B/A",  "p-value",     "Name"};
    if (role == Qt::DisplayRole) return tr(names[section]);
    if (role == Qt::ForegroundRole &&
        (section == TotalA || section == InstancesA || section == MedianA))
        return colorA().darker(120);
    if (role == Qt::ForegroundRole &&
        (section == TotalB || section == InstancesB || section == MedianB))
        return colorB().darker(130);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Change:
            return tr("slower / faster: the median instance changed by at least the threshold and "
                      "a Mann-Whitney U test of the instance durations gives p below the "
                      "significance level; new / gone: only in B / only in A");
        case DeltaTotal:
            return tr("Total time in B minus total time in A");
        case PValue:
            return tr("Two-sided Mann-Whitney U test of A's and B's instance durations");
        default:
            return {};
        }
    }
    return {};
}

QVariant DiffTableModel::data(const QModelIndex& index, int role) const {
    const data::DiffRow* r = rowAt(index.row());
    if (!r) return {};
    const bool a = r->a.count > 0, b = r->b.count > 0;
    const bool matched = r->status == data::DiffRow::Matched;
    const int col = index.column();
    if (role == Qt::DisplayRole) {
        switch (col) {
        case Name:
            return QString::fromStdString(r->name);
        case Change:
            return QString::fromLatin1(data::changeName(*r));
        case DeltaTotal:
            return signedDuration(r->deltaTotal);
        case DeltaPercent:
            return percentChange(double(r->a.total), double(r->b.total));
        case TotalA:
            return a ? duration(double(r->a.total)) : QString();
        case TotalB:
            return b ? duration(double(r->b.total)) : QString();
        case InstancesA:
            return QLocale().toString(qulonglong(r->a.count));
        case InstancesB:
            return QLocale().toString(qulonglong(r->b.count));
        case MedianA:
            return a ? duration(r->a.median) : QString();
        case MedianB:
            return b ? duration(r->b.median) : QString();
        case MedianRatio:
            return std::isfinite(r->medianRatio) ? QString::number(r->medianRatio, 'f', 3)
                                                 : QString();
        case PValue:
            return matched ? pValue(r->pValue) : QString();
        }
    } else if (role == Qt::UserRole) { // sort keys
        switch (col) {
        case Name:
            return QString::fromStdString(r->name);
        case Change:
            return int(r->status) * 3 + int(r->change);
        case DeltaTotal:
            return r->deltaTotal;
        case DeltaPercent:
            return r->a.total > 0 ? double(r->b.total) / double(r->a.total) : 1e300;
        case TotalA:
            return qlonglong(r->a.total);
        case TotalB:
            return qlonglong(r->b.total);
        case InstancesA:
            return qulonglong(r->a.count);
        case InstancesB:
            return qulonglong(r->b.count);
        case MedianA:
            return r->a.median;
        case MedianB:
            return r->b.median;
        case MedianRatio:
            return std::isfinite(r->medianRatio) ? r->medianRatio : -1.0;
        case PValue:
            return matched ? r->pValue : 2.0;
        }
    } else if (role == Qt::TextAlignmentRole) {
        return col == Name     ? int(Qt::AlignLeft | Qt::AlignVCenter)
               : col == Change ? int(Qt::AlignCenter)
                               : int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ForegroundRole) {
        if ((col == DeltaTotal || col == DeltaPercent) && r->deltaTotal == 0)
            return QColor(150, 150, 150); // unchanged: recede
        if (col == Change || col == DeltaTotal || col == DeltaPercent) {
            if (r->status == data::DiffRow::OnlyB || r->change == data::DiffRow::Slower)
                return QColor(190, 30, 30);
            if (r->status == data::DiffRow::OnlyA || r->change == data::DiffRow::Faster)
                return QColor(30, 70, 200);
        }
    } else if (role == Qt::BackgroundRole && col == Change) {
        if (r->status == data::DiffRow::OnlyB || r->change == data::DiffRow::Slower)
            return QColor(255, 225, 225);
        if (r->status == data::DiffRow::OnlyA || r->change == data::DiffRow::Faster)
            return QColor(225, 232, 255);
    } else if (role == Qt::ToolTipRole) {
        auto exact = [](double ns) {
            return QLocale().toString(ns, 'f', 0) + QStringLiteral(" ns");
        };
        switch (col) {
        case Name:
            return tr("A: %1\nB: %2")
                .arg(a ? QString::fromStdString(r->nameA) : tr("(absent)"),
                     b ? QString::fromStdString(r->nameB) : tr("(absent)"));
        case DeltaTotal:
            return exact(r->deltaTotal);
        case TotalA:
            return exact(double(r->a.total));
        case TotalB:
            return exact(double(r->b.total));
        case MedianA:
            return exact(r->a.median);
        case MedianB:
            return exact(r->b.median);
        case PValue:
            return matched ? QString::number(r->pValue, 'g', 6) : QVariant();
        default:
            return {};
        }
    }
    return {};
}

// ---- CompareWindow -----------------------------------------------------------------------------

CompareWindow::CompareWindow(LoadedRun a, LoadedRun b, QWidget* parent)
    : QMainWindow(parent), m_a(std::move(a)), m_b(std::move(b)) {
    setWindowTitle(tr("Compare — A: %1 · B: %2")
                       .arg(QFileInfo(m_a.path).fileName(), QFileInfo(m_b.path).fileName()));
    setAttribute(Qt::WA_DeleteOnClose, false);
    if (m_a.run && m_b.run) m_diff = data::diffRuns(*m_a.run, *m_b.run, m_options);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(buildSummary(), tr("Summary"));
    m_tabs->addTab(buildTable(m_kernelModel, m_kernelView, m_diff.kernels, Kernels), tr("Kernels"));
    m_tabs->addTab(buildMemory(), tr("Memory"));
    m_tabs->addTab(buildFlame(), tr("Flame graph"));
    m_tabs->addTab(buildTimelines(), tr("Timeline"));
    // The views know their real width only once shown: align again when the page appears.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int page) {
        if (page == Timeline) alignAt(m_align->currentIndex());
    });
    m_tabs->addTab(buildTable(m_apiModel, m_apiView, m_diff.api, Api), tr("API calls"));
    m_tabs->addTab(buildTable(m_rangeModel, m_rangeView, m_diff.ranges, Ranges), tr("Ranges"));
    m_tensors = new TensorsPage(this);
    m_tabs->addTab(m_tensors, tr("Tensors"));
    const bool tensors =
        m_a.run && m_b.run && !m_a.run->tensors.empty() && !m_b.run->tensors.empty();
    m_tabs->setTabEnabled(Tensors, tensors);
    if (tensors) {
        // B's tensors against A's with the existing comparison (metrics, presets, first
        // divergence); A, a run file, opens as the reference.
        connect(m_tensors, &TensorsPage::comparisonReady, this, [this] { buildSummary(); });
        m_tensors->setRun(m_b);
        m_tensors->openReference(m_a.path);
    }

    auto* header =
        new QLabel(label(tr("A"), colorA()) + QStringLiteral(" ") + m_a.path.toHtmlEscaped() +
                       QStringLiteral(" &nbsp;&nbsp; ") + label(tr("B"), colorB()) +
                       QStringLiteral(" ") + m_b.path.toHtmlEscaped(),
                   this);
    header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Save this page: tables as CSV, the flame graph as PNG or SVG, "
                                "the timelines as PNG"));
    connect(exportButton, &QPushButton::clicked, this,
            [this] { exportDialog(Page(m_tabs->currentIndex())); });
    auto* top = new QHBoxLayout;
    top->addWidget(header, 1);
    top->addWidget(exportButton);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    resize(1400, 860);
}

CompareWindow::~CompareWindow() {
    // The models point into m_diff, which dies before the child widgets: detach them first.
    for (DiffTableModel* m : {m_kernelModel, m_apiModel, m_rangeModel})
        if (m) m->setTable(nullptr);
    delete m_tabs;
    m_tabs = nullptr;
}

int CompareWindow::pageIndex(Page page) const {
    return int(page);
}

QWidget* CompareWindow::buildSummary() {
    if (!m_summary) {
        m_summary = new QTextBrowser(this);
        m_summary->setOpenLinks(false);
    }
    using data::DiffRow;
    const data::RunDiff& d = m_diff;
    QString html =
        QStringLiteral("<h2>%1 %2 → %3 %4</h2>")
            .arg(label(tr("A"), colorA()), QFileInfo(m_a.path).fileName().toHtmlEscaped(),
                 label(tr("B"), colorB()), QFileInfo(m_b.path).fileName().toHtmlEscaped());
    auto row = [](const QString& what, const QString& a, const QString& b, const QString& change,
                  const QString& p = {}) {
        // Qt's rich text ignores cellpadding on the table: pad the cells themselves.
        return QStringLiteral("<tr><td style='padding-right:18px'>%1</td>"
                              "<td align=right style='padding-right:18px'>%2</td>"
                              "<td align=right style='padding-right:18px'>%3</td>"
                              "<td align=right style='padding-right:18px'><b>%4</b></td>"
                              "<td align=right>%5</td></tr>")
            .arg(what, a, b, change, p);
    };
    html +=
        QStringLiteral("<table cellspacing=0><tr><th></th><th align=right "
                       "style='padding-right:18px'>%1</th><th align=right "
                       "style='padding-right:18px'>%2</th><th align=right "
                       "style='padding-right:18px'>%3</th><th align=right>%4</th></tr>")
            .arg(label(tr("A"), colorA()), label(tr("B"), colorB()), tr("Change"), tr("p-value"));
    html += row(tr("Run span"), duration(double(d.spanA)), duration(double(d.spanB)),
                percentChange(double(d.spanA), double(d.spanB)));
    html += row(tr("Kernel time"), duration(double(d.kernels.totalA)),
                duration(double(d.kernels.totalB)),
                percentChange(double(d.kernels.totalA), double(d.kernels.totalB)));
    if (d.steps.a.count + d.steps.b.count > 0)
        html += row(tr("Median step"), duration(d.steps.a.median), duration(d.steps.b.median),
                    percentChange(d.steps.a.median, d.steps.b.median),
                    pValue(d.steps.pValue).toHtmlEscaped());
    html +=
        row(tr("Steps"), QString::number(d.steps.a.count), QString::number(d.steps.b.count), {});
    html += QStringLiteral("</table>");
    // CPU-only profiles (a PyTorch CPU trace) have no kernels: their ops are ranges.
    const bool kernels = !d.kernels.rows.empty();
    const auto& k = kernels ? d.kernels : d.ranges;
    html +=
        (kernels ? tr("<p>Kernels: ") : tr("<p>CPU ranges (no kernels in either run): ")) +
        tr("<b style='color:#be1e1e'>%1 slower</b>, <b style='color:#1e46c8'>%2 "
           "faster</b>, %3 new in B, %4 gone from A (significant: Mann-Whitney p &lt; %5 and the "
           "median changed by at least %6 %).</p>")
            .arg(k.slower())
            .arg(k.faster())
            .arg(k.onlyB.size())
            .arg(k.onlyA.size())
            .arg(m_options.maxPValue)
            .arg(m_options.minEffect * 100);
    auto list = [&](const QString& title, auto pick) {
        QString items;
        int n = 0;
        for (const data::DiffRow& r : k.rows) {
            if (!pick(r) || n >= 5) continue;
            ++n;
            const QString detail =
                r.status == DiffRow::OnlyB ? tr("new in B")
                : r.status == DiffRow::OnlyA
                    ? tr("gone from B")
                    : tr("%1 → %2, median ×%3, p %4")
                          .arg(duration(double(r.a.total)), duration(double(r.b.total)))
                          .arg(r.medianRatio, 0, 'f', 2)
                          .arg(pValue(r.pValue).toHtmlEscaped());
            items += QStringLiteral("<li><b>%1</b> %2 <span style='color:gray'>(%3)</span></li>")
                         .arg(signedDuration(r.deltaTotal),
                              QString::fromStdString(r.name).toHtmlEscaped(), detail);
        }
        html += QStringLiteral("<h3>%1</h3>").arg(title) +
                (items.isEmpty() ? tr("<p>None.</p>") : QStringLiteral("<ol>%1</ol>").arg(items));
    };
    list(tr("Top regressions"), [](const DiffRow& r) {
        return r.change == DiffRow::Slower || (r.status == DiffRow::OnlyB && r.deltaTotal > 0);
    });
    list(tr("Top improvements"), [](const DiffRow& r) {
        return r.change == DiffRow::Faster || r.status == DiffRow::OnlyA;
    });
    html += QStringLiteral("<h3>%1</h3>").arg(tr("Numerics"));
    const auto* report = m_tensors ? m_tensors->model()->report() : nullptr;
    if (!m_a.run || !m_b.run || m_a.run->tensors.empty() || m_b.run->tensors.empty())
        html += tr("<p>No tensors in both runs.</p>");
    else if (!report)
        html += tr("<p>Comparing tensors…</p>");
    else if (report->firstDivergence < 0)
        html +=
            tr("<p>All %1 matched tensors agree within tolerance.</p>").arg(report->pairs.size());
    else
        html +=
            tr("<p>First numerical divergence: <b>%1</b> (pair %2 of %3 in execution order); "
               "see the Tensors tab.</p>")
                .arg(QString::fromStdString(report->pairs[size_t(report->firstDivergence)].runName)
                         .toHtmlEscaped())
                .arg(report->firstDivergence + 1)
                .arg(report->pairs.size());
    m_summary->setHtml(html);
    return m_summary;
}

QWidget* CompareWindow::buildTable(DiffTableModel*& model, QTableView*& view,
                                   const data::DiffTable& table, Page page) {
    auto* w = new QWidget(this);
    model = new DiffTableModel(this);
    model->setTable(&table);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(Qt::UserRole);
    view = new QTableView(w);
    view->setModel(proxy);
    setupTableView(*view);
    view->setSortingEnabled(true);
    view->sortByColumn(-1, Qt::AscendingOrder); // the model's order: |Δ total|, largest first
    // Numbers first, the name last and stretched (as in `stats`), so long kernel names never
    // push the figures off screen.
    view->resizeColumnsToContents();
    for (int c = 0; c < DiffTableModel::Name; ++c)
        view->setColumnWidth(c, std::max(view->columnWidth(c), 86));
    view->horizontalHeader()->setStretchLastSection(true);
    auto* info = new QLabel(
        table.rows.empty()
            ? tr("None in either run.")
            : tr("%1 rows · total %2 → %3 (%4) · %5 slower, %6 faster, %7 new, %8 gone · sorted "
                 "by |Δ total|; click a header to sort")
                  .arg(table.rows.size())
                  .arg(duration(double(table.totalA)), duration(double(table.totalB)),
                       percentChange(double(table.totalA), double(table.totalB)))
                  .arg(table.slower())
                  .arg(table.faster())
                  .arg(table.onlyB.size())
                  .arg(table.onlyA.size()),
        w);
    auto* layout = new QVBoxLayout(w);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(info);
    layout->addWidget(view, 1);
    view->setVisible(!table.rows.empty());
    if (table.rows.empty()) layout->addStretch(1);
    (void)page;
    return w;
}

QWidget* CompareWindow::buildMemory() {
    auto* model = new QStandardItemModel(0, 9, this);
    model->setHorizontalHeaderLabels({tr("Operation"), tr("Count A"), tr("Count B"), tr("Bytes A"),
                                      tr("Bytes B"), tr("Time A"), tr("Time B"), tr("GB/s A"),
                                      tr("GB/s B")});
    for (const auto& r : m_diff.memory) {
        auto item = [](const QString& text, double sortKey) {
            auto* i = new QStandardItem(text);
            i->setData(sortKey, Qt::UserRole);
            i->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return i;
        };
        auto gbps = [&](uint64_t count, double v) {
            return item(count ? QString::number(v, 'f', 2) : QString(), v);
        };
        model->appendRow(
            {new QStandardItem(QString::fromStdString(r.kind)),
             item(QLocale().toString(qulonglong(r.countA)), double(r.countA)),
             item(QLocale().toString(qulonglong(r.countB)), double(r.countB)),
             item(QString::fromStdString(data::formatBytes(double(r.bytesA))), double(r.bytesA)),
             item(QString::fromStdString(data::formatBytes(double(r.bytesB))), double(r.bytesB)),
             item(duration(double(r.timeA)), double(r.timeA)),
             item(duration(double(r.timeB)), double(r.timeB)), gbps(r.countA, r.gbpsA),
             gbps(r.countB, r.gbpsB)});
    }
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(Qt::UserRole);
    auto* w = new QWidget(this);
    m_memoryView = new QTableView(w);
    m_memoryView->setModel(proxy);
    setupTableView(*m_memoryView);
    m_memoryView->setSortingEnabled(true);
    m_memoryView->sortByColumn(-1, Qt::AscendingOrder);
    auto* info = new QLabel(
        m_diff.memory.empty() ? tr("No memory copies or memsets in either run.")
                              : tr("Memory operations by kind; GB/s is total bytes / total time."),
        w);
    auto* layout = new QVBoxLayout(w);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(info);
    layout->addWidget(m_memoryView, 1);
    m_memoryView->setVisible(!m_diff.memory.empty());
    if (m_diff.memory.empty()) layout->addStretch(1);
    return w;
}

QWidget* CompareWindow::buildFlame() {
    auto* w = new QWidget(this);
    m_flameSource = new QComboBox(w);
    m_flameSource->addItem(tr("CPU ranges"), 0);
    m_flameSource->addItem(tr("Sampled stacks"), 1);
    if (m_b.run && m_b.run->ranges.size() == 0 && m_b.run->samples.size() > 0)
        m_flameSource->setCurrentIndex(1);
    m_normalise = new QCheckBox(tr("Normalise to B's total"), w);
    m_normalise->setChecked(false); // absolute by default: red means "takes longer in B"
    m_normalise->setToolTip(tr("Scale A to B's total first, so colours show changes in share "
                               "rather than the change of the whole run"));
    m_flameInfo = new QLabel(w);
    auto* legend =
        new QLabel(tr("<span style='background:#ff2828;color:white'>&nbsp;slower in B&nbsp;</span> "
                      "<span style='background:#2828ff;color:white'>&nbsp;faster in B&nbsp;</span> "
                      "<span style='background:#d8d8d8'>&nbsp;unchanged&nbsp;</span> &nbsp;colour: "
                      "the frame's change B/A (full at 4×) · dashed outline: new in B · width: "
                      "B's time · hover: A and B"),
                   w);
    m_flame = new FlameView(w);
    auto* scroll = new QScrollArea(w);
    scroll->setWidget(m_flame);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_flameSource);
    bar->addWidget(m_normalise);
    bar->addWidget(legend, 1);
    auto* layout = new QVBoxLayout(w);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_flameInfo);
    layout->addWidget(scroll, 1);
    connect(m_flameSource, &QComboBox::currentIndexChanged, this, [this] { rebuildFlame(); });
    connect(m_normalise, &QCheckBox::toggled, this, [this] { rebuildFlame(); });
    rebuildFlame();
    return w;
}

void CompareWindow::rebuildFlame() {
    if (!m_a.run || !m_b.run) return;
    const bool samples = m_flameSource->currentData().toInt() == 1;
    auto tree = [&](const data::Run& run) {
        return samples ? data::flameFromSamples(run)
                       : data::flameFromRanges(run, std::nullopt, true);
    };
    auto diff = std::make_shared<data::FlameDiff>(
        data::diffFlame(tree(*m_a.run), tree(*m_b.run), m_normalise->isChecked()));
    size_t onlyA = 0, onlyB = 0;
    for (auto p : diff->presence)
        onlyA += p == data::FlameDiff::OnlyA, onlyB += p == data::FlameDiff::OnlyB;
    const bool ns = diff->tree.unit == "ns";
    auto amount = [&](double v) {
        return ns ? duration(v) : QLocale().toString(v, 'f', 0) + QStringLiteral(" samples");
    };
    m_flameInfo->setText(tr("%1 %2 → %3 %4 · %5 frames new in B · %6 frames only in A (no width "
                            "in B's graph)")
                             .arg(label(tr("A"), colorA()), amount(diff->totalA),
                                  label(tr("B"), colorB()), amount(diff->totalB))
                             .arg(onlyB)
                             .arg(onlyA));
    m_flame->setDiff(diff);
}

QWidget* CompareWindow::buildTimelines() {
    auto* w = new QWidget(this);
    m_align = new QComboBox(w);
    m_align->addItem(tr("Run start"), -1);
    if (m_a.run && m_b.run) {
        const auto sa = stepStarts(*m_a.run, m_options.stepPattern);
        const auto sb = stepStarts(*m_b.run, m_options.stepPattern);
        for (const auto& [step, start] : sa)
            if (sb.count(step)) m_align->addItem(tr("Step %1").arg(step), qlonglong(step));
    }
    m_timelineA = new TimelineView(w);
    m_timelineB = new TimelineView(w);
    if (m_a.timeline) m_timelineA->setData(m_a.timeline);
    if (m_b.timeline) m_timelineB->setData(m_b.timeline);
    auto titled = [&](TimelineView* view, const QString& name, const QColor& c,
                      const QString& path) {
        auto* box = new QWidget(w);
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        auto* title = new QLabel(
            label(name, c) + QStringLiteral(" ") + QFileInfo(path).fileName().toHtmlEscaped(), box);
        title->setStyleSheet(
            QStringLiteral("border-left: 4px solid %1; padding-left: 4px").arg(c.name()));
        l->addWidget(title);
        l->addWidget(view, 1);
        return box;
    };
    auto* split = new QSplitter(Qt::Vertical, w);
    split->addWidget(titled(m_timelineA, tr("A"), colorA(), m_a.path));
    split->addWidget(titled(m_timelineB, tr("B"), colorB(), m_b.path));
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Align at:"), w));
    bar->addWidget(m_align);
    bar->addWidget(new QLabel(tr("Both timelines share the zoom; B is shifted so the chosen "
                                 "step starts at the same place."),
                              w),
                   1);
    auto* layout = new QVBoxLayout(w);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(split, 1);
    connect(m_timelineA, &TimelineView::viewChanged, this, [this] { syncTimelines(true); });
    connect(m_timelineB, &TimelineView::viewChanged, this, [this] { syncTimelines(false); });
    connect(m_align, &QComboBox::currentIndexChanged, this, [this](int i) { alignAt(i); });
    alignAt(0);
    return w;
}

void CompareWindow::alignAt(int comboIndex) {
    if (!m_a.run || !m_b.run || comboIndex < 0) return;
    const qlonglong step = m_align->itemData(comboIndex).toLongLong();
    double startA = 0, startB = 0;
    if (step < 0) {
        if (m_a.timeline) startA = double(m_a.timeline->begin());
        if (m_b.timeline) startB = double(m_b.timeline->begin());
    } else {
        startA = double(stepStarts(*m_a.run, m_options.stepPattern)[uint64_t(step)]);
        startB = double(stepStarts(*m_b.run, m_options.stepPattern)[uint64_t(step)]);
    }
    m_offset = startB - startA;
    if (step < 0) m_timelineA->zoomToFit(); // A whole, B at the same scale from its start
    if (step >= 0) {
        // Show the chosen step with a little context: A's step duration decides the zoom.
        double stepNs = 0;
        for (const auto& r : m_diff.steps.rows)
            if (r.step == uint64_t(step)) stepNs = double(std::max(r.durationA, r.durationB));
        const double width = std::max(1, m_timelineA->eventAreaWidth());
        if (stepNs > 0) m_timelineA->setView(startA - 0.1 * stepNs, 1.2 * stepNs / width);
    }
    syncTimelines(true);
}

void CompareWindow::syncTimelines(bool fromA) {
    if (m_syncing) return;
    m_syncing = true;
    TimelineView* from = fromA ? m_timelineA : m_timelineB;
    TimelineView* to = fromA ? m_timelineB : m_timelineA;
    const double shift = fromA ? m_offset : -m_offset;
    to->setView(from->viewStart() + shift, from->nsPerPx());
    // A view cannot zoom out past its own run: when the other one was clamped, both take the
    // clamped scale, so the two always share the zoom.
    if (to->nsPerPx() != from->nsPerPx()) from->setView(from->viewStart(), to->nsPerPx());
    m_syncing = false;
}

bool CompareWindow::exportTableCsv(Page page, const QString& path, QString* error) const {
    std::string csv;
    switch (page) {
    case Kernels:
        csv = data::diffTableCsv(m_diff.kernels);
        break;
    case Api:
        csv = data::diffTableCsv(m_diff.api);
        break;
    case Ranges:
        csv = data::diffTableCsv(m_diff.ranges);
        break;
    case Memory:
        csv = data::memoryDiffCsv(m_diff.memory);
        break;
    case Summary:
        csv = data::stepDiffCsv(m_diff.steps);
        break;
    default:
        if (error) *error = tr("%1: this page has no table").arg(path);
        return false;
    }
    // Exact numbers, empty cells for missing values: the same CSV as `kernscope-cli diff`.
    const auto st = data::AtomicFile::writeWhole(path.toStdString(), csv);
    if (!st && error) *error = QString::fromStdString(st.message());
    return bool(st);
}

bool CompareWindow::exportFlame(const QString& path, QString* error) const {
    const FlameTree* tree = m_flame->tree();
    if (!tree || !m_flame->diff()) {
        if (error) *error = tr("%1: nothing to export: the flame graph is empty").arg(path);
        return false;
    }
    FlameStyle style = m_flame->flameStyle();
    style.hovered = UINT32_MAX;
    const QSize size(1600, std::max(300, int((tree->maxDepth() + 1) * style.rowHeight) + 8));
    if (QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0)
        return saveFlameSvg(*tree, style, path, size, error);
    return saveFlamePng(*tree, style, path, size, error);
}

bool CompareWindow::exportTimelinePng(const QString& path, QString* error) {
    QWidget* page = m_tabs->widget(Timeline);
    const QImage image = page->grab().toImage();
    if (image.isNull() || !image.save(path, "PNG")) {
        if (error) *error = tr("%1: cannot write PNG").arg(path);
        return false;
    }
    return true;
}

void CompareWindow::exportDialog(Page page) {
    QString filter, suffix;
    switch (page) {
    case Flame:
        filter = tr("Images (*.svg *.png)"), suffix = QStringLiteral("svg");
        break;
    case Timeline:
        filter = tr("PNG image (*.png)"), suffix = QStringLiteral("png");
        break;
    case Tensors:
        return; // the Tensors page has its own export menu
    default:
        filter = tr("CSV (*.csv)"), suffix = QStringLiteral("csv");
    }
    static const char* stems[] = {"diff-steps",    "diff-kernels", "diff-memory", "diff-flame",
                                  "diff-timeline", "diff-api",     "diff-ranges", "diff-tensors"};
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export"), QStringLiteral("%1.%2").arg(QLatin1String(stems[page]), suffix),
        filter);
    if (path.isEmpty()) return;
    QString error;
    const bool ok = page == Flame      ? exportFlame(path, &error)
                    : page == Timeline ? exportTimelinePng(path, &error)
                                       : exportTableCsv(page, path, &error);
    if (!ok) QMessageBox::warning(this, tr("Export failed"), error);
}

CompareWindow* CompareWindow::open(const QString& pathA, const QString& pathB, QWidget* parent,
                                   QString* error) {
    auto load = [](const QString& path) {
        const bool runFile = data::looksLikeRunFile(path.toStdString());
        return RunLoader::loadNow(path, !runFile);
    };
    QApplication::setOverrideCursor(Qt::WaitCursor);
    LoadedRun a = load(pathA), b = load(pathB);
    QApplication::restoreOverrideCursor();
    for (const LoadedRun* r : {&a, &b})
        if (!r->error.isEmpty() || !r->run) {
            if (error) *error = r->error.isEmpty() ? tr("%1: cannot load").arg(r->path) : r->error;
            return nullptr;
        }
    auto* w = new CompareWindow(std::move(a), std::move(b), parent);
    w->setAttribute(Qt::WA_DeleteOnClose);
    w->setWindowFlag(Qt::Window);
    return w;
}

void CompareWindow::compareWithDialog(QWidget* parent, const LoadedRun& current) {
    const QString filter = tr("Kernscope runs and profiles (*.ksr.h5 *.h5 *.json *.sqlite *.folded "
                              "*.txt);;All files (*)");
    QString pathA = current.run ? current.path : QString();
    if (pathA.isEmpty())
        pathA = QFileDialog::getOpenFileName(parent, tr("Compare: run A (baseline)"), {}, filter);
    if (pathA.isEmpty()) return;
    const QString pathB = QFileDialog::getOpenFileName(
        parent, tr("Compare %1 with run B").arg(QFileInfo(pathA).fileName()),
        QFileInfo(pathA).absolutePath(), filter);
    if (pathB.isEmpty()) return;
    QString error;
    if (auto* w = open(pathA, pathB, parent, &error))
        w->show();
    else
        QMessageBox::warning(parent, tr("Cannot compare"), error);
}

} // namespace ks::gui
