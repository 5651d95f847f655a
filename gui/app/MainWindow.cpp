#include "gui/app/MainWindow.h"
#include "data/RunFile.h"
#include "data/reference/ReferenceReader.h"
#include "gui/app/AboutDialog.h"
#include "gui/app/CompareWindow.h"
#include "gui/app/FlamePage.h"
#include "gui/app/KernelsPage.h"
#include "gui/app/MemoryPage.h"
#include "gui/app/ProfileDialog.h"
#include "gui/app/RecordDialog.h"
#include "gui/app/SummaryPage.h"
#include "gui/app/TensorsPage.h"
#include "gui/app/TimelinePage.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>

namespace ks::gui {

namespace {
constexpr int kMaxRecent = 10;

QPalette darkPalette() {
    QPalette p;
    const QColor window(37, 38, 42), base(30, 31, 34), text(225, 226, 230), mid(60, 62, 68);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(36, 37, 41));
    p.setColor(QPalette::ToolTipBase, QColor(50, 52, 58));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(48, 50, 55));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(66, 133, 244));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(138, 180, 248));
    p.setColor(QPalette::PlaceholderText, QColor(140, 142, 148));
    p.setColor(QPalette::Mid, mid);
    p.setColor(QPalette::Dark, QColor(25, 26, 28));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 125));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 125));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(120, 120, 125));
    return p;
}

QPalette lightPalette() {
    QPalette p = QApplication::style()->standardPalette();
    p.setColor(QPalette::Window, QColor(246, 247, 249));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(247, 248, 250));
    p.setColor(QPalette::Highlight, QColor(26, 115, 232));
    p.setColor(QPalette::HighlightedText, Qt::white);
    return p;
}
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Kernscope"));
    // The icon resource is linked into the executable, not into the library the tests use.
    if (QFile::exists(QStringLiteral(":/icons/kernscope.svg")))
        setWindowIcon(QIcon(QStringLiteral(":/icons/kernscope.svg")));
    setAcceptDrops(true);
    m_loader = new RunLoader(this);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("pages"));
    m_tabs->setDocumentMode(true);
    m_summary = new SummaryPage(this);
    m_timeline = new TimelinePage(this);
    m_kernels = new KernelsPage(this);
    m_memory = new MemoryPage(this);
    m_flame = new FlamePage(this);
    m_tensors = new TensorsPage(this);
    m_tabs->addTab(m_summary, tr("Summary"));
    m_tabs->addTab(m_timeline, tr("Timeline"));
    m_tabs->addTab(m_kernels, tr("Kernels"));
    m_tabs->addTab(m_memory, tr("Memory"));
    m_tabs->addTab(m_flame, tr("CPU Flame Graph"));
    m_tabs->addTab(m_tensors, tr("Tensors / Diff"));
    setCentralWidget(m_tabs);

    m_runLabel = new QLabel(this);
    m_cursorLabel = new QLabel(this);
    m_cursorLabel->setMinimumWidth(160);
    statusBar()->addWidget(m_runLabel, 1);
    statusBar()->addPermanentWidget(m_cursorLabel);

    buildMenus();

    connect(m_loader, &RunLoader::loaded, this, [this](const LoadedRun& run) {
        showRun(run);
        openPendingReference();
    });
    connect(
        m_loader, &RunLoader::failed, this, [this](const QString& path, const QString& message) {
            m_pendingReference.clear();
            statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
            showError(tr("Cannot open file"), message);
        });
    connect(m_loader, &RunLoader::progress, this, [this](int permille) {
        if (m_progress) m_progress->setValue(permille);
    });
    // Whatever ends a load (done, failed, cancelled, superseded), the dialog of a load that is no
    // longer running goes away; a new load makes its own.
    connect(m_loader, &RunLoader::busyChanged, this, [this](bool busy) {
        if (busy || !m_progress) return;
        QProgressDialog* dialog = m_progress;
        m_progress = nullptr;
        dialog->disconnect(this); // closing emits canceled(): it must not cancel anything now
        dialog->close();
    });

    // Shared selection: kernel rows highlight instances; a timeline span filters the tables.
    TimelineView* tv = m_timeline->view();
    connect(m_kernels, &KernelsPage::kernelSelected, tv, &TimelineView::highlightName);
    connect(m_kernels, &KernelsPage::kernelActivated, this, [this, tv](uint32_t name) {
        m_tabs->setCurrentWidget(m_timeline);
        tv->goToInstance(name, tv->span(), false); // inside the span the table is limited to
    });
    connect(m_kernels, &KernelsPage::instancesRequested, this, [this, tv](uint32_t name) {
        m_tabs->setCurrentWidget(m_timeline);
        tv->showInstances(name);
    });
    connect(m_kernels, &KernelsPage::slowestInstanceRequested, this, [this, tv](uint32_t name) {
        m_tabs->setCurrentWidget(m_timeline);
        tv->goToInstance(name, std::nullopt, true);
    });
    // Summary findings link to their evidence.
    connect(m_summary, &SummaryPage::spanRequested, this, [this, tv](qint64 b, qint64 e) {
        m_tabs->setCurrentWidget(m_timeline);
        tv->zoomToRange(b, e);
        tv->setSpan(std::make_pair(int64_t(b), int64_t(e)));
    });
    connect(m_summary, &SummaryPage::kernelRequested, this, [this](const QString& name) {
        m_tabs->setCurrentWidget(m_kernels);
        m_kernels->selectKernel(name);
    });
    connect(tv, &TimelineView::spanSelected, this, [this](qint64 b, qint64 e) {
        m_kernels->setSpan(data::TimeSpan{b, e});
        m_memory->setSpan(data::TimeSpan{b, e});
    });
    connect(tv, &TimelineView::spanCleared, this, [this] {
        m_kernels->setSpan(std::nullopt);
        m_memory->setSpan(std::nullopt);
    });
    connect(tv, &TimelineView::cursorTimeChanged, this, [this](double ns) {
        m_cursorLabel->setText(
            tr("Cursor: %1").arg(QString::fromStdString(data::formatDuration(ns))));
    });
    connect(m_kernels, &KernelsPage::exportRequested, this, &MainWindow::exportCurrentTable);
    connect(m_memory, &MemoryPage::exportRequested, this, &MainWindow::exportCurrentTable);
    connect(m_flame, &FlamePage::exportRequested, this, &MainWindow::exportFlame);

    restoreLayout();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open run"), QSettings().value(QStringLiteral("lastDir")).toString(),
            tr("Kernscope runs (*.ksr.h5 *.h5);;All files (*)"));
        if (!path.isEmpty()) openRun(path);
    });
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    updateRecentMenu();
    file->addAction(tr("&Import Profile…"), this,
                    [this] {
                        const QString path = QFileDialog::getOpenFileName(
                            this, tr("Import CPU profile"),
                            QSettings().value(QStringLiteral("lastDir")).toString(),
                            tr("Profiles: Nsight Systems SQLite, Nsight Compute CSV, folded "
                               "stacks, perf script, Chrome trace (*.sqlite *.csv *.log *.folded "
                               "*.collapsed *.txt *.perf "
                               "*.json);;All files (*)"));
                        if (!path.isEmpty()) importProfile(path);
                    })
        ->setShortcut(QKeySequence(tr("Ctrl+I")));
    file->addAction(tr("&Compare With…"), this,
                    [this] { CompareWindow::compareWithDialog(this, m_current); });
    file->addSeparator();
    file->addAction(tr("&Export Table as CSV…"), this, &MainWindow::exportCurrentTable)
        ->setShortcut(QKeySequence(tr("Ctrl+E")));
    file->addAction(tr("Export &Flame Graph…"), this, &MainWindow::exportFlame);
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const char* names[] = {"&Summary", "&Timeline",        "&Kernels",
                           "&Memory",  "CPU &Flame Graph", "Tensors / &Diff"};
    for (int i = 0; i < PageCount; ++i)
        view->addAction(tr(names[i]), this, [this, i] { m_tabs->setCurrentIndex(i); })
            ->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
    view->addSeparator();
    view->addAction(tr("&Find in Timeline"), this,
                    [this] {
                        m_tabs->setCurrentWidget(m_timeline);
                        m_timeline->focusSearch();
                    })
        ->setShortcut(QKeySequence::Find);
    view->addAction(tr("Find &Next"), this, [this] { m_timeline->view()->stepMatch(1); })
        ->setShortcut(QKeySequence::FindNext);
    view->addAction(tr("Find &Previous"), this, [this] { m_timeline->view()->stepMatch(-1); })
        ->setShortcut(QKeySequence::FindPrevious);
    view->addAction(tr("Zoom to &Fit"), this, [this] { m_timeline->view()->zoomToFit(); })
        ->setShortcut(QKeySequence(tr("Ctrl+0")));
    view->addSeparator();
    QMenu* theme = view->addMenu(tr("T&heme"));
    auto* group = new QActionGroup(this);
    const std::pair<const char*, Theme> themes[] = {
        {"Follow &System", Theme::System}, {"&Light", Theme::Light}, {"&Dark", Theme::Dark}};
    for (auto [label, t] : themes) {
        QAction* a = theme->addAction(tr(label), this, [this, t = t] {
            setTheme(t);
            QSettings().setValue(QStringLiteral("theme"), int(t));
        });
        a->setCheckable(true);
        a->setChecked(t == Theme(QSettings().value(QStringLiteral("theme"), 0).toInt()));
        group->addAction(a);
    }

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Record…"), this, &MainWindow::recordRun)
        ->setShortcut(QKeySequence(tr("Ctrl+R")));
    run->addAction(tr("&Profile Program…"), this, [this] {
        ProfileDialog::launch(this, [this](const QString& path) { openRun(path); });
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(
            tr("&Keyboard Shortcuts"), this,
            [this] {
                QMessageBox::information(
                    this, tr("Keyboard shortcuts"),
                    tr("<table>"
                       "<tr><td><b>Ctrl+O</b></td><td>Open a run</td></tr>"
                       "<tr><td><b>Ctrl+I</b></td><td>Import folded stacks / perf script</td></tr>"
                       "<tr><td><b>Ctrl+1…6</b></td><td>Switch page</td></tr>"
                       "<tr><td><b>W / S, Ctrl+wheel</b></td><td>Zoom the timeline</td></tr>"
                       "<tr><td><b>A / D, drag, Shift+wheel</b></td><td>Pan</td></tr>"
                       "<tr><td><b>Right-drag, Shift+drag</b></td><td>Select a span (filters "
                       "tables)</td></tr>"
                       "<tr><td><b>Z</b></td><td>Zoom to the span</td></tr>"
                       "<tr><td><b>F</b></td><td>Zoom to the selected event</td></tr>"
                       "<tr><td><b>0, Ctrl+0</b></td><td>Zoom to fit</td></tr>"
                       "<tr><td><b>Ctrl+F, F3, Shift+F3</b></td><td>Search, next, "
                       "previous</td></tr>"
                       "<tr><td><b>Esc</b></td><td>Clear selection and span</td></tr>"
                       "<tr><td><b>Ctrl+C</b></td><td>Copy selected table rows</td></tr>"
                       "<tr><td><b>Ctrl+E</b></td><td>Export the current table as "
                       "CSV</td></tr></table>"));
            })
        ->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About Kernscope"), this, [this] { AboutDialog(this).exec(); });
}

void MainWindow::openRun(const QString& path) {
    m_lastError.clear();
    QSettings().setValue(QStringLiteral("lastDir"), QFileInfo(path).absolutePath());
    statusBar()->showMessage(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    m_loader->load(path, false); // a load still running is cancelled (and its dialog closed)
    showProgressDialog(tr("Loading %1…").arg(QFileInfo(path).fileName()));
}

void MainWindow::importProfile(const QString& path) {
    m_lastError.clear();
    statusBar()->showMessage(tr("Importing %1…").arg(QFileInfo(path).fileName()));
    m_loader->load(path, true);
    showProgressDialog(tr("Importing %1…").arg(QFileInfo(path).fileName()));
}

void MainWindow::showProgressDialog(const QString& label) {
    // Appears only for loads that take a moment (minimumDuration); Cancel stops the worker.
    if (QProgressDialog* previous = m_progress) { // the superseded load's dialog
        m_progress = nullptr;
        previous->disconnect(this);
        previous->close();
    }
    // A load that failed or finished at once (the continuation can run inside load()) needs none.
    if (!m_loader->busy()) return;
    m_progress = new QProgressDialog(label, tr("Cancel"), 0, 1000, this);
    m_progress->setObjectName(QStringLiteral("loadProgress"));
    m_progress->setWindowTitle(tr("Opening run"));
    m_progress->setAttribute(Qt::WA_DeleteOnClose);
    m_progress->setAutoClose(false);
    m_progress->setAutoReset(false);
    m_progress->setMinimumDuration(400);
    m_progress->setWindowModality(Qt::WindowModal);
    m_progress->setValue(0);
    const quint64 generation = m_loader->generation();
    connect(m_progress, &QProgressDialog::canceled, this, [this, generation] {
        if (m_loader->generation() != generation) return; // a newer load owns the window now
        m_pendingReference.clear();
        m_loader->cancel();
        statusBar()->showMessage(tr("Loading cancelled"), 5000);
    });
}

MainWindow::FileRole MainWindow::roleOf(const QString& path) {
    const std::string p = path.toStdString();
    if (data::looksLikeRunFile(p)) return FileRole::Run;
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (data::detectReferenceFormat(p) != data::ReferenceFormat::Unknown ||
        suffix == QLatin1String("npy") || suffix == QLatin1String("npz") ||
        suffix == QLatin1String("safetensors"))
        return FileRole::Reference;
    if (suffix == QLatin1String("h5") || suffix == QLatin1String("hdf5")) return FileRole::Run;
    return FileRole::Profile;
}

void MainWindow::openFiles(const QStringList& paths) {
    bool opened = false;
    for (const QString& path : paths) {
        switch (roleOf(path)) {
        case FileRole::Reference:
            m_pendingReference = path;
            break;
        case FileRole::Run:
            if (!opened) openRun(path), opened = true;
            break;
        case FileRole::Profile:
            if (!opened) importProfile(path), opened = true;
            break;
        }
    }
    if (!opened) openPendingReference(); // a reference for the run already shown
}

void MainWindow::openPendingReference() {
    if (m_pendingReference.isEmpty() || !m_current.run) return;
    const QString path = m_pendingReference;
    m_pendingReference.clear();
    m_tabs->setCurrentWidget(m_tensors);
    m_tensors->openReference(path);
}

QProgressDialog* MainWindow::progressDialog() const {
    return m_progress;
}

QString MainWindow::cursorText() const {
    return m_cursorLabel->text();
}

void MainWindow::showRun(const LoadedRun& run) {
    m_current = run;
    m_summary->setRun(run);
    m_timeline->setRun(run);
    m_kernels->setRun(run);
    m_memory->setRun(run);
    m_flame->setRun(run);
    m_tensors->setRun(run);
    m_cursorLabel->clear(); // the cursor readout belonged to the previous run
    const QString name = QFileInfo(run.path).fileName();
    setWindowTitle(tr("%1 — Kernscope").arg(name));
    m_runLabel->setText(tr("%1 · %2 · %L3 events")
                            .arg(name, QString::fromStdString(run.run->info.backend))
                            .arg(qulonglong(run.timeline ? run.timeline->eventCount() : 0)));
    statusBar()->showMessage(tr("Opened %1").arg(name), 4000);
    if (run.imported && run.run->samples.size() > 0)
        m_tabs->setCurrentWidget(m_flame);
    else
        addRecent(run.path);
    emit runShown();
}

void MainWindow::showError(const QString& title, const QString& message) {
    m_lastError = message;
    if (m_interactive) QMessageBox::warning(this, title, message);
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecent(const QString& path) {
    QStringList list = recentFiles();
    const QString abs = QFileInfo(path).absoluteFilePath();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxRecent) list.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), list);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    if (!m_recentMenu) return;
    m_recentMenu->clear();
    const QStringList list = recentFiles();
    for (int i = 0; i < list.size(); ++i) {
        const QString path = list[i];
        m_recentMenu
            ->addAction(QStringLiteral("&%1  %2").arg(i + 1).arg(QFileInfo(path).fileName()), this,
                        [this, path] { openRun(path); })
            ->setToolTip(path);
    }
    m_recentMenu->setEnabled(!list.isEmpty());
    if (!list.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear List"), this, [this] {
            QSettings().remove(QStringLiteral("recentFiles"));
            updateRecentMenu();
        });
    }
}

void MainWindow::exportCurrentTable() {
    const bool memory = m_tabs->currentWidget() == m_memory;
    if (!memory && m_tabs->currentWidget() != m_kernels) m_tabs->setCurrentWidget(m_kernels);
    const QString path = QFileDialog::getSaveFileName(this, tr("Export table"),
                                                      memory ? QStringLiteral("memory.csv")
                                                             : QStringLiteral("kernels.csv"),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    QString error;
    const bool ok = memory ? m_memory->exportCsv(path, &error) : m_kernels->exportCsv(path, &error);
    if (!ok)
        showError(tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
}

void MainWindow::exportFlame() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export flame graph"),
                                                      QStringLiteral("flamegraph.svg"),
                                                      tr("SVG (*.svg);;PNG (*.png)"));
    if (path.isEmpty()) return;
    QString error;
    if (!m_flame->exportImage(path, &error))
        showError(tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
}

void MainWindow::recordRun() {
    auto* dialog = new RecordDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RecordDialog::recorded, this, &MainWindow::openRun);
    dialog->open();
}

void MainWindow::setTheme(Theme theme) {
    m_theme = theme;
    static const QPalette systemPalette = QApplication::palette();
    bool dark = false;
    if (theme == Theme::System) {
        QApplication::setPalette(systemPalette);
        dark = systemPalette.color(QPalette::Window).lightness() < 128;
    } else {
        dark = theme == Theme::Dark;
        QApplication::setPalette(dark ? darkPalette() : lightPalette());
    }
    m_timeline->view()->setDark(dark);
    m_flame->view()->setDark(dark);
    m_summary->setDark(dark);
}

void MainWindow::restoreLayout() {
    QSettings s;
    if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray())) {
        // First start: most of the screen, centred (the size hint is far too small for tables).
        if (const QScreen* screen = QGuiApplication::primaryScreen()) {
            const QRect area = screen->availableGeometry();
            resize(area.size() * 0.8);
            move(area.center() - rect().center());
        }
    }
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    m_timeline->splitter()->restoreState(
        s.value(QStringLiteral("window/timelineSplitter")).toByteArray());
    m_tabs->setCurrentIndex(s.value(QStringLiteral("window/page"), 0).toInt());
    setTheme(Theme(s.value(QStringLiteral("theme"), 0).toInt()));
}

void MainWindow::saveLayout() {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/timelineSplitter"), m_timeline->splitter()->saveState());
    s.setValue(QStringLiteral("window/page"), m_tabs->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent* e) {
    saveLayout();
    m_loader->cancel();
    e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    QStringList paths;
    for (const QUrl& url : e->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    openFiles(paths); // one run at a time; references go to the Tensors page
    e->acceptProposedAction();
}

} // namespace ks::gui
