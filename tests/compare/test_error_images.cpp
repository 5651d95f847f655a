// The error heatmap and histogram renderer (gui/render/ErrorImages), offscreen: the same plots
// the window's diff page draws, saved as PNG, SVG and PDF.
#ifdef KS_HAVE_RENDER
#include "TestSupport.h"

#include "gui/render/ErrorImages.h"

#include <QApplication>
#include <QImage>
#include <catch2/catch.hpp>
#include <qcustomplot.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace ks::data::compare;

namespace {

QApplication& app() {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM") && !qEnvironmentVariableIsSet("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "test_compare";
    static char* argv[] = {name, nullptr};
    static QApplication a(argc, argv);
    return a;
}

std::string head(const std::string& path, size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::string s(n, '\0');
    in.read(s.data(), std::streamsize(n));
    return s;
}

} // namespace

TEST_CASE("error heatmap and histogram render offscreen", "[compare][render]") {
    app();
    // 300 x 500 folded tensor, one bad element: downsampled to 100 x 250 pixels by max.
    std::vector<float> a(300 * 500), r(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        r[i] = float(i % 97) * 0.01f;
        a[i] = r[i] + float((i * 7919) % 13) * 1e-7f;
    }
    a[123 * 500 + 321] += 0.5f;
    const ks::data::Tensor ta = ks::data::makeF32Tensor("x", {3, 100, 500}, a);
    const ks::data::Tensor tr = ks::data::makeF32Tensor("x", {3, 100, 500}, r);
    const ErrorGrid grid = errorHeatmap(viewOf(ta), viewOf(tr), ta.shape, 250, 100);
    REQUIRE(grid.width == 250);
    REQUIRE(grid.height == 100);
    MetricOptions mo;
    mo.tolerance = {1.3e-6, 1e-5};
    const Metrics m = computeMetrics(ta, tr, mo);

    const std::string dir = ks::test::scratchDir("error_images");
    for (const char* ext : {"png", "svg", "pdf"}) {
        const std::string heat = dir + "/heat." + ext, hist = dir + "/hist." + ext;
        auto s1 = ks::gui::saveErrorHeatmap(grid, "x", QString::fromStdString(heat));
        auto s2 = ks::gui::saveErrorHistogram(m.histogram, "x", QString::fromStdString(hist), 1e-5);
        INFO(s1.message() << s2.message());
        REQUIRE(s1.ok());
        REQUIRE(s2.ok());
        CHECK(std::filesystem::file_size(heat) > 1000);
        CHECK(std::filesystem::file_size(hist) > 1000);
    }
    CHECK(head(dir + "/heat.png", 4).substr(1) == "PNG");
    CHECK(head(dir + "/heat.pdf", 4) == "%PDF");
    CHECK(head(dir + "/heat.svg", 200).find("<svg") != std::string::npos);

    // The bad element's block is drawn in the hottest colour, the rest are not.
    const QImage img(QString::fromStdString(dir + "/heat.png"));
    REQUIRE(!img.isNull());
    QCustomPlot plot;
    plot.resize(900, 700);
    ks::gui::drawErrorHeatmap(&plot, grid, "x");
    auto* map = qobject_cast<QCPColorMap*>(plot.plottable(0));
    REQUIRE(map != nullptr);
    CHECK(map->colorScale()->dataScaleType() == QCPAxis::stLogarithmic);
    CHECK(map->data()->cell(321 / 2, 123 / 3) == grid.maxFinite);
    CHECK(grid.maxFinite == Approx(0.5).epsilon(1e-4));
    CHECK(map->dataRange().upper == grid.maxFinite);

    auto bad = ks::gui::saveErrorHeatmap(grid, "x", QString::fromStdString(dir + "/heat.bmpx"));
    CHECK_FALSE(bad.ok());
    CHECK_THAT(bad.message(), Catch::Contains("unknown image format"));
}
#endif
