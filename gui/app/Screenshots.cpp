#include "gui/app/Screenshots.h"
#include "gui/app/FlamePage.h"
#include "gui/app/KernelsPage.h"
#include "gui/app/MainWindow.h"
#include "gui/app/MemoryPage.h"
#include "gui/app/SummaryPage.h"
#include "gui/app/TensorsPage.h"
#include "gui/app/TimelinePage.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPixmap>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <cstdio>

namespace ks::gui {

static void settle(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
}

static bool waitFor(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return done();
}

int takeScreenshots(MainWindow& window, const QStringList& files, const QString& dir) {
    if (files.isEmpty()) {
        std::fprintf(stderr, "kernscope: --screenshots DIR needs a run file\n");
        return 2;
    }
    QDir().mkpath(dir);
    window.setInteractive(false);
    window.resize(1600, 1000);
    window.show();
    bool shown = false;
    QObject::connect(&window, &MainWindow::runShown, [&] { shown = true; });
    window.openRun(files[0]);
    if (!waitFor([&] { return shown || !window.lastError().isEmpty(); }, 120000) || !shown) {
        std::fprintf(stderr, "kernscope: %s\n", qPrintable(window.lastError()));
        return 2;
    }
    if (files.size() > 1) window.tensorsPage()->openReference(files[1]);
    waitFor([&] {
        return !window.kernelsPage()->computing() && !window.flamePage()->building() &&
               !window.summaryPage()->analysing();
    }, 120000);
    settle(300);
    auto save = [&](const QString& name) {
        settle(250);
        const QString path = QDir(dir).filePath(name);
        if (!window.grab().save(path)) {
            std::fprintf(stderr, "kernscope: %s: cannot write\n", qPrintable(path));
            return false;
        }
        std::printf("%s\n", qPrintable(path));
        return true;
    };
    bool ok = true;
    QTabWidget* tabs = window.tabs();
    tabs->setCurrentIndex(MainWindow::Summary);
    ok &= save(QStringLiteral("1-summary.png"));

    // Timeline: zoomed into the first steps, a kernel selected so its flow arrow shows.
    tabs->setCurrentIndex(MainWindow::Timeline);
    settle(100);
    TimelineView* tv = window.timelinePage()->view();
    if (const TimelineData* data = tv->data()) {
        int64_t begin = data->begin(), span = data->end() - data->begin();
        // A step from the middle of the run shows its typical work; else the first 1/40.
        const auto& r = data->run().ranges;
        std::vector<size_t> steps;
        for (size_t i = 0; i < r.size(); ++i)
            if (data->run().strings.get(r.name[i]).substr(0, 4) == "step") steps.push_back(i);
        if (!steps.empty()) {
            const size_t s = steps[steps.size() / 2];
            tv->zoomToRange(r.start_ns[s], r.end_ns[s]);
        } else {
            tv->zoomToRange(begin, begin + std::max<int64_t>(span / 40, 1000));
        }
        for (size_t r = 0; r < data->rows().size(); ++r)
            if (data->rows()[r].kind == RowKind::Device && data->rows()[r].size() > 3) {
                // The first event that is comfortably visible at this zoom.
                for (size_t i = 0; i < data->rows()[r].size(); ++i)
                    if (tv->timeToX(double(data->rows()[r].start[i])) > tv->labelWidth() + 300 &&
                        tv->timeToX(double(data->rows()[r].end[i])) -
                                tv->timeToX(double(data->rows()[r].start[i])) >
                            4) {
                        tv->selectEvent(r, i, false);
                        break;
                    }
                break;
            }
    }
    ok &= save(QStringLiteral("2-timeline.png"));
    tv->zoomToFit();
    ok &= save(QStringLiteral("2b-timeline-full.png"));
    for (double zoom : {30.0, 1000.0}) { // two deeper levels, centred
        tv->zoomBy(zoom, tv->labelWidth() + tv->eventAreaWidth() / 2.0);
        ok &= save(QStringLiteral("2c-timeline-zoom%1x.png").arg(zoom));
        tv->zoomToFit();
    }

    tabs->setCurrentIndex(MainWindow::Kernels);
    if (auto* view = window.kernelsPage()->view(); view->model()->rowCount() > 0)
        view->selectRow(0);
    ok &= save(QStringLiteral("3-kernels.png"));
    tabs->setCurrentIndex(MainWindow::Memory);
    ok &= save(QStringLiteral("4-memory.png"));
    tabs->setCurrentIndex(MainWindow::Flame);
    ok &= save(QStringLiteral("5-flame.png"));
    tabs->setCurrentIndex(MainWindow::Tensors);
    waitFor([&] { return !window.tensorsPage()->busy(); }, 60000);
    ok &= save(QStringLiteral("6-tensors.png"));

    window.setTheme(MainWindow::Theme::Dark);
    tabs->setCurrentIndex(MainWindow::Timeline);
    ok &= save(QStringLiteral("7-timeline-dark.png"));
    window.setTheme(MainWindow::Theme::System);
    return ok ? 0 : 1;
}

} // namespace ks::gui
