// The window and its pages, headless: open a fixture run, every page populates, exports are
// valid, bad files give an error while the window stays usable; models pass
// QAbstractItemModelTester.
#include "GuiFixture.h"
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/analysis/KernelStats.h"
#include "gui/app/FlamePage.h"
#include "gui/app/KernelStatsModel.h"
#include "gui/app/KernelsPage.h"
#include "gui/app/MainWindow.h"
#include "gui/app/MemoryPage.h"
#include "gui/app/MemoryStatsModel.h"
#include "gui/app/RecordDialog.h"
#include "gui/app/SummaryPage.h"
#include "gui/app/TensorsPage.h"
#include "gui/app/TimelinePage.h"

#include <catch2/catch.hpp>

#include <QAbstractItemModelTester>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLocale>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>

#include <fstream>
#include <map>
#include <sstream>

using namespace ks;
using namespace ks::gui;

namespace {

struct OpenWindow {
    MainWindow window;
    bool shown = false;
    explicit OpenWindow(const QString& path) {
        window.setInteractive(false);
        window.resize(1400, 900);
        QObject::connect(&window, &MainWindow::runShown, [this] { shown = true; });
        window.openRun(path);
        REQUIRE(ks::test::waitUntil([&] { return shown || !window.lastError().isEmpty(); }));
        REQUIRE(window.lastError().toStdString() == "");
        REQUIRE(ks::test::waitUntil([&] {
            return !window.kernelsPage()->computing() && !window.flamePage()->building() &&
                   window.memoryPage()->model()->rowCount() > 0 &&
                   !window.summaryPage()->analysing();
        }));
    }
};

std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
                cell += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                cell += c;
        } else if (c == '"')
            quoted = true;
        else if (c == ',')
            out.push_back(cell), cell.clear();
        else
            cell += c;
    }
    out.push_back(cell);
    return out;
}

} // namespace

TEST_CASE("kernel statistics agree with NumPy", "[gui][stats]") {
    const std::string dir = ks::test::scratchDir("gui_stats");
    const std::string path = ks::test::writeGuiRun(dir, 2500);
    auto run = data::readRun(path);
    REQUIRE(run.ok());
    auto check = [&](std::optional<data::TimeSpan> span) {
        std::vector<std::string> args{path};
        if (span)
            args.push_back(std::to_string(span->begin)), args.push_back(std::to_string(span->end));
        const auto py = ks::test::runPython("gui/kernel_stats.py", args);
        REQUIRE(py.exitCode == 0);
        std::map<std::string, std::vector<double>> expected;
        std::istringstream lines(py.output);
        for (std::string line; std::getline(lines, line);) {
            std::istringstream f(line);
            std::string name;
            std::getline(f, name, '\t');
            std::vector<double> v;
            for (double x; f >> x;) v.push_back(x);
            expected[name] = v;
        }
        const auto stats = data::computeKernelStats(*run, span);
        REQUIRE(stats.size() == expected.size());
        double totalPercent = 0;
        for (const auto& s : stats) {
            INFO(s.displayName);
            const auto& e = expected.at(s.displayName);
            REQUIRE(double(s.instances) == e[0]);
            REQUIRE(double(s.total) == e[1]);
            REQUIRE(s.average == Approx(e[2]));
            REQUIRE(s.median == Approx(e[3]));
            REQUIRE(s.stddev == Approx(e[4]).margin(1e-6));
            REQUIRE(double(s.minimum) == e[5]);
            REQUIRE(double(s.maximum) == e[6]);
            totalPercent += s.percent;
        }
        REQUIRE(totalPercent == Approx(100.0));
        for (size_t i = 1; i < stats.size(); ++i) REQUIRE(stats[i - 1].total >= stats[i].total);
    };
    check(std::nullopt);
    const int64_t mid = (run->kernels.start_ns.front() + run->kernels.end_ns.back()) / 2;
    check(data::TimeSpan{mid - 2000000, mid + 3000000});
}

TEST_CASE("theoretical occupancy follows the device limits", "[gui][stats]") {
    data::Run run;
    const uint32_t gpu = run.addDevice("gpu", "H100");
    run.devices.max_threads_per_sm[gpu] = 2048;
    run.devices.registers_per_sm[gpu] = 65536;
    run.devices.shared_memory_per_sm[gpu] = 233472;
    const uint32_t cpu = run.addDevice("cpu", "Host");
    // 256 threads, 32 regs: 8 blocks x 8 warps = 64 warps: full occupancy.
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 256, 32, 0) == Approx(1.0));
    // 128 regs: 4096 regs per warp, 32768 per block -> 2 blocks = 16 of 64 warps.
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 256, 128, 0) == Approx(0.25));
    // 100 KiB shared per block -> 2 blocks of 8 warps.
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 256, 32, 100 * 1024) == Approx(0.25));
    // 32-thread blocks are capped by 32 blocks per SM: 32 of 64 warps.
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 32, 16, 0) == Approx(0.5));
    REQUIRE_FALSE(data::theoreticalOccupancy(run, cpu, 256, 32, 0).has_value());
    REQUIRE_FALSE(data::theoreticalOccupancy(run, 9, 256, 32, 0).has_value());
    // The block cap follows the compute capability: 16 on sm_86 (1536 threads), 24 on sm_89.
    run.devices.max_threads_per_sm[gpu] = 1536;
    run.devices.cc_major[gpu] = 8;
    run.devices.cc_minor[gpu] = 6;
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 32, 16, 0) == Approx(16.0 / 48));
    run.devices.cc_minor[gpu] = 9;
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 32, 16, 0) == Approx(24.0 / 48));
    run.devices.cc_major[gpu] = 7;
    run.devices.cc_minor[gpu] = 5;
    run.devices.max_threads_per_sm[gpu] = 1024;
    REQUIRE(*data::theoreticalOccupancy(run, gpu, 32, 16, 0) == Approx(16.0 / 32));
}

TEST_CASE("models pass QAbstractItemModelTester", "[gui][models]") {
    ks::test::ensureApp();
    auto run = ks::test::makeGuiRun(1200);
    KernelStatsModel kernels;
    QAbstractItemModelTester t1(&kernels, QAbstractItemModelTester::FailureReportingMode::Fatal);
    kernels.setStats(data::computeKernelStats(run));
    REQUIRE(kernels.rowCount() == 12);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&kernels);
    proxy.setSortRole(KernelStatsModel::SortRole);
    QAbstractItemModelTester t2(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    proxy.sort(KernelStatsModel::Average, Qt::AscendingOrder);
    for (int r = 1; r < proxy.rowCount(); ++r)
        REQUIRE(
            proxy.index(r - 1, KernelStatsModel::Average)
                .data(KernelStatsModel::SortRole)
                .toDouble() <=
            proxy.index(r, KernelStatsModel::Average).data(KernelStatsModel::SortRole).toDouble());
    proxy.setFilterKeyColumn(KernelStatsModel::Name);
    proxy.setFilterRegularExpression(QStringLiteral("relu"));
    REQUIRE(proxy.rowCount() > 0);
    REQUIRE(proxy.rowCount() < kernels.rowCount());
    kernels.setStats({});
    REQUIRE(proxy.rowCount() == 0);

    MemoryStatsModel memory;
    QAbstractItemModelTester t3(&memory, QAbstractItemModelTester::FailureReportingMode::Fatal);
    memory.setStats(data::computeCopyStats(run));
    REQUIRE(memory.rowCount() >= 2);
    uint64_t count = 0;
    for (const auto& s : memory.stats()) {
        count += s.count;
        REQUIRE(s.shareOfPeak.has_value()); // the synthetic device knows its bandwidth
        REQUIRE(s.peakGBps >= s.averageGBps * 0.999);
    }
    REQUIRE(count == run.memcpy.size());
}

namespace {

// A CSV cell for a number that is not known: an empty string, so pandas keeps the column numeric.
bool isMissingCell(const QVariant& v) {
    return v.typeId() == QMetaType::QString && v.toString().isEmpty();
}

QVariant at(const QAbstractItemModel& model, int row, int column, int role = Qt::DisplayRole) {
    return model.index(row, column).data(role);
}

} // namespace

TEST_CASE("stats tables: every column's text, sort value, CSV cell, tooltip and header",
          "[gui][models]") {
    ks::test::ensureApp();
    data::KernelStat known, unknown;
    unknown.name = 7;
    unknown.displayName = "gemm<float>";
    unknown.instances = 12345;
    unknown.total = 1'500'000;
    unknown.minimum = 1000;
    unknown.maximum = 500'000;
    unknown.average = 125'000.5;
    unknown.median = 2000;
    unknown.stddev = 300.25;
    unknown.percent = 42.26;
    unknown.gridX = 4;
    unknown.blockX = 128;
    unknown.blockY = 2;
    known = unknown;
    known.gridX = 0;
    known.registers = 32;
    known.sharedBytes = 4096;
    known.occupancy = 0.5;
    KernelStatsModel k;
    k.setStats({unknown, known});
    using K = KernelStatsModel;
    CHECK(at(k, 0, K::TimePercent).toString() == QStringLiteral("42.3"));
    CHECK(at(k, 0, K::TimePercent, ExportRole).toDouble() == 42.26);
    CHECK(at(k, 0, K::Total).toString() == formatDurationIn(1.5e6, DurationUnit::Auto));
    CHECK(at(k, 0, K::Total, K::SortRole).toLongLong() == 1'500'000);
    CHECK(at(k, 0, K::Total, Qt::ToolTipRole).toString() == exactNanoseconds(1.5e6));
    CHECK(at(k, 0, K::Instances).toString() == QLocale::c().toString(12345ull));
    CHECK(at(k, 0, K::Average, ExportRole).toDouble() == 125'000.5);
    CHECK(at(k, 0, K::Minimum, Qt::ToolTipRole).toString() == exactNanoseconds(1000));
    CHECK(at(k, 0, K::Instances, Qt::ToolTipRole).isNull());
    CHECK(at(k, 0, K::Name).toString() == QStringLiteral("gemm<float>"));
    CHECK(at(k, 0, K::Name, Qt::ToolTipRole).toString() == QStringLiteral("gemm<float>"));
    CHECK(at(k, 0, K::Name, Qt::TextAlignmentRole).toInt() ==
          int(Qt::AlignLeft | Qt::AlignVCenter));
    CHECK(at(k, 0, K::Total, Qt::TextAlignmentRole).toInt() ==
          int(Qt::AlignRight | Qt::AlignVCenter));
    CHECK(at(k, 0, K::Name, K::NameIdRole).toUInt() == 7);
    CHECK(at(k, 0, K::Grid).toString() == QStringLiteral("4×1×1"));
    CHECK(at(k, 0, K::Grid, ExportRole).toString() == QStringLiteral("4x1x1"));
    CHECK(at(k, 0, K::Block, K::SortRole).toULongLong() == 256);
    CHECK(at(k, 1, K::Grid).toString() == QStringLiteral("—"));
    CHECK(isMissingCell(at(k, 1, K::Grid, ExportRole)));
    CHECK(at(k, 0, K::Registers).toString() == QStringLiteral("—"));
    CHECK(isMissingCell(at(k, 0, K::Registers, ExportRole)));
    CHECK(at(k, 1, K::Registers).toString() == QStringLiteral("32"));
    CHECK(at(k, 1, K::Registers, ExportRole).toUInt() == 32);
    CHECK(at(k, 0, K::SharedMemory).toString() == QStringLiteral("0"));
    CHECK(at(k, 1, K::SharedMemory).toString() == QString::fromStdString(data::formatBytes(4096)));
    CHECK(at(k, 0, K::Occupancy).toString() == QStringLiteral("n/a"));
    CHECK(at(k, 0, K::Occupancy, K::SortRole).toDouble() == -1.0);
    CHECK(isMissingCell(at(k, 0, K::Occupancy, ExportRole)));
    CHECK(at(k, 0, K::Occupancy, Qt::ForegroundRole).isValid()); // grey
    CHECK(at(k, 1, K::Occupancy).toString() == QStringLiteral("50 %"));
    CHECK(at(k, 1, K::Occupancy, ExportRole).toDouble() == 50.0);
    CHECK_FALSE(at(k, 1, K::Occupancy, Qt::ForegroundRole).isValid());
    k.setDurationUnit(DurationUnit::Ms);
    CHECK(at(k, 0, K::Total).toString() == formatDurationIn(1.5e6, DurationUnit::Ms));
    CHECK(k.headerData(K::Total, Qt::Horizontal).toString() == QStringLiteral("Total (ms)"));
    CHECK(k.headerData(K::Instances, Qt::Horizontal).toString() == QStringLiteral("Instances"));
    CHECK(k.headerData(K::StdDev, Qt::Horizontal, ExportRole).toString() ==
          QStringLiteral("StdDev (ns)"));
    CHECK(k.headerData(K::Occupancy, Qt::Horizontal, Qt::ToolTipRole)
              .toString()
              .contains(QStringLiteral("Theoretical occupancy")));
    CHECK(k.headerData(K::Name, Qt::Horizontal, Qt::ToolTipRole).isNull());
    CHECK(k.headerData(K::ColumnCount, Qt::Horizontal).isNull());

    data::CopyStat copy;
    copy.kind = "HtoD";
    copy.count = 3;
    copy.bytes = 2048;
    copy.totalNs = 5000;
    copy.averageGBps = 1.234;
    copy.peakGBps = 2.5;
    data::CopyStat shared = copy;
    shared.shareOfPeak = 0.5;
    MemoryStatsModel m;
    m.setStats({copy, shared});
    using M = MemoryStatsModel;
    CHECK(at(m, 0, M::Kind).toString() == QStringLiteral("HtoD"));
    CHECK(at(m, 0, M::Kind, Qt::TextAlignmentRole).toInt() ==
          int(Qt::AlignLeft | Qt::AlignVCenter));
    CHECK(at(m, 0, M::Kind, Qt::ToolTipRole).isNull());
    CHECK(at(m, 0, M::Count).toString() == QStringLiteral("3"));
    CHECK(at(m, 0, M::Bytes).toString() == QString::fromStdString(data::formatBytes(2048.0)));
    CHECK(at(m, 0, M::Bytes, Qt::ToolTipRole).toString() ==
          QStringLiteral("%L1 bytes").arg(2048ull));
    CHECK(at(m, 0, M::Bytes, ExportRole).toULongLong() == 2048);
    CHECK(at(m, 0, M::TotalTime).toString() == formatDurationIn(5000, DurationUnit::Auto));
    CHECK(at(m, 0, M::TotalTime, Qt::ToolTipRole).toString() == exactNanoseconds(5000));
    CHECK(at(m, 0, M::AverageGBps).toString() == QStringLiteral("1.23"));
    CHECK(at(m, 0, M::PeakGBps).toString() == QStringLiteral("2.50"));
    CHECK(at(m, 0, M::ShareOfPeak).toString() == QStringLiteral("n/a"));
    CHECK(at(m, 0, M::ShareOfPeak, M::SortRole).toDouble() == -1.0);
    CHECK(isMissingCell(at(m, 0, M::ShareOfPeak, ExportRole)));
    CHECK(at(m, 1, M::ShareOfPeak).toString() == QStringLiteral("50.0 %"));
    CHECK(at(m, 1, M::ShareOfPeak, ExportRole).toDouble() == 50.0);
    CHECK_FALSE(at(m, 0, M::ShareOfPeak, Qt::ForegroundRole).isValid());
    m.setDurationUnit(DurationUnit::Us);
    CHECK(m.headerData(M::TotalTime, Qt::Horizontal).toString() ==
          QStringLiteral("Total Time (µs)"));
    CHECK(m.headerData(M::TotalTime, Qt::Horizontal, ExportRole).toString() ==
          QStringLiteral("Total Time (ns)"));
    CHECK(m.headerData(M::Bytes, Qt::Horizontal, ExportRole).toString() ==
          QStringLiteral("Total Bytes (B)"));
    CHECK_FALSE(m.headerData(M::ShareOfPeak, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
}

TEST_CASE("a fixture run opens and every page populates", "[gui][window]") {
    ks::test::ensureApp();
    QSettings().clear();
    const std::string dir = ks::test::scratchDir("gui_window");
    const QString path = QString::fromStdString(ks::test::writeGuiRun(dir));
    OpenWindow w(path);
    MainWindow& win = w.window;
    const auto& run = *win.current().run;

    REQUIRE(win.summaryPage()->html().contains(QStringLiteral("fixture.ksr.h5")));
    REQUIRE(win.summaryPage()->html().contains(QStringLiteral("Top kernels")));
    REQUIRE(win.timelinePage()->view()->data() != nullptr);
    REQUIRE(win.timelinePage()->view()->data()->eventCount() > run.kernels.size());
    REQUIRE(win.kernelsPage()->model()->rowCount() == 12);
    REQUIRE(win.memoryPage()->model()->rowCount() >= 2);
    REQUIRE(win.flamePage()->view()->tree() != nullptr);
    REQUIRE(win.flamePage()->view()->tree()->node(0).total > 0);
    REQUIRE(win.tensorsPage()->pairCount() == int(run.tensors.size()));
    REQUIRE(win.recentFiles().value(0) == QFileInfo(path).absoluteFilePath());
    // Every page can be shown and painted.
    for (int i = 0; i < win.tabs()->count(); ++i) {
        win.tabs()->setCurrentIndex(i);
        REQUIRE(!win.grab().isNull());
    }

    SECTION("a timeline span filters the tables; clearing it restores them") {
        const auto& k = run.kernels;
        const int64_t b = k.start_ns[100], e = k.start_ns[300];
        win.timelinePage()->view()->setSpan(std::make_pair(b, e));
        REQUIRE(ks::test::waitUntil([&] { return !win.kernelsPage()->computing(); }));
        uint64_t instances = 0;
        for (const auto& s : win.kernelsPage()->model()->stats()) instances += s.instances;
        uint64_t expected = 0;
        for (size_t i = 0; i < k.size(); ++i) expected += k.start_ns[i] < e && k.end_ns[i] > b;
        REQUIRE(instances == expected);
        win.timelinePage()->view()->setSpan(std::nullopt);
        REQUIRE(ks::test::waitUntil([&] { return !win.kernelsPage()->computing(); }));
        instances = 0;
        for (const auto& s : win.kernelsPage()->model()->stats()) instances += s.instances;
        REQUIRE(instances == k.size());
    }

    SECTION("choosing a kernel row highlights it; double-click shows its instances") {
        auto* view = win.kernelsPage()->view();
        view->selectRow(0);
        const uint32_t name =
            view->model()->index(0, 0).data(KernelStatsModel::NameIdRole).toUInt();
        emit win.kernelsPage()->kernelActivated(name);
        REQUIRE(win.tabs()->currentWidget() == win.timelinePage());
        const auto sel = win.timelinePage()->view()->selectedEvent();
        REQUIRE(sel.has_value());
        const auto& row = win.timelinePage()->view()->data()->rows()[sel->first];
        REQUIRE(row.name[sel->second] == name);
    }

    SECTION("CSV export of the kernel table is valid CSV with every row") {
        const QString csv = QString::fromStdString(dir + "/kernels.csv");
        QString error;
        REQUIRE(win.kernelsPage()->exportCsv(csv, &error));
        std::ifstream in(csv.toStdString());
        std::string line;
        std::getline(in, line);
        const auto header = splitCsvLine(line);
        REQUIRE(header.size() == size_t(KernelStatsModel::ColumnCount));
        REQUIRE(header[0] == "Time (%)");
        REQUIRE(header[8] == "Name");
        int rows = 0;
        while (std::getline(in, line)) {
            REQUIRE(splitCsvLine(line).size() == header.size());
            ++rows;
        }
        REQUIRE(rows == win.kernelsPage()->model()->rowCount());
        REQUIRE(win.memoryPage()->exportCsv(QString::fromStdString(dir + "/memory.csv"), &error));
        // An unwritable path is an error naming the file, not a crash.
        REQUIRE_FALSE(
            win.kernelsPage()->exportCsv(QStringLiteral("/nonexistent/dir/k.csv"), &error));
        REQUIRE(error.contains(QStringLiteral("/nonexistent/dir/k.csv")));
    }

    SECTION("flame graph exports valid PNG and SVG") {
        QString error;
        const QString png = QString::fromStdString(dir + "/flame.png");
        const QString svg = QString::fromStdString(dir + "/flame.svg");
        REQUIRE(win.flamePage()->exportImage(png, &error));
        QImage image(png);
        REQUIRE(!image.isNull());
        REQUIRE(image.width() == 1600);
        REQUIRE(win.flamePage()->exportImage(svg, &error));
        QFile f(svg);
        REQUIRE(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        REQUIRE(text.contains("<svg"));
        REQUIRE(text.contains("</svg>"));
        REQUIRE(text.contains("forward"));
    }
}

TEST_CASE("a bad file gives an error and the window stays usable", "[gui][window]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_bad");
    const std::string bad = dir + "/broken.ksr.h5";
    std::ofstream(bad) << "this is not an HDF5 file";
    MainWindow win;
    win.setInteractive(false);
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.openRun(QString::fromStdString(bad));
    REQUIRE(ks::test::waitUntil([&] { return !win.lastError().isEmpty(); }));
    REQUIRE(win.lastError().contains(QStringLiteral("broken.ksr.h5")));
    REQUIRE_FALSE(shown);
    win.openRun(QString::fromStdString(dir + "/missing.ksr.h5"));
    REQUIRE(ks::test::waitUntil(
        [&] { return win.lastError().contains(QStringLiteral("missing.ksr.h5")); }));
    // Still usable: a good file opens afterwards.
    const std::string good = ks::test::writeGuiRun(dir, 400);
    win.openRun(QString::fromStdString(good));
    REQUIRE(ks::test::waitUntil([&] { return shown; }));
    REQUIRE(win.kernelsPage()->view()->model() != nullptr);
    REQUIRE(ks::test::waitUntil([&] { return win.kernelsPage()->model()->rowCount() > 0; }));
}

TEST_CASE("a cancelled or superseded load is dropped", "[gui][window]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_cancel");
    // Big enough that reading it takes far longer than the cancel that follows.
    const std::string big = ks::test::writeGuiRun(dir, 200000);
    const std::string smallDir = ks::test::scratchDir("gui_cancel_small");
    const std::string small = ks::test::writeGuiRun(smallDir, 300);
    MainWindow win;
    win.setInteractive(false);
    int shown = 0;
    QObject::connect(&win, &MainWindow::runShown, [&] { ++shown; });
    win.openRun(QString::fromStdString(big));
    REQUIRE(win.loader()->busy());
    win.loader()->cancel();
    REQUIRE_FALSE(win.loader()->busy());
    ks::test::waitUntil([] { return false; }, 3000); // the worker finishes; its result is dropped
    REQUIRE(shown == 0);
    REQUIRE(win.current().run == nullptr);

    // A second open supersedes the first: only the second run is shown.
    win.openRun(QString::fromStdString(big));
    win.openRun(QString::fromStdString(small));
    REQUIRE(ks::test::waitUntil([&] { return shown > 0; }));
    ks::test::waitUntil([] { return false; }, 3000);
    REQUIRE(shown == 1);
    REQUIRE(win.current().path == QString::fromStdString(small));
}

TEST_CASE("flame graphs from ranges, samples and folded stacks", "[gui][flame]") {
    data::Run run;
    auto range = [&](int64_t s, int64_t e, uint32_t thread, uint32_t depth, const char* name) {
        run.ranges.start_ns.push_back(s);
        run.ranges.end_ns.push_back(e);
        run.ranges.thread.push_back(thread);
        run.ranges.depth.push_back(depth);
        run.ranges.name.push_back(run.strings.intern(name));
        run.ranges.category.push_back(0);
    };
    range(0, 100, 1, 0, "step");
    range(0, 40, 1, 1, "forward");
    range(50, 90, 1, 1, "backward");
    range(200, 300, 1, 0, "step");
    range(210, 260, 1, 1, "forward");
    range(0, 10, 2, 0, "io");
    const FlameTree all = flameFromRanges(run);
    REQUIRE(all.node(0).total == 210);
    const uint32_t step = 1; // first child added
    REQUIRE(all.node(step).name == "step");
    REQUIRE(all.node(step).total == 200);
    double forward = 0, backward = 0;
    for (uint32_t c : all.node(step).children) {
        if (all.node(c).name == "forward") forward = all.node(c).total;
        if (all.node(c).name == "backward") backward = all.node(c).total;
    }
    REQUIRE(forward == 90);
    REQUIRE(backward == 40);
    REQUIRE(all.node(step).self == 70);
    REQUIRE(flameFromRanges(run, 2u).node(0).total == 10);
    // Numbered names merge on request: "step 1" and "step 2" become one "step #" frame.
    REQUIRE(withoutNumbers("step 12 / 40") == "step # / #");
    REQUIRE(withoutNumbers("fc1") == "fc1"); // layer names are not merged
    REQUIRE(withoutNumbers("layer.3.conv2d") == "layer.#.conv2d");
    data::Run numbered = run;
    numbered.ranges.name[0] = numbered.strings.intern("step 1");
    numbered.ranges.name[3] = numbered.strings.intern("step 2");
    REQUIRE(flameFromRanges(numbered).node(0).children.size() == 3); // step 1, step 2, io
    const FlameTree merged = flameFromRanges(numbered, std::nullopt, true);
    REQUIRE(merged.node(0).children.size() == 2);
    REQUIRE(merged.node(merged.node(0).children[0]).name == "io");
    REQUIRE(merged.node(merged.node(0).children[1]).total == 200);

    size_t bad = 0;
    const FlameTree folded = flameFromFolded("main;a;b 3\nmain;a 2\nmain;c 5\nnot a line\n", &bad);
    REQUIRE(bad == 1);
    REQUIRE(folded.node(0).total == 10);
    REQUIRE(folded.node(1).name == "main");
    REQUIRE(folded.node(1).total == 10);
    const auto path = folded.pathTo(3); // main;a;b
    REQUIRE(path.size() == 4);
    REQUIRE(folded.node(3).self == 3);

    auto sampled = ks::test::makeGuiRun(50);
    const FlameTree samples = flameFromSamples(sampled);
    REQUIRE(samples.node(0).total == 100);
    REQUIRE(samples.unit == "samples");
    REQUIRE(frameModule("forward (libtrain.so)") == "libtrain.so");
    REQUIRE(frameModule("std::vector::push") == "std");
}

TEST_CASE("File > Import reads folded stacks into the flame graph", "[gui][window]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_import");
    const std::string folded = dir + "/profile.folded";
    std::ofstream(folded) << "main;parse;tokenize 30\nmain;parse 10\nmain;render 60\n";
    MainWindow win;
    win.setInteractive(false);
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.importProfile(QString::fromStdString(folded));
    REQUIRE(ks::test::waitUntil([&] { return shown || !win.lastError().isEmpty(); }));
    REQUIRE(win.lastError().toStdString() == "");
    REQUIRE(win.tabs()->currentWidget() == win.flamePage());
    REQUIRE(ks::test::waitUntil([&] { return !win.flamePage()->building(); }));
    REQUIRE(win.flamePage()->view()->tree()->node(0).total == 100);
    REQUIRE(win.flamePage()->view()->setSearch(QStringLiteral("pars")) == 1);

    const std::string junk = dir + "/junk.txt";
    std::ofstream(junk) << "\x01\x02 nothing useful\n";
    win.importProfile(QString::fromStdString(junk));
    REQUIRE(ks::test::waitUntil([&] { return !win.lastError().isEmpty(); }));
    REQUIRE(win.lastError().contains(QStringLiteral("junk.txt")));
}

TEST_CASE("record progress is parsed from the engine's output", "[gui][record]") {
    REQUIRE(RecordDialog::parseProgress(QStringLiteral("step 50/200 loss 0.31")) == 25);
    REQUIRE(RecordDialog::parseProgress(QStringLiteral("[ 40%] training")) == 40);
    REQUIRE(RecordDialog::parseProgress(QStringLiteral("Step 200 / 200")) == 100);
    REQUIRE(RecordDialog::parseProgress(
                QStringLiteral("\r[###.....] 30/120 steps  loss 0.1  2.0 s")) == 25);
    REQUIRE(RecordDialog::parseProgress(QStringLiteral("writing run file")) == -1);
}

TEST_CASE("File > Import opens an Nsight Systems export", "[gui][window][nsys]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_nsys");
    const std::string db = dir + "/capture.sqlite";
    const auto made = ks::test::runPython("data/check_nsys_malformed.py", {"--make", db});
    REQUIRE(made.exitCode == 0);
    MainWindow win;
    win.setInteractive(false);
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.importProfile(QString::fromStdString(db));
    REQUIRE(ks::test::waitUntil([&] { return shown || !win.lastError().isEmpty(); }));
    REQUIRE(win.lastError().toStdString() == "");
    const auto& run = *win.current().run;
    REQUIRE(run.kernels.size() == 2);
    REQUIRE(run.api.size() == 3);
    REQUIRE(win.timelinePage()->view()->data()->eventCount() >= 2 + 1 + 3 + 2);
    REQUIRE(ks::test::waitUntil([&] { return !win.kernelsPage()->computing(); }));
    REQUIRE(win.kernelsPage()->model()->rowCount() == 1);
    REQUIRE(win.kernelsPage()->model()->stats()[0].displayName == "void gemm<float>(int)");
    REQUIRE(win.kernelsPage()->model()->stats()[0].instances == 2);
    for (int i = 0; i < win.tabs()->count(); ++i) {
        win.tabs()->setCurrentIndex(i);
        REQUIRE(!win.grab().isNull());
    }

    // File > Open of the same export imports it too.
    shown = false;
    win.openRun(QString::fromStdString(db));
    REQUIRE(ks::test::waitUntil([&] { return shown || !win.lastError().isEmpty(); }));
    REQUIRE(win.lastError().toStdString() == "");
    REQUIRE(win.current().run->kernels.size() == 2);
}
