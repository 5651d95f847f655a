#include "data/Summary.h"

#include "data/HugePages.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <thread>

namespace ks::data {
namespace {

// Rows grouped by a dense id with a counting sort: O(n), one sequential pass to count and one
// to scatter. Group g's durations are durations[offsets[g] .. offsets[g + 1]); with a key
// function, keys[] and rows[] hold each scattered row's key and original row index.
struct Grouped {
    std::vector<size_t> offsets;
    std::vector<int64_t> durations;
    std::vector<uint64_t> keys;
    std::vector<uint32_t> rows;
    size_t groups() const { return offsets.size() - 1; }
};

struct NoKey {
    uint64_t operator()(size_t) const { return 0; }
};

template <class Id, class Key = NoKey>
Grouped groupBy(const std::vector<int64_t>& start, const std::vector<int64_t>& end,
                const std::vector<Id>& id, size_t minGroups, Key key = {}) {
    constexpr bool kKeys = !std::is_same_v<Key, NoKey>;
    const size_t n = std::min({start.size(), end.size(), id.size()});
    size_t groups = minGroups;
    for (size_t i = 0; i < n; ++i) groups = std::max(groups, size_t(id[i]) + 1);
    Grouped g;
    g.offsets.assign(groups + 1, 0);
    for (size_t i = 0; i < n; ++i) ++g.offsets[size_t(id[i]) + 1];
    for (size_t i = 0; i < groups; ++i) g.offsets[i + 1] += g.offsets[i];
    std::vector<size_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
    resizeHuge(g.durations, n);
    if constexpr (kKeys) {
        resizeHuge(g.keys, n);
        resizeHuge(g.rows, n);
    }
    for (size_t i = 0; i < n; ++i) {
        const size_t at = cursor[size_t(id[i])]++;
        g.durations[at] = end[i] - start[i];
        if constexpr (kKeys) { // computed in row order: the columns are read sequentially
            g.keys[at] = key(i);
            g.rows[at] = uint32_t(i);
        }
    }
    return g;
}

DurationStats statsOf(int64_t* d, size_t n) {
    DurationStats s;
    s.count = n;
    if (n == 0) return s;
    int64_t total = 0, lo = d[0], hi = d[0];
    for (size_t i = 0; i < n; ++i) {
        total += d[i];
        lo = std::min(lo, d[i]);
        hi = std::max(hi, d[i]);
    }
    s.total = total;
    s.min = lo;
    s.max = hi;
    s.avg = double(total) / double(n);
    double sq = 0; // two-pass variance: exact enough where sum-of-squares would cancel
    for (size_t i = 0; i < n; ++i) {
        const double dev = double(d[i]) - s.avg;
        sq += dev * dev;
    }
    s.stddev = n > 1 ? std::sqrt(sq / double(n - 1)) : 0.0;
    const size_t mid = n / 2;
    std::nth_element(d, d + mid, d + n);
    if (n % 2 == 1) {
        s.median = double(d[mid]);
    } else {
        const int64_t below = *std::max_element(d, d + mid);
        s.median = (double(below) + double(d[mid])) / 2.0;
    }
    return s;
}

// Runs f(group) for every group on all cores; groups are independent.
template <class F> void forEachGroupParallel(size_t groups, F&& f) {
    const unsigned threads = std::max(1u, std::min(std::thread::hardware_concurrency(), 16u));
    if (threads == 1 || groups < 2) {
        for (size_t g = 0; g < groups; ++g) f(g);
        return;
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t g; (g = next.fetch_add(1)) < groups;) f(g);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
}

template <class Row> void sortByTotal(std::vector<Row>& rows, auto key) {
    int64_t grand = 0;
    for (const Row& r : rows) grand += r.time.total;
    for (Row& r : rows)
        r.timePercent = grand > 0 ? 100.0 * double(r.time.total) / double(grand) : 0;
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
        if (a.time.total != b.time.total) return a.time.total > b.time.total;
        return key(a) < key(b);
    });
}

LaunchConfig configAt(const KernelTable& k, size_t i) {
    auto at = [i](const std::vector<uint32_t>& c) { return i < c.size() ? c[i] : 0u; };
    return {at(k.grid_x),
            at(k.grid_y),
            at(k.grid_z),
            at(k.block_x),
            at(k.block_y),
            at(k.block_z),
            at(k.registers_per_thread),
            at(k.shared_static),
            at(k.shared_dynamic)};
}

uint64_t configHash(const LaunchConfig& c) {
    const uint32_t v[] = {c.grid_x,
                          c.grid_y,
                          c.grid_z,
                          c.block_x,
                          c.block_y,
                          c.block_z,
                          c.registers_per_thread,
                          c.shared_static,
                          c.shared_dynamic};
    uint64_t h = 0x243f6a8885a308d3ull;
    for (uint32_t x : v) {
        h = (h ^ x) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return h;
}

std::vector<NamedSummaryRow> namedSummary(const std::vector<int64_t>& start,
                                          const std::vector<int64_t>& end,
                                          const std::vector<uint32_t>& name,
                                          const StringTable& strings) {
    Grouped g = groupBy(start, end, name, 0);
    std::vector<NamedSummaryRow> rows(g.groups());
    forEachGroupParallel(g.groups(), [&](size_t i) {
        rows[i].time = statsOf(g.durations.data() + g.offsets[i], g.offsets[i + 1] - g.offsets[i]);
        rows[i].name = strings.contains(uint32_t(i)) ? std::string(strings.get(uint32_t(i)))
                                                     : "<string " + std::to_string(i) + ">";
    });
    std::erase_if(rows, [](const NamedSummaryRow& r) { return r.time.count == 0; });
    sortByTotal(rows, [](const NamedSummaryRow& r) -> const std::string& { return r.name; });
    return rows;
}

} // namespace

DurationStats durationStats(std::vector<int64_t>& durations) {
    return statsOf(durations.data(), durations.size());
}

std::vector<KernelSummaryRow> kernelSummary(const KernelTable& k, const StringTable& strings) {
    Grouped g = groupBy(k.start_ns, k.end_ns, k.name, 0,
                        [&](size_t row) { return configHash(configAt(k, row)); });
    std::vector<KernelSummaryRow> rows(g.groups());
    forEachGroupParallel(g.groups(), [&](size_t i) {
        const size_t begin = g.offsets[i], n = g.offsets[i + 1] - begin;
        KernelSummaryRow& row = rows[i];
        row.time = statsOf(g.durations.data() + begin, n);
        row.name = strings.contains(uint32_t(i)) ? std::string(strings.get(uint32_t(i)))
                                                 : "<string " + std::to_string(i) + ">";
        if (n == 0) return;
        // Most common launch config: the longest run of equal hashes once sorted. On a tie the
        // smaller config wins, so the answer does not depend on row order.
        const uint64_t* keys = g.keys.data() + begin;
        std::vector<uint64_t> sorted(keys, keys + n);
        std::sort(sorted.begin(), sorted.end());
        std::vector<uint64_t> best;
        uint64_t bestCount = 0;
        for (size_t j = 0; j < n;) {
            size_t e = j + 1;
            while (e < n && sorted[e] == sorted[j]) ++e;
            if (e - j > bestCount) best.clear();
            if (e - j >= bestCount) {
                bestCount = e - j;
                best.push_back(sorted[j]);
            }
            j = e;
        }
        bool have = false;
        for (uint64_t h : best) {
            size_t j = 0;
            while (keys[j] != h) ++j; // a row with this config
            const LaunchConfig c = configAt(k, g.rows[begin + j]);
            if (!have || c < row.config) row.config = c;
            have = true;
        }
        row.configCount = bestCount;
    });
    std::erase_if(rows, [](const KernelSummaryRow& r) { return r.time.count == 0; });
    sortByTotal(rows, [](const KernelSummaryRow& r) -> const std::string& { return r.name; });
    return rows;
}

std::vector<MemorySummaryRow> memorySummary(const MemcpyTable& memcpy, const MemsetTable& memset) {
    constexpr size_t kMemset = 6; // after the memcpy kinds 0..5
    std::vector<MemorySummaryRow> rows(kMemset + 1);
    std::vector<std::vector<int64_t>> durations(kMemset + 1);
    auto add = [&](size_t group, int64_t dur, uint64_t bytes) {
        durations[group].push_back(dur);
        rows[group].bytes += bytes;
        if (dur > 0)
            rows[group].peakGBps = std::max(rows[group].peakGBps, double(bytes) / double(dur));
    };
    for (size_t i = 0; i < memcpy.size(); ++i)
        add(memcpy.kind[i] <= 5 ? memcpy.kind[i] : 0, memcpy.end_ns[i] - memcpy.start_ns[i],
            memcpy.bytes[i]);
    for (size_t i = 0; i < memset.size(); ++i)
        add(kMemset, memset.end_ns[i] - memset.start_ns[i], memset.bytes[i]);
    for (size_t g = 0; g <= kMemset; ++g) {
        MemorySummaryRow& r = rows[g];
        r.operation = g == kMemset ? "Memset" : memcpyKindName(uint8_t(g));
        r.time = durationStats(durations[g]);
        r.avgGBps =
            r.time.total > 0 ? double(r.bytes) / double(r.time.total) : 0; // bytes/ns = GB/s
    }
    std::erase_if(rows, [](const MemorySummaryRow& r) { return r.time.count == 0; });
    sortByTotal(rows, [](const MemorySummaryRow& r) -> const std::string& { return r.operation; });
    return rows;
}

std::vector<NamedSummaryRow> apiSummary(const ApiTable& api, const StringTable& strings) {
    return namedSummary(api.start_ns, api.end_ns, api.name, strings);
}

std::vector<NamedSummaryRow> rangeSummary(const RangeTable& ranges, const StringTable& strings) {
    return namedSummary(ranges.start_ns, ranges.end_ns, ranges.name, strings);
}

std::vector<std::string> kernelSummaryColumns() {
    std::vector<std::string> out;
    for (const char* c :
         {"start_ns", "end_ns", "name", "grid_x", "grid_y", "grid_z", "block_x", "block_y",
          "block_z", "registers_per_thread", "shared_static", "shared_dynamic"})
        out.push_back(std::string(KernelTable::kPath) + "/" + c);
    return out;
}

std::vector<std::string> memorySummaryColumns() {
    std::vector<std::string> out;
    for (const char* c : {"start_ns", "end_ns", "kind", "bytes"})
        out.push_back(std::string(MemcpyTable::kPath) + "/" + c);
    for (const char* c : {"start_ns", "end_ns", "bytes"})
        out.push_back(std::string(MemsetTable::kPath) + "/" + c);
    return out;
}

std::vector<std::string> apiSummaryColumns() {
    return {"/cpu/api/start_ns", "/cpu/api/end_ns", "/cpu/api/name"};
}

std::vector<std::string> rangeSummaryColumns() {
    return {"/cpu/ranges/start_ns", "/cpu/ranges/end_ns", "/cpu/ranges/name"};
}

std::string formatDuration(double ns) {
    char buf[48];
    const double a = std::fabs(ns);
    const char* unit = "ns";
    double v = ns;
    if (a >= 1e9) {
        v = ns / 1e9;
        unit = "s";
    } else if (a >= 1e6) {
        v = ns / 1e6;
        unit = "ms";
    } else if (a >= 1e3) {
        v = ns / 1e3;
        unit = "µs";
    }
    if (unit[0] == 'n' && v == std::floor(v)) {
        std::snprintf(buf, sizeof buf, "%.0f ns", v);
    } else {
        const double av = std::fabs(v);
        std::snprintf(buf, sizeof buf,
                      av < 10    ? "%.3f %s"
                      : av < 100 ? "%.2f %s"
                                 : "%.1f %s",
                      v, unit);
    }
    return buf;
}

} // namespace ks::data
