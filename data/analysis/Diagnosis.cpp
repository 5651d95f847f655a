#include "data/analysis/Diagnosis.h"
#include "data/Summary.h"
#include "data/export/CsvExport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

namespace ks::data {
namespace {

// One GPU event: a kernel, copy or memset.
struct GpuEvent {
    int64_t begin, end;
    uint32_t device, stream, correlation;
    bool kernel;
};

std::vector<GpuEvent> gpuEvents(const Run& run) {
    std::vector<GpuEvent> out;
    out.reserve(run.kernels.size() + run.memcpy.size() + run.memset.size());
    const auto& k = run.kernels;
    for (size_t i = 0; i < k.size(); ++i)
        out.push_back(
            {k.start_ns[i], k.end_ns[i], k.device[i], k.stream[i], k.correlation[i], true});
    const auto& m = run.memcpy;
    for (size_t i = 0; i < m.size(); ++i)
        out.push_back(
            {m.start_ns[i], m.end_ns[i], m.device[i], m.stream[i], m.correlation[i], false});
    const auto& s = run.memset;
    for (size_t i = 0; i < s.size(); ++i)
        out.push_back(
            {s.start_ns[i], s.end_ns[i], s.device[i], s.stream[i], s.correlation[i], false});
    return out;
}

// Sorted, disjoint intervals: the union of a set, clipped to a span, with prefix sums so the busy
// time inside any window is two binary searches away.
struct Coverage {
    std::vector<Interval> merged;
    std::vector<int64_t> prefix;    // prefix[i]: total length of merged[0..i)
    std::vector<size_t> firstEvent; // per merged interval: the event that opened it

    // `events` sorted by begin; `index` maps to the caller's event numbering.
    static Coverage of(const std::vector<GpuEvent>& events, const std::vector<size_t>& order,
                       TimeSpan span) {
        Coverage c;
        for (size_t idx : order) {
            const GpuEvent& e = events[idx];
            const int64_t b = std::max(e.begin, span.begin), en = std::min(e.end, span.end);
            if (en <= b) continue;
            if (!c.merged.empty() && b <= c.merged.back().end) {
                c.merged.back().end = std::max(c.merged.back().end, en);
            } else {
                c.merged.push_back({b, en});
                c.firstEvent.push_back(idx);
            }
        }
        c.prefix.resize(c.merged.size() + 1, 0);
        for (size_t i = 0; i < c.merged.size(); ++i)
            c.prefix[i + 1] = c.prefix[i] + (c.merged[i].end - c.merged[i].begin);
        return c;
    }
    int64_t total() const { return prefix.back(); }
    // Busy time before t.
    int64_t busyBefore(int64_t t) const {
        const auto it = std::partition_point(merged.begin(), merged.end(),
                                             [t](const Interval& i) { return i.begin < t; });
        const size_t k = size_t(it - merged.begin());
        if (k == 0) return 0;
        return prefix[k] - std::max<int64_t>(0, merged[k - 1].end - t);
    }
    int64_t busyBetween(int64_t a, int64_t b) const {
        return b > a ? busyBefore(b) - busyBefore(a) : 0;
    }
};

std::vector<size_t> orderByBegin(const std::vector<GpuEvent>& events,
                                 bool (*keep)(const GpuEvent&) = nullptr) {
    std::vector<size_t> order;
    order.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i)
        if (!keep || keep(events[i])) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return events[a].begin < events[b].begin; });
    return order;
}

TimeSpan spanOf(const std::vector<GpuEvent>& events) {
    if (events.empty()) return {0, 0};
    TimeSpan s{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
    for (const GpuEvent& e : events) {
        s.begin = std::min(s.begin, e.begin);
        s.end = std::max(s.end, e.end);
    }
    return s;
}

TimeSpan effectiveSpan(const std::vector<GpuEvent>& events, std::optional<TimeSpan> requested) {
    const TimeSpan run = spanOf(events);
    if (!requested) return run;
    return {requested->begin, std::max(requested->begin, requested->end)};
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const size_t n = v.size();
    std::nth_element(v.begin(), v.begin() + n / 2, v.end());
    const double hi = v[n / 2];
    if (n % 2) return hi;
    return (*std::max_element(v.begin(), v.begin() + n / 2) + hi) / 2;
}

double percentOf(int64_t part, int64_t whole) {
    return whole > 0 ? 100.0 * double(part) / double(whole) : 0.0;
}

std::string str(std::string_view s) {
    return std::string(s);
}

// Host calls that block until the GPU (or a copy) is done.
bool isSyncCall(std::string_view name) {
    return name.find("Synchronize") != std::string_view::npos;
}
bool isBlockingCopyCall(std::string_view name) {
    return name.find("emcpy") != std::string_view::npos &&
           name.find("Async") == std::string_view::npos;
}

struct ApiIndex {
    std::unordered_map<uint32_t, size_t> byCorrelation;
    // Synchronisation calls sorted by start, with the running maximum of their ends.
    std::vector<int64_t> syncStart, syncMaxEnd;

    explicit ApiIndex(const Run& run) {
        const auto& a = run.api;
        std::vector<Interval> syncs;
        for (size_t i = 0; i < a.size(); ++i) {
            if (a.correlation[i] != 0) byCorrelation.try_emplace(a.correlation[i], i);
            if (isSyncCall(run.strings.get(a.name[i])))
                syncs.push_back({a.start_ns[i], a.end_ns[i]});
        }
        std::sort(syncs.begin(), syncs.end(),
                  [](const Interval& x, const Interval& y) { return x.begin < y.begin; });
        int64_t maxEnd = std::numeric_limits<int64_t>::min();
        for (const Interval& s : syncs) {
            syncStart.push_back(s.begin);
            maxEnd = std::max(maxEnd, s.end);
            syncMaxEnd.push_back(maxEnd);
        }
    }
    const size_t* launchOf(uint32_t correlation) const {
        if (correlation == 0) return nullptr;
        auto it = byCorrelation.find(correlation);
        return it == byCorrelation.end() ? nullptr : &it->second;
    }
    bool syncOverlaps(int64_t a, int64_t b) const {
        const size_t k =
            size_t(std::lower_bound(syncStart.begin(), syncStart.end(), b) - syncStart.begin());
        return k > 0 && syncMaxEnd[k - 1] > a;
    }
};

std::vector<UtilizationRow> utilizationOf(const std::vector<GpuEvent>& events, TimeSpan span) {
    std::map<std::pair<uint32_t, int64_t>, std::vector<size_t>> groups; // stream -1: device
    for (size_t i = 0; i < events.size(); ++i) {
        const GpuEvent& e = events[i];
        if (!span.contains(e.begin, e.end)) {
            // Outside the span: the device and stream still get a (0 %) row.
            groups[{e.device, -1}];
            groups[{e.device, int64_t(e.stream)}];
            continue;
        }
        groups[{e.device, -1}].push_back(i);
        groups[{e.device, int64_t(e.stream)}].push_back(i);
    }
    std::vector<UtilizationRow> rows;
    for (auto& [key, members] : groups) {
        std::sort(members.begin(), members.end(),
                  [&](size_t a, size_t b) { return events[a].begin < events[b].begin; });
        const Coverage c = Coverage::of(events, members, span);
        UtilizationRow r;
        r.device = key.first;
        if (key.second >= 0) r.stream = uint32_t(key.second);
        r.busyNs = c.total();
        r.spanNs = span.end - span.begin;
        r.busyPercent = percentOf(r.busyNs, r.spanNs);
        r.events = members.size();
        for (size_t i = 1; i < c.merged.size(); ++i) {
            ++r.idleGaps;
            r.longestGapNs = std::max(r.longestGapNs, c.merged[i].begin - c.merged[i - 1].end);
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

DeviceBreakdown breakdownOf(uint32_t device, const std::vector<GpuEvent>& events,
                            const std::vector<size_t>& order, TimeSpan span, const Run& run,
                            const ApiIndex& api) {
    DeviceBreakdown b;
    b.device = device;
    b.spanNs = span.end - span.begin;
    std::vector<size_t> kernels;
    for (size_t i : order)
        if (events[i].kernel) kernels.push_back(i);
    const Coverage all = Coverage::of(events, order, span);
    const Coverage compute = Coverage::of(events, kernels, span);
    b.computeNs = compute.total();
    b.copyNs = all.total() - b.computeNs;
    b.idleNs = b.spanNs - all.total();
    auto attribute = [&](Interval gap, const size_t* next) {
        const int64_t len = gap.end - gap.begin;
        if (len <= 0) return;
        ++b.idleGaps;
        if (len > b.longestGap.end - b.longestGap.begin) b.longestGap = gap;
        if (api.syncOverlaps(gap.begin, gap.end)) {
            b.idleSyncNs += len;
            return;
        }
        const size_t* launch = next ? api.launchOf(events[*next].correlation) : nullptr;
        if (next && !launch) ++b.gapsWithoutLaunch;
        if (launch && run.api.start_ns[*launch] >= gap.begin)
            b.idleHostNs += len;
        else
            b.idleOtherNs += len;
    };
    int64_t cursor = span.begin;
    for (size_t i = 0; i < all.merged.size(); ++i) {
        attribute({cursor, all.merged[i].begin}, &all.firstEvent[i]);
        cursor = all.merged[i].end;
    }
    attribute({cursor, span.end}, nullptr); // the device's tail: nothing more was queued
    return b;
}

LaunchOverhead launchOverheadOf(const Run& run, const ApiIndex& api, TimeSpan span) {
    LaunchOverhead out;
    struct Acc {
        std::vector<double> latency;
        uint64_t shorter = 0;
    };
    std::unordered_map<uint32_t, Acc> byName;
    std::vector<double> all;
    const auto& k = run.kernels;
    for (size_t i = 0; i < k.size(); ++i) {
        if (!span.contains(k.start_ns[i], k.end_ns[i])) continue;
        const size_t* launch = api.launchOf(k.correlation[i]);
        if (!launch) {
            ++out.unmatched;
            continue;
        }
        ++out.matched;
        const double latency = double(k.start_ns[i] - run.api.start_ns[*launch]);
        const int64_t cost = run.api.end_ns[*launch] - run.api.start_ns[*launch];
        Acc& a = byName[k.name[i]];
        a.latency.push_back(latency);
        all.push_back(latency);
        if (k.end_ns[i] - k.start_ns[i] < cost) ++a.shorter, ++out.shorterThanLaunch;
    }
    out.medianNs = median(all);
    for (auto& [name, a] : byName) {
        LaunchStat s;
        s.name = str(run.strings.get(name));
        s.count = a.latency.size();
        double sum = 0, mx = std::numeric_limits<double>::lowest();
        for (double v : a.latency) sum += v, mx = std::max(mx, v);
        s.averageNs = sum / double(s.count);
        s.maximumNs = int64_t(mx);
        s.medianNs = median(std::move(a.latency));
        s.shorterThanLaunch = a.shorter;
        out.perName.push_back(std::move(s));
    }
    std::sort(out.perName.begin(), out.perName.end(), [](const LaunchStat& a, const LaunchStat& b) {
        return a.count != b.count ? a.count > b.count : a.name < b.name;
    });
    return out;
}

// Per step: kernel and range time by name, to find what an outlier step spent its extra time on.
using NameTimes = std::map<std::string, int64_t>;

NameTimes timesInside(const Run& run, const std::vector<size_t>& kernelsByStart, int64_t b,
                      int64_t e, const std::vector<bool>& isStepRange) {
    NameTimes t;
    const auto& k = run.kernels;
    auto it = std::partition_point(kernelsByStart.begin(), kernelsByStart.end(),
                                   [&](size_t i) { return k.start_ns[i] < b; });
    for (; it != kernelsByStart.end() && k.start_ns[*it] < e; ++it)
        t["kernel " + str(run.strings.get(k.name[*it]))] += k.end_ns[*it] - k.start_ns[*it];
    const auto& r = run.ranges;
    for (size_t i = 0; i < r.size(); ++i)
        if (!isStepRange[i] && r.start_ns[i] >= b && r.start_ns[i] < e)
            t["range " + str(run.strings.get(r.name[i]))] += r.end_ns[i] - r.start_ns[i];
    return t;
}

StepSummary stepsOf(const Run& run, const DiagnosisOptions& options, const Coverage& gpu,
                    std::vector<bool>& isStepRange) {
    StepSummary out;
    out.pattern = options.stepPattern.empty() ? defaultStepPattern() : options.stepPattern;
    out.outlierFactor = options.outlierFactor;
    const std::regex re(out.pattern, std::regex::ECMAScript);
    const auto& r = run.ranges;
    isStepRange.assign(r.size(), false);
    std::unordered_map<uint32_t, bool> matches; // per name id
    std::vector<size_t> picked;
    for (size_t i = 0; i < r.size(); ++i) {
        auto [it, fresh] = matches.try_emplace(r.name[i], false);
        if (fresh) it->second = std::regex_search(str(run.strings.get(r.name[i])), re);
        if (!it->second) continue;
        if (options.span && !options.span->contains(r.start_ns[i], r.end_ns[i])) continue;
        isStepRange[i] = true;
        picked.push_back(i);
    }
    if (picked.empty()) return out;
    std::sort(picked.begin(), picked.end(),
              [&](size_t a, size_t b) { return r.start_ns[a] < r.start_ns[b]; });
    std::vector<double> durations;
    for (size_t i : picked) {
        StepStat s;
        s.index = uint32_t(out.steps.size());
        s.name = str(run.strings.get(r.name[i]));
        s.begin = r.start_ns[i];
        s.end = r.end_ns[i];
        s.gpuBusyNs = gpu.busyBetween(s.begin, s.end);
        durations.push_back(double(s.end - s.begin));
        out.steps.push_back(std::move(s));
    }
    out.medianNs = median(durations);
    double sum = 0;
    for (double d : durations) sum += d;
    out.averageNs = sum / double(durations.size());
    out.minimumNs = int64_t(*std::min_element(durations.begin(), durations.end()));
    out.maximumNs = int64_t(*std::max_element(durations.begin(), durations.end()));
    std::vector<double> shares;
    for (const StepStat& s : out.steps)
        shares.push_back(s.end > s.begin ? double(s.gpuBusyNs) / double(s.end - s.begin) : 0.0);
    out.medianGpuBusyShare = median(shares);

    for (StepStat& s : out.steps)
        s.outlier =
            out.steps.size() >= 3 && double(s.end - s.begin) > out.outlierFactor * out.medianNs;
    std::vector<size_t> kernelsByStart(run.kernels.size());
    for (size_t i = 0; i < kernelsByStart.size(); ++i) kernelsByStart[i] = i;
    std::sort(kernelsByStart.begin(), kernelsByStart.end(), [&](size_t a, size_t b) {
        return run.kernels.start_ns[a] < run.kernels.start_ns[b];
    });
    std::vector<NameTimes> normal;
    for (const StepStat& s : out.steps)
        if (!s.outlier)
            normal.push_back(timesInside(run, kernelsByStart, s.begin, s.end, isStepRange));
    constexpr size_t kMaxOutliersExplained = 50, kDifferencesShown = 3;
    size_t explained = 0;
    for (StepStat& s : out.steps) {
        if (!s.outlier || explained++ >= kMaxOutliersExplained) continue;
        const NameTimes mine = timesInside(run, kernelsByStart, s.begin, s.end, isStepRange);
        for (const auto& [what, ns] : mine) {
            std::vector<double> base;
            for (const NameTimes& n : normal) {
                auto it = n.find(what);
                base.push_back(it == n.end() ? 0.0 : double(it->second));
            }
            const int64_t extra = ns - int64_t(median(base));
            if (extra > 0) s.differs.push_back({what, extra});
        }
        std::sort(
            s.differs.begin(), s.differs.end(),
            [](const StepDifference& a, const StepDifference& b) { return a.extraNs > b.extraNs; });
        if (s.differs.size() > kDifferencesShown) s.differs.resize(kDifferencesShown);
    }
    return out;
}

std::string ms(double ns) {
    return formatDuration(ns);
}

std::string pct(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", p);
    return buf;
}

void ruleLowUtilization(const Diagnosis& d, std::vector<Finding>& out) {
    for (const UtilizationRow& u : d.utilization) {
        if (u.stream || u.spanNs <= 0 || u.busyPercent >= 100 * RuleThresholds::kLowUtilization)
            continue;
        Finding f;
        f.rule = "low-utilization";
        f.title = "Device " + std::to_string(u.device) + " is busy only " + pct(u.busyPercent) +
                  " of the time";
        f.detail = ms(double(u.spanNs - u.busyNs)) + " idle in " + std::to_string(u.idleGaps) +
                   " gaps; longest gap " + ms(double(u.longestGapNs)) + ".";
        f.threshold = "device busy < 50 % of the GPU span";
        f.impactNs = u.spanNs - u.busyNs;
        for (const DeviceBreakdown& b : d.breakdown)
            if (b.device == u.device && b.longestGap.end > b.longestGap.begin)
                f.evidence = TimeSpan{b.longestGap.begin, b.longestGap.end};
        out.push_back(std::move(f));
    }
}

void ruleBlockingCopies(const Run& run, const ApiIndex& api, TimeSpan span,
                        std::vector<Finding>& out) {
    const auto& m = run.memcpy;
    uint64_t count = 0;
    int64_t total = 0, longest = -1;
    TimeSpan where;
    for (size_t i = 0; i < m.size(); ++i) {
        if (!span.contains(m.start_ns[i], m.end_ns[i])) continue;
        const size_t* launch = api.launchOf(m.correlation[i]);
        if (!launch) continue;
        const bool blocking = isBlockingCopyCall(run.strings.get(run.api.name[*launch])) ||
                              run.api.end_ns[*launch] >= m.end_ns[i];
        if (!blocking) continue;
        ++count;
        const int64_t d = m.end_ns[i] - m.start_ns[i];
        total += d;
        if (d > longest) longest = d, where = {run.api.start_ns[*launch], m.end_ns[i]};
    }
    if (count == 0) return;
    Finding f;
    f.rule = "blocking-copies";
    f.title = std::to_string(count) + " copies blocked the host (synchronous or pageable)";
    f.detail = "Their launching call returned only after the copy finished (or is a synchronous "
               "cudaMemcpy); " +
               ms(double(total)) + " of copy time. Use pinned host memory and cudaMemcpyAsync.";
    f.threshold = "any copy whose launching call ends at or after the copy's end";
    f.impactNs = total;
    f.evidence = where;
    out.push_back(std::move(f));
}

void ruleTinyKernels(const Run& run, const LaunchOverhead& launch, TimeSpan span,
                     std::vector<Finding>& out) {
    const auto& k = run.kernels;
    uint64_t all = 0, tiny = 0;
    int64_t tinyNs = 0;
    std::unordered_map<uint32_t, uint64_t> perName;
    for (size_t i = 0; i < k.size(); ++i) {
        if (!span.contains(k.start_ns[i], k.end_ns[i])) continue;
        ++all;
        const int64_t d = k.end_ns[i] - k.start_ns[i];
        if (d < RuleThresholds::kTinyKernelNs) ++tiny, tinyNs += d, ++perName[k.name[i]];
    }
    if (all < RuleThresholds::kTinyKernelMinCount ||
        double(tiny) < RuleThresholds::kTinyKernelShare * double(all))
        return;
    uint32_t worst = 0;
    uint64_t worstCount = 0;
    for (auto [name, n] : perName)
        if (n > worstCount || (n == worstCount && name < worst)) worst = name, worstCount = n;
    Finding f;
    f.rule = "tiny-kernels";
    f.title = pct(percentOf(int64_t(tiny), int64_t(all))) + " of kernels run shorter than 10 µs";
    f.detail = std::to_string(tiny) + " of " + std::to_string(all) + " kernels; most often " +
               str(run.strings.get(worst)) + " (" + std::to_string(worstCount) + "×).";
    if (launch.matched > 0)
        f.detail +=
            " " + pct(percentOf(int64_t(launch.shorterThanLaunch), int64_t(launch.matched))) +
            " of kernels are shorter than their launch call; fuse kernels or use CUDA graphs.";
    f.threshold = "≥ 100 kernels and ≥ 50 % of them shorter than 10 µs";
    f.impactNs = int64_t(double(tiny) * launch.medianNs);
    f.kernel = str(run.strings.get(worst));
    out.push_back(std::move(f));
}

void ruleLowOccupancy(const Run& run, std::optional<TimeSpan> span, std::vector<Finding>& out) {
    size_t shown = 0;
    for (const KernelStat& s : computeKernelStats(run, span)) {
        if (s.percent < RuleThresholds::kHeavyKernelPercent) break; // sorted by time
        if (!s.occupancy || *s.occupancy >= RuleThresholds::kLowOccupancy || shown++ >= 5) continue;
        Finding f;
        f.rule = "low-occupancy";
        f.title = "Heavy kernel with low theoretical occupancy: " + s.displayName;
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "%.1f %% of kernel time; theoretical occupancy %.0f %% (block %ux%ux%u, "
                      "%u registers, %u B shared).",
                      s.percent, *s.occupancy * 100, s.blockX, s.blockY, s.blockZ, s.registers,
                      s.sharedBytes);
        f.detail = buf;
        f.threshold = "≥ 5 % of kernel time and theoretical occupancy < 50 %";
        f.impactNs = s.total;
        f.kernel = s.displayName;
        out.push_back(std::move(f));
    }
}

void ruleStarvation(const Run& run, const Diagnosis& d, const std::vector<GpuEvent>& events,
                    const std::vector<bool>& isStepRange, std::vector<Finding>& out) {
    // CPU ranges (other than step ranges) sorted by start with running maximum of ends.
    const auto& r = run.ranges;
    std::vector<size_t> order;
    for (size_t i = 0; i < r.size(); ++i)
        if (!isStepRange[i]) order.push_back(i);
    if (order.empty()) return;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return r.start_ns[a] < r.start_ns[b]; });
    std::vector<int64_t> starts, maxEnd;
    int64_t m = std::numeric_limits<int64_t>::min();
    for (size_t i : order)
        starts.push_back(r.start_ns[i]), m = std::max(m, r.end_ns[i]), maxEnd.push_back(m);
    auto cpuBusy = [&](int64_t a, int64_t b) {
        const size_t k = size_t(std::lower_bound(starts.begin(), starts.end(), b) - starts.begin());
        return k > 0 && maxEnd[k - 1] > a;
    };
    for (const DeviceBreakdown& b : d.breakdown) {
        std::vector<size_t> mine;
        for (size_t i = 0; i < events.size(); ++i)
            if (events[i].device == b.device) mine.push_back(i);
        std::sort(mine.begin(), mine.end(),
                  [&](size_t x, size_t y) { return events[x].begin < events[y].begin; });
        const Coverage c = Coverage::of(events, mine, d.span);
        int64_t starved = 0;
        Interval longest;
        for (size_t i = 1; i < c.merged.size(); ++i) {
            const Interval gap{c.merged[i - 1].end, c.merged[i].begin};
            if (gap.end - gap.begin < RuleThresholds::kLongGapNs || !cpuBusy(gap.begin, gap.end))
                continue;
            starved += gap.end - gap.begin;
            if (gap.end - gap.begin > longest.end - longest.begin) longest = gap;
        }
        if (b.spanNs <= 0 || double(starved) < RuleThresholds::kStarvationShare * double(b.spanNs))
            continue;
        Finding f;
        f.rule = "gpu-starvation";
        f.title = "Device " + std::to_string(b.device) + " starved: idle " +
                  pct(percentOf(starved, b.spanNs)) +
                  " of the time in long gaps while the CPU is busy";
        f.detail = "Idle gaps of 100 µs or more while a CPU range is open total " +
                   ms(double(starved)) + "; the longest is " +
                   ms(double(longest.end - longest.begin)) +
                   ". The host does other work instead of queueing GPU work.";
        f.threshold = "gaps ≥ 100 µs overlapping a CPU range total ≥ 10 % of the GPU span";
        f.impactNs = starved;
        f.evidence = TimeSpan{longest.begin, longest.end};
        out.push_back(std::move(f));
    }
}

void ruleCpuBoundStep(const StepSummary& steps, std::vector<Finding>& out) {
    if (steps.steps.empty() || steps.medianGpuBusyShare >= RuleThresholds::kCpuBoundBusyShare)
        return;
    const StepStat* worst = nullptr;
    double worstShare = 2;
    for (const StepStat& s : steps.steps) {
        const double share = s.end > s.begin ? double(s.gpuBusyNs) / double(s.end - s.begin) : 1;
        if (share < worstShare) worstShare = share, worst = &s;
    }
    Finding f;
    f.rule = "cpu-bound-step";
    f.title = "Training steps are CPU-bound: the GPU is busy " +
              pct(100 * steps.medianGpuBusyShare) + " of the median step";
    f.detail = "Step time is set by the host; the least busy step (" + worst->name +
               ") keeps the GPU busy " + pct(100 * worstShare) + ".";
    f.threshold = "GPU busy < 50 % of the median step's duration";
    f.impactNs =
        int64_t(steps.medianNs * (1 - steps.medianGpuBusyShare)) * int64_t(steps.steps.size());
    f.evidence = TimeSpan{worst->begin, worst->end};
    out.push_back(std::move(f));
}

void ruleOutlierSteps(const StepSummary& steps, std::vector<Finding>& out) {
    const StepStat* worst = nullptr;
    size_t n = 0;
    for (const StepStat& s : steps.steps)
        if (s.outlier) {
            ++n;
            if (!worst || s.end - s.begin > worst->end - worst->begin) worst = &s;
        }
    if (!worst) return;
    Finding f;
    f.rule = "outlier-steps";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f×", double(worst->end - worst->begin) / steps.medianNs);
    f.title = std::to_string(n) + " step(s) take over 1.5× the median; the slowest (" +
              worst->name + ") " + buf;
    f.detail = "Median step " + ms(steps.medianNs) + ".";
    if (!worst->differs.empty()) {
        f.detail += " Extra time in " + worst->name + ":";
        for (const StepDifference& d : worst->differs)
            f.detail += " " + d.what + " +" + ms(double(d.extraNs)) + ";";
        f.detail.pop_back();
        f.detail += ".";
    }
    f.threshold = "step duration > 1.5 × the median step (≥ 3 steps)";
    f.impactNs = int64_t(double(worst->end - worst->begin) - steps.medianNs);
    f.evidence = TimeSpan{worst->begin, worst->end};
    out.push_back(std::move(f));
}

} // namespace

int64_t unionLength(std::vector<Interval>& intervals, TimeSpan span) {
    std::sort(intervals.begin(), intervals.end(),
              [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
    int64_t total = 0, curB = 0, curE = 0;
    bool open = false;
    for (const Interval& i : intervals) {
        const int64_t b = std::max(i.begin, span.begin), e = std::min(i.end, span.end);
        if (e <= b) continue;
        if (open && b <= curE) {
            curE = std::max(curE, e);
            continue;
        }
        if (open) total += curE - curB;
        curB = b, curE = e, open = true;
    }
    if (open) total += curE - curB;
    return total;
}

const char* defaultStepPattern() {
    return "^(step \\d+|ProfilerStep#\\d+)$";
}

bool validStepPattern(const std::string& pattern, std::string* error) {
    try {
        std::regex re(pattern, std::regex::ECMAScript);
        return true;
    } catch (const std::regex_error& e) {
        if (error) *error = e.what();
        return false;
    }
}

TimeSpan gpuSpan(const Run& run) {
    return spanOf(gpuEvents(run));
}

const char* deviceKindWord(const Run& run) {
    std::set<uint32_t> devices(run.kernels.device.begin(), run.kernels.device.end());
    devices.insert(run.memcpy.device.begin(), run.memcpy.device.end());
    devices.insert(run.memset.device.begin(), run.memset.device.end());
    const bool cpu =
        !devices.empty() &&
        std::all_of(devices.begin(), devices.end(), [&](uint32_t d) { return run.deviceIsCpu(d); });
    return cpu ? "CPU" : "GPU";
}

std::vector<UtilizationRow> computeUtilization(const Run& run, std::optional<TimeSpan> span) {
    const std::vector<GpuEvent> events = gpuEvents(run);
    return utilizationOf(events, effectiveSpan(events, span));
}

Diagnosis diagnose(const Run& run, const DiagnosisOptions& options) {
    Diagnosis d;
    const std::vector<GpuEvent> events = gpuEvents(run);
    d.span = effectiveSpan(events, options.span);
    d.utilization = utilizationOf(events, d.span);
    const ApiIndex api(run);
    std::map<uint32_t, std::vector<size_t>> perDevice;
    for (size_t i : orderByBegin(events)) perDevice[events[i].device].push_back(i);
    for (const auto& [device, order] : perDevice)
        d.breakdown.push_back(breakdownOf(device, events, order, d.span, run, api));
    d.launch = launchOverheadOf(run, api, d.span);
    const Coverage gpu = Coverage::of(events, orderByBegin(events), spanOf(events));
    std::vector<bool> isStepRange;
    d.steps = stepsOf(run, options, gpu, isStepRange);

    ruleLowUtilization(d, d.findings);
    ruleBlockingCopies(run, api, d.span, d.findings);
    ruleTinyKernels(run, d.launch, d.span, d.findings);
    ruleLowOccupancy(run, options.span, d.findings);
    ruleStarvation(run, d, events, isStepRange, d.findings);
    ruleCpuBoundStep(d.steps, d.findings);
    ruleOutlierSteps(d.steps, d.findings);
    std::stable_sort(d.findings.begin(), d.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.impactNs > b.impactNs; });
    return d;
}

// ---- Output ----

namespace {

std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}
std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string dump(const nlohmann::json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json utilizationToJson(const std::vector<UtilizationRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const UtilizationRow& r : rows)
        out.push_back({{"device", r.device},
                       {"stream", r.stream ? nlohmann::json(*r.stream) : nlohmann::json()},
                       {"busy_ns", r.busyNs},
                       {"span_ns", r.spanNs},
                       {"busy_percent", r.busyPercent},
                       {"events", r.events},
                       {"idle_gaps", r.idleGaps},
                       {"longest_gap_ns", r.longestGapNs}});
    return out;
}

} // namespace

std::string utilizationCsv(const std::vector<UtilizationRow>& rows) {
    std::string out = "device,stream,busy_ns,span_ns,busy_percent\n";
    for (const UtilizationRow& r : rows)
        out += std::to_string(r.device) + "," + (r.stream ? std::to_string(*r.stream) : "") + "," +
               std::to_string(r.busyNs) + "," + std::to_string(r.spanNs) + "," +
               fixed(r.busyPercent, 6) + "\n";
    return out;
}

std::string utilizationJson(const std::vector<UtilizationRow>& rows) {
    return dump(utilizationToJson(rows));
}

std::string diagnosisCsv(const Diagnosis& d) {
    std::string out = "# breakdown\ndevice,span_ns,compute_ns,copy_ns,idle_ns,idle_host_ns,"
                      "idle_sync_ns,idle_other_ns,idle_gaps,gaps_without_launch\n";
    for (const DeviceBreakdown& b : d.breakdown)
        out += std::to_string(b.device) + "," + std::to_string(b.spanNs) + "," +
               std::to_string(b.computeNs) + "," + std::to_string(b.copyNs) + "," +
               std::to_string(b.idleNs) + "," + std::to_string(b.idleHostNs) + "," +
               std::to_string(b.idleSyncNs) + "," + std::to_string(b.idleOtherNs) + "," +
               std::to_string(b.idleGaps) + "," + std::to_string(b.gapsWithoutLaunch) + "\n";
    out += "\n# launch\nname,count,median_latency_ns,average_latency_ns,max_latency_ns,"
           "shorter_than_launch\n";
    for (const LaunchStat& s : d.launch.perName)
        out += csvField(s.name) + "," + std::to_string(s.count) + "," + num(s.medianNs) + "," +
               num(s.averageNs) + "," + std::to_string(s.maximumNs) + "," +
               std::to_string(s.shorterThanLaunch) + "\n";
    out += "\n# steps\nindex,name,start_ns,end_ns,duration_ns,gpu_busy_ns,outlier,differs\n";
    for (const StepStat& s : d.steps.steps) {
        std::string differs;
        for (const StepDifference& x : s.differs)
            differs +=
                (differs.empty() ? "" : "; ") + x.what + " +" + std::to_string(x.extraNs) + " ns";
        out += std::to_string(s.index) + "," + csvField(s.name) + "," + std::to_string(s.begin) +
               "," + std::to_string(s.end) + "," + std::to_string(s.end - s.begin) + "," +
               std::to_string(s.gpuBusyNs) + "," + (s.outlier ? "1" : "0") + "," +
               csvField(differs) + "\n";
    }
    out += "\n# findings\nrule,title,impact_ns,evidence_start_ns,evidence_end_ns,kernel,threshold,"
           "detail\n";
    for (const Finding& f : d.findings)
        out += f.rule + "," + csvField(f.title) + "," + std::to_string(f.impactNs) + "," +
               (f.evidence ? std::to_string(f.evidence->begin) : "") + "," +
               (f.evidence ? std::to_string(f.evidence->end) : "") + "," + csvField(f.kernel) +
               "," + csvField(f.threshold) + "," + csvField(f.detail) + "\n";
    return out;
}

std::string diagnosisJson(const Diagnosis& d) {
    nlohmann::json j;
    j["span"] = {{"start_ns", d.span.begin}, {"end_ns", d.span.end}};
    j["utilization"] = utilizationToJson(d.utilization);
    j["breakdown"] = nlohmann::json::array();
    for (const DeviceBreakdown& b : d.breakdown)
        j["breakdown"].push_back({{"device", b.device},
                                  {"span_ns", b.spanNs},
                                  {"compute_ns", b.computeNs},
                                  {"copy_ns", b.copyNs},
                                  {"idle_ns", b.idleNs},
                                  {"idle_host_ns", b.idleHostNs},
                                  {"idle_sync_ns", b.idleSyncNs},
                                  {"idle_other_ns", b.idleOtherNs},
                                  {"idle_gaps", b.idleGaps},
                                  {"gaps_without_launch", b.gapsWithoutLaunch}});
    auto& l = j["launch"];
    l = {{"matched", d.launch.matched},
         {"unmatched", d.launch.unmatched},
         {"shorter_than_launch", d.launch.shorterThanLaunch},
         {"median_latency_ns", d.launch.medianNs},
         {"per_name", nlohmann::json::array()}};
    for (const LaunchStat& s : d.launch.perName)
        l["per_name"].push_back({{"name", s.name},
                                 {"count", s.count},
                                 {"median_latency_ns", s.medianNs},
                                 {"average_latency_ns", s.averageNs},
                                 {"max_latency_ns", s.maximumNs},
                                 {"shorter_than_launch", s.shorterThanLaunch}});
    auto& st = j["steps"];
    st = {{"pattern", d.steps.pattern},
          {"median_ns", d.steps.medianNs},
          {"average_ns", d.steps.averageNs},
          {"min_ns", d.steps.minimumNs},
          {"max_ns", d.steps.maximumNs},
          {"outlier_factor", d.steps.outlierFactor},
          {"median_gpu_busy_share", d.steps.medianGpuBusyShare},
          {"steps", nlohmann::json::array()}};
    for (const StepStat& s : d.steps.steps) {
        nlohmann::json differs = nlohmann::json::array();
        for (const StepDifference& x : s.differs)
            differs.push_back({{"what", x.what}, {"extra_ns", x.extraNs}});
        st["steps"].push_back({{"index", s.index},
                               {"name", s.name},
                               {"start_ns", s.begin},
                               {"end_ns", s.end},
                               {"gpu_busy_ns", s.gpuBusyNs},
                               {"outlier", s.outlier},
                               {"differs", differs}});
    }
    j["findings"] = nlohmann::json::array();
    for (const Finding& f : d.findings) {
        nlohmann::json x = {{"rule", f.rule},          {"title", f.title},
                            {"detail", f.detail},      {"threshold", f.threshold},
                            {"impact_ns", f.impactNs}, {"kernel", f.kernel}};
        if (f.evidence)
            x["evidence"] = {{"start_ns", f.evidence->begin}, {"end_ns", f.evidence->end}};
        j["findings"].push_back(x);
    }
    return dump(j);
}

std::string diagnosisText(const Diagnosis& d, const Run& run) {
    std::string out;
    out += std::string(deviceKindWord(run)) + " span: " + ms(double(d.span.end - d.span.begin)) +
           "\n\nUtilization\n";
    for (const UtilizationRow& u : d.utilization) {
        out += u.stream ? "    stream " + std::to_string(*u.stream)
                        : "  device " + std::to_string(u.device) + " (" +
                              str(run.deviceName(u.device)) + ")";
        out += ": busy " + pct(u.busyPercent) + " (" + ms(double(u.busyNs)) + "), " +
               std::to_string(u.events) + " events, " + std::to_string(u.idleGaps) + " gaps\n";
    }
    out += "\nTime breakdown (compute / copy only / idle; idle: host / sync / other)\n";
    for (const DeviceBreakdown& b : d.breakdown) {
        out += "  device " + std::to_string(b.device) + ": " +
               pct(percentOf(b.computeNs, b.spanNs)) + " / " + pct(percentOf(b.copyNs, b.spanNs)) +
               " / " + pct(percentOf(b.idleNs, b.spanNs)) + "; idle " + ms(double(b.idleHostNs)) +
               " / " + ms(double(b.idleSyncNs)) + " / " + ms(double(b.idleOtherNs)) + "\n";
        if (b.gapsWithoutLaunch)
            out += "    (" + std::to_string(b.gapsWithoutLaunch) +
                   " gaps: the next work's launch call is not in the run, counted as other)\n";
    }
    const LaunchOverhead& l = d.launch;
    out += "\nLaunch overhead (API call start to kernel start)\n";
    if (l.matched == 0) {
        out += "  no kernel has a launch call in this run\n";
    } else {
        out += "  " + std::to_string(l.matched) + " kernels matched (" +
               std::to_string(l.unmatched) + " without a launch call); median " + ms(l.medianNs) +
               "; " + pct(percentOf(int64_t(l.shorterThanLaunch), int64_t(l.matched))) +
               " shorter than their launch call\n";
        for (size_t i = 0; i < std::min<size_t>(10, l.perName.size()); ++i)
            out += "    " + std::to_string(l.perName[i].count) + "×  median " +
                   ms(l.perName[i].medianNs) + "  max " + ms(double(l.perName[i].maximumNs)) +
                   "  " + l.perName[i].name + "\n";
    }
    const StepSummary& s = d.steps;
    out += "\nSteps (ranges matching " + s.pattern + ")\n";
    if (s.steps.empty()) {
        out += "  none\n";
    } else {
        out += "  " + std::to_string(s.steps.size()) + " steps: median " + ms(s.medianNs) +
               ", mean " + ms(s.averageNs) + ", min " + ms(double(s.minimumNs)) + ", max " +
               ms(double(s.maximumNs)) + "; GPU busy " + pct(100 * s.medianGpuBusyShare) +
               " of the median step\n";
        for (const StepStat& st : s.steps) {
            if (!st.outlier) continue;
            out += "  outlier " + st.name + ": " + ms(double(st.end - st.begin));
            for (const StepDifference& x : st.differs)
                out += "; " + x.what + " +" + ms(double(x.extraNs));
            out += "\n";
        }
    }
    out += "\nFindings\n";
    if (d.findings.empty()) out += "  no rule fired\n";
    for (const Finding& f : d.findings) {
        out += "  [" + f.rule + "] " + f.title + "\n    " + f.detail +
               "\n    threshold: " + f.threshold + "\n";
        if (f.evidence)
            out += "    evidence: " + std::to_string(f.evidence->begin) + " – " +
                   std::to_string(f.evidence->end) + " ns\n";
        if (!f.kernel.empty()) out += "    kernel: " + f.kernel + "\n";
    }
    return out;
}

} // namespace ks::data
