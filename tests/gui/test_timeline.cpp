// Timeline: LOD folding, pixel <-> time mapping, hit testing, search and stepping.
#include "GuiFixture.h"
#include "TestSupport.h"
#include "data/analysis/Diagnosis.h"
#include "gui/app/TimelineData.h"
#include "gui/app/TimelineView.h"

#include <catch2/catch.hpp>

#include <QImage>
#include <QRegularExpression>

#include <algorithm>
#include <optional>

using namespace ks;
using namespace ks::gui;

namespace {

// One stream with `n` back-to-back events of `dur` ns separated by `gap` ns.
std::shared_ptr<const data::Run> denseRun(size_t n, int64_t dur, int64_t gap) {
    auto run = std::make_shared<data::Run>();
    run->addDevice("gpu", "Test GPU");
    const uint32_t a = run->strings.intern("alpha_kernel"), b = run->strings.intern("beta_kernel");
    auto& k = run->kernels;
    for (size_t i = 0; i < n; ++i) {
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = int64_t(i) * (dur + gap);
        k.end_ns.back() = k.start_ns.back() + dur;
        k.name.back() = i % 10 == 0 ? b : a;
        k.stream.back() = 7;
    }
    return run;
}

} // namespace

TEST_CASE("timeline rows are sorted and indexed", "[gui][timeline]") {
    auto run = std::make_shared<data::Run>(ks::test::makeGuiRun(2000));
    auto data = TimelineData::build(run);
    size_t total = 0;
    for (const auto& row : data->rows()) {
        total += row.size();
        for (size_t i = 1; i < row.size(); ++i) REQUIRE(row.start[i - 1] <= row.start[i]);
    }
    REQUIRE(total == run->kernels.size() + run->memcpy.size() + run->api.size() +
                         run->ranges.size() + run->samples.size());
    REQUIRE(data->eventCount() == total);
    // Every kernel can be found again, and its API call by correlation id.
    size_t row = 0, index = 0, apiRow = 0, apiIndex = 0;
    REQUIRE(data->locate({EventSource::Kernel, 123}, row, index));
    REQUIRE(data->rows()[row].start[index] == run->kernels.start_ns[123]);
    REQUIRE(data->findApiByCorrelation(run->kernels.correlation[123], apiRow, apiIndex));
    REQUIRE(data->rows()[apiRow].kind == RowKind::Api);
    REQUIRE(run->api.correlation[data->rows()[apiRow].ref[apiIndex].index] ==
            run->kernels.correlation[123]);
}

TEST_CASE("LOD folds narrow events into counted blocks", "[gui][timeline]") {
    const size_t n = 100000;
    auto data = TimelineData::build(denseRun(n, 100, 20)); // 120 ns per event
    std::vector<DrawItem> items;
    const int width = 1000;
    const double nsPerPx = 120.0 * n / width; // 100 events per pixel
    data->layoutRow(1, 0, nsPerPx, width, items);
    // Few primitives, and together they account for every event exactly once.
    REQUIRE(!items.empty());
    REQUIRE(items.size() <= size_t(width / TimelineData::kMinPx) + 2);
    size_t counted = 0;
    uint32_t expectedFirst = 0;
    for (const auto& it : items) {
        REQUIRE(it.first == expectedFirst);
        counted += it.count;
        expectedFirst = it.first + it.count;
        REQUIRE(it.x1 >= it.x0);
    }
    REQUIRE(counted == n);
    REQUIRE(items.front().count > 1);

    // Zoomed in so each event is 12 px wide: nothing folds, positions are exact.
    data->layoutRow(1, 120.0 * 500, 10.0, width, items);
    REQUIRE(items.size() >= 80);
    for (const auto& it : items) {
        REQUIRE(it.count == 1);
        const double start = double(data->rows()[1].start[it.first]);
        REQUIRE(it.x0 == Approx((start - 120.0 * 500) / 10.0));
        REQUIRE(it.x1 - it.x0 == Approx(10.0));
    }
    // The first drawn event is the first one overlapping the window (binary search).
    REQUIRE(data->rows()[1].end[items.front().first] > 120 * 500);
    REQUIRE(items.front().first == 500);
}

TEST_CASE("LOD keeps wide events separate from folded neighbours", "[gui][timeline]") {
    auto run = std::make_shared<data::Run>();
    run->addDevice("gpu", "Test GPU");
    const uint32_t name = run->strings.intern("k");
    auto add = [&](int64_t s, int64_t e) {
        auto& k = run->kernels;
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = s;
        k.end_ns.back() = e;
        k.name.back() = name;
    };
    for (int i = 0; i < 50; ++i) add(i * 10, i * 10 + 5); // 50 tiny events in 500 ns
    add(500, 5500);                                       // one wide event
    auto data = TimelineData::build(run);
    std::vector<DrawItem> items;
    data->layoutRow(1, 0, 10.0, 600, items); // 1 px = 10 ns: tiny ones are 0.5 px
    REQUIRE(items.size() >= 2);
    REQUIRE(items.back().count == 1);
    REQUIRE(items.back().first == 50);
    REQUIRE(items.back().x0 == Approx(50.0));
    REQUIRE(items.back().x1 == Approx(550.0));
    size_t folded = 0;
    for (size_t i = 0; i + 1 < items.size(); ++i) folded += items[i].count;
    REQUIRE(folded == 50);
}

TEST_CASE("timeline view maps pixels to time and hits events", "[gui][timeline]") {
    ks::test::ensureApp();
    auto run = denseRun(1000, 1000, 1000); // 2 µs period
    TimelineView view;
    view.resize(1200, 400);
    view.setData(TimelineData::build(run));
    view.setView(10000.0, 20.0); // 20 ns per pixel
    REQUIRE(view.timeToX(10000.0) == Approx(view.labelWidth()));
    REQUIRE(view.timeToX(12000.0) == Approx(view.labelWidth() + 100.0));
    for (double x : {250.0, 777.5, 1100.0}) REQUIRE(view.timeToX(view.xToTime(x)) == Approx(x));
    REQUIRE(view.xToTime(view.labelWidth() + 50) == Approx(11000.0));

    // Zoom anchored at a pixel keeps the time under it.
    const double anchorT = view.xToTime(700);
    view.zoomBy(2.0, 700);
    REQUIRE(view.nsPerPx() == Approx(10.0));
    REQUIRE(view.xToTime(700) == Approx(anchorT));

    // The event at t = 12000..13000 sits at x = label + 100..150 (before the zoom: redo view).
    view.setView(10000.0, 20.0);
    const int rowY = view.rowTop(1) + 10;
    size_t row = 99, index = 99;
    REQUIRE(view.hitTest(QPoint(view.labelWidth() + 120, rowY), row, index));
    REQUIRE(row == 1); // row 0 is the device's utilisation track
    REQUIRE(index == 6);
    REQUIRE_FALSE(view.hitTest(QPoint(view.labelWidth() + 175, rowY), row, index)); // in the gap

    // Rendering into an image works headless and paints something other than the background.
    QImage image(1200, 400, QImage::Format_ARGB32_Premultiplied);
    view.renderTo(image);
    REQUIRE(image.pixelColor(view.labelWidth() + 120, rowY) !=
            image.pixelColor(view.labelWidth() + 175, rowY));
}

TEST_CASE("timeline search finds names by substring and regex and steps in time order",
          "[gui][timeline]") {
    ks::test::ensureApp();
    auto run = std::make_shared<data::Run>(ks::test::makeGuiRun(1500));
    TimelineView view;
    view.resize(1200, 600);
    view.setData(TimelineData::build(run));

    auto countNames = [&](const QRegularExpression& re) {
        size_t n = 0;
        auto count = [&](const std::vector<uint32_t>& names) {
            for (uint32_t id : names) {
                const auto s = run->strings.get(id);
                if (re.match(QString::fromUtf8(s.data(), qsizetype(s.size()))).hasMatch()) ++n;
            }
        };
        count(run->kernels.name);
        count(run->api.name);
        count(run->ranges.name);
        return int(n);
    };
    const int relu = view.setSearch(QStringLiteral("RELU"), false);
    REQUIRE(relu > 0);
    REQUIRE(relu == countNames(QRegularExpression(QStringLiteral("relu"),
                                                  QRegularExpression::CaseInsensitiveOption)));
    const int re = view.setSearch(QStringLiteral("^(sgemm|softmax).*_kernel_\\d+$"), true);
    REQUIRE(re > 0);
    REQUIRE(re == countNames(QRegularExpression(QStringLiteral("^(sgemm|softmax).*_kernel_\\d+$"),
                                                QRegularExpression::CaseInsensitiveOption)));
    REQUIRE(view.setSearch(QStringLiteral("(unclosed"), true) == -1);
    REQUIRE(view.setSearch(QStringLiteral("no such name at all"), false) == 0);

    // Stepping visits matches in time order and wraps around.
    view.setSearch(QStringLiteral("forward"), false);
    REQUIRE(view.matchCount() == 3); // one per step of 500 kernels
    int64_t last = -1;
    for (int i = 0; i < 3; ++i) {
        view.stepMatch(1);
        REQUIRE(view.currentMatch() == i);
        const auto sel = view.selectedEvent();
        REQUIRE(sel.has_value());
        const int64_t start = view.data()->rows()[sel->first].start[sel->second];
        REQUIRE(start > last);
        last = start;
        // The match is brought into view.
        REQUIRE(view.timeToX(double(start)) >= view.labelWidth() - 1);
        REQUIRE(view.timeToX(double(start)) <= view.width());
    }
    view.stepMatch(1);
    REQUIRE(view.currentMatch() == 0);
    view.stepMatch(-1);
    REQUIRE(view.currentMatch() == 2);
}

TEST_CASE("collapsing a group hides its rows", "[gui][timeline]") {
    ks::test::ensureApp();
    auto run = std::make_shared<data::Run>(ks::test::makeGuiRun(300));
    TimelineView view;
    view.resize(1000, 800);
    view.setData(TimelineData::build(run));
    const QString group = QString::fromStdString(view.data()->rows()[0].group);
    REQUIRE(view.rowTop(0) > 0);
    view.setGroupCollapsed(group, true);
    REQUIRE(view.rowTop(0) == -1);
    REQUIRE(view.drawList(0).empty());
    view.setGroupCollapsed(group, false);
    REQUIRE(view.rowTop(0) > 0);
}

// ---- Coverage (union of intervals), utilisation track, span statistics, first view ----

namespace {

// Busy ns of `run`'s kernels on `stream` in [a, b), by brute force over a 1 ns grid.
int64_t bruteBusy(const data::Run& run, std::optional<uint32_t> stream, int64_t a, int64_t b) {
    std::vector<char> covered(size_t(b - a), 0);
    const auto& k = run.kernels;
    for (size_t i = 0; i < k.size(); ++i) {
        if (stream && k.stream[i] != *stream) continue;
        for (int64_t t = std::max(a, k.start_ns[i]); t < std::min(b, k.end_ns[i]); ++t)
            covered[size_t(t - a)] = 1;
    }
    return std::count(covered.begin(), covered.end(), 1);
}

// Two streams with random, partly overlapping events (overlaps inside a stream too).
std::shared_ptr<const data::Run> overlappingRun() {
    auto run = std::make_shared<data::Run>();
    run->addDevice("gpu", "Test GPU");
    const uint32_t name = run->strings.intern("k");
    uint64_t x = 12345;
    auto next = [&] { return (x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
    auto& k = run->kernels;
    for (int i = 0; i < 400; ++i) {
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = int64_t(next() % 20000);
        k.end_ns.back() = k.start_ns.back() + int64_t(next() % 300);
        k.stream.back() = uint32_t(next() % 2);
        k.name.back() = name;
    }
    return run;
}

} // namespace

TEST_CASE("row coverage is the union of intervals in any window", "[gui][timeline]") {
    auto run = overlappingRun();
    auto data = TimelineData::build(run);
    const auto& rows = data->rows();
    REQUIRE(rows.size() == 3);
    REQUIRE(rows[0].kind == RowKind::Utilization); // above the device's streams
    REQUIRE(rows[1].kind == RowKind::Device);
    REQUIRE(rows[0].size() == 0); // no events: search, hit tests and layout skip it
    for (auto [a, b] : {std::pair<int64_t, int64_t>{0, 20400},
                        {1000, 1500},
                        {7777, 7790},
                        {19990, 20500},
                        {-50, 30}}) {
        INFO(a << ".." << b);
        const int64_t lo = std::max<int64_t>(a, 0);
        REQUIRE(rows[0].busyBetween(a, b) == bruteBusy(*run, std::nullopt, lo, b));
        REQUIRE(rows[1].busyBetween(a, b) == bruteBusy(*run, rows[1].stream, lo, b));
        REQUIRE(rows[2].busyBetween(a, b) == bruteBusy(*run, rows[2].stream, lo, b));
    }
    // The sweeping form with a hint (what painting uses) agrees, whatever the hint says.
    for (const auto& row : rows)
        for (size_t guess : {size_t(0), size_t(7), size_t(100000)}) {
            size_t hint = guess;
            for (int64_t t = -100; t < 21000; t += 37) {
                REQUIRE(row.busyBefore(t, hint) == row.busyBefore(t));
                hint += 3; // a wrong guess must not matter
            }
        }
    // The same figure as the data layer's utilisation (checked against pandas in test_cli).
    const auto util = data::computeUtilization(*run);
    const data::TimeSpan span = data::gpuSpan(*run);
    REQUIRE(rows[0].busyBetween(span.begin, span.end) == util[0].busyNs);
}

TEST_CASE("folded blocks are drawn by coverage: a half-idle stretch looks half full",
          "[gui][timeline]") {
    ks::test::ensureApp();
    // 100 ns busy, 100 ns idle, 20000 times: at 1 px = 2 µs every column is 50 % busy.
    TimelineView view;
    view.resize(1200, 300);
    view.setData(TimelineData::build(denseRun(20000, 100, 100)));
    view.setView(0, 2000.0);
    const int top = view.rowTop(1);
    QImage image(1200, 300, QImage::Format_ARGB32_Premultiplied);
    view.renderTo(image);
    const int x = view.labelWidth() + 300;
    // The lane is 16 px high: the bottom half is the block colour, the top half only a tint.
    const QColor upper = image.pixelColor(x, top + 4), lower = image.pixelColor(x, top + 15);
    REQUIRE(upper != lower);
    REQUIRE(lower.hsvSaturation() > upper.hsvSaturation());
    // The utilisation track says 50 %.
    const auto& u = view.data()->rows()[0];
    REQUIRE(u.busyBetween(0, 4'000'000) == 2'000'000);
}

TEST_CASE("span details list busy %, events and gaps per stream and per device",
          "[gui][timeline]") {
    ks::test::ensureApp();
    auto run = overlappingRun();
    TimelineView view;
    view.resize(1200, 400);
    view.setData(TimelineData::build(run));
    const QString html = view.describeSpan(1000, 9000);
    REQUIRE(html.contains(QStringLiteral("all streams")));
    REQUIRE(html.contains(QStringLiteral("Stream 0")));
    REQUIRE(html.contains(QStringLiteral("Stream 1")));
    const double busy = 100.0 * double(bruteBusy(*run, std::nullopt, 1000, 9000)) / 8000.0;
    REQUIRE(html.contains(QString::number(busy, 'f', 1)));
}

TEST_CASE("the first view fits the run at the final size; flows stay in the track area",
          "[gui][timeline]") {
    ks::test::ensureApp();
    auto run = std::make_shared<data::Run>(ks::test::makeGuiRun(600));
    TimelineView view;
    view.resize(500, 400); // laid out before the window has its size
    view.show();
    view.setData(TimelineData::build(run));
    view.resize(1600, 700);
    const double fitNsPerPx =
        double(view.data()->end() - view.data()->begin()) * 1.02 / view.eventAreaWidth();
    REQUIRE(view.nsPerPx() == Approx(fitNsPerPx));

    // A kernel selected with its API call scrolled off to the left: the arrow is clipped at the
    // label column, not drawn over it.
    size_t row = 0, index = 0;
    REQUIRE(view.data()->locate({EventSource::Kernel, 200}, row, index));
    view.selectEvent(row, index, false);
    const int64_t kernelStart = view.data()->rows()[row].start[index];
    view.setView(double(kernelStart) - 20.0 * 10, 20.0);
    QImage image(1600, 700, QImage::Format_ARGB32_Premultiplied);
    view.renderTo(image);
    for (int y = 0; y < 700; ++y)
        for (int x = 0; x < view.labelWidth() - 1; ++x)
            REQUIRE(image.pixelColor(x, y) != QColor(255, 87, 34));
    // Details show exact times.
    REQUIRE(view.describeEvent(row, index).contains(QStringLiteral(" ns)")));
}

TEST_CASE("CPU samples get a lane per thread: bars follow the weight, the tooltip the stack",
          "[gui][timeline]") {
    ks::test::ensureApp();
    auto run = std::make_shared<data::Run>();
    const uint32_t thread = 5;
    run->threads.id.push_back(thread);
    run->threads.name.push_back(run->strings.intern("worker"));
    run->threads.process.push_back(0);
    auto frame = [&](const char* name, uint32_t parent) {
        run->stacks.frame.push_back(run->strings.intern(name));
        run->stacks.parent.push_back(parent);
        return uint32_t(run->stacks.frame.size() - 1);
    };
    const uint32_t mainFrame = frame("main", data::kNoParent);
    const uint32_t leafA = frame("leaf_a", frame("compute", mainFrame));
    const uint32_t leafB = frame("leaf_b", mainFrame);
    // 100 samples of weight 1 over the first 100 µs, 10 of weight 10 at 200..209 µs, one with
    // a stack id out of range and one whose weight would overflow the running sum.
    for (int i = 0; i < 100; ++i) run->samples.add(i * 1000, thread, leafA, 1);
    for (int i = 0; i < 10; ++i) run->samples.add(200'000 + i * 1000, thread, leafB, 10);
    run->samples.add(300'000, thread, 12345, 1);
    run->samples.add(400'000, thread, leafB, ~uint64_t(0));

    auto data = TimelineData::build(run);
    const TimelineRow* lane = nullptr;
    size_t laneIndex = 0;
    for (size_t r = 0; r < data->rows().size(); ++r)
        if (data->rows()[r].kind == RowKind::Samples) lane = &data->rows()[r], laneIndex = r;
    REQUIRE(lane);
    CHECK(lane->group == "Thread 5 · worker");
    CHECK(lane->size() == 112);
    CHECK(lane->weightBetween(0, 100'000) == 100);
    CHECK(lane->weightBetween(200'000, 210'000) == 100);
    CHECK(lane->weightBetween(100'000, 200'000) == 0);
    CHECK(lane->weightBetween(0, 400'001) == ~uint64_t(0)); // saturated, not wrapped

    TimelineView view;
    view.resize(1200, 300);
    view.setData(data);
    view.setView(0, 250.0); // 4 px per µs: the weight-10 samples fill their columns
    QImage image(1200, 300, QImage::Format_ARGB32_Premultiplied);
    view.renderTo(image);
    const int top = view.rowTop(laneIndex), bottom = top + 20;
    auto xOf = [&](double ns) { return int(view.timeToX(ns)); };
    const QColor busy = image.pixelColor(xOf(204'000), bottom);
    const QColor idle = image.pixelColor(xOf(150'000), bottom);
    CHECK(busy != idle);
    CHECK(busy.red() > busy.blue()); // orange bars
    // Weight 10 columns are full height, weight 1 columns a tenth of it.
    CHECK(image.pixelColor(xOf(204'000), top + 6) == busy);
    CHECK(image.pixelColor(xOf(50'000), top + 6) != busy);

    size_t row = 0, index = 0;
    REQUIRE(view.hitTest(QPoint(xOf(205'000), top + 10), row, index));
    CHECK(row == laneIndex);
    const QString tip = view.describeEvent(row, index);
    INFO(tip.toStdString());
    CHECK(tip.contains("leaf_b"));
    CHECK(tip.contains("main"));
    CHECK(tip.contains("Weight"));
    REQUIRE(view.hitTest(QPoint(xOf(50'000), top + 10), row, index));
    CHECK(view.describeEvent(row, index).contains("compute"));
    REQUIRE(view.hitTest(QPoint(xOf(300'000), top + 10), row, index));
    CHECK_FALSE(view.describeEvent(row, index).isEmpty()); // a bad stack id shows no frames
    CHECK_FALSE(view.hitTest(QPoint(xOf(150'000), top + 10), row, index));
}

TEST_CASE("ranges a trace drew on a GPU sit under their device, not among threads",
          "[gui][timeline]") {
    auto run = std::make_shared<data::Run>();
    const uint32_t gpu = run->addDevice("gpu", "A100");
    const uint32_t kernel = run->strings.intern("gemm");
    run->kernels.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run->kernels.device.back() = gpu;
    run->kernels.stream.back() = 7;
    run->kernels.start_ns.back() = 100;
    run->kernels.end_ns.back() = 200;
    run->kernels.name.back() = kernel;
    run->nameThread(1, "python / main");
    run->nameThread(2, "GPU " + std::to_string(gpu) + " · stream 7 (GPU-side ranges)");
    run->nameThread(3, "GPU 0x · stream 7 (GPU-side ranges)"); // not a device number: a thread
    for (uint32_t thread : {1u, 2u, 2u, 3u}) {
        run->ranges.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        run->ranges.thread.back() = thread;
        run->ranges.start_ns.back() = 90;
        run->ranges.end_ns.back() = 210;
        run->ranges.name.back() = run->strings.intern("forward");
    }
    run->ranges.depth[2] = 1;

    CHECK(run->gpuSideLane(2)->device == gpu);
    CHECK(run->gpuSideLane(2)->lane == "stream 7");
    CHECK_FALSE(run->gpuSideLane(1));
    CHECK_FALSE(run->gpuSideLane(3));
    run->nameThread(4, "GPU 99999999999 · all streams (GPU-side ranges)");
    CHECK_FALSE(run->gpuSideLane(4)); // out of range
    run->nameThread(5, "GPU 1 · all streams (GPU-side ranges)");
    CHECK(run->gpuSideLane(5)->lane == "all streams");

    auto data = TimelineData::build(run);
    std::vector<std::string> layout;
    for (const auto& row : data->rows()) layout.push_back(row.group + " / " + row.label);
    const std::string device = "GPU " + std::to_string(gpu) + " · A100";
    const std::vector<std::string> expected = {
        device + " / Utilization",
        device + " / Stream 7",
        device + " / Ranges · stream 7",
        device + " / Ranges · stream 7 · depth 1",
        "Thread 1 · python / main / Ranges · depth 0",
        "Thread 3 · GPU 0x · stream 7 (GPU-side ranges) / Ranges · depth 0",
    };
    CHECK(layout == expected);
}
