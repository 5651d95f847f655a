#pragma once
// Steps every importer shares once its rows are read.
#include "data/Run.h"

#include <cstdint>
#include <vector>

namespace ks::data {

// Reorders every column of `table` by `order` (a permutation of its rows), one column at a time
// so that at most one extra column is alive.
template <class Table> void permuteRows(Table& table, const std::vector<uint32_t>& order) {
    table.forEachColumn([&](const char*, auto& column) {
        std::remove_reference_t<decltype(column)> sorted(column.size());
        for (size_t i = 0; i < order.size(); ++i) sorted[i] = column[order[i]];
        column.swap(sorted);
    });
}

// Sorts ranges per thread by start (the enclosing range first at equal starts) and sets each
// range's depth from the ranges still open on its thread.
void assignRangeDepths(RangeTable& ranges);

// Smallest start over the timed tables (kernels, copies, memsets, API calls, ranges, samples),
// or 0 for an empty run.
int64_t earliestTime(const Run& run);

// Subtracts `origin` from every time column (tables and counters).
void shiftTimes(Run& run, int64_t origin);

} // namespace ks::data
