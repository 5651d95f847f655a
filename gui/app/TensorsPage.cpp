#include "gui/app/TensorsPage.h"
#include "data/reference/ReferenceReader.h"
#include "gui/app/TableExport.h"
#include "gui/render/ErrorImages.h"

#include <QComboBox>
#include <QDoubleValidator>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <qcustomplot.h>

#include <cmath>

namespace ks::gui {

using namespace data::compare;

ErrorGrid pairErrorGrid(const data::Tensor& run, const data::Tensor& ref, ErrorKind kind, int axis,
                        int64_t index, int maxWidth, int maxHeight, std::vector<double>* runValues,
                        std::vector<double>* refValues) {
    ErrorGrid g;
    std::vector<int64_t> shape = run.shape;
    const int ndim = int(shape.size());
    int64_t outer = 1, axisLen = 1, inner = 1;
    if (axis >= 0 && axis < ndim) {
        for (int d = 0; d < axis; ++d) outer *= shape[size_t(d)];
        axisLen = shape[size_t(axis)];
        for (int d = axis + 1; d < ndim; ++d) inner *= shape[size_t(d)];
        index = std::clamp<int64_t>(index, 0, std::max<int64_t>(axisLen - 1, 0));
        shape.erase(shape.begin() + axis);
    } else {
        axis = -1;
        inner = run.numel();
    }
    foldShape(shape, g.rows, g.cols);
    if (g.rows <= 0 || g.cols <= 0 || run.numel() != ref.numel()) return g;
    g.blockCols = (g.cols + maxWidth - 1) / maxWidth;
    g.blockRows = (g.rows + maxHeight - 1) / maxHeight;
    g.width = int((g.cols + g.blockCols - 1) / g.blockCols);
    g.height = int((g.rows + g.blockRows - 1) / g.blockRows);
    const size_t cells = size_t(g.width) * size_t(g.height);
    g.values.assign(cells, 0.0);
    std::vector<double> runSum(runValues ? cells : 0, 0.0), refSum(refValues ? cells : 0, 0.0);
    std::vector<uint32_t> count(runValues || refValues ? cells : 0, 0);
    const bool ulp = kind == ErrorKind::Ulp && run.dtype == ref.dtype && data::isFloat(run.dtype);
    auto flatOf = [&](int64_t i) { // element i of the slice -> flat index in the tensor
        if (axis < 0) return i;
        const int64_t o = i / inner, k = i % inner;
        return (o * axisLen + index) * inner + k;
    };
    const int64_t n = g.rows * g.cols;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t flat = flatOf(i);
        const double a = run.valueAt(flat), r = ref.valueAt(flat);
        double e;
        if (std::isnan(a) && std::isnan(r))
            e = 0.0;
        else if (!std::isfinite(a) || !std::isfinite(r))
            e = a == r ? 0.0 : INFINITY;
        else if (kind == ErrorKind::Rel)
            e = std::fabs(a - r) / (std::fabs(r) + kRelEps);
        else if (ulp)
            e = double(ulpDistance(a, r, run.dtype));
        else
            e = std::fabs(a - r);
        const size_t cell = size_t((i / g.cols) / g.blockRows) * size_t(g.width) +
                            size_t((i % g.cols) / g.blockCols);
        g.values[cell] = std::max(g.values[cell], e); // max-pool: the worst is never hidden
        if (!count.empty()) {
            ++count[cell];
            if (runValues) runSum[cell] += std::isfinite(a) ? a : 0.0;
            if (refValues) refSum[cell] += std::isfinite(r) ? r : 0.0;
        }
    }
    for (double v : g.values) {
        if (std::isfinite(v)) g.maxFinite = std::max(g.maxFinite, v);
        if (v > 0 && std::isfinite(v) && (g.minPositive == 0 || v < g.minPositive))
            g.minPositive = v;
    }
    for (size_t c = 0; c < count.size(); ++c) {
        if (runValues && count[c]) runSum[c] /= count[c];
        if (refValues && count[c]) refSum[c] /= count[c];
    }
    if (runValues) *runValues = std::move(runSum);
    if (refValues) *refValues = std::move(refSum);
    return g;
}

namespace {

// Blue-white-red (coolwarm): signed values read at a glance, zero is neutral.
QCPColorGradient coolwarm() {
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.0, QColor(59, 76, 192));
    g.setColorStopAt(0.5, QColor(236, 236, 236));
    g.setColorStopAt(1.0, QColor(180, 4, 38));
    return g;
}

void setupPlot(QCustomPlot* plot) {
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setMinimumSize(220, 160);
    plot->setNoAntialiasingOnDrag(true);
}

// Block means of values as a diverging colour map, same range for run and reference.
void drawValues(QCustomPlot* plot, const ErrorGrid& g, const std::vector<double>& values,
                double range, const QString& title) {
    plot->clearPlottables();
    plot->plotLayout()->clear();
    auto* rect = new QCPAxisRect(plot);
    plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(plot, title, QFont(plot->font().family(), 9, QFont::Bold)));
    plot->plotLayout()->addElement(1, 0, rect);
    plot->xAxis = rect->axis(QCPAxis::atBottom);
    plot->yAxis = rect->axis(QCPAxis::atLeft);
    plot->yAxis->setRangeReversed(true);
    auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
    map->data()->setSize(g.width, g.height);
    map->data()->setRange(QCPRange(0.5 * double(g.blockCols) - 0.5,
                                   double(g.width - 1) * g.blockCols + 0.5 * g.blockCols - 0.5),
                          QCPRange(0.5 * double(g.blockRows) - 0.5,
                                   double(g.height - 1) * g.blockRows + 0.5 * g.blockRows - 0.5));
    for (int y = 0; y < g.height; ++y)
        for (int x = 0; x < g.width; ++x)
            map->data()->setCell(x, y, values[size_t(y) * size_t(g.width) + size_t(x)]);
    map->setGradient(coolwarm());
    map->setDataRange(QCPRange(-range, range));
    map->setInterpolate(false);
    auto* scale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(1, 1, scale);
    scale->setGradient(coolwarm());
    scale->setDataRange(QCPRange(-range, range));
    scale->setBarWidth(8);
    map->setColorScale(scale);
    plot->xAxis->setRange(-0.5, double(g.cols) - 0.5);
    plot->yAxis->setRange(-0.5, double(g.rows) - 0.5);
    applyPlotPalette(plot);
    plot->replot();
}

QString num(double v, int digits = 6) {
    if (std::isnan(v)) return QStringLiteral("nan");
    if (std::isinf(v)) return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(v, 'g', digits);
}

// Significant digits that tell any two values of a dtype apart: 9 for float32 (and narrower
// floats), 17 for float64; integers print exactly.
int digitsFor(data::DType dtype) {
    return dtype == data::DType::F64 ? 17 : 9;
}

} // namespace

TensorsPage::TensorsPage(QWidget* parent) : QWidget(parent) {
    auto* open = new QPushButton(tr("Open Reference…"), this);
    open->setToolTip(tr("Reference tensors from NumPy/PyTorch: .npy, .npz, .safetensors, .h5"));
    m_refLabel = new QLabel(tr("<span style='color:gray'>no reference file</span>"), this);
    // Long file names and hints must not set the page's minimum width (1280×720 screens).
    m_refLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_refLabel->setMinimumWidth(80);
    m_preset = new QComboBox(this);
    m_preset->addItem(tr("Preset: per dtype (torch)"), int(Preset::DType));
    m_preset->addItem(tr("Preset: per op kind"), int(Preset::Op));
    m_preset->addItem(tr("Preset: exact"), int(Preset::Exact));
    m_rtol = new QLineEdit(this);
    m_atol = new QLineEdit(this);
    for (QLineEdit* e : {m_rtol, m_atol}) {
        e->setValidator(new QDoubleValidator(0, 1e30, 20, e));
        e->setPlaceholderText(tr("preset"));
        e->setMaximumWidth(90);
        e->setClearButtonEnabled(true);
    }
    m_kind = new QComboBox(this);
    m_kind->addItems({tr("Abs error"), tr("Rel error"), tr("ULP error")});
    m_axis = new QComboBox(this);
    m_axis->setToolTip(tr("For n-d tensors: the axis to slice; the rest folds to rows × last dim"));
    m_slice = new QSpinBox(this);
    m_slice->setPrefix(tr("index "));
    auto* exportButton = new QPushButton(tr("Export…"), this);

    auto* bar = new QHBoxLayout;
    bar->addWidget(open);
    bar->addWidget(m_refLabel, 1);
    bar->addWidget(m_preset);
    bar->addWidget(new QLabel(tr("rtol"), this));
    bar->addWidget(m_rtol);
    bar->addWidget(new QLabel(tr("atol"), this));
    bar->addWidget(m_atol);
    bar->addSpacing(12);
    bar->addWidget(m_kind);
    bar->addWidget(m_axis);
    bar->addWidget(m_slice);
    bar->addWidget(exportButton);

    m_verdict = new QLabel(this);
    m_verdict->setTextFormat(Qt::RichText);
    m_verdict->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    m_model = new PairListModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(PairListModel::SortRole);
    m_pairs = new QTableView(this);
    m_pairs->setObjectName(QStringLiteral("pairTable"));
    m_pairs->setModel(m_proxy);
    setupTableView(*m_pairs);
    m_pairs->setSelectionMode(QAbstractItemView::SingleSelection);
    m_pairs->sortByColumn(PairListModel::Order, Qt::AscendingOrder);

    m_heatmap = new QCustomPlot(this);
    m_runPlot = new QCustomPlot(this);
    m_refPlot = new QCustomPlot(this);
    m_histogram = new QCustomPlot(this);
    for (QCustomPlot* p : {m_heatmap, m_runPlot, m_refPlot, m_histogram}) setupPlot(p);
    m_stats = new QTableWidget(this);
    m_stats->setColumnCount(2);
    m_stats->setHorizontalHeaderLabels({tr("Statistic"), tr("Value")});
    m_stats->verticalHeader()->hide();
    m_stats->horizontalHeader()->setStretchLastSection(true);
    m_stats->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_worst = new QTableWidget(this);
    m_worst->setColumnCount(6);
    m_worst->setHorizontalHeaderLabels(
        {tr("Index"), tr("Run"), tr("Reference"), tr("Abs"), tr("Rel"), tr("ULP")});
    m_worst->verticalHeader()->hide();
    m_worst->horizontalHeader()->setStretchLastSection(true);
    m_worst->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_worst->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_worst->setToolTip(tr("Click an element to centre the heatmap on it"));
    auto* details = new QTabWidget(this);
    details->addTab(m_stats, tr("Statistics"));
    details->addTab(m_worst, tr("Worst elements"));

    auto* values = new QSplitter(Qt::Vertical, this);
    values->addWidget(m_runPlot);
    values->addWidget(m_refPlot);
    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_heatmap);
    top->addWidget(values);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);
    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(m_histogram);
    bottom->addWidget(details);
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(top);
    right->addWidget(bottom);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    auto* main = new QSplitter(Qt::Horizontal, this);
    main->addWidget(m_pairs);
    main->addWidget(right);
    main->setStretchFactor(0, 2);
    main->setStretchFactor(1, 5);
    main->setSizes({520, 1080});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_verdict);
    layout->addWidget(main, 1);

    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open reference tensors"), QFileInfo(m_run.path).absolutePath(),
            tr("Reference tensors (*.npy *.npz *.safetensors *.h5 *.hdf5);;All files (*)"));
        if (!path.isEmpty()) openReference(path);
    });
    connect(m_preset, &QComboBox::currentIndexChanged, this, [this] { recompare(); });
    connect(m_rtol, &QLineEdit::textChanged, this, [this] { recompare(); });
    connect(m_atol, &QLineEdit::textChanged, this, [this] { recompare(); });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] { showPair(); });
    connect(m_axis, &QComboBox::currentIndexChanged, this, [this] { showPair(); });
    connect(m_slice, &QSpinBox::valueChanged, this, [this] { showPair(); });
    connect(exportButton, &QPushButton::clicked, this, &TensorsPage::exportMenu);
    connect(m_pairs->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const int pair =
                    current.isValid() ? current.data(PairListModel::PairIndexRole).toInt() : -1;
                if (pair != m_selected) {
                    m_selected = pair;
                    {
                        const QSignalBlocker b1(m_axis), b2(m_slice);
                        m_axis->clear();
                        m_slice->setValue(0);
                    }
                    showPair();
                }
            });
    connect(m_worst, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (auto* item = m_worst->item(row, 0)) centerOn(item->data(Qt::UserRole).toLongLong());
    });
    showPair();
}

void TensorsPage::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    // Plots take the theme's colours; deferred, because the plots get the new palette after
    // this page does.
    if (e->type() == QEvent::PaletteChange) QTimer::singleShot(0, this, [this] { showPair(); });
}

void TensorsPage::setRun(const LoadedRun& run) {
    m_run = run;
    m_reference.reset();
    m_report.reset();
    m_referencePath.clear();
    m_selected = -1;
    m_refLabel->setText(tr("<span style='color:gray'>no reference file — open .npy, .npz, "
                           ".safetensors or .h5 tensors exported from NumPy/PyTorch</span>"));
    m_model->setRunOnly(run.run ? run.run->tensors : std::vector<data::Tensor>{});
    m_verdict->setText(run.run ? tr("%n run tensor(s). Open a reference file to compare.", nullptr,
                                    int(run.run->tensors.size()))
                               : QString());
    m_pairs->resizeColumnsToContents();
    showPair();
}

int TensorsPage::pairCount() const {
    return m_model->rowCount();
}

void TensorsPage::openReference(const QString& path) {
    if (!m_run.run) return;
    const quint64 generation = ++m_generation;
    m_busy = true;
    m_lastError.clear();
    m_refLabel->setText(tr("Reading %1…").arg(QFileInfo(path).fileName()));
    QtConcurrent::run([path] {
        return data::readReferenceFile(path.toStdString());
    }).then(this, [this, generation, path](data::Result<std::vector<data::Tensor>> result) {
        if (generation != m_generation) return;
        if (!result) {
            m_busy = false;
            m_lastError = QString::fromStdString(result.error().message);
            m_refLabel->setText(
                tr("<span style='color:#d93025'>%1</span>").arg(m_lastError.toHtmlEscaped()));
            if (isVisible()) QMessageBox::warning(this, tr("Cannot read reference"), m_lastError);
            return;
        }
        m_referencePath = path;
        m_reference = std::make_shared<const std::vector<data::Tensor>>(std::move(result).value());
        m_refLabel->setText(
            tr("Reference: <b>%1</b> (%n tensor(s))", nullptr, int(m_reference->size()))
                .arg(QFileInfo(path).fileName().toHtmlEscaped()));
        recompare();
    });
}

void TensorsPage::setTolerance(double rtol, double atol) {
    m_rtol->setText(rtol < 0 ? QString() : QString::number(rtol, 'g', 10));
    m_atol->setText(atol < 0 ? QString() : QString::number(atol, 'g', 10));
}

void TensorsPage::recompare() {
    if (!m_run.run || !m_reference) return;
    const quint64 generation = ++m_generation;
    m_busy = true;
    CompareOptions options;
    options.tolerances.preset = Preset(m_preset->currentData().toInt());
    bool ok = false;
    if (double v = m_rtol->text().toDouble(&ok); ok) options.tolerances.rtol = v;
    if (double v = m_atol->text().toDouble(&ok); ok) options.tolerances.atol = v;
    options.topK = 20;
    auto run = m_run.run;
    auto ref = m_reference;
    QtConcurrent::run([run, ref, options] {
        return std::make_shared<const CompareReport>(compareTensors(run->tensors, *ref, options));
    }).then(this, [this, generation](std::shared_ptr<const CompareReport> report) {
        if (generation != m_generation) return;
        // Keep the selected pair selected across re-evaluations.
        const std::string selectedName =
            m_report && m_selected >= 0 && size_t(m_selected) < m_report->pairs.size()
                ? m_report->pairs[size_t(m_selected)].runName
                : std::string();
        m_report = report;
        m_model->setReport(report);
        m_pairs->resizeColumnsToContents();
        size_t failed = 0;
        for (const auto& p : report->pairs) failed += !p.passed();
        QString verdict = failed == 0
                              ? tr("<b style='color:#2ea043'>All %n pair(s) pass.</b>", nullptr,
                                   int(report->pairs.size()))
                              : tr("<b style='color:#da3633'>%1 of %2 pairs fail.</b> First "
                                   "divergence: <b>%3</b>")
                                    .arg(failed)
                                    .arg(report->pairs.size())
                                    .arg(QString::fromStdString(
                                             report->pairs[size_t(report->firstDivergence)].runName)
                                             .toHtmlEscaped());
        if (!report->unmatchedRun.empty() || !report->unmatchedRef.empty())
            verdict += tr("  <span style='color:gray'>Unmatched: %1 run, %2 reference.</span>")
                           .arg(report->unmatchedRun.size())
                           .arg(report->unmatchedRef.size());
        m_verdict->setText(verdict);
        int select = report->firstDivergence >= 0 ? report->firstDivergence
                                                  : (report->pairs.empty() ? -1 : 0);
        for (size_t i = 0; i < report->pairs.size(); ++i)
            if (!selectedName.empty() && report->pairs[i].runName == selectedName) select = int(i);
        m_busy = false;
        m_selected = -2; // force a redraw
        selectPair(select);
        emit comparisonReady();
    });
}

void TensorsPage::selectPair(int pairIndex) {
    for (int r = 0; r < m_proxy->rowCount(); ++r)
        if (m_proxy->index(r, 0).data(PairListModel::PairIndexRole).toInt() == pairIndex &&
            pairIndex >= 0) {
            m_pairs->setCurrentIndex(m_proxy->index(r, 0));
            m_pairs->selectRow(r);
            return;
        }
    m_selected = pairIndex;
    showPair();
}

void TensorsPage::setErrorKind(ErrorKind kind) {
    m_kind->setCurrentIndex(int(kind));
}

void TensorsPage::showPair() {
    const PairResult* pair =
        m_report && m_selected >= 0 && size_t(m_selected) < m_report->pairs.size()
            ? &m_report->pairs[size_t(m_selected)]
            : nullptr;
    const data::Tensor* runT = nullptr;
    const data::Tensor* refT = nullptr;
    if (pair && m_run.run && m_reference) {
        for (const auto& t : m_run.run->tensors)
            if (t.name == pair->runName) runT = &t;
        for (const auto& t : *m_reference)
            if (t.name == pair->refName) refT = &t;
    }
    m_stats->setRowCount(0);
    m_worst->setRowCount(0);
    if (!pair || !pair->hasMetrics || !runT || !refT) {
        for (QCustomPlot* p : {m_heatmap, m_runPlot, m_refPlot, m_histogram}) {
            p->clearPlottables();
            p->clearItems();
            p->plotLayout()->clear();
            auto* rect = new QCPAxisRect(p);
            p->plotLayout()->addElement(0, 0, rect);
            p->xAxis = rect->axis(QCPAxis::atBottom);
            p->yAxis = rect->axis(QCPAxis::atLeft);
            auto* text = new QCPItemText(p);
            text->setClipAxisRect(rect);
            text->position->setAxisRect(rect);
            text->position->setType(QCPItemPosition::ptAxisRectRatio);
            text->position->setCoords(0.5, 0.5);
            // No axes without data: empty plots with 0..5 axes mean nothing.
            for (QCPAxis* a : rect->axes()) a->setVisible(false);
            const QString hint = pair ? tr("%1: shapes differ, no element-wise error")
                                            .arg(QString::fromStdString(pair->runName))
                                 : !m_run.run ? tr("Open a run to compare its tensors")
                                 : !m_reference
                                     ? tr("Open a reference file (.npy, .npz, .safetensors, .h5)\n"
                                          "to compare the run's tensors with it")
                                     : tr("Select a pair to see its error heatmap");
            text->setText(p == m_heatmap ? hint : QString());
            applyPlotPalette(p);
            text->setColor(p->palette().color(QPalette::PlaceholderText));
            p->replot();
        }
        m_axis->setEnabled(false);
        m_slice->setEnabled(false);
        return;
    }
    // Axis and slice pickers for n-d tensors.
    const int ndim = int(runT->shape.size());
    if (m_axis->count() == 0) {
        const QSignalBlocker b(m_axis);
        m_axis->addItem(tr("whole tensor"), -1);
        for (int d = 0; d < ndim; ++d) m_axis->addItem(tr("slice axis %1").arg(d), d);
    }
    const int axis = m_axis->currentData().toInt();
    m_axis->setEnabled(ndim > 2);
    m_slice->setEnabled(axis >= 0);
    {
        const QSignalBlocker b(m_slice);
        m_slice->setRange(0, axis >= 0 ? int(runT->shape[size_t(axis)] - 1) : 0);
    }
    const ErrorKind kind = ErrorKind(m_kind->currentIndex());
    // Items (placeholder text, element marker) refer to axis rects the redraw replaces.
    for (QCustomPlot* p : {m_heatmap, m_runPlot, m_refPlot, m_histogram}) p->clearItems();
    std::vector<double> runValues, refValues;
    const ErrorGrid grid =
        pairErrorGrid(*runT, *refT, kind, axis, m_slice->value(), 512, 512, &runValues, &refValues);
    m_lastGridShape = {double(grid.rows), double(grid.cols), double(grid.blockRows),
                       double(grid.blockCols)};
    const QString kindName = m_kind->currentText();
    const QString slice =
        axis >= 0 ? tr(" — axis %1 = %2").arg(axis).arg(m_slice->value()) : QString();
    const QString scaleLabel = kind == ErrorKind::Abs   ? tr("|run − ref|")
                               : kind == ErrorKind::Rel ? tr("|run − ref| / |ref|")
                                                        : tr("ULP distance");
    drawErrorHeatmap(
        m_heatmap, grid,
        QStringLiteral("%1: %2%3").arg(QString::fromStdString(pair->runName), kindName, slice),
        scaleLabel);
    double range = 0;
    for (double v : runValues) range = std::max(range, std::fabs(v));
    for (double v : refValues) range = std::max(range, std::fabs(v));
    if (range == 0) range = 1;
    drawValues(m_runPlot, grid, runValues, range, tr("Run values"));
    drawValues(m_refPlot, grid, refValues, range, tr("Reference values"));
    drawErrorHistogram(m_histogram, pair->metrics.histogram, tr("log10 |run − ref|"),
                       pair->tolerance.atol);

    const Metrics& m = pair->metrics;
    auto stat = [&](const QString& k, const QString& v) {
        const int r = m_stats->rowCount();
        m_stats->insertRow(r);
        m_stats->setItem(r, 0, new QTableWidgetItem(k));
        m_stats->setItem(r, 1, new QTableWidgetItem(v));
    };
    stat(tr("Status"), QString::fromUtf8(pairStatusName(pair->status).data()));
    stat(tr("Tolerance"),
         tr("rtol %1, atol %2").arg(num(pair->tolerance.rtol), num(pair->tolerance.atol)));
    stat(tr("Mismatched"),
         tr("%L1 / %L2 (%3 %)")
             .arg(m.mismatched)
             .arg(m.numel)
             .arg(m.numel ? 100.0 * double(m.mismatched) / double(m.numel) : 0.0, 0, 'f', 3));
    stat(tr("Max abs error"),
         tr("%1 at %2")
             .arg(num(m.maxAbs),
                  QString::fromStdString(formatIndex(pair->runShape, m.maxAbsIndex))));
    stat(tr("Mean abs error"), num(m.meanAbs));
    stat(tr("RMS error"), num(m.rms));
    stat(tr("Max rel error"),
         tr("%1 at %2")
             .arg(num(m.maxRel),
                  QString::fromStdString(formatIndex(pair->runShape, m.maxRelIndex))));
    if (m.hasUlp)
        stat(tr("ULP max / mean"), QStringLiteral("%1 / %2").arg(m.maxUlp).arg(num(m.meanUlp)));
    stat(tr("Cosine similarity"), num(m.cosine));
    stat(tr("SQNR"), tr("%1 dB").arg(num(m.sqnrDb)));
    stat(tr("NaN run / ref"), QStringLiteral("%1 / %2").arg(m.nanRun).arg(m.nanRef));
    stat(tr("Inf run / ref"), QStringLiteral("%1 / %2").arg(m.infRun).arg(m.infRef));
    stat(tr("Non-finite mismatches"), QString::number(m.nonFiniteMismatch));
    stat(tr("Shape / dtype"),
         QStringLiteral("%1 %2").arg(QString::fromStdString(formatShape(pair->runShape)),
                                     QString::fromUtf8(data::dtypeName(pair->runDType).data())));
    m_stats->resizeColumnsToContents();
    for (const WorstElement& w : m.worst) {
        const int r = m_worst->rowCount();
        m_worst->insertRow(r);
        auto* idx =
            new QTableWidgetItem(QString::fromStdString(formatIndex(pair->runShape, w.index)));
        idx->setData(Qt::UserRole, qlonglong(w.index));
        m_worst->setItem(r, 0, idx);
        const int digits = digitsFor(pair->runDType);
        m_worst->setItem(r, 1, new QTableWidgetItem(num(w.run, digits)));
        m_worst->setItem(r, 2, new QTableWidgetItem(num(w.ref, digits)));
        m_worst->setItem(r, 3, new QTableWidgetItem(num(w.abs)));
        m_worst->setItem(r, 4, new QTableWidgetItem(num(w.rel)));
        m_worst->setItem(
            r, 5, new QTableWidgetItem(m.hasUlp ? QString::number(w.ulp) : QStringLiteral("—")));
    }
    m_worst->resizeColumnsToContents();
}

void TensorsPage::centerOn(int64_t flat) {
    if (!m_report || m_selected < 0 || m_lastGridShape.size() != 4) return;
    const PairResult& pair = m_report->pairs[size_t(m_selected)];
    std::vector<int64_t> shape = pair.runShape;
    std::vector<int64_t> idx(shape.size());
    int64_t rest = flat;
    for (size_t d = shape.size(); d-- > 0;) {
        idx[d] = shape[d] > 0 ? rest % shape[d] : 0;
        rest = shape[d] > 0 ? rest / shape[d] : 0;
    }
    const int axis = m_axis->currentData().toInt();
    if (axis >= 0 && size_t(axis) < shape.size()) {
        m_slice->setValue(int(idx[size_t(axis)])); // the slice that holds the element
        shape.erase(shape.begin() + axis);
        idx.erase(idx.begin() + axis);
    }
    int64_t inSlice = 0;
    for (size_t d = 0; d < shape.size(); ++d) inSlice = inSlice * shape[d] + idx[d];
    const double cols = m_lastGridShape[1], rows = m_lastGridShape[0];
    const double col = cols > 0 ? double(inSlice % int64_t(cols)) : 0;
    const double row = cols > 0 ? double(inSlice / int64_t(cols)) : 0;
    const double w = std::max(8.0, cols / 8), h = std::max(8.0, rows / 8);
    m_heatmap->xAxis->setRange(col - w / 2, col + w / 2);
    m_heatmap->yAxis->setRange(row - h / 2, row + h / 2);
    m_heatmap->clearItems();
    auto* mark = new QCPItemRect(m_heatmap);
    mark->topLeft->setCoords(col - 0.5, row - 0.5);
    mark->bottomRight->setCoords(col + 0.5, row + 0.5);
    mark->setPen(QPen(Qt::white, 2));
    m_heatmap->replot();
}

bool TensorsPage::exportHeatmap(const QString& path, QString* error) {
    const auto s = savePlot(m_heatmap, path, 1000, 800);
    if (!s && error) *error = QString::fromStdString(s.message());
    return s.ok();
}

bool TensorsPage::exportHistogram(const QString& path, QString* error) {
    const auto s = savePlot(m_histogram, path, 900, 500);
    if (!s && error) *error = QString::fromStdString(s.message());
    return s.ok();
}

bool TensorsPage::exportSummaryCsv(const QString& path, QString* error) {
    if (!m_report) {
        if (error) *error = tr("%1: nothing to export: open a reference file first").arg(path);
        return false;
    }
    const auto s = writeSummaryCsv(*m_report, path.toStdString());
    if (!s && error) *error = QString::fromStdString(s.message());
    return s.ok();
}

bool TensorsPage::exportWorstCsv(const QString& path, QString* error) {
    if (!m_report || m_selected < 0) {
        if (error) *error = tr("%1: nothing to export: select a compared pair first").arg(path);
        return false;
    }
    const auto s = writeWorstCsv(m_report->pairs[size_t(m_selected)], path.toStdString());
    if (!s && error) *error = QString::fromStdString(s.message());
    return s.ok();
}

void TensorsPage::exportMenu() {
    QMenu menu(this);
    auto ask = [this](const QString& title, const QString& name, const QString& filter,
                      bool (TensorsPage::*fn)(const QString&, QString*)) {
        const QString path = QFileDialog::getSaveFileName(this, title, name, filter);
        if (path.isEmpty()) return;
        QString error;
        if (!(this->*fn)(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
    };
    const QString plots = tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)");
    menu.addAction(tr("Heatmap (PNG/SVG/PDF)…"), this, [=] {
        ask(tr("Export heatmap"), QStringLiteral("heatmap.png"), plots,
            &TensorsPage::exportHeatmap);
    });
    menu.addAction(tr("Histogram (PNG/SVG/PDF)…"), this, [=] {
        ask(tr("Export histogram"), QStringLiteral("histogram.png"), plots,
            &TensorsPage::exportHistogram);
    });
    menu.addAction(tr("Summary (CSV)…"), this, [=] {
        ask(tr("Export summary"), QStringLiteral("summary.csv"), tr("CSV (*.csv)"),
            &TensorsPage::exportSummaryCsv);
    });
    menu.addAction(tr("Worst elements (CSV)…"), this, [=] {
        ask(tr("Export worst elements"), QStringLiteral("worst.csv"), tr("CSV (*.csv)"),
            &TensorsPage::exportWorstCsv);
    });
    menu.exec(QCursor::pos());
}

} // namespace ks::gui
