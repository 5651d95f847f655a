// Every real file from other tools (shared/thirdparty) opens in the window headless: no error,
// and the pages that apply show its contents. Exits 77 (skipped) without shared/thirdparty.
#include "GuiFixture.h"
#include "TestSupport.h"
#include "gui/app/FlamePage.h"
#include "gui/app/KernelsPage.h"
#include "gui/app/MainWindow.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace ks;
using namespace ks::gui;

namespace {

std::filesystem::path thirdPartyDir() {
    const char* env = std::getenv("KS_THIRDPARTY_DIR");
    const std::filesystem::path dir =
        env ? std::filesystem::path(env)
            : std::filesystem::path(KS_TESTS_SOURCE_DIR) / ".." / ".." / "shared" / "thirdparty";
    if (!std::filesystem::is_directory(dir)) {
        std::printf("skipped: %s not found\n", dir.c_str());
        std::fflush(stdout);
        std::exit(77);
    }
    return dir;
}

} // namespace

TEST_CASE("every real profile from other tools opens in the window", "[gui][import]") {
    const std::filesystem::path root = thirdPartyDir();
    ks::test::ensureApp();
    std::vector<std::string> files;
    for (const char* folder :
         {"kineto", "rocprof", "perf", "folded", "speedscope", "chrome_trace_edge"})
        for (const auto& entry : std::filesystem::directory_iterator(root / folder)) {
            const std::string name = entry.path().filename().string();
            if (name.find("stats") != std::string::npos ||
                name.find("counter_collection") != std::string::npos)
                continue; // summaries are refused by design (tested in tests/import)
            files.push_back(entry.path().string()); // .json.gz opened as users have them
        }
    REQUIRE(files.size() > 40);
    MainWindow win;
    win.setInteractive(false);
    int shown = 0;
    QObject::connect(&win, &MainWindow::runShown, [&] { ++shown; });
    for (const std::string& file : files) {
        INFO(file);
        const int before = shown;
        win.importProfile(QString::fromStdString(file));
        REQUIRE(ks::test::waitUntil([&] { return shown > before || !win.lastError().isEmpty(); }));
        REQUIRE(win.lastError().toStdString() == "");
        REQUIRE(ks::test::waitUntil(
            [&] { return !win.kernelsPage()->computing() && !win.flamePage()->building(); }));
        const auto& run = *win.current().run;
        CHECK(run.kernels.size() + run.memcpy.size() + run.api.size() + run.ranges.size() +
                  run.samples.size() >
              0);
        if (run.kernels.size() > 0) CHECK(win.kernelsPage()->model()->rowCount() > 0);
    }
}
