#include "ProfileSpool.h"

#include "cupti_collector/inject/EventFormat.h"
#include "data/Checked.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <vector>

namespace ks::cli {
namespace {

namespace fs = std::filesystem;
using inject::EventFileHeader;
using inject::EventRecord;
using inject::EventType;

struct Event {
    EventType type;
    uint32_t domain, category;
    int64_t timeNs;
    uint64_t a;
    std::string text;
};

struct ThreadEvents {
    uint32_t pid = 0, tid = 0;
    std::map<uint32_t, std::vector<Event>> segments; // by segment number: events in order
};

struct Process {
    uint32_t parent = 0;
    std::string comm, commandLine;
    bool known = false;
};

bool readWholeFile(const fs::path& path, std::vector<char>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || size > (uint64_t(8) << 30)) return false;
    out.resize(size_t(size));
    return bool(in.read(out.data(), std::streamsize(size)));
}

// "ev.<pid>.<tid>.<seq>.ksev" -> seq; false for other names.
bool segmentNumber(const std::string& name, uint32_t& seq) {
    if (name.rfind("ev.", 0) != 0 || name.size() < 9 || name.substr(name.size() - 5) != ".ksev")
        return false;
    const std::string core = name.substr(3, name.size() - 8);
    const size_t dot = core.rfind('.');
    if (dot == std::string::npos) return false;
    auto v = data::parseInteger<uint32_t>(core.substr(dot + 1));
    if (!v) return false;
    seq = *v;
    return true;
}

// Reads one segment's complete records; a damaged record ends the segment (and is counted).
void readSegment(const std::vector<char>& bytes, const SpoolClock& clock, std::vector<Event>& out,
                 SpoolStats& stats) {
    EventFileHeader h;
    if (bytes.size() < sizeof h) {
        ++stats.damaged;
        return;
    }
    std::memcpy(&h, bytes.data(), sizeof h);
    const uint64_t room = bytes.size() - sizeof h;
    if (std::memcmp(h.magic, inject::kEventMagic, sizeof h.magic) != 0 || h.committed > room ||
        h.capacity > room) {
        ++stats.damaged;
        return;
    }
    stats.dropped += h.dropped;
    uint64_t pos = 0;
    while (pos < h.committed) {
        EventRecord r;
        if (h.committed - pos < sizeof r) {
            ++stats.damaged;
            return;
        }
        std::memcpy(&r, bytes.data() + sizeof h + pos, sizeof r);
        const uint64_t size = inject::paddedRecordBytes(r.textBytes);
        if (size > h.committed - pos || r.type < uint16_t(EventType::Push) ||
            r.type > uint16_t(EventType::Tensor)) {
            ++stats.damaged;
            return;
        }
        const auto time = clock.toRunNs(r.timeNs, h.clock);
        if (!time) {
            ++stats.damaged;
            return;
        }
        const char* text = bytes.data() + sizeof h + pos + sizeof r;
        out.push_back(Event{EventType(r.type), r.domain, r.category, *time, r.a,
                            std::string(text, r.textBytes)});
        ++stats.events;
        stats.lastEventNs = std::max(stats.lastEventNs, *time);
        pos += size;
    }
}

// Turns the events into ranges; names and categories resolved from the per-process tables.
class RangeBuilder {
public:
    RangeBuilder(data::Run& run, int64_t origin, int64_t end, SpoolStats& stats)
        : m_run(run), m_origin(origin), m_end(end), m_stats(stats) {}

    void domain(uint32_t pid, uint32_t id, std::string name) {
        m_domains[{pid, id}] = std::move(name);
    }
    void category(uint32_t pid, uint32_t domain, uint32_t id, std::string name) {
        m_categories[{pid, domain, id}] = std::move(name);
    }

    void thread(const ThreadEvents& t) {
        struct Open {
            uint32_t domain;
            size_t row;
        };
        std::vector<Open> open;
        size_t firstRow = m_run.ranges.size();
        for (const auto& [seq, events] : t.segments) {
            for (const Event& e : events) {
                switch (e.type) {
                case EventType::Push:
                    open.push_back({e.domain, addRow(t.pid, t.tid, e, uint32_t(open.size()))});
                    break;
                case EventType::Pop: {
                    auto it = std::find_if(open.rbegin(), open.rend(),
                                           [&](const Open& o) { return o.domain == e.domain; });
                    if (it == open.rend()) {
                        ++m_stats.unmatched;
                        break;
                    }
                    m_run.ranges.end_ns[it->row] = e.timeNs - m_origin;
                    open.erase(std::next(it).base());
                    break;
                }
                case EventType::Mark: {
                    const size_t row = addRow(t.pid, t.tid, e, uint32_t(open.size()));
                    m_run.ranges.end_ns[row] = m_run.ranges.start_ns[row];
                    break;
                }
                case EventType::Start:
                    m_started[{t.pid, e.a}] = {t.tid, e};
                    break;
                case EventType::End: {
                    auto it = m_started.find({t.pid, e.a});
                    if (it == m_started.end()) {
                        ++m_stats.unmatched;
                        break;
                    }
                    m_startEnd.push_back({t.pid, it->second.first, it->second.second, e.timeNs});
                    m_started.erase(it);
                    break;
                }
                default:
                    break;
                }
            }
        }
        for (const Open& o : open) { // never popped: closed where the recording ended
            m_run.ranges.end_ns[o.row] = m_end - m_origin;
            ++m_stats.unmatched;
        }
        uint32_t& maxDepth = m_depthUsed[t.tid];
        for (size_t i = firstRow; i < m_run.ranges.size(); ++i)
            maxDepth = std::max(maxDepth, m_run.ranges.depth[i] + 1);
    }

    // Start/end ranges go below the thread's push/pop ranges, one lane per overlap.
    void finish() {
        for (auto& [key, started] : m_started) {
            m_startEnd.push_back({key.first, started.first, started.second, m_end});
            ++m_stats.unmatched;
        }
        std::stable_sort(m_startEnd.begin(), m_startEnd.end(), [](const auto& x, const auto& y) {
            return std::tie(x.tid, x.start.timeNs) < std::tie(y.tid, y.start.timeNs);
        });
        std::map<uint32_t, std::vector<int64_t>> lanes; // per thread: end of each lane
        for (const StartEnd& s : m_startEnd) {
            auto& ends = lanes[s.tid];
            size_t lane = 0;
            while (lane < ends.size() && ends[lane] > s.start.timeNs) ++lane;
            if (lane == ends.size()) ends.push_back(0);
            ends[lane] = s.endNs;
            const size_t row = addRow(s.pid, s.tid, s.start, m_depthUsed[s.tid] + uint32_t(lane));
            m_run.ranges.end_ns[row] = std::max(s.endNs, s.start.timeNs) - m_origin;
        }
    }

private:
    struct StartEnd {
        uint32_t pid, tid;
        Event start;
        int64_t endNs;
    };

    size_t addRow(uint32_t pid, uint32_t tid, const Event& e, uint32_t depth) {
        std::string name = e.text;
        if (e.domain != 0) {
            auto it = m_domains.find({pid, e.domain});
            name = (it != m_domains.end() ? it->second : "domain" + std::to_string(e.domain)) +
                   "::" + name;
        }
        std::string category = "nvtx";
        if (e.category != 0) {
            auto it = m_categories.find({pid, e.domain, e.category});
            category += ":" + (it != m_categories.end() ? it->second : std::to_string(e.category));
        }
        auto& r = m_run.ranges;
        r.start_ns.push_back(e.timeNs - m_origin);
        r.end_ns.push_back(e.timeNs - m_origin);
        r.thread.push_back(tid);
        r.depth.push_back(depth);
        r.name.push_back(m_run.strings.intern(name));
        r.category.push_back(m_run.strings.intern(category));
        return r.size() - 1;
    }

    data::Run& m_run;
    int64_t m_origin, m_end;
    SpoolStats& m_stats;
    std::map<std::pair<uint32_t, uint32_t>, std::string> m_domains;
    std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::string> m_categories;
    std::map<std::pair<uint32_t, uint64_t>, std::pair<uint32_t, Event>> m_started;
    std::vector<StartEnd> m_startEnd;
    std::map<uint32_t, uint32_t> m_depthUsed;
};

// One captured tensor file (Capture.cpp); false when damaged.
bool readTensorFile(const fs::path& path, const SpoolClock& clock, data::Tensor& t,
                    int64_t& timeNs) {
    std::vector<char> bytes;
    inject::TensorFileHeader h;
    if (!readWholeFile(path, bytes) || bytes.size() < sizeof h) return false;
    std::memcpy(&h, bytes.data(), sizeof h);
    if (std::memcmp(h.magic, inject::kTensorMagic, sizeof h.magic) != 0 || h.ndim > 32 ||
        h.nameBytes == 0 || h.nameBytes > 4096 || h.roleBytes > 64 || h.dtype > 12)
        return false;
    const uint64_t meta = sizeof h + uint64_t(h.nameBytes) + h.roleBytes + 8ull * h.ndim;
    if (meta > bytes.size() || h.dataBytes != bytes.size() - meta) return false;
    const char* p = bytes.data() + sizeof h;
    t.name.assign(p, h.nameBytes);
    t.role.assign(p + h.nameBytes, h.roleBytes);
    t.dtype = data::DType(h.dtype); // kernscope/capture.h's ks_dtype follows data::DType's order
    t.shape.resize(h.ndim);
    std::memcpy(t.shape.data(), p + h.nameBytes + h.roleBytes, 8ull * h.ndim);
    uint64_t count = 1;
    for (int64_t d : t.shape) {
        if (d < 0) return false;
        auto next = data::checkedMul(count, uint64_t(d));
        if (!next) return false;
        count = *next;
    }
    auto expected = data::checkedMul(count, uint64_t(data::dtypeSize(t.dtype)));
    if (!expected || *expected != h.dataBytes) return false;
    const auto* data = reinterpret_cast<const std::byte*>(bytes.data() + meta);
    t.bytes.assign(data, data + h.dataBytes);
    t.step = h.step;
    timeNs = h.timeNs - clock.originRawNs;
    return true;
}

// Unique tensor paths: a second capture of the same name becomes "name~2", then "name~3".
std::string uniqueName(std::set<std::string>& used, const std::string& name) {
    std::string candidate = name;
    for (int n = 2; !used.insert(candidate).second; ++n) candidate = name + "~" + std::to_string(n);
    return candidate;
}

} // namespace

SpoolClock SpoolClock::fromPairs(int64_t originRawNs, uint64_t tsc0, int64_t raw0, uint64_t tsc1,
                                 int64_t raw1) {
    SpoolClock c;
    c.originRawNs = originRawNs;
    c.tsc0 = tsc0;
    c.raw0 = raw0;
    if (tsc1 > tsc0 && raw1 > raw0) c.nsPerTick = (long double)(raw1 - raw0) / (tsc1 - tsc0);
    return c;
}

std::optional<int64_t> SpoolClock::toRunNs(int64_t stamp, uint32_t clock) const {
    if (clock == uint32_t(inject::EventClock::MonotonicRaw)) return stamp - originRawNs;
    if (clock != uint32_t(inject::EventClock::Tsc) || nsPerTick <= 0) return std::nullopt;
    const long double raw = raw0 + ((long double)uint64_t(stamp) - tsc0) * nsPerTick;
    if (raw < -9e18L || raw > 9e18L) return std::nullopt;
    return int64_t(std::llround(raw)) - originRawNs;
}

data::Result<SpoolStats> readSpool(const std::string& dir, const SpoolClock& clock,
                                   int64_t endRunNs, data::Run& run) {
    SpoolStats stats;
    std::map<std::pair<uint32_t, uint32_t>, ThreadEvents> threads; // (pid, tid)
    std::vector<fs::path> tensorFiles;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("tensor.", 0) == 0 && entry.path().extension() == ".kst") {
            tensorFiles.push_back(entry.path());
            continue;
        }
        uint32_t seq = 0;
        if (!segmentNumber(name, seq)) continue;
        std::vector<char> bytes;
        if (!readWholeFile(entry.path(), bytes) || bytes.size() < sizeof(EventFileHeader)) {
            ++stats.damaged;
            continue;
        }
        EventFileHeader h;
        std::memcpy(&h, bytes.data(), sizeof h);
        ThreadEvents& t = threads[{h.pid, h.tid}];
        t.pid = h.pid;
        t.tid = h.tid;
        readSegment(bytes, clock, t.segments[seq], stats);
    }
    if (ec) return data::Error{dir + ": cannot list the spool folder: " + ec.message()};

    RangeBuilder ranges(run, 0, std::max(endRunNs, stats.lastEventNs), stats);
    std::map<uint32_t, Process> processes;
    std::map<uint32_t, std::string> nvtxThreadNames;
    for (const auto& [key, t] : threads) {
        Process& p = processes[t.pid];
        for (const auto& [seq, events] : t.segments)
            for (const Event& e : events) {
                if (e.type == EventType::DomainName) ranges.domain(t.pid, e.domain, e.text);
                if (e.type == EventType::CategoryName)
                    ranges.category(t.pid, e.domain, e.category, e.text);
                if (e.type == EventType::ThreadName) nvtxThreadNames[uint32_t(e.a)] = e.text;
                if (e.type == EventType::Process && !p.known) {
                    const size_t zero = e.text.find('\0');
                    p.comm = e.text.substr(0, zero);
                    p.commandLine = zero == std::string::npos ? "" : e.text.substr(zero + 1);
                    p.parent = uint32_t(e.a);
                    p.known = true;
                }
            }
    }
    for (const auto& [key, t] : threads) ranges.thread(t);
    ranges.finish();

    for (const auto& [pid, p] : processes) {
        if (!p.known) continue;
        run.processes.id.push_back(pid);
        run.processes.parent.push_back(p.parent);
        run.processes.name.push_back(run.strings.intern(p.comm));
        run.processes.command_line.push_back(run.strings.intern(p.commandLine));
    }
    for (const auto& [key, t] : threads) {
        run.setThreadProcess(t.tid, t.pid);
        if (run.threadName(t.tid).empty())
            run.nameThread(t.tid, processes[t.pid].comm + " " + std::to_string(t.tid));
    }
    for (const auto& [tid, name] : nvtxThreadNames) run.nameThread(tid, name);

    // Tensors in capture order.
    std::vector<std::pair<int64_t, data::Tensor>> tensors;
    for (const auto& path : tensorFiles) {
        data::Tensor t;
        int64_t time = 0;
        if (!readTensorFile(path, clock, t, time)) {
            ++stats.damaged;
            continue;
        }
        tensors.emplace_back(time, std::move(t));
    }
    std::stable_sort(tensors.begin(), tensors.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::set<std::string> used;
    for (const auto& t : run.tensors) used.insert(t.name);
    for (auto& [time, t] : tensors) {
        t.name = uniqueName(used, t.name);
        t.order = int64_t(run.tensors.size());
        run.tensors.push_back(std::move(t));
        ++stats.tensors;
    }
    return stats;
}

} // namespace ks::cli
