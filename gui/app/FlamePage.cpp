#include "gui/app/FlamePage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::gui {

FlamePage::FlamePage(QWidget* parent) : QWidget(parent) {
    m_source = new QComboBox(this);
    m_source->addItem(tr("CPU ranges"), Ranges);
    m_source->addItem(tr("Sampled stacks"), Samples);
    m_thread = new QComboBox(this);
    // Long thread names must not squeeze the search box: the combo keeps a fixed width.
    m_thread->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_thread->setMinimumContentsLength(18);
    m_event = new QComboBox(this);
    m_event->setToolTip(tr("Sampled event (the stacks of one event at a time)"));
    m_event->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_event->setMinimumContentsLength(12);
    m_mode = new QComboBox(this);
    m_mode->addItem(tr("Top-down"), TopDown);
    m_mode->addItem(tr("Bottom-up"), BottomUp);
    m_mode->addItem(tr("Callers / callees"), CallersCallees);
    m_mode->setToolTip(tr("Top-down: the call tree. Bottom-up: frames by their own time, their "
                          "callers above. Callers / callees: everything around the frame you "
                          "clicked in the top-down view."));
    m_orientation = new QComboBox(this);
    m_orientation->addItems({tr("Icicle (root on top)"), tr("Flame (root at bottom)")});
    m_color = new QComboBox(this);
    m_color->addItems({tr("Colour by name"), tr("Colour by module")});
    m_mergeNumbers = new QCheckBox(tr("Merge numbered"), this);
    m_mergeNumbers->setChecked(true);
    m_mergeNumbers->setToolTip(tr("Treat digits in range names as one: \"step 12\" and \"step 13\" "
                                  "merge into \"step #\""));
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search frames (regex)…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(220);
    m_matches = new QLabel(this);
    auto* reset = new QPushButton(tr("Reset zoom"), this);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Save the flame graph as PNG or SVG"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_source);
    bar->addWidget(m_mode);
    bar->addWidget(m_thread);
    bar->addWidget(m_event);
    bar->addWidget(m_orientation);
    bar->addWidget(m_color);
    bar->addWidget(m_mergeNumbers);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_matches);
    bar->addWidget(reset);
    bar->addWidget(exportButton);

    m_breadcrumb = new QLabel(this);
    m_breadcrumb->setTextFormat(Qt::RichText);
    m_breadcrumb->setTextInteractionFlags(Qt::TextBrowserInteraction);

    m_view = new FlameView(this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(m_view);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_mainScroll = scroll;

    // Callers above the frame (a flame growing upwards), callees below it (an icicle).
    m_callers = new FlameView(this);
    m_callers->setIcicle(false);
    m_callees = new FlameView(this);
    m_sandwichLabel = new QLabel(this);
    m_sandwich = new QWidget(this);
    auto* sandwich = new QVBoxLayout(m_sandwich);
    sandwich->setContentsMargins(0, 0, 0, 0);
    sandwich->addWidget(m_sandwichLabel);
    auto* split = new QSplitter(Qt::Vertical, m_sandwich);
    for (FlameView* v : {m_callers, m_callees}) {
        auto* area = new QScrollArea(split);
        area->setWidget(v);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        split->addWidget(area);
    }
    sandwich->addWidget(split, 1);
    m_sandwich->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_breadcrumb);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_sandwich, 1);

    connect(m_source, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_thread, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_event, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] { applyMode(); });
    connect(m_mergeNumbers, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(m_orientation, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_view->setIcicle(i == 0); });
    connect(m_color, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_view->setColorMode(i == 0 ? FlameColor::NameHash : FlameColor::Module);
    });
    connect(m_search, &QLineEdit::textChanged, this, [this] { updateSearch(); });
    connect(reset, &QPushButton::clicked, this, [this] { m_view->setZoomRoot(0); });
    connect(exportButton, &QPushButton::clicked, this, &FlamePage::exportRequested);
    connect(m_view, &FlameView::zoomChanged, this, &FlamePage::updateBreadcrumb);
    connect(m_view, &FlameView::zoomChanged, this, [this](uint32_t node) {
        // The frame clicked in the top-down view is the one the caller/callee view shows.
        if (m_mode->currentData().toInt() == TopDown && m_view->tree() && node != 0)
            m_focus = QString::fromStdString(m_view->tree()->node(node).name);
    });
    connect(m_breadcrumb, &QLabel::linkActivated, this,
            [this](const QString& link) { m_view->setZoomRoot(link.toUInt()); });
}

void FlamePage::setRun(const LoadedRun& run) {
    m_run = run;
    const QSignalBlocker b1(m_source), b2(m_thread);
    // Pick the source that has data: an imported profile, else ranges, else samples.
    int source = Ranges;
    if (run.run && run.run->ranges.size() == 0 && run.run->samples.size() > 0) source = Samples;
    m_source->setCurrentIndex(source);
    m_thread->clear();
    m_thread->addItem(tr("All threads"), -1);
    if (run.run) {
        QSet<uint32_t> seen;
        std::vector<uint32_t> ids;
        for (uint32_t t : run.run->ranges.thread)
            if (!seen.contains(t)) seen.insert(t), ids.push_back(t);
        for (uint32_t t : run.run->samples.thread)
            if (!seen.contains(t)) seen.insert(t), ids.push_back(t);
        std::sort(ids.begin(), ids.end());
        const QSignalBlocker b3(m_event);
        m_event->clear();
        const auto events = data::sampleEvents(*run.run);
        for (uint32_t e : events) {
            const auto name = run.run->strings.contains(e) ? run.run->strings.get(e) : "";
            m_event->addItem(name.empty() ? tr("(unnamed event)")
                                          : QString::fromUtf8(name.data(), qsizetype(name.size())),
                             e);
        }
        m_event->setVisible(events.size() > 1);
        for (uint32_t t : ids) {
            const auto name = run.run->threadName(t);
            m_thread->addItem(
                tr("Thread %1%2")
                    .arg(t)
                    .arg(name.empty() ? QString()
                                      : QStringLiteral(" · ") +
                                            QString::fromUtf8(name.data(), qsizetype(name.size()))),
                int(t));
        }
    }
    rebuild();
}

void FlamePage::rebuild() {
    const quint64 generation = ++m_generation;
    if (!m_run.run) {
        m_view->setTree(nullptr);
        return;
    }
    const int source = m_source->currentData().toInt();
    const int thread = m_thread->currentData().toInt();
    std::optional<uint32_t> t;
    if (thread >= 0) t = uint32_t(thread);
    m_building = true;
    auto run = m_run.run;
    const bool merge = m_mergeNumbers->isChecked();
    std::optional<uint32_t> event;
    if (m_event->count() > 1) event = m_event->currentData().toUInt(); // one event at a time
    m_event->setEnabled(source == Samples);
    QtConcurrent::run([run, source, t, merge, event]() -> std::shared_ptr<const FlameTree> {
        if (source == Samples) return std::make_shared<FlameTree>(flameFromSamples(*run, t, event));
        return std::make_shared<FlameTree>(flameFromRanges(*run, t, merge));
    }).then(this, [this, generation](std::shared_ptr<const FlameTree> tree) {
        if (generation != m_generation) return;
        m_topDown = tree;
        m_bottomUp.reset();
        applyMode();
        m_building = false;
        emit treeReady();
    });
}

void FlamePage::setFocusFrame(const QString& name) {
    m_focus = name;
    applyMode();
}

void FlamePage::applyMode() {
    const int mode = m_mode->currentData().toInt();
    const bool sandwich = mode == CallersCallees;
    m_mainScroll->setVisible(!sandwich);
    m_breadcrumb->setVisible(!sandwich);
    m_sandwich->setVisible(sandwich);
    if (!m_topDown) {
        m_view->setTree(nullptr);
        return;
    }
    if (mode == BottomUp) {
        if (!m_bottomUp) m_bottomUp = std::make_shared<FlameTree>(data::invertedFlame(*m_topDown));
        m_view->setTree(m_bottomUp);
    } else if (m_view->tree() != m_topDown.get()) {
        m_view->setTree(m_topDown);
    }
    if (sandwich) {
        const std::string frame = m_focus.toStdString();
        m_callers->setTree(std::make_shared<FlameTree>(data::callersOf(*m_topDown, frame)));
        m_callees->setTree(std::make_shared<FlameTree>(data::calleesOf(*m_topDown, frame)));
        m_sandwichLabel->setText(
            m_focus.isEmpty()
                ? tr("Click a frame in the top-down view first: its callers and callees show here.")
                : tr("<b>%1</b> — callers above (who calls it, merged over all calls), callees "
                     "below (what it calls)")
                      .arg(m_focus.toHtmlEscaped()));
    }
    updateSearch();
}

void FlamePage::updateSearch() {
    const QString text = m_search->text();
    const int n = m_view->setSearch(text);
    m_callers->setSearch(text);
    m_callees->setSearch(text);
    const FlameTree* tree = m_view->tree();
    if (text.isEmpty() || n <= 0 || !tree || tree->node(0).total <= 0) {
        m_matches->setText(text.isEmpty() ? QString()
                           : n < 0        ? tr("invalid pattern")
                                          : tr("no frames"));
        return;
    }
    // The share of the time under matching frames (a match inside a match counts once).
    const QRegularExpression re(text, QRegularExpression::CaseInsensitiveOption);
    const data::FlameMatch m = data::matchedWeight(*tree, [&](const std::string& name) {
        return re.match(QString::fromStdString(name)).hasMatch();
    });
    m_matches->setText(tr("%n frame(s) · %1 % of total", nullptr, n)
                           .arg(100.0 * m.weight / tree->node(0).total, 0, 'f', 1));
}

void FlamePage::updateBreadcrumb(uint32_t node) {
    const FlameTree* tree = m_view->tree();
    if (!tree) {
        m_breadcrumb->clear();
        return;
    }
    QStringList parts;
    for (uint32_t n : tree->pathTo(node)) {
        const QString name = QString::fromStdString(tree->node(n).name).toHtmlEscaped();
        parts << (n == node ? QStringLiteral("<b>%1</b>").arg(name)
                            : QStringLiteral("<a href=\"%1\">%2</a>").arg(n).arg(name));
    }
    m_breadcrumb->setText(parts.join(QStringLiteral(" &rsaquo; ")) +
                          tr("  <span style='color:gray'>— click a frame to zoom, right-click "
                             "to zoom out</span>"));
}

bool FlamePage::exportImage(const QString& path, QString* error) const {
    const FlameTree* tree = m_view->tree();
    if (!tree) {
        if (error) *error = tr("%1: nothing to export: the flame graph is empty").arg(path);
        return false;
    }
    FlameStyle style = m_view->flameStyle();
    style.hovered = UINT32_MAX;
    const int depth = int(tree->maxDepth()) + 1;
    const QSize size(1600, std::max(300, int(depth * style.rowHeight) + 8));
    if (QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0)
        return saveFlameSvg(*tree, style, path, size, error);
    return saveFlamePng(*tree, style, path, size, error);
}

} // namespace ks::gui
