#pragma once
// Steps every importer shares once its rows are read.
#include "data/Run.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace ks::data {

// Reorders every column of `table` by `order` (a permutation of its rows), one column at a time
// so that at most one extra column is alive.
// Optional columns that are empty (absent in the source) stay empty.
template <class Table> void permuteRows(Table& table, const std::vector<uint32_t>& order) {
    auto permute = [&](const char*, auto& column) {
        if (column.size() != order.size()) return;
        std::remove_reference_t<decltype(column)> sorted(column.size());
        for (size_t i = 0; i < order.size(); ++i) sorted[i] = column[order[i]];
        column.swap(sorted);
    };
    table.forEachColumn(permute);
    if constexpr (requires { table.forEachOptionalColumn(permute); })
        table.forEachOptionalColumn(permute);
}

// Stable sort of a table's rows by start time (every column, optional ones included).
template <class Table> void sortByStart(Table& table) {
    if (std::is_sorted(table.start_ns.begin(), table.start_ns.end())) return;
    std::vector<uint32_t> order(table.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return table.start_ns[a] < table.start_ns[b]; });
    permuteRows(table, order);
}

// Sorts ranges by thread, then start, then longer first, then their order in the table (so of
// two ranges with the same start and end the earlier row is the outer one), and sets each
// range's depth to the number of ranges still open on its thread, kept as a stack of open ends:
// a range is popped once a later range starts at or after its end.
//
// Ranges that overlap without nesting (A = [0,10), B = [5,15)): B starts inside A, so it goes
// one deeper; A stays on the stack under B until B is popped too, so a range C = [12,20) is
// still depth 2 although A has ended. This keeps the one property a timeline row needs: two
// ranges of one thread at the same depth never overlap. A zero-length range at the end of
// another is not inside it (ends are exclusive).
void assignRangeDepths(RangeTable& ranges);

// Smallest start over the timed tables (kernels, copies, memsets, API calls, ranges, samples),
// or 0 for an empty run.
int64_t earliestTime(const Run& run);

// Subtracts `origin` from every time column (tables and counters).
void shiftTimes(Run& run, int64_t origin);

} // namespace ks::data
