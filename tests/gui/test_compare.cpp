// The comparison window, headless: B is the fixture run with one kernel made 50 % slower (by
// editing its columns), A the fixture itself. Every page gets the right content, the hover text
// of the differential flame graph shows both values, timelines share the zoom, exports work.
#include "GuiFixture.h"
#include "TestSupport.h"
#include "data/RunFile.h"
#include "gui/app/CompareWindow.h"
#include "gui/app/TensorsPage.h"
#include "gui/app/TimelineView.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ks::gui;

namespace {

struct Pair {
    std::string a, b, slowKernel;
};

Pair writePair(const std::string& dir) {
    Pair p;
    ks::data::Run a = ks::test::makeGuiRun(3000);
    ks::data::Run b = a;
    const uint32_t slow = b.kernels.name[0];
    p.slowKernel = std::string(b.strings.get(slow));
    for (size_t i = 0; i < b.kernels.size(); ++i)
        if (b.kernels.name[i] == slow)
            b.kernels.end_ns[i] += (b.kernels.end_ns[i] - b.kernels.start_ns[i]) / 2;
    // B's ranges: the first range 30 % longer, so the flame graph has a change to show.
    b.ranges.end_ns[0] += (b.ranges.end_ns[0] - b.ranges.start_ns[0]) * 3 / 10;
    p.a = dir + "/a.ksr.h5";
    p.b = dir + "/b.ksr.h5";
    REQUIRE(ks::data::writeRun(a, p.a).ok());
    REQUIRE(ks::data::writeRun(b, p.b).ok());
    return p;
}

} // namespace

TEST_CASE("the comparison window shows the diff on every page and exports it", "[gui][compare]") {
    ks::test::ensureApp();
    const std::string dir = ks::test::scratchDir("gui_compare");
    const Pair pair = writePair(dir);
    QString error;
    std::unique_ptr<CompareWindow> w(CompareWindow::open(
        QString::fromStdString(pair.a), QString::fromStdString(pair.b), nullptr, &error));
    INFO(error.toStdString());
    REQUIRE(w);
    w->setAttribute(Qt::WA_DeleteOnClose, false);
    w->resize(1400, 900); // not shown: showing a top-level window crashes offscreen Qt 6.4 at exit

    // Kernels: the slowed kernel is the first row (largest |Δ total|), marked slower.
    const auto* model = w->kernelModel();
    REQUIRE(model->rowCount() > 1);
    const ks::data::DiffRow* top = model->rowAt(0);
    REQUIRE(top->name == pair.slowKernel);
    REQUIRE(top->change == ks::data::DiffRow::Slower);
    REQUIRE(model->data(model->index(0, DiffTableModel::Change), Qt::DisplayRole).toString() ==
            "slower");
    REQUIRE(model->data(model->index(0, DiffTableModel::Name), Qt::DisplayRole).toString() ==
            QString::fromStdString(pair.slowKernel));
    for (int r = 1; r < model->rowCount(); ++r) REQUIRE(model->rowAt(r)->deltaTotal == 0);
    REQUIRE(w->diff().kernels.slower() == 1);

    // Summary names the regression.
    REQUIRE(w->summary()->toPlainText().contains(QString::fromStdString(pair.slowKernel)));
    REQUIRE(w->summary()->toPlainText().contains("1 slower"));

    // Differential flame graph: B's tree with A's values; the hover text shows both.
    FlameView* flame = w->flameView();
    REQUIRE(flame->diff());
    const auto* d = flame->diff();
    uint32_t changed = 0;
    for (uint32_t i = 1; i < d->tree.size(); ++i)
        if (d->delta(i) > 0 &&
            (changed == 0 || d->tree.node(i).depth < d->tree.node(changed).depth))
            changed = i;
    REQUIRE(changed != 0);
    const QString hover = flame->describe(changed);
    REQUIRE(hover.contains("A total"));
    REQUIRE(hover.contains("B total"));
    const double a = d->baseline[changed], b = d->tree.node(changed).total;
    REQUIRE(b > a);
    REQUIRE(hover.contains(QStringLiteral("+%1 %").arg(100 * (b - a) / a, 0, 'f', 1)));

    // Timelines share the zoom: changing A's view moves B's by the same scale.
    w->tabs()->setCurrentIndex(CompareWindow::Timeline);
    QCoreApplication::processEvents();
    w->timelineA()->setView(w->timelineA()->viewStart() + 1000, 50.0);
    REQUIRE(w->timelineB()->nsPerPx() == Approx(50.0));
    REQUIRE(w->timelineB()->viewStart() - w->timelineA()->viewStart() ==
            Approx(double(w->timelineB()->data()->begin() - w->timelineA()->data()->begin()))
                .margin(1));

    // Exports: the kernel CSV is the CLI's CSV; the flame graph as SVG and PNG.
    QString exportError;
    const QString csv = QString::fromStdString(dir + "/kernels.csv");
    REQUIRE(w->exportTableCsv(CompareWindow::Kernels, csv, &exportError));
    std::ifstream in(csv.toStdString());
    std::stringstream text;
    text << in.rdbuf();
    REQUIRE(text.str() == ks::data::diffTableCsv(w->diff().kernels));
    const auto cli =
        ks::test::runCli({"diff", pair.a, pair.b, "--report", "kernels", "--format", "csv"});
    REQUIRE(cli.output.find(text.str()) != std::string::npos); // and a regression line
    for (const char* name : {"/flame.svg", "/flame.png"}) {
        const QString path = QString::fromStdString(dir + name);
        REQUIRE(w->exportFlame(path, &exportError));
        REQUIRE(std::filesystem::file_size(path.toStdString()) > 1000);
    }
    REQUIRE(w->exportTimelinePng(QString::fromStdString(dir + "/timeline.png"), &exportError));
    REQUIRE_FALSE(w->exportTableCsv(CompareWindow::Flame, csv, &exportError));

    // Both runs hold the fixture's tensor: B's tensors are compared against A's.
    REQUIRE(w->tabs()->isTabEnabled(CompareWindow::Tensors));
    REQUIRE(ks::test::waitUntil([&] { return w->tensorsPage()->pairCount() > 0; }));
}

TEST_CASE("comparing with a missing file fails with one line naming it", "[gui][compare]") {
    ks::test::ensureApp();
    QString error;
    auto* w =
        CompareWindow::open("/nonexistent/a.ksr.h5", "/nonexistent/b.ksr.h5", nullptr, &error);
    REQUIRE(w == nullptr);
    REQUIRE(error.contains("/nonexistent/a.ksr.h5"));
}
