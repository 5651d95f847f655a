// Tensors / Diff page: max-pooled error grids against NumPy, the pair list, tolerances, exports.
#include "GuiFixture.h"
#include "TestSupport.h"
#include "data/reference/ReferenceReader.h"
#include "gui/app/MainWindow.h"
#include "gui/app/PairListModel.h"
#include "gui/app/TensorsPage.h"

#include <catch2/catch.hpp>

#include <QAbstractItemModelTester>
#include <QFile>
#include <QFileInfo>
#include <QImage>

#include <fstream>
#include <qcustomplot.h>

using namespace ks;
using namespace ks::gui;

namespace {

data::Tensor npy(const std::string& path) {
    auto r = data::readNpyFile(path);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    return r->front();
}

void requireGrid(const data::compare::ErrorGrid& g, const data::Tensor& expected) {
    REQUIRE(expected.shape.size() == 2);
    REQUIRE(g.height == expected.shape[0]);
    REQUIRE(g.width == expected.shape[1]);
    for (int64_t i = 0; i < expected.numel(); ++i)
        REQUIRE(g.values[size_t(i)] == Approx(expected.valueAt(i)).epsilon(1e-9));
}

} // namespace

TEST_CASE("error grids are max-pooled like NumPy's block maximum", "[gui][diff]") {
    const std::string dir = ks::test::scratchDir("gui_diff_grid");
    REQUIRE(ks::test::runPython("gui/diff_fixture.py", {dir}).exitCode == 0);
    const data::Tensor run = npy(dir + "/run3d.npy"), ref = npy(dir + "/ref3d.npy");
    const auto abs = pairErrorGrid(run, ref, ErrorKind::Abs, -1, 0, 7, 15);
    REQUIRE(abs.blockRows == 8);
    REQUIRE(abs.blockCols == 8);
    requireGrid(abs, npy(dir + "/grid_abs.npy"));
    // The worst element (0.5 at [2, 17, 41] -> folded row 77, col 41) survives the pooling.
    REQUIRE(abs.values[size_t(77 / 8) * size_t(abs.width) + 41 / 8] == Approx(abs.maxFinite));
    requireGrid(pairErrorGrid(run, ref, ErrorKind::Rel, -1, 0, 7, 15), npy(dir + "/grid_rel.npy"));
    requireGrid(pairErrorGrid(run, ref, ErrorKind::Abs, 1, 17, 1024, 1024),
                npy(dir + "/grid_slice.npy"));
    // Identical tensors have a zero ULP grid.
    const auto same = pairErrorGrid(run, run, ErrorKind::Ulp, -1, 0, 64, 64);
    for (double v : same.values) REQUIRE(v == 0.0);
}

TEST_CASE("the diff page compares a run with a reference file", "[gui][diff][window]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_diff_page");
    REQUIRE(ks::test::runPython("gui/diff_fixture.py", {dir}).exitCode == 0);
    const std::string runPath = ks::test::writeGuiRun(dir, 300);
    MainWindow win;
    win.setInteractive(false);
    bool shown = false;
    QObject::connect(&win, &MainWindow::runShown, [&] { shown = true; });
    win.openRun(QString::fromStdString(runPath));
    REQUIRE(ks::test::waitUntil([&] { return shown; }));
    TensorsPage* page = win.tensorsPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(page->pairCount() == 2); // run tensors listed before a reference is opened

    page->openReference(QString::fromStdString(dir + "/reference.npz"));
    REQUIRE(ks::test::waitUntil([&] { return !page->busy() && page->model()->report(); }));
    const auto* report = page->model()->report();
    REQUIRE(report->pairs.size() == 2);
    REQUIRE(report->pairs[0].passed());
    REQUIRE_FALSE(report->pairs[1].passed());
    REQUIRE(report->firstDivergence == 1);
    REQUIRE(page->selectedPair() == 1); // the first divergence is selected
    REQUIRE(page->heatmap()->plottableCount() > 0);
    REQUIRE(page->model()
                ->index(1, PairListModel::Status)
                .data()
                .toString()
                .contains(QStringLiteral("first divergence")));

    // Exports: the same renderer as the CLI report.
    QString error;
    REQUIRE(page->exportHeatmap(QString::fromStdString(dir + "/heatmap.png"), &error));
    REQUIRE(!QImage(QString::fromStdString(dir + "/heatmap.png")).isNull());
    REQUIRE(page->exportHistogram(QString::fromStdString(dir + "/histogram.svg"), &error));
    QFile svg(QString::fromStdString(dir + "/histogram.svg"));
    REQUIRE(svg.open(QIODevice::ReadOnly));
    REQUIRE(svg.readAll().contains("<svg"));
    REQUIRE(page->exportSummaryCsv(QString::fromStdString(dir + "/summary.csv"), &error));
    REQUIRE(page->exportWorstCsv(QString::fromStdString(dir + "/worst.csv"), &error));
    REQUIRE(QFileInfo(QString::fromStdString(dir + "/summary.csv")).size() > 0);
    page->centerOn(2); // the failing element of fc2: heatmap centred on column 2
    REQUIRE(page->heatmap()->xAxis->range().center() == Approx(2.0));

    // A looser tolerance re-evaluates immediately: everything passes.
    page->setTolerance(0.0, 2.0);
    REQUIRE(
        ks::test::waitUntil([&] { return !page->busy() && page->model()->report()->allPassed(); }));

    // A bad reference file is an error naming it; the page stays usable.
    const std::string bad = dir + "/bad.npy";
    std::ofstream(bad) << "\x93NUMPY garbage";
    page->openReference(QString::fromStdString(bad));
    REQUIRE(ks::test::waitUntil([&] { return !page->busy(); }));
    REQUIRE(page->lastError().contains(QStringLiteral("bad.npy")));
    REQUIRE(page->model()->report() != nullptr);
}
