// The flame graph page's views, headless: bottom-up, callers/callees of the clicked frame, the
// matched share of a search, one sampled event at a time, and a thread selector that keeps its
// width whatever the thread names.
#include "GuiFixture.h"
#include "gui/app/FlamePage.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>

#include <catch2/catch.hpp>

using namespace ks::gui;

namespace {

LoadedRun foldedRun() {
    // main;a;work 30  main;b;work 20  main;b 10, as ranges would not give exact self times.
    auto run = std::make_shared<ks::data::Run>();
    const uint32_t cycles = run->strings.intern("cycles"), other = run->strings.intern("instr");
    auto& st = run->stacks;
    auto node = [&](uint32_t parent, const char* frame) {
        st.frame.push_back(run->strings.intern(frame));
        st.parent.push_back(parent);
        return uint32_t(st.frame.size() - 1);
    };
    const uint32_t main = node(ks::data::kNoParent, "main");
    const uint32_t a = node(main, "a"), b = node(main, "b");
    const uint32_t aw = node(a, "work"), bw = node(b, "work");
    run->samples.add(0, 1, aw, 30, cycles);
    run->samples.add(1, 1, bw, 20, cycles);
    run->samples.add(2, 1, b, 10, cycles);
    run->samples.add(3, 1, b, 1000, other); // another event: not mixed into cycles
    run->nameThread(1, "a thread with a very long name that must not squeeze the search box");
    LoadedRun loaded;
    loaded.path = "folded";
    loaded.run = run;
    return loaded;
}

} // namespace

TEST_CASE("flame page: bottom-up, callers/callees, search share, events", "[gui][flame]") {
    ks::test::ensureApp();
    FlamePage page;
    page.resize(1200, 700);
    page.setRun(foldedRun());
    REQUIRE(ks::test::waitUntil([&] { return !page.building() && page.view()->tree(); }));
    // One event at a time: cycles (the first) only.
    REQUIRE(page.eventBox()->count() == 2);
    REQUIRE(page.view()->tree()->node(0).total == 60);
    REQUIRE(page.view()->tree()->unit == "cycles");

    // The search reports the share of the time under matching frames.
    page.searchEdit()->setText("^work$");
    REQUIRE(page.matchLabel()->text().contains("2 frame(s)"));
    REQUIRE(page.matchLabel()->text().contains("83.3 % of total")); // 50 of 60
    page.searchEdit()->clear();

    // Bottom-up: "work" first, with its own time from both callers.
    page.modeBox()->setCurrentIndex(FlamePage::BottomUp);
    const auto* up = page.view()->tree();
    REQUIRE(up->node(*up->find({"work"})).total == 50);
    REQUIRE(up->node(*up->find({"work", "a", "main"})).total == 30);

    // Clicking "b" in the top-down view picks it for the caller/callee view.
    page.modeBox()->setCurrentIndex(FlamePage::TopDown);
    const auto* down = page.view()->tree();
    page.view()->setZoomRoot(*down->find({"main", "b"}));
    REQUIRE(page.focusFrame() == "b");
    page.modeBox()->setCurrentIndex(FlamePage::CallersCallees);
    const auto* callees = page.calleesView()->tree();
    REQUIRE(callees->node(0).name == "b");
    REQUIRE(callees->node(0).total == 30);
    REQUIRE(callees->node(*callees->find({"work"})).total == 20);
    const auto* callers = page.callersView()->tree();
    REQUIRE(callers->node(*callers->find({"main"})).total == 30);

    // The other event.
    page.modeBox()->setCurrentIndex(FlamePage::TopDown);
    page.eventBox()->setCurrentIndex(1);
    REQUIRE(ks::test::waitUntil([&] { return !page.building(); }));
    REQUIRE(page.view()->tree()->node(0).total == 1000);

    // A long thread name does not widen the selector past its minimum contents length.
    REQUIRE(page.threadBox()->sizeAdjustPolicy() ==
            QComboBox::AdjustToMinimumContentsLengthWithIcon);
    REQUIRE(page.searchEdit()->minimumWidth() >= 200);
}
