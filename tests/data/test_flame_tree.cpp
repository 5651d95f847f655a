// Flame trees in data/: built from weighted samples and exported as folded stacks, checked against
// FlameGraph's own expected stackcollapse outputs; bottom-up, callers/callees, search share and
// the differential tree checked against hand-computed values.
#include "TestSupport.h"
#include "data/analysis/FlameTree.h"
#include "data/import/StackImport.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ks::data;

namespace {

std::string thirdparty() {
    return std::string(KS_TESTS_SOURCE_DIR) + "/../../shared/thirdparty";
}

std::vector<std::string> sortedLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
        if (!l.empty()) lines.push_back(l);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

// A run whose samples are the folded lines, each one row weighted by its count (the way an
// importer stores "a;b;c 10101010"), in two events alternating, to check the event filter.
Run runFromFolded(const std::string& text, uint32_t* eventA, uint32_t* eventB) {
    Run run;
    StackBuilder stacks(run);
    *eventA = run.strings.intern("cycles");
    *eventB = run.strings.intern("instructions");
    int64_t t = 0;
    for (const std::string& line : sortedLines(text)) {
        const size_t sp = line.rfind(' ');
        REQUIRE(sp != std::string::npos);
        const uint64_t count = std::stoull(line.substr(sp + 1));
        uint32_t node = StackBuilder::kRoot;
        std::string_view stack(line.data(), sp);
        while (!stack.empty()) {
            const size_t semi = stack.find(';');
            node = stacks.node(node, stack.substr(0, semi));
            stack = semi == std::string_view::npos ? std::string_view{} : stack.substr(semi + 1);
        }
        run.samples.add(t++, 1, node, count, *eventA);
        run.samples.add(t++, 1, node, 7, *eventB); // another event: must not leak into A's tree
    }
    return run;
}

} // namespace

TEST_CASE("folded export of weighted samples equals FlameGraph's expected stackcollapse output",
          "[data][flame]") {
    const std::string dir = thirdparty() + "/folded";
    if (!std::filesystem::exists(dir)) {
        std::printf("skipped: %s is absent\n", dir.c_str());
        std::exit(77); // CTest reports the test case as skipped (SKIP_RETURN_CODE)
    }
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with("flamegraph_expected_")) continue;
        INFO(name);
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        uint32_t cycles = 0, instructions = 0;
        const Run run = runFromFolded(text.str(), &cycles, &instructions);
        const FlameTree tree = flameFromSamples(run, std::nullopt, cycles);
        REQUIRE(tree.unit == "cycles");
        REQUIRE(sortedLines(foldedText(tree)) == sortedLines(text.str()));
        // The folded-text reader builds the same tree.
        REQUIRE(foldedText(flameFromFolded(text.str())) == foldedText(tree));
        // All events together: every stack weighs its count plus 7.
        const FlameTree both = flameFromSamples(run);
        REQUIRE(both.node(0).total ==
                Approx(tree.node(0).total + 7.0 * double(sortedLines(text.str()).size())));
        ++files;
    }
    REQUIRE(files >= 7);
}

TEST_CASE("bottom-up, callers/callees and matched share", "[data][flame]") {
    // main;a;work 30  main;b;work 20  main;b 10  main;a;a;work 5 (recursion)
    const FlameTree t =
        flameFromFolded("main;a;work 30\nmain;b;work 20\nmain;b 10\nmain;a;a;work 5\n");
    REQUIRE(t.node(0).total == 65);

    const FlameTree up = invertedFlame(t);
    REQUIRE(up.node(0).total == 65);
    const auto work = up.find({"work"});
    REQUIRE(work);
    REQUIRE(up.node(*work).total == 55); // work's own time, wherever it is called
    REQUIRE(up.node(*up.find({"work", "a"})).total == 35);
    REQUIRE(up.node(*up.find({"work", "a", "main"})).total == 30);
    REQUIRE(up.node(*up.find({"work", "a", "a", "main"})).total == 5);
    REQUIRE(up.node(*up.find({"b"})).total == 10);

    // Callees of "a": outermost calls only, so the recursive a;a is not counted twice.
    const FlameTree callees = calleesOf(t, "a");
    REQUIRE(callees.node(0).name == "a");
    REQUIRE(callees.node(0).total == 35);
    REQUIRE(callees.node(*callees.find({"work"})).total == 30);
    REQUIRE(callees.node(*callees.find({"a", "work"})).total == 5);
    // Callers of "work": a (30 from main;a, 5 from main;a;a) and b (20).
    const FlameTree callers = callersOf(t, "work");
    REQUIRE(callers.node(0).total == 55);
    REQUIRE(callers.node(*callers.find({"a"})).total == 35);
    REQUIRE(callers.node(*callers.find({"a", "main"})).total == 30);
    REQUIRE(callers.node(*callers.find({"a", "a", "main"})).total == 5);
    REQUIRE(callers.node(*callers.find({"b", "main"})).total == 20);

    const FlameMatch m = matchedWeight(t, [](const std::string& n) { return n == "a"; });
    REQUIRE(m.frames == 2);
    REQUIRE(m.weight == 35); // the inner a is inside the outer one
}

TEST_CASE("differential tree: B's frames with A's values, new and vanished frames marked",
          "[data][flame]") {
    const FlameTree a = flameFromFolded("main;load 10\nmain;train;fwd 40\nmain;train;bwd 50\n");
    const FlameTree b = flameFromFolded("main;train;fwd 40\nmain;train;bwd 80\nmain;save 30\n");
    const FlameDiff abs = diffFlame(a, b, false);
    auto node = [&](std::vector<std::string> path) { return *abs.tree.find(path); };
    REQUIRE(abs.delta(0) == 50);
    REQUIRE(abs.delta(node({"main", "train", "bwd"})) == 30);
    REQUIRE(abs.delta(node({"main", "train", "fwd"})) == 0);
    REQUIRE(abs.presence[node({"main", "save"})] == FlameDiff::OnlyB);
    REQUIRE(abs.baseline[node({"main", "save"})] == 0);
    REQUIRE(abs.presence[node({"main", "load"})] == FlameDiff::OnlyA);
    REQUIRE(abs.tree.node(node({"main", "load"})).total == 0); // takes no width in B's graph
    REQUIRE(abs.baseline[node({"main", "load"})] == 10);
    REQUIRE(abs.maxAbsDelta() == 50);

    // Normalised: A scaled to B's total (150 / 100), so fwd's unchanged 40 is a smaller share.
    const FlameDiff norm = diffFlame(a, b, true);
    REQUIRE(norm.scaleA == Approx(1.5));
    REQUIRE(norm.delta(*norm.tree.find({"main", "train", "fwd"})) == Approx(40 - 60));
    REQUIRE(norm.delta(0) == Approx(0));
}

TEST_CASE("ranges flame tree weighs each range by its duration", "[data][flame]") {
    Run run;
    auto range = [&](int64_t s, int64_t e, uint32_t depth, const char* name) {
        run.ranges.start_ns.push_back(s);
        run.ranges.end_ns.push_back(e);
        run.ranges.thread.push_back(1);
        run.ranges.depth.push_back(depth);
        run.ranges.name.push_back(run.strings.intern(name));
        run.ranges.category.push_back(0);
    };
    range(0, 100, 0, "step 1");
    range(10, 60, 1, "forward");
    range(100, 250, 0, "step 2");
    range(110, 200, 1, "forward");
    const FlameTree t = flameFromRanges(run, std::nullopt, true);
    REQUIRE(foldedText(t) == "step # 110\nstep #;forward 140\n");
}
