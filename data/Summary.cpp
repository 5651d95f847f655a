#include "data/Summary.h"
#include "data/Checked.h"
#include "data/Parallel.h"

#include "data/HugePages.h"
#include "data/RunFile.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_map>

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
        g.durations[at] = saturatingSpan(start[i], end[i]);
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
    // The total saturates; the mean comes from an exact-enough long double sum, so two durations
    // near 2^63 still average right.
    int64_t total = 0, lo = d[0], hi = d[0];
    long double sum = 0;
    for (size_t i = 0; i < n; ++i) {
        total = saturatingAdd(total, d[i]);
        sum += d[i];
        lo = std::min(lo, d[i]);
        hi = std::max(hi, d[i]);
    }
    s.total = total;
    s.min = lo;
    s.max = hi;
    s.avg = double(sum / n);
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

template <class Row> void sortByTotal(std::vector<Row>& rows, auto key) {
    long double grand = 0; // the groups' totals may add up past int64
    for (const Row& r : rows) grand += r.time.total;
    for (Row& r : rows) r.timePercent = grand > 0 ? double(100.0L * r.time.total / grand) : 0;
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
        if (a.time.total != b.time.total) return a.time.total > b.time.total;
        return key(a) < key(b);
    });
}

} // namespace

LaunchConfig launchConfigAt(const KernelTable& k, size_t i) {
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

namespace {

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
    parallelFor(g.groups(), [&](size_t i) {
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

namespace {

// Per-name statistics and most common launch config from grouped durations and config hashes;
// configOf(key, index of the row in g) gives the config behind a hash.
template <class ConfigOf>
std::vector<KernelSummaryRow> kernelRows(Grouped& g, const StringTable& strings,
                                         ConfigOf configOf) {
    std::vector<KernelSummaryRow> rows(g.groups());
    parallelFor(g.groups(), [&](size_t i) {
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
            const LaunchConfig c = configOf(h, begin + j);
            if (!have || c < row.config) row.config = c;
            have = true;
        }
        row.configCount = bestCount;
    });
    std::erase_if(rows, [](const KernelSummaryRow& r) { return r.time.count == 0; });
    sortByTotal(rows, [](const KernelSummaryRow& r) -> const std::string& { return r.name; });
    return rows;
}

// Counts per group for one chunk, reused chunk after chunk by one thread.
struct LocalCounts {
    std::vector<uint32_t> count;
    std::vector<uint32_t> touched;
    void add(uint32_t g) {
        if (count[g]++ == 0) touched.push_back(g);
    }
    void clear() {
        for (uint32_t g : touched) count[g] = 0;
        touched.clear();
    }
};

} // namespace

std::vector<KernelSummaryRow> kernelSummary(const KernelTable& k, const StringTable& strings) {
    Grouped g = groupBy(k.start_ns, k.end_ns, k.name, 0,
                        [&](size_t row) { return configHash(launchConfigAt(k, row)); });
    return kernelRows(g, strings, [&](uint64_t, size_t at) { return launchConfigAt(k, g.rows[at]); });
}

Result<std::vector<KernelSummaryRow>> kernelSummaryFromFile(const std::string& path,
                                                            unsigned threads) {
    ReadOptions meta;
    meta.onlyColumns = {"/strings"}; // the string table only
    auto head = readRun(path, meta);
    if (!head) return head.error();
    const StringTable& strings = head->strings;
    const size_t nStrings = strings.size();
    const std::string table = KernelTable::kPath;
    auto error = [&](const std::string& dataset, const std::string& problem) {
        return Error{path + ": " + dataset + ": " + problem};
    };

    // Pass 1: instances per name (validating the ids) to place each name's rows.
    std::vector<uint64_t> counts(nStrings, 0);
    std::mutex lock;
    auto pass1 = visitColumnChunks(
        path, table, {{"name", 4, false}},
        [&](size_t first, size_t rows, const void* const* data) -> Status {
            const auto* name = static_cast<const uint32_t*>(data[0]);
            thread_local LocalCounts local;
            local.count.resize(std::max(local.count.size(), nStrings));
            for (size_t r = 0; r < rows; ++r) {
                if (name[r] >= nStrings) {
                    local.clear();
                    return error(table + "/name", "string id " + std::to_string(name[r]) +
                                                      " at row " + std::to_string(first + r) +
                                                      " out of range (" + std::to_string(nStrings) +
                                                      " strings)");
                }
                local.add(name[r]);
            }
            std::lock_guard guard(lock);
            for (uint32_t g : local.touched) counts[g] += local.count[g];
            local.clear();
            return {};
        },
        threads);
    if (!pass1) return pass1.error();

    Grouped g;
    g.offsets.assign(nStrings + 1, 0);
    for (size_t i = 0; i < nStrings; ++i) g.offsets[i + 1] = g.offsets[i] + counts[i];
    const size_t n = g.offsets.back();
    resizeHuge(g.durations, n);
    resizeHuge(g.keys, n);
    std::vector<std::atomic<size_t>> cursor(nStrings);
    for (size_t i = 0; i < nStrings; ++i) cursor[i] = g.offsets[i];
    std::unordered_map<uint64_t, LaunchConfig> configs; // hash -> config, under `lock`
    static std::atomic<uint64_t> calls{0};
    const uint64_t call = ++calls; // thread-local caches from an earlier call are stale

    // Pass 2: each chunk reserves a block per name, then scatters durations and config hashes.
    const std::vector<ColumnSpec> columns = {
        {"start_ns", 8, true},       {"end_ns", 8, true},
        {"name", 4, false},          {"grid_x", 4, false},
        {"grid_y", 4, false},        {"grid_z", 4, false},
        {"block_x", 4, false},       {"block_y", 4, false},
        {"block_z", 4, false},       {"registers_per_thread", 4, false},
        {"shared_static", 4, false}, {"shared_dynamic", 4, false}};
    auto pass2 = visitColumnChunks(
        path, table, columns,
        [&](size_t first, size_t rows, const void* const* data) -> Status {
            const auto* start = static_cast<const int64_t*>(data[0]);
            const auto* end = static_cast<const int64_t*>(data[1]);
            const auto* name = static_cast<const uint32_t*>(data[2]);
            const uint32_t* c[9];
            for (int i = 0; i < 9; ++i) c[i] = static_cast<const uint32_t*>(data[3 + i]);
            thread_local LocalCounts local;
            thread_local std::vector<size_t> at;
            thread_local std::unordered_map<uint64_t, bool> known; // configs this thread sent
            thread_local uint64_t knownCall = 0;
            if (knownCall != call) {
                known.clear();
                knownCall = call;
            }
            local.count.resize(std::max(local.count.size(), nStrings));
            at.resize(std::max(at.size(), nStrings));
            for (size_t r = 0; r < rows; ++r) {
                if (name[r] >= nStrings || counts[name[r]] == 0) {
                    local.clear();
                    return error(table, "rows changed while reading");
                }
                local.add(name[r]);
            }
            for (uint32_t id : local.touched) at[id] = cursor[id].fetch_add(local.count[id]);
            local.clear();
            std::vector<std::pair<uint64_t, LaunchConfig>> fresh;
            uint64_t last = 0;
            for (size_t r = 0; r < rows; ++r) {
                if (end[r] < start[r])
                    return error(table, "negative duration at row " + std::to_string(first + r) +
                                            " (start " + std::to_string(start[r]) + " ns, end " +
                                            std::to_string(end[r]) + " ns)");
                const LaunchConfig cfg{c[0][r], c[1][r], c[2][r], c[3][r], c[4][r],
                                       c[5][r], c[6][r], c[7][r], c[8][r]};
                const uint64_t key = configHash(cfg);
                const size_t to = at[name[r]]++;
                g.durations[to] = saturatingSpan(start[r], end[r]);
                g.keys[to] = key;
                if (key != last && known.find(key) == known.end()) {
                    known.emplace(key, true);
                    fresh.push_back({key, cfg});
                }
                last = key;
            }
            if (!fresh.empty()) {
                std::lock_guard guard(lock);
                for (const auto& [key, cfg] : fresh) configs.emplace(key, cfg);
            }
            return {};
        },
        threads);
    if (!pass2) return pass2.error();
    if (pass1.value() != pass2.value()) return error(table, "columns changed length while reading");
    return kernelRows(g, strings, [&](uint64_t key, size_t) {
        auto it = configs.find(key);
        return it == configs.end() ? LaunchConfig{} : it->second;
    });
}

std::vector<MemorySummaryRow> memorySummary(const MemcpyTable& memcpy, const MemsetTable& memset) {
    constexpr size_t kMemset = kMemcpyKindCount; // after the memcpy kinds
    std::vector<MemorySummaryRow> rows(kMemset + 1);
    std::vector<std::vector<int64_t>> durations(kMemset + 1);
    auto add = [&](size_t group, int64_t dur, uint64_t bytes) {
        durations[group].push_back(dur);
        rows[group].bytes += bytes;
        if (dur > 0)
            rows[group].peakGBps = std::max(rows[group].peakGBps, double(bytes) / double(dur));
    };
    for (size_t i = 0; i < memcpy.size(); ++i)
        add(memcpy.kind[i] < kMemcpyKindCount ? memcpy.kind[i] : 0,
            saturatingSpan(memcpy.start_ns[i], memcpy.end_ns[i]), memcpy.bytes[i]);
    for (size_t i = 0; i < memset.size(); ++i)
        add(kMemset, saturatingSpan(memset.start_ns[i], memset.end_ns[i]), memset.bytes[i]);
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
