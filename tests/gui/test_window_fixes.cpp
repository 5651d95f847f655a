// The window as a new user meets it: loading (second file while loading, progress, cancel,
// failures), references on the command line, search counter, theme and plot colours, table units
// and CSV, pair numbering, worst-element digits, Kernels page navigation, the Summary's diagnosis
// and its links, and the timeline's coverage drawing, utilisation track and span statistics.
#include "GuiFixture.h"
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"
#include "data/analysis/Diagnosis.h"
#include "gui/app/KernelStatsModel.h"
#include "gui/app/KernelsPage.h"
#include "gui/app/MainWindow.h"
#include "gui/app/PairListModel.h"
#include "gui/app/SummaryPage.h"
#include "gui/app/TableExport.h"
#include "gui/app/TensorsPage.h"
#include "gui/app/TimelinePage.h"

#include <catch2/catch.hpp>

#include <QAction>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressDialog>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QUrl>

#include <fstream>
#include <qcustomplot.h>
#include <sstream>

using namespace ks;
using namespace ks::gui;

namespace {

// Opens `path` in `win` (non-interactive) and waits until every page has it.
void openAndWait(MainWindow& win, const QString& path) {
    bool shown = false;
    auto c = QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.openRun(path);
    REQUIRE(ks::test::waitUntil([&] { return shown || !win.lastError().isEmpty(); }));
    QObject::disconnect(c);
    REQUIRE(win.lastError().toStdString() == "");
    REQUIRE(ks::test::waitUntil(
        [&] { return !win.kernelsPage()->computing() && !win.summaryPage()->analysing(); }));
}

QAction* actionWithShortcut(MainWindow& win, QKeySequence::StandardKey key) {
    for (QAction* a : win.findChildren<QAction*>())
        if (a->shortcut() == QKeySequence(key)) return a;
    return nullptr;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("opening a second file while one loads shows the second and no dialog stays up",
          "[gui][window][loading]") {
    ks::test::ensureApp();
    QSettings().clear();
    const std::string dir = ks::test::scratchDir("gui_second_file");
    const QString a = QString::fromStdString(ks::test::writeGuiRun(dir + "", 3000));
    const std::string dirB = ks::test::scratchDir("gui_second_file_b");
    const QString b = QString::fromStdString(ks::test::writeGuiRun(dirB, 500));
    MainWindow win;
    win.setInteractive(false);
    win.resize(1280, 720);
    win.show();
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.openRun(a);
    win.openRun(b); // before the first finished (Ctrl+O twice quickly)
    REQUIRE(ks::test::waitUntil([&] { return shown; }));
    REQUIRE(win.current().path == b);
    REQUIRE_FALSE(win.loader()->busy());
    // Past the dialog's minimum duration: no "Loading…" dialog left behind.
    ks::test::waitUntil([] { return false; }, 700);
    REQUIRE(win.progressDialog() == nullptr);
    for (QProgressDialog* d : win.findChildren<QProgressDialog*>()) REQUIRE_FALSE(d->isVisible());
    REQUIRE(win.current().path == b); // the first load's result never replaces it
}

TEST_CASE("a big load reports progress and its worker stops when cancelled",
          "[gui][window][loading]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_cancel");
    const std::string path = dir + "/big.ksr.h5";
    // 1.5 M kernels + their API calls (3 M events): long enough to cancel in the middle.
    REQUIRE(data::writeRun(
                data::makeSyntheticRun({.kernels = 1'500'000, .streams = 4, .names = 50}), path)
                .ok());
    RunLoader loader;
    int lastProgress = -1;
    bool loaded = false, failed = false;
    QObject::connect(&loader, &RunLoader::progress, [&](int p) { lastProgress = p; });
    QObject::connect(&loader, &RunLoader::loaded, [&](const LoadedRun&) { loaded = true; });
    QObject::connect(&loader, &RunLoader::failed,
                     [&](const QString&, const QString&) { failed = true; });
    loader.load(QString::fromStdString(path));
    REQUIRE(loader.busy());
    REQUIRE(ks::test::waitUntil([&] { return lastProgress > 0; }));
    loader.cancel();
    REQUIRE_FALSE(loader.busy());
    REQUIRE(ks::test::waitUntil([] { return RunLoader::runningWorkers() == 0; }, 10000));
    ks::test::waitUntil([] { return false; }, 200);
    REQUIRE_FALSE(loaded);
    REQUIRE_FALSE(failed);

    // Through the window: the dialog's Cancel stops the load and leaves the window usable.
    MainWindow win;
    win.setInteractive(false);
    win.openRun(QString::fromStdString(path));
    REQUIRE(win.progressDialog() != nullptr);
    REQUIRE(win.progressDialog()->maximum() == 1000);
    REQUIRE(ks::test::waitUntil([&] { return win.progressDialog()->value() > 0; }));
    emit win.progressDialog()->canceled(); // the dialog's Cancel button
    REQUIRE_FALSE(win.loader()->busy());
    REQUIRE(ks::test::waitUntil([] { return RunLoader::runningWorkers() == 0; }, 10000));
    REQUIRE(win.progressDialog() == nullptr);
    openAndWait(win, QString::fromStdString(ks::test::writeGuiRun(dir, 300)));
}

TEST_CASE("a failing load reports the error and the window returns to a usable state",
          "[gui][window][loading]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_failed_load");
    const std::string bad = dir + "/bad.ksr.h5";
    std::ofstream(bad) << "not an HDF5 file at all";
    const LoadedRun direct = RunLoader::loadNow(QString::fromStdString(bad), false);
    REQUIRE_FALSE(direct.error.isEmpty()); // loadNow never throws
    MainWindow win;
    win.setInteractive(false);
    win.openRun(QString::fromStdString(bad));
    REQUIRE(ks::test::waitUntil([&] { return !win.lastError().isEmpty(); }));
    REQUIRE(win.lastError().contains(QString::fromStdString(bad)));
    REQUIRE_FALSE(win.loader()->busy());
    REQUIRE(win.progressDialog() == nullptr);
    win.setInteractive(false);
    openAndWait(win, QString::fromStdString(ks::test::writeGuiRun(dir, 300)));
}

TEST_CASE("a reference file given with the run opens as a reference", "[gui][window][diff]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_cmdline_ref");
    REQUIRE(ks::test::runPython("gui/diff_fixture.py", {dir}).exitCode == 0);
    const QString run = QString::fromStdString(ks::test::writeGuiRun(dir, 300));
    const QString ref = QString::fromStdString(dir + "/reference.npz");
    REQUIRE(MainWindow::roleOf(run) == MainWindow::FileRole::Run);
    REQUIRE(MainWindow::roleOf(ref) == MainWindow::FileRole::Reference);
    const std::string folded = dir + "/stacks.folded";
    std::ofstream(folded) << "main;work 10\n";
    REQUIRE(MainWindow::roleOf(QString::fromStdString(folded)) == MainWindow::FileRole::Profile);

    MainWindow win;
    win.setInteractive(false);
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.openFiles({run, ref}); // `kernscope RUN ref.npz`
    REQUIRE(ks::test::waitUntil([&] { return shown; }));
    TensorsPage* page = win.tensorsPage();
    REQUIRE(ks::test::waitUntil([&] { return !page->busy() && page->model()->report(); }));
    REQUIRE(win.lastError().isEmpty());
    REQUIRE(page->model()->report()->pairs.size() == 2);
    REQUIRE(win.tabs()->currentWidget() == page);

    SECTION("pairs are numbered like kernscope-cli compare") {
        auto cli = ks::test::runCli({"compare", run.toStdString(), ref.toStdString()});
        std::istringstream lines(cli.output);
        std::string line;
        std::map<std::string, int> cliNumber; // tensor -> '#'
        while (std::getline(lines, line)) {
            std::istringstream cells(line);
            std::string number, status, tensor;
            if (cells >> number >> status >> tensor && std::isdigit(number[0]))
                cliNumber[tensor] = std::stoi(number);
        }
        REQUIRE(cliNumber.size() == 2);
        for (int r = 0; r < 2; ++r) {
            const auto& pair = page->model()->report()->pairs[size_t(r)];
            REQUIRE(page->model()->index(r, PairListModel::Order).data().toInt() ==
                    cliNumber[pair.runName]);
        }
    }

    SECTION("worst elements show enough digits to tell run from reference") {
        page->selectPair(1);
        auto* worst = page->findChild<QTableWidget*>(QString(), Qt::FindChildrenRecursively);
        QTableWidget* table = nullptr;
        for (auto* t : page->findChildren<QTableWidget*>())
            if (t->columnCount() == 6) table = t;
        REQUIRE(table != nullptr);
        (void)worst;
        REQUIRE(table->rowCount() > 0);
        const auto& pair = page->model()->report()->pairs[1];
        const int digits = pair.runDType == data::DType::F64 ? 17 : 9;
        const auto& w = pair.metrics.worst.front();
        REQUIRE(table->item(0, 1)->text() == QString::number(w.run, 'g', digits));
        REQUIRE(table->item(0, 2)->text() == QString::number(w.ref, 'g', digits));
    }

    SECTION("rel and ULP heatmaps label their colour bar") {
        auto scaleLabel = [&] {
            for (int i = 0; i < page->heatmap()->plotLayout()->elementCount(); ++i)
                if (auto* s =
                        qobject_cast<QCPColorScale*>(page->heatmap()->plotLayout()->elementAt(i)))
                    return s->axis()->label();
            return QString();
        };
        page->selectPair(1);
        page->setErrorKind(ErrorKind::Abs);
        REQUIRE(scaleLabel() == QStringLiteral("|run − ref|"));
        page->setErrorKind(ErrorKind::Rel);
        REQUIRE(scaleLabel() == QStringLiteral("|run − ref| / |ref|"));
        page->setErrorKind(ErrorKind::Ulp);
        REQUIRE(scaleLabel() == QStringLiteral("ULP distance"));
    }

    SECTION("at 1280×720 the Tensors page fits and the histogram title is not cut") {
        win.resize(1280, 720);
        win.show();
        page->selectPair(1);
        REQUIRE(page->minimumSizeHint().width() <= 1280);
        // Layouts settle asynchronously (slowly on a loaded machine).
        REQUIRE(ks::test::waitUntil([&] { return page->width() <= win.width(); }, 5000));
        auto* title = qobject_cast<QCPTextElement*>(page->histogram()->plotLayout()->element(0, 0));
        REQUIRE(title != nullptr);
        REQUIRE(title->text().contains(QLatin1Char('\n')));
        const QRect text =
            QFontMetrics(title->font()).boundingRect(QRect(), Qt::AlignLeft, title->text());
        REQUIRE(text.width() + 12 <= page->histogram()->width());
    }

    SECTION("dark theme: plots take the palette's colours") {
        page->selectPair(1);
        win.setTheme(MainWindow::Theme::Dark);
        auto corner = [&] {
            return QColor(page->histogram()->toPixmap(400, 300).toImage().pixel(3, 3)).lightness();
        };
        REQUIRE(ks::test::waitUntil([&] { return corner() < 100; }, 5000));
        win.setTheme(MainWindow::Theme::Light);
        REQUIRE(ks::test::waitUntil([&] { return corner() > 200; }, 5000));
    }
}

TEST_CASE("an empty Tensors page shows a hint, not blank axes", "[gui][diff]") {
    ks::test::ensureApp();
    TensorsPage page;
    for (QCustomPlot* p : {page.heatmap(), page.histogram()}) {
        REQUIRE_FALSE(p->xAxis->visible());
        REQUIRE_FALSE(p->yAxis->visible());
    }
}

TEST_CASE("search counter follows F3 and Shift+F3; a new run resets search and cursor",
          "[gui][window][timeline]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_search_counter");
    MainWindow win;
    win.setInteractive(false);
    win.resize(1400, 900);
    openAndWait(win, QString::fromStdString(ks::test::writeGuiRun(dir, 600)));
    TimelinePage* tp = win.timelinePage();
    tp->searchEdit()->setText(QStringLiteral("relu"));
    const int n = tp->view()->matchCount();
    REQUIRE(n > 2);
    QAction* next = actionWithShortcut(win, QKeySequence::FindNext);
    QAction* prev = actionWithShortcut(win, QKeySequence::FindPrevious);
    REQUIRE(next);
    REQUIRE(prev);
    next->trigger();
    REQUIRE(tp->matchLabel()->text() == QStringLiteral("1 of %1").arg(n));
    next->trigger();
    REQUIRE(tp->matchLabel()->text() == QStringLiteral("2 of %1").arg(n));
    prev->trigger();
    REQUIRE(tp->matchLabel()->text() == QStringLiteral("1 of %1").arg(n));

    emit tp->view()->cursorTimeChanged(12345.0);
    REQUIRE_FALSE(win.cursorText().isEmpty());
    const std::string dir2 = ks::test::scratchDir("gui_search_counter_2");
    openAndWait(win, QString::fromStdString(ks::test::writeGuiRun(dir2, 300)));
    REQUIRE(tp->searchEdit()->text().isEmpty());
    REQUIRE(tp->matchLabel()->text().isEmpty());
    REQUIRE(win.cursorText().isEmpty());
}

TEST_CASE("tables show durations with units; CSV keeps exact numbers and empty numeric cells",
          "[gui][models]") {
    ks::test::ensureApp();
    KernelStatsModel model;
    data::KernelStat known;
    known.displayName = "gemm";
    known.instances = 2;
    known.total = 1'234'567;
    known.average = known.median = 617'283.5;
    known.minimum = 600'000;
    known.maximum = 634'567;
    known.percent = 80;
    known.gridX = 4, known.gridY = known.gridZ = 1, known.blockX = 128,
    known.blockY = known.blockZ = 1;
    known.registers = 32;
    known.occupancy = 0.75;
    data::KernelStat cpu = known;
    cpu.displayName = "cpu_op";
    cpu.gridX = cpu.blockX = 0;
    cpu.registers = 0;
    cpu.occupancy.reset();
    model.setStats({known, cpu});
    const QModelIndex total = model.index(0, KernelStatsModel::Total);
    REQUIRE(total.data().toString() == QStringLiteral("1.235 ms"));
    REQUIRE(total.data(Qt::ToolTipRole).toString() == QStringLiteral("1,234,567 ns"));
    model.setDurationUnit(DurationUnit::Us);
    REQUIRE(total.data().toString() == QStringLiteral("1,234.567"));
    REQUIRE(model.headerData(KernelStatsModel::Total, Qt::Horizontal).toString() ==
            QStringLiteral("Total (µs)"));

    const std::string dir = ks::test::scratchDir("gui_csv_units");
    const std::string csv = dir + "/kernels.csv";
    QString error;
    REQUIRE(writeCsv(model, QString::fromStdString(csv), &error));
    const std::string text = readFile(csv);
    REQUIRE(text.find("n/a") == std::string::npos);
    REQUIRE(text.find("—") == std::string::npos);
    // pandas reads the numeric columns as numbers, with NaN where a value is unknown.
    auto check =
        ks::test::runCommand(std::string(KS_PYTHON) +
                             " -c \"import pandas as pd, sys; d = pd.read_csv(sys.argv[1]); "
                             "assert d['Total Time (ns)'].tolist() == [1234567, 1234567]; "
                             "assert d['Occupancy (%)'].dtype.kind == 'f' and "
                             "d['Occupancy (%)'].isna().tolist() == [False, True]; "
                             "assert d['Registers'].isna().tolist() == [False, True]; "
                             "assert d['Avg (ns)'][0] == 617283.5\" " +
                             ks::test::shellQuote(csv));
    INFO(check.output);
    REQUIRE(check.exitCode == 0);
}

TEST_CASE("Kernels page: slowest instance, instances, double-click inside the span",
          "[gui][window][kernels]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_kernel_nav");
    MainWindow win;
    win.setInteractive(false);
    win.resize(1400, 900);
    openAndWait(win, QString::fromStdString(ks::test::writeGuiRun(dir, 1200)));
    const auto& k = win.current().run->kernels;
    KernelsPage* kp = win.kernelsPage();
    const QModelIndex row = kp->view()->model()->index(0, KernelStatsModel::Name);
    const uint32_t name = row.data(KernelStatsModel::NameIdRole).toUInt();
    TimelineView* tv = win.timelinePage()->view();
    auto selectedKernel = [&]() -> size_t {
        const auto sel = tv->selectedEvent();
        REQUIRE(sel.has_value());
        const auto ref = tv->data()->rows()[sel->first].ref[sel->second];
        REQUIRE(ref.source == EventSource::Kernel);
        return ref.index;
    };
    const QList<QAction*> actions = kp->contextActions(row, kp);
    REQUIRE(actions.size() == 3);
    actions[1]->trigger(); // go to slowest instance
    REQUIRE(win.tabs()->currentWidget() == win.timelinePage());
    int64_t slowest = 0;
    for (size_t i = 0; i < k.size(); ++i)
        if (k.name[i] == name) slowest = std::max(slowest, k.end_ns[i] - k.start_ns[i]);
    const size_t s = selectedKernel();
    REQUIRE(k.name[s] == name);
    REQUIRE(k.end_ns[s] - k.start_ns[s] == slowest);

    // A span late in the run: double-click goes to an instance inside it.
    size_t last = 0;
    for (size_t i = 0; i < k.size(); ++i)
        if (k.name[i] == name) last = i;
    const int64_t b = k.start_ns[last] - 1, e = k.end_ns[last] + 1;
    tv->setSpan(std::make_pair(b, e));
    REQUIRE(ks::test::waitUntil([&] { return !kp->computing(); }));
    emit kp->kernelActivated(name);
    const size_t inside = selectedKernel();
    REQUIRE(k.name[inside] == name);
    REQUIRE((k.start_ns[inside] < e && k.end_ns[inside] > b));
    for (auto* a : actions) delete a;
}

TEST_CASE("the Summary shows the diagnosis and its links lead to the evidence",
          "[gui][window][diagnosis]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_summary_diag");
    MainWindow win;
    win.setInteractive(false);
    win.resize(1400, 900);
    openAndWait(win, QString::fromStdString(ks::test::writeGuiRun(dir, 1500)));
    SummaryPage* sp = win.summaryPage();
    REQUIRE(sp->diagnosis() != nullptr);
    const QString html = sp->html();
    REQUIRE(html.contains(QStringLiteral("Findings")));
    REQUIRE(html.contains(QStringLiteral("Device utilisation")));
    REQUIRE(html.contains(QStringLiteral("Where the device time goes")));
    REQUIRE(html.contains(QStringLiteral("Top kernels")));
    // The figures are the data layer's (tested against pandas in test_cli).
    const auto expected = data::computeUtilization(*win.current().run);
    REQUIRE(sp->diagnosis()->utilization.size() == expected.size());
    REQUIRE(sp->diagnosis()->utilization[0].busyNs == expected[0].busyNs);
    // "Time (%)" headers never wrap.
    REQUIRE(SummaryPage::buildHtml(win.current(), false).contains(QStringLiteral("nowrap")));

    sp->openLink(QUrl(QStringLiteral("ks:span?b=1000&e=90000")));
    REQUIRE(win.tabs()->currentWidget() == win.timelinePage());
    REQUIRE(win.timelinePage()->view()->span() == std::make_pair(int64_t(1000), int64_t(90000)));
    const std::string kernel = win.kernelsPage()->model()->stats()[3].displayName;
    QUrl url(QStringLiteral("ks:kernel"));
    url.setQuery(QStringLiteral("name=") + QUrl::toPercentEncoding(QString::fromStdString(kernel)));
    sp->openLink(url);
    REQUIRE(win.tabs()->currentWidget() == win.kernelsPage());
    REQUIRE(win.kernelsPage()->view()->currentIndex().data().toString().toStdString() == kernel);
}

TEST_CASE("training counters are drawn as small plots on the Summary", "[gui][diagnosis]") {
    ks::test::ensureApp();
    REQUIRE(SummaryPage::isTrainingCounter("loss"));
    REQUIRE(SummaryPage::isTrainingCounter("train/accuracy"));
    REQUIRE_FALSE(SummaryPage::isTrainingCounter("memory_used_bytes"));
    auto run = std::make_shared<data::Run>(ks::test::makeGuiRun(300));
    for (int i = 0; i < 20; ++i) {
        run->counters["loss"].time_ns.push_back(i * 1000);
        run->counters["loss"].value.push_back(2.0 / (1 + i));
    }
    LoadedRun loaded;
    loaded.path = QStringLiteral("x.ksr.h5");
    loaded.run = run;
    loaded.timeline = TimelineData::build(run);
    SummaryPage page;
    bool ready = false;
    QObject::connect(&page, &SummaryPage::diagnosisReady, [&] { ready = true; });
    page.setRun(loaded);
    REQUIRE(ks::test::waitUntil([&] { return ready; }));
    REQUIRE(page.html().contains(QStringLiteral("Training curves")));
    const QVariant image = page.browser()->document()->resource(QTextDocument::ImageResource,
                                                                QUrl(QStringLiteral("plot:loss")));
    REQUIRE(image.isValid());
}
