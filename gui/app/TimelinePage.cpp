#include "gui/app/TimelinePage.h"

#include <QCheckBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace ks::gui {

TimelinePage::TimelinePage(QWidget* parent) : QWidget(parent) {
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search events by name (Ctrl+F, Enter / Shift+Enter to step)"));
    m_search->setClearButtonEnabled(true);
    m_regex = new QCheckBox(tr("Regex"), this);
    auto* prev = new QToolButton(this);
    prev->setArrowType(Qt::LeftArrow);
    prev->setToolTip(tr("Previous match (Shift+Enter, Shift+F3)"));
    auto* next = new QToolButton(this);
    next->setArrowType(Qt::RightArrow);
    next->setToolTip(tr("Next match (Enter, F3)"));
    m_matchLabel = new QLabel(this);
    m_matchLabel->setMinimumWidth(110);
    auto* fit = new QToolButton(this);
    fit->setText(tr("Fit"));
    fit->setToolTip(tr("Zoom to the whole run (0)"));
    auto* hint = new QLabel(tr("<span style='color:gray'>W/S zoom · A/D pan · drag pan · "
                               "right-drag or Shift+drag: span · Z zoom to span · F focus</span>"),
                            this);
    hint->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    hint->setMinimumWidth(0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_search, 2);
    bar->addWidget(m_regex);
    bar->addWidget(prev);
    bar->addWidget(next);
    bar->addWidget(m_matchLabel);
    bar->addWidget(fit);
    bar->addStretch(1);
    bar->addWidget(hint);

    m_view = new TimelineView(this);
    m_view->setObjectName(QStringLiteral("timelineView"));
    m_details = new QTextBrowser(this);
    m_details->setObjectName(QStringLiteral("timelineDetails"));
    m_details->setPlaceholderText(tr("Click an event for its details; drag with the right button "
                                     "(or Shift) to measure a span."));
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("timelineSplitter"));
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 5);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({600, 140});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addLayout(bar);
    layout->addWidget(m_splitter, 1);

    connect(m_search, &QLineEdit::textChanged, this, [this] { runSearch(); });
    connect(m_regex, &QCheckBox::toggled, this, [this] { runSearch(); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_view->stepMatch(QGuiApplication::keyboardModifiers() & Qt::ShiftModifier ? -1 : 1);
        updateMatchLabel();
    });
    connect(next, &QToolButton::clicked, this,
            [this] { m_view->stepMatch(1), updateMatchLabel(); });
    connect(prev, &QToolButton::clicked, this,
            [this] { m_view->stepMatch(-1), updateMatchLabel(); });
    connect(fit, &QToolButton::clicked, m_view, &TimelineView::zoomToFit);
    connect(m_view, &TimelineView::matchChanged, this, &TimelinePage::updateMatchLabel);
    connect(m_view, &TimelineView::eventSelected, m_details, &QTextBrowser::setHtml);
    connect(m_view, &TimelineView::spanSelected, this,
            [this](qint64 b, qint64 e) { m_details->setHtml(m_view->describeSpan(b, e)); });
}

void TimelinePage::setRun(const LoadedRun& run) {
    m_view->setData(run.timeline);
    m_details->clear();
    // A new run starts with no search: the old pattern's matches would be meaningless.
    const QSignalBlocker block(m_search);
    m_search->clear();
    runSearch();
}

void TimelinePage::focusSearch() {
    m_search->setFocus();
    m_search->selectAll();
}

void TimelinePage::runSearch() {
    m_view->setSearch(m_search->text(), m_regex->isChecked());
    updateMatchLabel();
}

void TimelinePage::updateMatchLabel() {
    if (m_search->text().isEmpty()) return m_matchLabel->clear();
    const int n = m_view->matchCount();
    if (m_regex->isChecked() && !QRegularExpression(m_search->text()).isValid())
        return m_matchLabel->setText(tr("invalid regex"));
    if (n == 0) return m_matchLabel->setText(tr("no matches"));
    m_matchLabel->setText(m_view->currentMatch() < 0
                              ? tr("%L1 matches").arg(n)
                              : tr("%L1 of %L2").arg(m_view->currentMatch() + 1).arg(n));
}

} // namespace ks::gui
