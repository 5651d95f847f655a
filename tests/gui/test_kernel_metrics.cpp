// The Kernels page's Nsight Compute panel: the metrics of the selected kernel (matched launches by
// kernel name, unmatched rows by ncu's own name), rules marked, numbers sorting as numbers; hidden
// for runs without metrics; every row of a real ncu CSV when it is opened alone.
#include "GuiFixture.h"
#include "TestSupport.h"

#include "data/import/Importers.h"
#include "gui/app/KernelMetricsPanel.h"
#include "gui/app/KernelsPage.h"

#include <catch2/catch.hpp>

#include <QTableWidget>

#include <cmath>
#include <filesystem>

using namespace ks;
using namespace ks::gui;

namespace {

std::shared_ptr<data::Run> runWithMetrics() {
    auto run = std::make_shared<data::Run>();
    const uint32_t gpu = run->addDevice("gpu", "H100");
    const uint32_t a = run->strings.intern("gemm_a"), b = run->strings.intern("gemm_b");
    for (uint32_t name : {a, b}) {
        run->kernels.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        run->kernels.device.back() = gpu;
        run->kernels.name.back() = name;
        run->kernels.start_ns.back() = 100 * run->kernels.size();
        run->kernels.end_ns.back() = run->kernels.start_ns.back() + 50;
    }
    auto& m = run->kernelMetrics;
    auto add = [&](uint32_t kernelRow, uint32_t ncuName, const char* metric, double value,
                   const char* text, uint8_t kind) {
        m.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        m.kernel.back() = kernelRow;
        m.launch.back() = uint32_t(m.size() - 1);
        m.kernel_name.back() = ncuName;
        m.section.back() = run->strings.intern("Speed Of Light");
        m.metric.back() = run->strings.intern(metric);
        m.unit.back() = run->strings.intern(kind ? "" : "%");
        m.value.back() = value;
        m.text.back() = run->strings.intern(text);
        m.kind.back() = kind;
    };
    const double nan = std::nan("");
    add(0, a, "Compute (SM) Throughput", 9.5, "9.5", 0);
    add(0, a, "Memory Throughput", 85.25, "85.25", 0);
    add(0, a, "SOLBottleneck", nan, "Memory is more heavily utilized than Compute", 1);
    add(1, b, "Compute (SM) Throughput", 70, "70", 0);
    add(1, b, "Memory Throughput", 100, "100", 0);
    add(data::kNoKernel, run->strings.intern("gemm_a"), "Duration", 12.5, "12.5", 0);
    return run;
}

QString cell(const QTableWidget* t, int row, int column) {
    return t->item(row, column) ? t->item(row, column)->text() : QString();
}

} // namespace

TEST_CASE("the metrics panel shows the selected kernel's ncu metrics", "[gui][metrics]") {
    ks::test::ensureApp();
    KernelMetricsPanel panel;
    panel.setRun(runWithMetrics());
    CHECK_FALSE(panel.isHidden());
    const QTableWidget* t = panel.table();
    CHECK(t->rowCount() == 6); // nothing selected: every row

    const auto run = runWithMetrics();
    panel.setRun(run);
    panel.showKernel(run->kernels.name[0]);
    REQUIRE(t->rowCount() == 4); // three matched launches' rows and the unmatched "gemm_a" one
    QStringList metrics;
    for (int r = 0; r < t->rowCount(); ++r) metrics << cell(t, r, 2);
    CHECK(metrics.contains("Rule: SOLBottleneck"));
    CHECK(metrics.contains("Duration"));
    for (int r = 0; r < t->rowCount(); ++r)
        if (cell(t, r, 2) == "Rule: SOLBottleneck")
            CHECK(cell(t, r, 3) == "Memory is more heavily utilized than Compute");

    panel.showKernel(run->kernels.name[1]);
    REQUIRE(t->rowCount() == 2);
    // Values sort as numbers: as text "100" would come before "70".
    const_cast<QTableWidget*>(t)->sortByColumn(3, Qt::AscendingOrder);
    CHECK(cell(t, 0, 3) == "70");
    CHECK(cell(t, 1, 3) == "100");

    panel.setRun(std::make_shared<data::Run>());
    CHECK(panel.isHidden());
    CHECK(t->rowCount() == 0);
}

TEST_CASE("selecting a kernel on the Kernels page filters its metrics", "[gui][metrics]") {
    ks::test::ensureApp();
    KernelsPage page;
    LoadedRun loaded;
    loaded.run = runWithMetrics();
    page.setRun(loaded);
    REQUIRE(ks::test::waitUntil([&] { return !page.computing(); }));
    REQUIRE(page.model()->rowCount() == 2);
    REQUIRE(page.selectKernel(QStringLiteral("gemm_b")));
    CHECK(page.metricsPanel()->table()->rowCount() == 2);
    REQUIRE(page.selectKernel(QStringLiteral("gemm_a")));
    CHECK(page.metricsPanel()->table()->rowCount() == 4);
    CHECK_FALSE(page.view()->isHidden());

    // Metrics without timed kernels (an ncu CSV alone): the empty kernel table makes way.
    auto metricsOnly = runWithMetrics();
    metricsOnly->kernels = {};
    loaded.run = metricsOnly;
    page.setRun(loaded);
    REQUIRE(ks::test::waitUntil([&] { return !page.computing(); }));
    CHECK(page.view()->isHidden());
    CHECK(page.metricsPanel()->table()->rowCount() == 6);
}

TEST_CASE("a real Nsight Compute CSV opened alone lists every metric row", "[gui][metrics]") {
    const std::filesystem::path csv = std::filesystem::path(KS_TESTS_SOURCE_DIR) / ".." / ".." /
                                      "shared" / "thirdparty" / "ncu" /
                                      "superbench_cublaslt_ncu_csv.log";
    if (!std::filesystem::exists(csv)) ks::test::skipTest("no " + csv.string());
    ks::test::ensureApp();
    auto run = data::importFile(csv.string());
    REQUIRE(run);
    REQUIRE(run->kernelMetrics.size() > 0);
    const size_t metricRows = run->kernelMetrics.size();
    KernelMetricsPanel panel;
    panel.setRun(std::make_shared<data::Run>(std::move(*run)));
    CHECK(size_t(panel.table()->rowCount()) ==
          std::min<size_t>(KernelMetricsPanel::kMaxRows, metricRows));
}
