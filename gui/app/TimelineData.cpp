#include "gui/app/TimelineData.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

namespace ks::gui {

size_t TimelineRow::firstEndingAfter(int64_t t) const {
    return size_t(std::upper_bound(maxEnd.begin(), maxEnd.end(), t) - maxEnd.begin());
}

int64_t TimelineRow::busyBefore(int64_t t) const {
    // Intervals starting before t: their union is covered[k]; the part of it after t is
    // [t, running max end) because the interval with the largest end starts before t.
    const bool merged = kind == RowKind::Utilization;
    const auto& starts = merged ? busyStart : start;
    const auto& ends = merged ? busyEnd : maxEnd;
    const size_t k = size_t(std::lower_bound(starts.begin(), starts.end(), t) - starts.begin());
    if (k == 0 || covered.size() <= k) return 0;
    return covered[k] - std::max<int64_t>(0, ends[k - 1] - t);
}

int64_t TimelineRow::busyBefore(int64_t t, size_t& hint) const {
    const bool merged = kind == RowKind::Utilization;
    const auto& starts = merged ? busyStart : start;
    const auto& ends = merged ? busyEnd : maxEnd;
    const size_t n = starts.size();
    // k = the number of intervals starting before t. Gallop from the hint towards it (either
    // way), then binary search the bracket: a few probes when the hint is close.
    size_t lo = 0, hi = n, at = std::min(hint, n), step = 1;
    if (at > 0 && starts[at - 1] >= t) { // k < at
        hi = at;
        while (hi > 0) {
            const size_t probe = hi > step ? hi - step : 0;
            if (probe == 0 || starts[probe - 1] < t) {
                lo = probe;
                break;
            }
            hi = probe, step *= 2;
        }
    } else { // k >= at
        lo = at;
        while (lo < n) {
            const size_t probe = std::min(n, lo + step);
            if (starts[probe - 1] >= t) {
                hi = probe;
                break;
            }
            lo = probe, step *= 2;
        }
        hi = std::max(hi == n ? n : hi, lo);
    }
    const size_t k = size_t(std::lower_bound(starts.begin() + std::ptrdiff_t(lo),
                                             starts.begin() + std::ptrdiff_t(hi), t) -
                            starts.begin());
    hint = k;
    if (k == 0 || covered.size() <= k) return 0;
    return covered[k] - std::max<int64_t>(0, ends[k - 1] - t);
}

uint64_t TimelineRow::weightBetween(int64_t a, int64_t b) const {
    if (b <= a || weightBefore.size() != start.size() + 1) return 0;
    const auto i = std::lower_bound(start.begin(), start.end(), a) - start.begin();
    const auto j = std::lower_bound(start.begin() + i, start.end(), b) - start.begin();
    return weightBefore[size_t(j)] - weightBefore[size_t(i)];
}

int64_t TimelineRow::busyBetween(int64_t a, int64_t b) const {
    return b > a ? busyBefore(b) - busyBefore(a) : 0;
}

size_t TimelineRow::idleGaps(int64_t a, int64_t b, int64_t minGapNs, int64_t* longest) const {
    size_t gaps = 0;
    int64_t worst = 0;
    const bool merged = kind == RowKind::Utilization;
    const auto& starts = merged ? busyStart : start;
    const auto& ends = merged ? busyEnd : maxEnd;
    size_t i = size_t(std::upper_bound(ends.begin(), ends.end(), a) - ends.begin());
    for (++i; i < starts.size() && starts[i] < b; ++i) {
        const int64_t gap = starts[i] - ends[i - 1];
        if (gap >= std::max<int64_t>(1, minGapNs)) ++gaps, worst = std::max(worst, gap);
    }
    if (longest) *longest = worst;
    return gaps;
}

namespace {

// A row being filled: events are appended in table order, sorted once at the end (producers
// usually write them sorted already, so the sort is mostly skipped).
struct Pending {
    TimelineRow row;
    void add(int64_t s, int64_t e, uint32_t name, EventRef ref) {
        row.start.push_back(s);
        row.end.push_back(std::max(s, e));
        row.name.push_back(name);
        row.ref.push_back(ref);
    }
};

template <class T> void permute(std::vector<T>& v, const std::vector<uint32_t>& order) {
    std::vector<T> out(v.size());
    for (size_t i = 0; i < order.size(); ++i) out[i] = v[order[i]];
    v.swap(out);
}

void finish(TimelineRow& row) {
    const size_t n = row.start.size();
    if (!std::is_sorted(row.start.begin(), row.start.end())) {
        std::vector<uint32_t> order(n);
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(), order.end(),
                         [&](uint32_t a, uint32_t b) { return row.start[a] < row.start[b]; });
        permute(row.start, order);
        permute(row.end, order);
        permute(row.name, order);
        permute(row.ref, order);
    }
    row.maxEnd.resize(n);
    int64_t running = std::numeric_limits<int64_t>::min();
    for (size_t i = 0; i < n; ++i) row.maxEnd[i] = running = std::max(running, row.end[i]);
    const size_t chunks = (n + TimelineRow::kChunk - 1) / TimelineRow::kChunk;
    row.chunkMaxGap.assign(chunks, std::numeric_limits<int64_t>::min());
    row.chunkMaxDur.assign(chunks, 0);
    for (size_t i = 0; i < n; ++i) {
        const size_t c = i / TimelineRow::kChunk;
        const int64_t gap =
            i == 0 ? std::numeric_limits<int64_t>::max() : row.start[i] - row.maxEnd[i - 1];
        row.chunkMaxGap[c] = std::max(row.chunkMaxGap[c], gap);
        row.chunkMaxDur[c] = std::max(row.chunkMaxDur[c], row.end[i] - row.start[i]);
    }
    row.covered.resize(n + 1);
    row.covered[0] = 0;
    for (size_t i = 0; i < n; ++i) {
        const int64_t from = i == 0 ? row.start[i] : std::max(row.start[i], row.maxEnd[i - 1]);
        row.covered[i + 1] = row.covered[i] + std::max<int64_t>(0, row.end[i] - from);
    }
}

// The utilisation track of a device: the union of the events of its stream rows.
TimelineRow utilizationRow(const std::vector<const TimelineRow*>& streams) {
    TimelineRow u;
    u.kind = RowKind::Utilization;
    u.device = streams.front()->device;
    u.group = streams.front()->group;
    u.label = "Utilization";
    std::vector<std::pair<int64_t, int64_t>> all;
    size_t n = 0;
    for (const TimelineRow* r : streams) n += r->size();
    all.reserve(n);
    for (const TimelineRow* r : streams)
        for (size_t i = 0; i < r->size(); ++i) all.emplace_back(r->start[i], r->end[i]);
    std::sort(all.begin(), all.end());
    for (const auto& [s, e] : all) {
        if (!u.busyEnd.empty() && s <= u.busyEnd.back()) {
            u.busyEnd.back() = std::max(u.busyEnd.back(), e);
            continue;
        }
        u.busyStart.push_back(s);
        u.busyEnd.push_back(e);
    }
    u.covered.resize(u.busyStart.size() + 1, 0);
    for (size_t i = 0; i < u.busyStart.size(); ++i)
        u.covered[i + 1] = u.covered[i] + (u.busyEnd[i] - u.busyStart[i]);
    return u;
}

} // namespace

std::shared_ptr<TimelineData> TimelineData::build(std::shared_ptr<const data::Run> runPtr,
                                                  const std::function<bool(double)>& progress) {
    auto keepGoing = [&](double fraction) { return !progress || progress(fraction); };
    auto data = std::make_shared<TimelineData>();
    data->m_run = runPtr;
    const data::Run& run = *runPtr;

    // Keyed so rows come out grouped: each device's streams, then the ranges drawn on it, then
    // threads (API calls, ranges by depth, samples). A one-entry cache in front of the map:
    // consecutive events often share a row.
    using Key = std::tuple<int, uint32_t, uint32_t, uint32_t, uint32_t>;
    std::map<Key, Pending> rows;
    Key lastKey{-1, 0, 0, 0, 0};
    Pending* last = nullptr;
    auto rowFor = [&](const Key& key) -> Pending& {
        if (last && key == lastKey) return *last;
        lastKey = key;
        return *(last = &rows[key]);
    };
    auto deviceGroup = [&](uint32_t device) {
        const auto name = run.deviceName(device);
        return (run.deviceIsCpu(device) ? "CPU device " : "GPU ") + std::to_string(device) +
               (name.empty() ? "" : " · " + std::string(name));
    };
    auto deviceRow = [&](uint32_t device, uint32_t stream) -> Pending& {
        auto& p = rowFor({0, device, 0, stream, 0});
        if (p.row.label.empty()) {
            p.row.kind = RowKind::Device;
            p.row.device = device;
            p.row.stream = stream;
            p.row.group = deviceGroup(device);
            p.row.label = (run.deviceIsCpu(device) ? "Lane " : "Stream ") + std::to_string(stream);
        }
        return p;
    };
    // Ranges a trace drew on a GPU (Kineto's gpu_user_annotation) go under their device.
    std::map<uint32_t, std::optional<data::Run::GpuSideLane>> gpuLanes;
    const std::optional<data::Run::GpuSideLane>* lastLane = nullptr; // of lastLaneThread
    uint32_t lastLaneThread = 0;
    auto gpuLaneOf = [&](uint32_t thread) -> const std::optional<data::Run::GpuSideLane>& {
        if (lastLane && thread == lastLaneThread) return *lastLane;
        auto it = gpuLanes.find(thread);
        if (it == gpuLanes.end()) it = gpuLanes.emplace(thread, run.gpuSideLane(thread)).first;
        lastLaneThread = thread;
        return *(lastLane = &it->second);
    };
    auto threadGroup = [&](uint32_t thread) {
        const auto name = run.threadName(thread);
        return "Thread " + std::to_string(thread) + (name.empty() ? "" : " · " + std::string(name));
    };

    const auto& k = run.kernels;
    for (size_t i = 0; i < k.size(); ++i)
        deviceRow(k.device[i], k.stream[i])
            .add(k.start_ns[i], k.end_ns[i], k.name[i], EventRef{EventSource::Kernel, uint32_t(i)});
    if (!keepGoing(0.15)) return nullptr;
    const auto& m = run.memcpy;
    for (size_t i = 0; i < m.size(); ++i)
        deviceRow(m.device[i], m.stream[i])
            .add(m.start_ns[i], m.end_ns[i], 0, EventRef{EventSource::Memcpy, uint32_t(i)});
    const auto& ms = run.memset;
    for (size_t i = 0; i < ms.size(); ++i)
        deviceRow(ms.device[i], ms.stream[i])
            .add(ms.start_ns[i], ms.end_ns[i], 0, EventRef{EventSource::Memset, uint32_t(i)});
    // A lane of a thread's group: `slot` orders it (0 API, 1 ranges by depth, 2 samples). The
    // label is built once per lane (a range lane's gets its depth appended).
    auto threadRow = [&](uint32_t thread, uint32_t slot, uint32_t depth, RowKind kind,
                         const char* label) -> Pending& {
        auto& p = rowFor({1, thread, slot, depth, 0});
        if (p.row.label.empty()) {
            p.row.kind = kind;
            p.row.thread = thread;
            p.row.depth = depth;
            p.row.group = threadGroup(thread);
            p.row.label = label;
            if (kind == RowKind::Range) p.row.label += std::to_string(depth);
        }
        return p;
    };
    const auto& a = run.api;
    for (size_t i = 0; i < a.size(); ++i)
        threadRow(a.thread[i], 0, 0, RowKind::Api, "CUDA API")
            .add(a.start_ns[i], a.end_ns[i], a.name[i], EventRef{EventSource::Api, uint32_t(i)});
    if (!keepGoing(0.3)) return nullptr;
    const auto& r = run.ranges;
    for (size_t i = 0; i < r.size(); ++i) {
        const auto& gpu = gpuLaneOf(r.thread[i]);
        if (!gpu) {
            threadRow(r.thread[i], 1, r.depth[i], RowKind::Range, "Ranges · depth ")
                .add(r.start_ns[i], r.end_ns[i], r.name[i],
                     EventRef{EventSource::Range, uint32_t(i)});
            continue;
        }
        auto& p = rowFor({0, gpu->device, 1, r.thread[i], r.depth[i]});
        if (p.row.label.empty()) {
            p.row.kind = RowKind::Range;
            p.row.thread = r.thread[i];
            p.row.depth = r.depth[i];
            p.row.device = gpu->device;
            p.row.group = deviceGroup(gpu->device);
            p.row.label = "Ranges · " + gpu->lane +
                          (r.depth[i] ? " · depth " + std::to_string(r.depth[i]) : "");
        }
        p.add(r.start_ns[i], r.end_ns[i], r.name[i], EventRef{EventSource::Range, uint32_t(i)});
    }

    // CPU samples: one lane per thread, under the thread's ranges.
    const auto& smp = run.samples;
    for (size_t i = 0; i < smp.size(); ++i) {
        const uint32_t node = smp.stack[i];
        const uint32_t leaf = node < run.stacks.size() ? run.stacks.frame[node] : 0;
        threadRow(smp.thread[i], 2, 0, RowKind::Samples, "CPU samples")
            .add(smp.time_ns[i], smp.time_ns[i], leaf, EventRef{EventSource::Sample, uint32_t(i)});
    }

    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    std::vector<const TimelineRow*> deviceStreams;
    auto addUtilization = [&] {
        if (deviceStreams.empty()) return;
        // The track goes above the device's streams.
        const size_t first = data->m_rows.size() - deviceStreams.size();
        data->m_rows.insert(data->m_rows.begin() + std::ptrdiff_t(first),
                            utilizationRow(deviceStreams));
        deviceStreams.clear();
    };
    data->m_rows.reserve(rows.size() + 8);
    if (!keepGoing(0.4)) return nullptr;
    size_t finished = 0;
    for (auto& [key, p] : rows) {
        if (!keepGoing(0.4 + 0.4 * double(finished++) / double(rows.size()))) return nullptr;
        finish(p.row);
        if (p.row.kind == RowKind::Samples) {
            p.row.weightBefore.assign(p.row.size() + 1, 0);
            for (size_t i = 0; i < p.row.size(); ++i) {
                const uint32_t sample = p.row.ref[i].index;
                const uint64_t w = sample < smp.weight.size() ? smp.weight[sample] : 1;
                // Saturating: the weights come from the file.
                constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
                const uint64_t before = p.row.weightBefore[i];
                p.row.weightBefore[i + 1] = w > kMax - before ? kMax : before + w;
            }
        }
        if (p.row.size()) {
            lo = std::min(lo, p.row.start.front());
            hi = std::max(hi, p.row.maxEnd.back());
        }
        const bool device = p.row.kind == RowKind::Device;
        if (!deviceStreams.empty() && (!device || p.row.device != deviceStreams.front()->device))
            addUtilization();
        data->m_eventCount += p.row.size();
        data->m_rows.push_back(std::move(p.row));
        if (device) {
            deviceStreams.clear(); // pointers move with the vector: rebuilt below
            for (size_t r = data->m_rows.size(); r-- > 0;) {
                const TimelineRow& x = data->m_rows[r];
                if (x.kind != RowKind::Device || x.device != data->m_rows.back().device) break;
                deviceStreams.insert(deviceStreams.begin(), &x);
            }
        }
    }
    addUtilization();
    for (const auto& [name, series] : run.counters) {
        if (series.size() == 0) continue;
        TimelineRow row;
        row.kind = RowKind::Counter;
        row.group = "Counters";
        row.label = name;
        row.counter = &series;
        const auto [mn, mx] = std::minmax_element(series.value.begin(), series.value.end());
        row.counterMin = *mn;
        row.counterMax = *mx;
        lo = std::min(lo, series.time_ns.front());
        hi = std::max(hi, series.time_ns.back());
        data->m_rows.push_back(std::move(row));
    }
    if (lo > hi) lo = 0, hi = 1000;
    if (hi <= lo) hi = lo + 1000;
    data->m_begin = lo;
    data->m_end = hi;

    if (!keepGoing(0.85)) return nullptr;
    // Reverse indexes for selection from tables and for flow arrows.
    data->m_where[int(EventSource::Kernel)].resize(k.size());
    data->m_where[int(EventSource::Memcpy)].resize(m.size());
    data->m_where[int(EventSource::Memset)].resize(ms.size());
    data->m_where[int(EventSource::Api)].resize(a.size());
    data->m_where[int(EventSource::Range)].resize(r.size());
    data->m_where[int(EventSource::Sample)].resize(smp.size());
    data->m_apiByCorrelation.reserve(a.size());
    for (uint32_t ri = 0; ri < data->m_rows.size(); ++ri) {
        const auto& row = data->m_rows[ri];
        for (uint32_t i = 0; i < row.size(); ++i) {
            data->m_where[int(row.ref[i].source)][row.ref[i].index] = {ri, i};
            if (row.ref[i].source == EventSource::Api)
                data->m_apiByCorrelation.push_back({a.correlation[row.ref[i].index], {ri, i}});
        }
    }
    if (!std::is_sorted(data->m_apiByCorrelation.begin(), data->m_apiByCorrelation.end()))
        std::sort(data->m_apiByCorrelation.begin(), data->m_apiByCorrelation.end());
    return data;
}

void TimelineData::layoutRow(size_t rowIndex, double t0, double nsPerPx, int widthPx,
                             std::vector<DrawItem>& out) const {
    out.clear();
    const TimelineRow& row = m_rows[rowIndex];
    const size_t n = row.size();
    if (n == 0 || nsPerPx <= 0) return;
    const double t1 = t0 + nsPerPx * widthPx;
    const double inv = 1.0 / nsPerPx;
    auto px = [&](int64_t t) { return float((double(t) - t0) * inv); };
    size_t i = row.firstEndingAfter(int64_t(std::floor(t0)));
    while (i < n && double(row.start[i]) < t1) {
        const float x0 = px(row.start[i]);
        const float x1 = px(row.end[i]);
        if (x1 - x0 >= kMinPx) {
            out.push_back({x0, x1, uint32_t(i), 1});
            ++i;
            continue;
        }
        // Fold: the block runs until an event starts kMinPx or more after everything before it
        // ended, or an event is wide enough to draw on its own, or the window ends. Chunks with
        // no such event are skipped whole, so a dense stretch costs O(chunks), not O(events).
        DrawItem block{x0, std::max(x1, x0 + 1.0f), uint32_t(i), 0};
        const double minNs = double(kMinPx) * nsPerPx;
        auto breaks = [&](size_t k) {
            return double(row.start[k]) >= t1 ||
                   double(row.start[k] - row.maxEnd[k - 1]) >= minNs ||
                   double(row.end[k] - row.start[k]) >= minNs;
        };
        size_t j = i + 1;
        while (j < n) {
            if (j % TimelineRow::kChunk == 0) {
                size_t c = j / TimelineRow::kChunk;
                const size_t chunks = row.chunkMaxGap.size();
                while (c < chunks && double(row.chunkMaxGap[c]) < minNs &&
                       double(row.chunkMaxDur[c]) < minNs &&
                       double(row.start[std::min(n, (c + 1) * TimelineRow::kChunk) - 1]) < t1)
                    ++c;
                j = std::min(n, c * TimelineRow::kChunk);
                if (j >= n) break;
            }
            if (breaks(j)) break;
            ++j;
        }
        block.x1 = std::max(block.x1, px(row.end[j - 1]));
        block.count = uint32_t(j - i);
        out.push_back(block);
        i = j;
    }
}

std::string TimelineData::eventName(size_t rowIndex, size_t index) const {
    const auto& row = m_rows[rowIndex];
    const auto ref = row.ref[index];
    switch (ref.source) {
    case EventSource::Memcpy:
        return std::string("Memcpy ") + data::memcpyKindName(m_run->memcpy.kind[ref.index]);
    case EventSource::Memset:
        return "Memset";
    default:
        return std::string(m_run->strings.get(row.name[index]));
    }
}

bool TimelineData::locate(EventRef ref, size_t& row, size_t& index) const {
    const auto& where = m_where[int(ref.source)];
    if (ref.index >= where.size()) return false;
    row = where[ref.index].first;
    index = where[ref.index].second;
    return true;
}

bool TimelineData::findApiByCorrelation(uint32_t correlation, size_t& row, size_t& index) const {
    if (correlation == 0) return false;
    auto it = std::lower_bound(m_apiByCorrelation.begin(), m_apiByCorrelation.end(),
                               std::make_pair(correlation, std::make_pair(0u, 0u)));
    if (it == m_apiByCorrelation.end() || it->first != correlation) return false;
    row = it->second.first;
    index = it->second.second;
    return true;
}

} // namespace ks::gui
