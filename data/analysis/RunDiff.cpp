#include "data/analysis/RunDiff.h"
#include "data/Parallel.h"

#include "data/HugePages.h"
#include "data/analysis/FlameTree.h" // withoutNumbers
#include "data/export/CsvExport.h"   // csvField

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <thread>
#include <unordered_map>

namespace ks::data {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Instance durations of one run grouped by matching key, each group sorted ascending.
struct Groups {
    std::vector<std::string> keys, firstName; // per group
    std::vector<size_t> offsets;              // group g: durations[offsets[g] .. offsets[g+1])
    std::vector<int64_t> durations;
    std::unordered_map<std::string, uint32_t> index; // key -> group
    size_t size() const { return keys.size(); }
    const int64_t* data(size_t g) const { return durations.data() + offsets[g]; }
    size_t count(size_t g) const { return offsets[g + 1] - offsets[g]; }
};

// What an event table offers for grouping: times, name ids and (kernels) launch configs.
struct EventColumns {
    const std::vector<int64_t>* start;
    const std::vector<int64_t>* end;
    const std::vector<uint32_t>* name;
    const KernelTable* kernels = nullptr; // launch configs, when matched by them
};

// `keyOfName` maps a name to its matching key (computed once per distinct name id).
template <class KeyOf>
Groups groupEvents(const EventColumns& ev, const StringTable& strings, KeyOf keyOfName) {
    Groups g;
    const size_t n = std::min({ev.start->size(), ev.end->size(), ev.name->size()});
    std::map<std::pair<uint32_t, LaunchConfig>, uint32_t> groupOfConfig;
    auto groupFor = [&](const std::string& key, std::string_view name) {
        auto [it, fresh] = g.index.try_emplace(key, uint32_t(g.keys.size()));
        if (fresh) {
            g.keys.push_back(key);
            g.firstName.emplace_back(name);
        }
        return it->second;
    };
    std::unordered_map<uint32_t, std::string> keyOfId; // launch-config matching: name id -> key
    std::vector<uint32_t> rowGroup;
    resizeHuge(rowGroup, n);
    // Name id -> group, without launch configs (ids past the string table share one group).
    std::vector<uint32_t> groupOfId(strings.size() + 1, UINT32_MAX);
    auto nameOf = [&](uint32_t id) {
        return strings.contains(id) ? strings.get(id) : std::string_view("<unknown>");
    };
    for (size_t i = 0; i < n; ++i) {
        const uint32_t id = (*ev.name)[i];
        if (!ev.kernels) {
            uint32_t& group = groupOfId[std::min<size_t>(id, strings.size())];
            if (group == UINT32_MAX)
                group = groupFor(keyOfName(std::string(nameOf(id))), nameOf(id));
            rowGroup[i] = group;
            continue;
        }
        const std::string_view name = nameOf(id);
        const LaunchConfig c = launchConfigAt(*ev.kernels, i);
        auto cit = groupOfConfig.find({id, c});
        if (cit == groupOfConfig.end()) {
            auto kit = keyOfId.find(id);
            if (kit == keyOfId.end()) kit = keyOfId.emplace(id, keyOfName(std::string(name))).first;
            cit =
                groupOfConfig
                    .emplace(std::pair{id, c}, groupFor(kit->second + launchConfigSuffix(c), name))
                    .first;
        }
        rowGroup[i] = cit->second;
    }
    // Counting sort by group, then each group sorted (medians and ranks need the order).
    g.offsets.assign(g.size() + 1, 0);
    for (size_t i = 0; i < n; ++i) ++g.offsets[rowGroup[i] + 1];
    for (size_t k = 0; k < g.size(); ++k) g.offsets[k + 1] += g.offsets[k];
    std::vector<size_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
    resizeHuge(g.durations, n);
    for (size_t i = 0; i < n; ++i)
        g.durations[cursor[rowGroup[i]]++] = std::max<int64_t>(0, (*ev.end)[i] - (*ev.start)[i]);
    parallelFor(g.size(), [&](size_t k) {
        std::sort(g.durations.begin() + ptrdiff_t(g.offsets[k]),
                  g.durations.begin() + ptrdiff_t(g.offsets[k + 1]));
    });
    return g;
}

DurationStats statsOfSorted(const int64_t* d, size_t n) {
    DurationStats s;
    s.count = n;
    if (n == 0) return s;
    double sum = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += d[i];
    s.total = total;
    s.min = d[0];
    s.max = d[n - 1];
    s.avg = double(total) / double(n);
    for (size_t i = 0; i < n; ++i) sum += (double(d[i]) - s.avg) * (double(d[i]) - s.avg);
    s.stddev = n > 1 ? std::sqrt(sum / double(n - 1)) : 0.0;
    s.median = n % 2 ? double(d[n / 2]) : (double(d[n / 2 - 1]) + double(d[n / 2])) / 2.0;
    return s;
}

DiffTable diffGroups(const Groups& a, const Groups& b, const DiffOptions& o) {
    DiffTable t;
    std::vector<DiffRow> rows(a.size() + b.size());
    std::vector<uint8_t> used(rows.size(), 0);
    parallelFor(a.size() + b.size(), [&](size_t i) {
        DiffRow r;
        if (i < a.size()) {
            r.name = a.keys[i];
            r.nameA = a.firstName[i];
            r.a = statsOfSorted(a.data(i), a.count(i));
            auto it = b.index.find(a.keys[i]);
            r.status = it == b.index.end() ? DiffRow::OnlyA : DiffRow::Matched;
            if (r.status == DiffRow::Matched) {
                const uint32_t j = it->second;
                r.nameB = b.firstName[j];
                r.b = statsOfSorted(b.data(j), b.count(j));
                r.pValue = mannWhitneyP(a.data(i), a.count(i), b.data(j), b.count(j));
            }
        } else {
            const size_t j = i - a.size();
            if (a.index.count(b.keys[j])) return; // matched: the A side made the row
            r.name = b.keys[j];
            r.nameB = b.firstName[j];
            r.b = statsOfSorted(b.data(j), b.count(j));
            r.status = DiffRow::OnlyB;
        }
        r.deltaTotal = double(r.b.total) - double(r.a.total);
        r.totalRatio = r.a.total > 0 ? double(r.b.total) / double(r.a.total) : kNaN;
        r.medianRatio =
            r.status == DiffRow::Matched && r.a.median > 0 ? r.b.median / r.a.median : kNaN;
        rows[i] = std::move(r);
        used[i] = 1;
    });
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!used[i]) continue;
        t.totalA += rows[i].a.total;
        t.totalB += rows[i].b.total;
    }
    const double minDelta = o.minShareOfTotal * double(std::max(t.totalA, t.totalB));
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!used[i]) continue;
        DiffRow& r = rows[i];
        if (r.status == DiffRow::Matched && r.pValue < o.maxPValue &&
            std::isfinite(r.medianRatio) && std::fabs(r.deltaTotal) >= minDelta) {
            if (r.medianRatio >= 1 + o.minEffect) r.change = DiffRow::Slower;
            if (r.medianRatio <= 1 - o.minEffect) r.change = DiffRow::Faster;
        }
        if (rows[i].status == DiffRow::OnlyA) t.onlyA.push_back(rows[i].nameA);
        if (rows[i].status == DiffRow::OnlyB) t.onlyB.push_back(rows[i].nameB);
        t.rows.push_back(std::move(rows[i]));
    }
    std::sort(t.rows.begin(), t.rows.end(), [](const DiffRow& x, const DiffRow& y) {
        const double dx = std::fabs(x.deltaTotal), dy = std::fabs(y.deltaTotal);
        if (dx != dy) return dx > dy;
        return x.name < y.name;
    });
    std::sort(t.onlyA.begin(), t.onlyA.end());
    std::sort(t.onlyB.begin(), t.onlyB.end());
    return t;
}

// The key a name is matched by: B's names go through the explicit map (B name -> A name) first.
auto keyOfA(const DiffOptions& o, bool numbers) {
    return [&o, numbers](const std::string& name) {
        const std::string key = o.rules.normalise(name);
        return numbers ? withoutNumbers(key) : key;
    };
}
auto keyOfB(const DiffOptions& o, bool numbers) {
    return [&o, numbers](const std::string& name) {
        auto it = o.rules.explicitMap.find(name);
        const std::string key =
            o.rules.normalise(it != o.rules.explicitMap.end() ? it->second : name);
        return numbers ? withoutNumbers(key) : key;
    };
}

template <class Table>
DiffTable diffTables(const Run& a, const Run& b, const Table& ta, const Table& tb,
                     const DiffOptions& o, bool numbers) {
    Groups ga, gb;
    std::thread other([&] {
        gb = groupEvents({&tb.start_ns, &tb.end_ns, &tb.name, nullptr}, b.strings,
                         keyOfB(o, numbers));
    });
    ga = groupEvents({&ta.start_ns, &ta.end_ns, &ta.name, nullptr}, a.strings, keyOfA(o, numbers));
    other.join();
    return diffGroups(ga, gb, o);
}

} // namespace

size_t DiffTable::slower() const {
    return size_t(std::count_if(rows.begin(), rows.end(),
                                [](const DiffRow& r) { return r.change == DiffRow::Slower; }));
}

size_t DiffTable::faster() const {
    return size_t(std::count_if(rows.begin(), rows.end(),
                                [](const DiffRow& r) { return r.change == DiffRow::Faster; }));
}

std::string launchConfigSuffix(const LaunchConfig& c) {
    if (c == LaunchConfig{}) return {};
    auto dims = [](uint32_t x, uint32_t y, uint32_t z) {
        return std::to_string(x) + "x" + std::to_string(y) + "x" + std::to_string(z);
    };
    return " [grid " + dims(c.grid_x, c.grid_y, c.grid_z) + " block " +
           dims(c.block_x, c.block_y, c.block_z) + " regs " +
           std::to_string(c.registers_per_thread) + " smem " +
           std::to_string(uint64_t(c.shared_static) + c.shared_dynamic) + "]";
}

double mannWhitneyP(const int64_t* a, size_t na, const int64_t* b, size_t nb) {
    if (na == 0 || nb == 0) return 1.0;
    // Rank sum of B by merging the sorted samples; tied values share their average rank.
    double rankSumB = 0, tieTerm = 0;
    size_t i = 0, j = 0, rank = 0; // ranks handed out so far
    while (i < na || j < nb) {
        const int64_t v = (j == nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
        size_t ta = 0, tb = 0;
        while (i < na && a[i] == v) ++i, ++ta;
        while (j < nb && b[j] == v) ++j, ++tb;
        const double t = double(ta + tb);
        const double averageRank = double(rank) + (t + 1) / 2;
        rankSumB += averageRank * double(tb);
        tieTerm += t * t * t - t;
        rank += ta + tb;
    }
    const double n1 = double(na), n2 = double(nb), n = n1 + n2;
    const double u = rankSumB - n2 * (n2 + 1) / 2;
    const double mean = n1 * n2 / 2;
    const double variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)));
    if (!(variance > 0)) return 1.0;
    const double z = std::max(0.0, std::fabs(u - mean) - 0.5) / std::sqrt(variance);
    return std::min(1.0, std::erfc(z / std::sqrt(2.0)));
}

DiffTable diffKernels(const Run& a, const Run& b, const DiffOptions& o) {
    if (!o.matchLaunchConfig) return diffTables(a, b, a.kernels, b.kernels, o, false);
    Groups ga, gb;
    std::thread other([&] {
        gb = groupEvents({&b.kernels.start_ns, &b.kernels.end_ns, &b.kernels.name, &b.kernels},
                         b.strings, keyOfB(o, false));
    });
    ga = groupEvents({&a.kernels.start_ns, &a.kernels.end_ns, &a.kernels.name, &a.kernels},
                     a.strings, keyOfA(o, false));
    other.join();
    return diffGroups(ga, gb, o);
}

DiffTable diffApi(const Run& a, const Run& b, const DiffOptions& o) {
    return diffTables(a, b, a.api, b.api, o, false);
}

DiffTable diffRanges(const Run& a, const Run& b, const DiffOptions& o) {
    return diffTables(a, b, a.ranges, b.ranges, o, o.mergeNumberedRanges);
}

std::vector<MemoryDiffRow> diffMemory(const Run& a, const Run& b) {
    const auto ra = memorySummary(a.memcpy, a.memset), rb = memorySummary(b.memcpy, b.memset);
    std::map<std::string, MemoryDiffRow> byKind;
    for (const auto& r : ra) {
        MemoryDiffRow& d = byKind[r.operation];
        d.countA = r.time.count, d.bytesA = r.bytes, d.timeA = r.time.total, d.gbpsA = r.avgGBps;
    }
    for (const auto& r : rb) {
        MemoryDiffRow& d = byKind[r.operation];
        d.countB = r.time.count, d.bytesB = r.bytes, d.timeB = r.time.total, d.gbpsB = r.avgGBps;
    }
    std::vector<MemoryDiffRow> out;
    for (auto& [kind, row] : byKind) {
        row.kind = kind;
        out.push_back(row);
    }
    std::sort(out.begin(), out.end(), [](const MemoryDiffRow& x, const MemoryDiffRow& y) {
        return std::max(x.timeA, x.timeB) > std::max(y.timeA, y.timeB);
    });
    return out;
}

namespace {

// Step number -> (duration, kernel time started inside) of each step's range.
std::map<uint64_t, std::pair<int64_t, int64_t>> stepsOf(const Run& run,
                                                        const std::string& pattern) {
    const auto spansByNumber = stepSpans(run, pattern);
    std::map<uint64_t, std::pair<int64_t, int64_t>> steps;
    std::vector<std::pair<int64_t, int64_t>> spans; // by step start
    std::vector<uint64_t> numbers;
    for (const auto& [number, span] : spansByNumber) {
        steps[number] = {span.second - span.first, 0};
        spans.push_back(span);
        numbers.push_back(number);
    }
    // Kernel time per step: kernels by start time against the steps sorted by start.
    std::vector<size_t> order(spans.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return spans[x] < spans[y]; });
    std::vector<int64_t> starts;
    for (size_t i : order) starts.push_back(spans[i].first);
    const auto& k = run.kernels;
    for (size_t i = 0; i < k.size(); ++i) {
        auto it = std::upper_bound(starts.begin(), starts.end(), k.start_ns[i]);
        if (it == starts.begin()) continue;
        const size_t s = order[size_t(it - starts.begin()) - 1];
        if (k.start_ns[i] < spans[s].second)
            steps[numbers[s]].second += k.end_ns[i] - k.start_ns[i];
    }
    return steps;
}

} // namespace

std::map<uint64_t, std::pair<int64_t, int64_t>> stepSpans(const Run& run,
                                                          const std::string& pattern) {
    std::map<uint64_t, std::pair<int64_t, int64_t>> spans;
    std::regex re;
    try {
        re = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        return spans;
    }
    std::unordered_map<uint32_t, std::optional<uint64_t>> numberOf; // name id -> step number
    const auto& r = run.ranges;
    for (size_t i = 0; i < r.size(); ++i) {
        auto [it, fresh] = numberOf.try_emplace(r.name[i]);
        if (fresh && run.strings.contains(r.name[i])) {
            const std::string name(run.strings.get(r.name[i]));
            std::smatch m;
            if (std::regex_match(name, m, re) && m.size() > 1) {
                try {
                    it->second = std::stoull(m[1].str());
                } catch (...) {
                }
            }
        }
        if (it->second) spans.try_emplace(*it->second, r.start_ns[i], r.end_ns[i]); // first wins
    }
    return spans;
}

StepDiff diffSteps(const Run& a, const Run& b, const DiffOptions& o) {
    StepDiff d;
    try { // a pattern that does not compile: no steps
        std::regex(o.stepPattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        return d;
    }
    const auto sa = stepsOf(a, o.stepPattern), sb = stepsOf(b, o.stepPattern);
    std::map<uint64_t, StepDiffRow> rows;
    std::vector<int64_t> da, db;
    for (const auto& [n, v] : sa) {
        rows[n].step = n, rows[n].durationA = v.first, rows[n].kernelA = v.second;
        da.push_back(v.first);
    }
    for (const auto& [n, v] : sb) {
        rows[n].step = n, rows[n].durationB = v.first, rows[n].kernelB = v.second;
        db.push_back(v.first);
    }
    for (auto& [n, row] : rows) d.rows.push_back(row);
    std::sort(da.begin(), da.end());
    std::sort(db.begin(), db.end());
    d.a = statsOfSorted(da.data(), da.size());
    d.b = statsOfSorted(db.data(), db.size());
    d.pValue = mannWhitneyP(da.data(), da.size(), db.data(), db.size());
    return d;
}

RunDiff diffRuns(const Run& a, const Run& b, const DiffOptions& o, DiffParts parts) {
    RunDiff d;
    if (parts.kernels) d.kernels = diffKernels(a, b, o);
    if (parts.api) d.api = diffApi(a, b, o);
    if (parts.ranges) d.ranges = diffRanges(a, b, o);
    if (parts.memory) d.memory = diffMemory(a, b);
    if (parts.steps) d.steps = diffSteps(a, b, o);
    auto span = [](const Run& r) {
        int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
        auto cover = [&](const auto& t) {
            for (size_t i = 0; i < t.size(); ++i)
                lo = std::min(lo, t.start_ns[i]), hi = std::max(hi, t.end_ns[i]);
        };
        cover(r.kernels), cover(r.memcpy), cover(r.memset), cover(r.api), cover(r.ranges);
        return hi >= lo ? hi - lo : int64_t(0);
    };
    d.spanA = span(a);
    d.spanB = span(b);
    return d;
}

const char* changeName(const DiffRow& row) {
    if (row.status == DiffRow::OnlyA) return "gone";
    if (row.status == DiffRow::OnlyB) return "new";
    return row.change == DiffRow::Slower ? "slower" : row.change == DiffRow::Faster ? "faster" : "";
}

namespace {

// Numbers for CSV: empty when the value does not exist, so pandas reads the column as numbers.
std::string num(double v) {
    if (!std::isfinite(v)) return {};
    char buf[40];
    if (v == std::floor(v) && std::fabs(v) < 9e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

nlohmann::json jnum(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

std::string dumpJson(const nlohmann::json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

std::string diffTableCsv(const DiffTable& t) {
    std::string out = "name,change,instances_a,instances_b,total_a_ns,total_b_ns,avg_a_ns,"
                      "avg_b_ns,median_a_ns,median_b_ns,delta_total_ns,total_ratio,median_ratio,"
                      "p_value,name_a,name_b\n";
    for (const DiffRow& r : t.rows) {
        const bool hasA = r.a.count > 0, hasB = r.b.count > 0;
        const double nan = kNaN;
        const std::string cells[] = {csvField(r.name),
                                     changeName(r),
                                     num(double(r.a.count)),
                                     num(double(r.b.count)),
                                     num(double(r.a.total)),
                                     num(double(r.b.total)),
                                     num(hasA ? r.a.avg : nan),
                                     num(hasB ? r.b.avg : nan),
                                     num(hasA ? r.a.median : nan),
                                     num(hasB ? r.b.median : nan),
                                     num(r.deltaTotal),
                                     num(r.totalRatio),
                                     num(r.medianRatio),
                                     num(r.status == DiffRow::Matched ? r.pValue : nan),
                                     csvField(r.nameA),
                                     csvField(r.nameB)};
        for (size_t c = 0; c < std::size(cells); ++c) out += (c ? "," : "") + cells[c];
        out += '\n';
    }
    return out;
}

std::string memoryDiffCsv(const std::vector<MemoryDiffRow>& rows) {
    std::string out =
        "operation,count_a,count_b,bytes_a,bytes_b,time_a_ns,time_b_ns,gbps_a,gbps_b\n";
    for (const auto& r : rows)
        out += csvField(r.kind) + "," + num(double(r.countA)) + "," + num(double(r.countB)) + "," +
               std::to_string(r.bytesA) + "," + std::to_string(r.bytesB) + "," +
               num(double(r.timeA)) + "," + num(double(r.timeB)) + "," +
               num(r.countA ? r.gbpsA : kNaN) + "," + num(r.countB ? r.gbpsB : kNaN) + "\n";
    return out;
}

std::string stepDiffCsv(const StepDiff& steps) {
    std::string out = "step,duration_a_ns,duration_b_ns,kernel_a_ns,kernel_b_ns\n";
    for (const auto& r : steps.rows)
        out += std::to_string(r.step) + "," + (r.durationA >= 0 ? num(double(r.durationA)) : "") +
               "," + (r.durationB >= 0 ? num(double(r.durationB)) : "") + "," +
               (r.durationA >= 0 ? num(double(r.kernelA)) : "") + "," +
               (r.durationB >= 0 ? num(double(r.kernelB)) : "") + "\n";
    return out;
}

std::string diffTableJson(const DiffTable& t) {
    nlohmann::json rows = nlohmann::json::array();
    for (const DiffRow& r : t.rows) {
        auto side = [](const DurationStats& s) {
            if (s.count == 0) return nlohmann::json();
            return nlohmann::json{{"instances", s.count},  {"total_ns", s.total}, {"avg_ns", s.avg},
                                  {"median_ns", s.median}, {"min_ns", s.min},     {"max_ns", s.max},
                                  {"stddev_ns", s.stddev}};
        };
        rows.push_back(
            {{"name", r.name},
             {"change", changeName(r)},
             {"a", side(r.a)},
             {"b", side(r.b)},
             {"delta_total_ns", r.deltaTotal},
             {"total_ratio", jnum(r.totalRatio)},
             {"median_ratio", jnum(r.medianRatio)},
             {"p_value", r.status == DiffRow::Matched ? jnum(r.pValue) : nlohmann::json()},
             {"name_a", r.nameA},
             {"name_b", r.nameB}});
    }
    return dumpJson({{"total_a_ns", t.totalA},
                     {"total_b_ns", t.totalB},
                     {"only_a", t.onlyA},
                     {"only_b", t.onlyB},
                     {"rows", rows}});
}

std::string memoryDiffJson(const std::vector<MemoryDiffRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows)
        out.push_back({{"operation", r.kind},
                       {"count_a", r.countA},
                       {"count_b", r.countB},
                       {"bytes_a", r.bytesA},
                       {"bytes_b", r.bytesB},
                       {"time_a_ns", r.timeA},
                       {"time_b_ns", r.timeB},
                       {"gbps_a", r.countA ? jnum(r.gbpsA) : nlohmann::json()},
                       {"gbps_b", r.countB ? jnum(r.gbpsB) : nlohmann::json()}});
    return dumpJson(out);
}

std::string stepDiffJson(const StepDiff& steps) {
    nlohmann::json rows = nlohmann::json::array();
    auto opt = [](int64_t v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(); };
    for (const auto& r : steps.rows)
        rows.push_back(
            {{"step", r.step},
             {"duration_a_ns", opt(r.durationA)},
             {"duration_b_ns", opt(r.durationB)},
             {"kernel_a_ns", r.durationA >= 0 ? nlohmann::json(r.kernelA) : nlohmann::json()},
             {"kernel_b_ns", r.durationB >= 0 ? nlohmann::json(r.kernelB) : nlohmann::json()}});
    return dumpJson({{"steps_a", steps.a.count},
                     {"steps_b", steps.b.count},
                     {"median_a_ns", steps.a.count ? jnum(steps.a.median) : nlohmann::json()},
                     {"median_b_ns", steps.b.count ? jnum(steps.b.median) : nlohmann::json()},
                     {"p_value", jnum(steps.pValue)},
                     {"rows", rows}});
}

} // namespace ks::data
