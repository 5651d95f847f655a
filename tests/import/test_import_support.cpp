// The steps every importer shares: range nesting depth and sorting by start.
#include "data/import/ImportSupport.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <tuple>

using namespace ks::data;

namespace {

struct Range {
    int64_t start, end;
    uint32_t thread, name;
};

RangeTable tableOf(const std::vector<Range>& ranges) {
    RangeTable t;
    for (const Range& r : ranges) {
        t.start_ns.push_back(r.start);
        t.end_ns.push_back(r.end);
        t.thread.push_back(r.thread);
        t.depth.push_back(99); // must be overwritten
        t.name.push_back(r.name);
        t.category.push_back(0);
    }
    return t;
}

// Depth of each range by its name (names are unique in these tests).
std::map<uint32_t, uint32_t> depthByName(const RangeTable& t) {
    std::map<uint32_t, uint32_t> d;
    for (size_t i = 0; i < t.size(); ++i) d[t.name[i]] = t.depth[i];
    return d;
}

// The depths assignRangeDepths gives ranges named 0, 1, 2, ... in name order.
std::vector<uint32_t> depthsOf(const std::vector<Range>& ranges) {
    RangeTable t = tableOf(ranges);
    assignRangeDepths(t);
    std::vector<uint32_t> out;
    for (const auto& [name, depth] : depthByName(t)) out.push_back(depth);
    return out;
}

} // namespace

TEST_CASE("assignRangeDepths: nesting per thread", "[import][ranges]") {
    // Thread 1: 0 [0,100) holds 1 [10,50) which holds 2 [20,30); 3 [50,60) starts where 1 ends.
    // Thread 2: 4 [15,25) is on another thread, so nothing on thread 1 encloses it.
    RangeTable t =
        tableOf({{20, 30, 1, 2}, {50, 60, 1, 3}, {0, 100, 1, 0}, {15, 25, 2, 4}, {10, 50, 1, 1}});
    assignRangeDepths(t);
    const auto d = depthByName(t);
    CHECK(d.at(0) == 0);
    CHECK(d.at(1) == 1);
    CHECK(d.at(2) == 2);
    CHECK(d.at(3) == 1); // ends are exclusive: 1 is closed at 50
    CHECK(d.at(4) == 0);
    // Rows end up by thread, then start.
    CHECK(t.name == std::vector<uint32_t>{0, 1, 2, 3, 4});
}

TEST_CASE("assignRangeDepths: equal starts, equal ranges, zero length", "[import][ranges]") {
    // 0 [0,10) and 1 [0,40): the longer one encloses the shorter whatever their row order.
    // 2 and 3 are both [50,60): the earlier row is the outer one.
    // 4 [70,70) is zero-length inside 5 [65,80); 6 [80,80) is at 5's end, so outside it;
    // 7 [5,5) is zero-length inside 0 and 1.
    // Depths of ranges 0 to 7.
    CHECK(depthsOf({{0, 10, 1, 0},
                    {0, 40, 1, 1},
                    {50, 60, 1, 2},
                    {50, 60, 1, 3},
                    {70, 70, 1, 4},
                    {65, 80, 1, 5},
                    {80, 80, 1, 6},
                    {5, 5, 1, 7}}) == std::vector<uint32_t>{1, 0, 0, 1, 1, 0, 0, 2});
}

TEST_CASE("assignRangeDepths: overlapping ranges that do not nest", "[import][ranges]") {
    // 1 starts inside 0 and outlives it: one deeper. 0 stays under 1 on the stack, so 2, which
    // starts after 0 ended but inside 1, is depth 2; 3 starts after both ended.
    CHECK(depthsOf({{0, 10, 1, 0}, {5, 15, 1, 1}, {12, 20, 1, 2}, {20, 30, 1, 3}}) ==
          std::vector<uint32_t>{0, 1, 2, 0});
}

TEST_CASE("assignRangeDepths against brute force", "[import][ranges]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
        // Properly nested ranges from a random bracket sequence on three threads; the depth of
        // each is then the number of ranges on its thread that contain it.
        std::vector<Range> ranges;
        for (uint32_t thread = 1; thread <= 3; ++thread) {
            std::vector<size_t> open;
            int64_t t = 0;
            for (int step = 0; step < 40; ++step) {
                t += int64_t(rng() % 3); // 0 makes equal starts and zero-length ranges
                if (!open.empty() && rng() % 2) {
                    ranges[open.back()].end = t;
                    open.pop_back();
                } else {
                    open.push_back(ranges.size());
                    ranges.push_back({t, 0, thread, uint32_t(ranges.size())});
                }
            }
            while (!open.empty()) {
                ranges[open.back()].end = t += 1;
                open.pop_back();
            }
        }
        std::shuffle(ranges.begin(), ranges.end(), rng);
        RangeTable t = tableOf(ranges);
        assignRangeDepths(t);
        const auto d = depthByName(t);
        for (size_t i = 0; i < ranges.size(); ++i) {
            // Containment as the importers read it: strictly around, or the same start and
            // longer, or the same span and an earlier row.
            const Range& r = ranges[i];
            uint32_t enclosing = 0;
            for (size_t j = 0; j < ranges.size(); ++j) {
                const Range& o = ranges[j];
                if (o.thread != r.thread || j == i) continue;
                const bool earlier =
                    std::tuple(o.start, -o.end, j) < std::tuple(r.start, -r.end, i);
                enclosing += earlier && o.end > r.start && o.end >= r.end;
            }
            INFO("round " << round << " range " << r.name);
            CHECK(d.at(r.name) == enclosing);
        }
    }
}

TEST_CASE("assignRangeDepths: a depth row never holds two overlapping ranges", "[import][ranges]") {
    std::mt19937 rng(11);
    std::vector<Range> ranges;
    for (uint32_t i = 0; i < 400; ++i) {
        const int64_t start = rng() % 1000;
        ranges.push_back({start, start + int64_t(rng() % 100), 1 + i % 2, i});
    }
    RangeTable t = tableOf(ranges);
    assignRangeDepths(t);
    for (size_t i = 0; i < t.size(); ++i)
        for (size_t j = i + 1; j < t.size(); ++j)
            if (t.thread[i] == t.thread[j] && t.depth[i] == t.depth[j]) {
                INFO("rows " << i << " and " << j);
                CHECK((t.end_ns[i] <= t.start_ns[j] || t.end_ns[j] <= t.start_ns[i]));
            }
    // Every range is still there, with its own times.
    std::vector<std::tuple<uint32_t, int64_t, int64_t>> before, after;
    for (const Range& r : ranges) before.emplace_back(r.name, r.start, r.end);
    for (size_t i = 0; i < t.size(); ++i) after.emplace_back(t.name[i], t.start_ns[i], t.end_ns[i]);
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    CHECK(before == after);
}

TEST_CASE("sortByStart is stable and moves optional columns", "[import]") {
    ApiTable api;
    for (auto [start, name] : {std::pair{30, 0}, {10, 1}, {30, 2}, {10, 3}}) {
        api.start_ns.push_back(start);
        api.end_ns.push_back(start + 1);
        api.thread.push_back(0);
        api.correlation.push_back(uint32_t(name));
        api.name.push_back(uint32_t(name));
        api.return_value.push_back(0);
        api.raw_name.push_back(uint32_t(100 + name));
    }
    sortByStart(api);
    CHECK(api.name == std::vector<uint32_t>{1, 3, 0, 2});
    CHECK(api.raw_name == std::vector<uint32_t>{101, 103, 100, 102});
    CHECK(api.end_ns == std::vector<int64_t>{11, 11, 31, 31});

    ApiTable withoutRaw = api; // an absent optional column stays absent
    withoutRaw.raw_name.clear();
    std::reverse(withoutRaw.start_ns.begin(), withoutRaw.start_ns.end());
    sortByStart(withoutRaw);
    CHECK(withoutRaw.raw_name.empty());
    CHECK(std::is_sorted(withoutRaw.start_ns.begin(), withoutRaw.start_ns.end()));
}
