#pragma once
// The timeline's rows, built once per run off the GUI thread, and the level-of-detail pass that
// turns a visible time window into a short draw list. No widgets here: the benchmark and the tests
// drive it directly.
#include "data/Run.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ks::gui {

enum class RowKind : uint8_t { Device, Api, Range, Counter, Utilization, Samples };
// Which table an event came from.
enum class EventSource : uint8_t { Kernel, Memcpy, Memset, Api, Range, Sample };
constexpr size_t kEventSources = 6;

struct EventRef {
    EventSource source = EventSource::Kernel;
    uint32_t index = 0; // row in that table
    bool operator==(const EventRef&) const = default;
};

// One horizontal lane: events sorted by start, with a running maximum of end times so the first
// event overlapping a window is found by binary search even when events overlap.
struct TimelineRow {
    RowKind kind = RowKind::Device;
    std::string group; // "GPU 0 · NVIDIA H100", "Thread 7 · main", "Counters"
    std::string label; // "Stream 7", "CUDA API", "Ranges d0", counter name
    uint32_t device = 0, stream = 0, thread = 0, depth = 0;
    std::vector<int64_t> start, end, maxEnd;
    std::vector<uint32_t> name; // string ids (0 for copies: drawn by kind)
    std::vector<EventRef> ref;
    // Per chunk of kChunk events: the largest gap before an event (start - running max end) and
    // the longest event, so folding skips whole chunks that can hold no block boundary.
    static constexpr size_t kChunk = 64;
    std::vector<int64_t> chunkMaxGap, chunkMaxDur;
    const data::CounterSeries* counter = nullptr;
    double counterMin = 0, counterMax = 0;
    // Coverage: covered[i] is the length of the union of events [0, i), so the busy time in any
    // window is two binary searches away (what folded blocks and span statistics draw on).
    // A Utilization row has no events: busyStart/busyEnd hold the merged busy intervals of all
    // of its device's streams, and covered indexes those instead.
    std::vector<int64_t> covered;
    std::vector<int64_t> busyStart, busyEnd;
    // A Samples row: its events are the thread's CPU samples (start == end, name = leaf frame);
    // weightBefore[i] is the total weight of samples [0, i), so a window's weight is two searches.
    std::vector<uint64_t> weightBefore;
    size_t size() const { return start.size(); }
    // Total sample weight with a <= time < b (Samples rows).
    uint64_t weightBetween(int64_t a, int64_t b) const;
    // Index of the first event whose end is after t (events before it all ended by t).
    size_t firstEndingAfter(int64_t t) const;
    // Time covered by at least one event of the row in [a, b).
    int64_t busyBetween(int64_t a, int64_t b) const;
    int64_t busyBefore(int64_t t) const;
    // The same for increasing t: `hint` (start at 0) remembers where the last search ended, so a
    // sweep across the pixel columns costs one short search per column.
    int64_t busyBefore(int64_t t, size_t& hint) const;
    // Gaps of at least minGapNs between events inside [a, b) (events touching the window only).
    size_t idleGaps(int64_t a, int64_t b, int64_t minGapNs, int64_t* longest = nullptr) const;
};

// One drawn primitive: a single event, or a block of `count` folded narrow events.
struct DrawItem {
    float x0 = 0, x1 = 0; // pixels from the left of the event area
    uint32_t first = 0;   // index of the first event in the row
    uint32_t count = 1;   // > 1: a folded block
};

class TimelineData {
public:
    // Builds rows from the run (sorts each row; O(n log n)). The run must outlive this object.
    // `progress` (optional) gets the fraction done now and then; returning false cancels the
    // build, which then returns nullptr.
    static std::shared_ptr<TimelineData> build(std::shared_ptr<const data::Run> run,
                                               const std::function<bool(double)>& progress = {});

    const data::Run& run() const { return *m_run; }
    const std::vector<TimelineRow>& rows() const { return m_rows; }
    int64_t begin() const { return m_begin; }
    int64_t end() const { return m_end; }
    size_t eventCount() const { return m_eventCount; }

    // Level of detail: the draw list of `row` for the window starting at t0 with nsPerPx
    // nanoseconds per pixel and `widthPx` pixels. Events narrower than kMinPx fold into blocks;
    // the cost is O(drawn items x log n), independent of how many events the window holds.
    static constexpr float kMinPx = 2.0f;
    void layoutRow(size_t row, double t0, double nsPerPx, int widthPx,
                   std::vector<DrawItem>& out) const;

    // Events, as (row, index), whose name matches; used by search.
    std::string eventName(size_t row, size_t index) const;
    // Row and index of an event from a table, or false.
    bool locate(EventRef ref, size_t& row, size_t& index) const;
    // Row of the API call with this correlation id (for flow arrows), or false.
    bool findApiByCorrelation(uint32_t correlation, size_t& row, size_t& index) const;

private:
    std::shared_ptr<const data::Run> m_run;
    std::vector<TimelineRow> m_rows;
    int64_t m_begin = 0, m_end = 1;
    size_t m_eventCount = 0;
    // correlation -> (row, index) of API calls, sorted by correlation for binary search.
    std::vector<std::pair<uint32_t, std::pair<uint32_t, uint32_t>>> m_apiByCorrelation;
    // For locate(): per source, the (row, index) of each table row.
    std::vector<std::pair<uint32_t, uint32_t>> m_where[kEventSources];
};

} // namespace ks::gui
