// Run ▸ Profile Program… without a display: the menu entry opens the dialog, which runs the C test
// program under kernscope-cli record, and the window opens the run it wrote.
#include "GuiFixture.h"
#include "TestSupport.h"

#include "gui/app/FlamePage.h"
#include "gui/app/FlameView.h"
#include "gui/app/MainWindow.h"
#include "gui/app/ProfileDialog.h"
#include "gui/app/TimelinePage.h"
#include "gui/app/TimelineView.h"

#include <QAction>
#include <QApplication>
#include <QFileInfo>
#include <QMenuBar>

#include <catch2/catch.hpp>

using namespace ks::gui;

namespace {

QAction* findAction(QMenuBar* bar, const QString& text) {
    for (QAction* menu : bar->actions())
        if (menu->menu())
            for (QAction* a : menu->menu()->actions())
                if (a->text().remove(QLatin1Char('&')) == text) return a;
    return nullptr;
}

} // namespace

TEST_CASE("Profile Program runs a program and opens its run", "[profile][gui]") {
    ks::test::ensureApp();
    // The dialog finds kernscope-cli beside the application or on PATH.
    const QString cliDir = QFileInfo(QStringLiteral(KS_CLI_PATH)).absolutePath();
    qputenv("PATH", (cliDir + QStringLiteral(":") + qEnvironmentVariable("PATH")).toUtf8());
    const QString out =
        QString::fromStdString(ks::test::scratchDir("profile_gui")) + QStringLiteral("/gui.ksr.h5");

    MainWindow win;
    win.setInteractive(false);
    QAction* action = findAction(win.menuBar(), QStringLiteral("Profile Program…"));
    REQUIRE(action != nullptr);
    action->trigger();
    auto* dialog = win.findChild<ProfileDialog*>();
    REQUIRE(dialog != nullptr);
    dialog->setProgram(QStringLiteral(KS_NVTX_THREADS));
    dialog->setEnvironment(QStringLiteral("KS_TEST_MARKER=1"));
    dialog->setOutputPath(out);
    dialog->setSampling(500, true);
    REQUIRE(dialog->arguments().contains(QStringLiteral("--")));
    REQUIRE(dialog->environment().value(QStringLiteral("KS_TEST_MARKER")) == QStringLiteral("1"));

    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    dialog->start();
    REQUIRE(dialog->running());
    REQUIRE(ks::test::waitUntil([&] { return shown; }, 120000));
    INFO(dialog->statusText().toStdString());
    CHECK(!dialog->running());
    CHECK(dialog->statusText().startsWith(QStringLiteral("Recorded")));
    const auto& run = *win.current().run;
    CHECK(run.ranges.size() == 14);
    CHECK(run.info.exit_code == 0);
    REQUIRE(win.timelinePage()->view()->data() != nullptr);
    CHECK(win.timelinePage()->view()->data()->eventCount() >= run.ranges.size());
    REQUIRE(ks::test::waitUntil([&] { return win.flamePage()->view()->tree() != nullptr; },
                                30000));
}

TEST_CASE("Profile Program: Stop ends a running program and the run is still opened",
          "[profile][gui]") {
    ks::test::ensureApp();
    const QString cliDir = QFileInfo(QStringLiteral(KS_CLI_PATH)).absolutePath();
    qputenv("PATH", (cliDir + QStringLiteral(":") + qEnvironmentVariable("PATH")).toUtf8());
    const QString out = QString::fromStdString(ks::test::scratchDir("profile_gui_stop")) +
                        QStringLiteral("/stop.ksr.h5");
    MainWindow win;
    win.setInteractive(false);
    auto* dialog = ProfileDialog::launch(&win, [&](const QString& p) { win.openRun(p); });
    dialog->setProgram(QStringLiteral("/bin/sleep"), QStringLiteral("60"));
    dialog->setOutputPath(out);
    dialog->setSampling(100, false);
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    dialog->start();
    REQUIRE(ks::test::waitUntil([&] { return false; }, 1000) == false); // let it start
    dialog->stop();
    REQUIRE(ks::test::waitUntil([&] { return shown; }, 30000));
    CHECK(win.current().run->info.exit_status.find("stopped by SIGTERM") == 0);
}
