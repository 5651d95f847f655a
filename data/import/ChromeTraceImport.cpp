#include "data/import/ChromeTraceImport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace ks::data {
namespace {

using nlohmann::json;

std::optional<double> number(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (it->is_number()) return it->get<double>();
    if (it->is_string()) { // some tools quote numbers
        const std::string& s = it->get_ref<const std::string&>();
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (end != s.c_str() && *end == '\0') return v;
    }
    return std::nullopt;
}

std::optional<uint64_t> unsignedArg(const json& args, const char* key) {
    const auto v = number(args, key);
    if (!v || *v < 0 || !std::isfinite(*v)) return std::nullopt;
    return uint64_t(std::llround(*v));
}

std::string text(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
    if (it->is_number()) return it->dump();
    return {};
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// pid/tid as written (numbers or strings), used as map keys.
std::string idOf(const json& e, const char* key) {
    auto it = e.find(key);
    if (it == e.end()) return "0";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

std::optional<uint32_t> numericId(const json& e, const char* key) {
    auto it = e.find(key);
    if (it == e.end() || !it->is_number_integer()) return std::nullopt;
    const int64_t v = it->get<int64_t>();
    if (v < 0 || v > int64_t(std::numeric_limits<uint32_t>::max())) return std::nullopt;
    return uint32_t(v);
}

struct PendingRange {
    uint32_t thread;
    int64_t start, end;
    uint32_t name, category;
};

// Turns events into the run one at a time, as the parser finishes each (the whole trace is never
// held as a JSON tree). Times are kept absolute until finish() knows the earliest one.
class Importer {
public:
    explicit Importer(const std::string& source) : m_source(source) {}

    Status event(const json& e, Run& run);
    void finish(Run& run);
    size_t count() const { return m_index; }
    void next() { ++m_index; }

private:
    Error error(const std::string& problem) const {
        return Error{m_source + ": traceEvents[" + std::to_string(m_index) + "]: " + problem};
    }
    uint32_t thread(Run& run, const json& e);
    uint32_t device(Run& run, const json& e, const json& args);
    int64_t ns(double us) {
        const int64_t v = std::llround(us * 1000.0);
        m_minNs = std::min(m_minNs, v);
        return v;
    }

    std::string m_source;
    size_t m_index = 0; // of the event being read
    int64_t m_minNs = std::numeric_limits<int64_t>::max();
    std::map<std::string, std::string> m_processNames, m_threadNames;
    std::map<std::string, uint32_t> m_threads;                         // "pid\ttid" -> thread id
    std::map<std::string, std::pair<uint32_t, std::string>> m_devices; // key -> (device, pid)
    std::vector<PendingRange> m_ranges;
    std::map<uint32_t, std::vector<std::pair<size_t, PendingRange>>> m_open; // B events per thread
    std::map<std::string, std::vector<std::pair<int64_t, double>>> m_counters;
    size_t m_unmatched = 0, m_skipped = 0;
    const json m_emptyArgs = json::object();
};

uint32_t Importer::thread(Run&, const json& e) {
    const std::string key = idOf(e, "pid") + "\t" + idOf(e, "tid");
    return m_threads.emplace(key, uint32_t(m_threads.size() + 1)).first->second;
}

uint32_t Importer::device(Run& run, const json& e, const json& args) {
    const std::string pid = idOf(e, "pid");
    std::string key = pid;
    if (auto d = numericId(args, "device")) key = "device " + std::to_string(*d);
    auto it = m_devices.find(key);
    if (it != m_devices.end()) return it->second.first;
    const uint32_t id = run.addDevice("gpu", "GPU " + key); // renamed in finish()
    m_devices.emplace(key, std::make_pair(id, pid));
    return id;
}

Status Importer::event(const json& e, Run& run) {
    if (!e.is_object()) return error("is not a JSON object");
    const std::string ph = text(e, "ph");
    if (ph.empty()) return error("has no 'ph' (phase)");
    const auto argsIt = e.find("args");
    const json& args = argsIt != e.end() && argsIt->is_object() ? *argsIt : m_emptyArgs;
    if (ph == "M") {
        const std::string name = text(args, "name");
        if (text(e, "name") == "process_name") m_processNames[idOf(e, "pid")] = name;
        if (text(e, "name") == "thread_name")
            m_threadNames[idOf(e, "pid") + "\t" + idOf(e, "tid")] = name;
        return {};
    }
    const auto ts = number(e, "ts");
    if (ts && !std::isfinite(*ts)) return error("'ts' is not a finite number");
    if ((ph == "X" || ph == "B" || ph == "E" || ph == "C") && !ts)
        return error(ph + " event has no numeric 'ts'");
    const std::string name = text(e, "name");
    const std::string cat = text(e, "cat");
    if (ph == "X") {
        const auto dur = number(e, "dur");
        if (!dur) return error("X event has no numeric 'dur'");
        if (*dur < 0 || !std::isfinite(*dur))
            return error("negative or invalid duration " + std::to_string(*dur) + " µs");
        const int64_t start = ns(*ts), end = start + std::llround(*dur * 1000.0);
        const std::string c = lower(cat);
        if (c == "kernel") {
            KernelTable& k = run.kernels;
            k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
            k.start_ns.back() = start;
            k.end_ns.back() = end;
            k.device.back() = device(run, e, args);
            k.stream.back() =
                uint32_t(unsignedArg(args, "stream").value_or(numericId(e, "tid").value_or(0)));
            k.correlation.back() = uint32_t(unsignedArg(args, "correlation").value_or(0));
            k.name.back() = run.strings.intern(name);
            auto xyz = [&](const char* key, uint32_t& x, uint32_t& y, uint32_t& z) {
                auto it = args.find(key);
                x = y = z = 1;
                if (it == args.end() || !it->is_array()) return;
                uint32_t* out[] = {&x, &y, &z};
                for (size_t d = 0; d < 3 && d < it->size(); ++d)
                    if ((*it)[d].is_number()) *out[d] = uint32_t((*it)[d].get<double>());
            };
            xyz("grid", k.grid_x.back(), k.grid_y.back(), k.grid_z.back());
            xyz("block", k.block_x.back(), k.block_y.back(), k.block_z.back());
            k.registers_per_thread.back() =
                uint32_t(unsignedArg(args, "registers per thread").value_or(0));
            if (auto st = unsignedArg(args, "static shared memory")) {
                k.shared_static.back() = uint32_t(*st);
                k.shared_dynamic.back() =
                    uint32_t(unsignedArg(args, "dynamic shared memory").value_or(0));
            } else { // Kineto: one "shared memory" figure
                k.shared_static.back() = uint32_t(unsignedArg(args, "shared memory").value_or(0));
            }
        } else if (c == "gpu_memcpy" || c == "gpu_memset") {
            const uint32_t dev = device(run, e, args);
            const uint32_t stream =
                uint32_t(unsignedArg(args, "stream").value_or(numericId(e, "tid").value_or(0)));
            const uint32_t corr = uint32_t(unsignedArg(args, "correlation").value_or(0));
            const uint64_t bytes = unsignedArg(args, "bytes").value_or(0);
            if (c == "gpu_memcpy") {
                const std::string kindText = text(args, "kind") + " " + name;
                uint8_t kind = 0;
                for (uint8_t kk = 1; kk <= 5; ++kk)
                    if (kindText.find(memcpyKindName(kk)) != std::string::npos) kind = kk;
                MemcpyTable& m = run.memcpy;
                m.start_ns.push_back(start);
                m.end_ns.push_back(end);
                m.device.push_back(dev);
                m.stream.push_back(stream);
                m.correlation.push_back(corr);
                m.kind.push_back(kind);
                m.bytes.push_back(bytes);
            } else {
                MemsetTable& m = run.memset;
                m.start_ns.push_back(start);
                m.end_ns.push_back(end);
                m.device.push_back(dev);
                m.stream.push_back(stream);
                m.correlation.push_back(corr);
                m.bytes.push_back(bytes);
                m.value.push_back(uint32_t(unsignedArg(args, "value").value_or(0)));
            }
        } else if (c == "cuda_runtime" || c == "cuda_driver") {
            ApiTable& a = run.api;
            a.start_ns.push_back(start);
            a.end_ns.push_back(end);
            a.thread.push_back(thread(run, e));
            a.correlation.push_back(uint32_t(unsignedArg(args, "correlation").value_or(0)));
            a.name.push_back(run.strings.intern(name));
            a.return_value.push_back(int32_t(number(args, "return_value").value_or(0)));
        } else {
            m_ranges.push_back(
                {thread(run, e), start, end, run.strings.intern(name), run.strings.intern(cat)});
        }
    } else if (ph == "B") {
        const uint32_t t = thread(run, e);
        m_open[t].push_back(
            {m_index, {t, ns(*ts), 0, run.strings.intern(name), run.strings.intern(cat)}});
    } else if (ph == "E") {
        auto& stack = m_open[thread(run, e)];
        if (stack.empty()) {
            ++m_unmatched;
            return {};
        }
        const auto [begin, opened] = stack.back();
        stack.pop_back();
        PendingRange r = opened;
        r.end = ns(*ts);
        if (r.end < r.start)
            return error("E event ends before its B event (traceEvents[" + std::to_string(begin) +
                         "]) starts");
        m_ranges.push_back(r);
    } else if (ph == "C") {
        const int64_t t = ns(*ts);
        for (auto it = args.begin(); it != args.end(); ++it) {
            if (!it->is_number()) continue;
            std::string series = args.size() == 1 ? name : name + "." + it.key();
            std::replace(series.begin(), series.end(), '/', '_');
            if (series.empty() || series == "." || series == "..") series = "counter";
            m_counters[series].push_back({t, it->get<double>()});
        }
    } else {
        ++m_skipped; // instants, flows, async events: not part of the run model
    }
    return {};
}

void Importer::finish(Run& run) {
    // Times relative to the earliest event.
    const int64_t origin = m_minNs == std::numeric_limits<int64_t>::max() ? 0 : m_minNs;
    run.info.origin_unix_ns = origin;
    auto shift = [origin](std::vector<int64_t>& v) {
        for (int64_t& t : v) t -= origin;
    };
    shift(run.kernels.start_ns);
    shift(run.kernels.end_ns);
    shift(run.memcpy.start_ns);
    shift(run.memcpy.end_ns);
    shift(run.memset.start_ns);
    shift(run.memset.end_ns);
    shift(run.api.start_ns);
    shift(run.api.end_ns);

    for (auto& [t, stack] : m_open) m_unmatched += stack.size();
    // Depth: per thread, sorted by start (outer first at equal start), a stack of open ends.
    std::sort(m_ranges.begin(), m_ranges.end(), [](const PendingRange& a, const PendingRange& b) {
        if (a.thread != b.thread) return a.thread < b.thread;
        if (a.start != b.start) return a.start < b.start;
        return a.end > b.end;
    });
    std::vector<int64_t> ends;
    for (size_t i = 0; i < m_ranges.size(); ++i) {
        const PendingRange& r = m_ranges[i];
        if (i == 0 || r.thread != m_ranges[i - 1].thread) ends.clear();
        while (!ends.empty() && ends.back() <= r.start) ends.pop_back();
        RangeTable& t = run.ranges;
        t.start_ns.push_back(r.start - origin);
        t.end_ns.push_back(r.end - origin);
        t.thread.push_back(r.thread);
        t.depth.push_back(uint32_t(ends.size()));
        t.name.push_back(r.name);
        t.category.push_back(r.category);
        ends.push_back(r.end);
    }
    for (auto& [name, points] : m_counters) {
        std::stable_sort(points.begin(), points.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        CounterSeries& s = run.counters[name];
        for (const auto& [t, v] : points) {
            s.time_ns.push_back(t - origin);
            s.value.push_back(v);
        }
    }
    // Names from the metadata events, wherever they were in the trace.
    for (const auto& [key, id] : m_threads) {
        const size_t tab = key.find('\t');
        const std::string pid = key.substr(0, tab), tid = key.substr(tab + 1);
        auto process = m_processNames.find(pid);
        auto thread = m_threadNames.find(key);
        run.nameThread(id, (process != m_processNames.end() ? process->second : "pid " + pid) +
                               " / " +
                               (thread != m_threadNames.end() ? thread->second : "tid " + tid));
    }
    for (const auto& [key, device] : m_devices) {
        auto process = m_processNames.find(device.second);
        if (process != m_processNames.end() && !process->second.empty())
            run.devices.name[device.first] = run.strings.intern(process->second);
    }
    if (m_unmatched > 0 || m_skipped > 0)
        run.info.notes = "imported from " + m_source + ": " + std::to_string(m_unmatched) +
                         " unmatched B/E events and " + std::to_string(m_skipped) +
                         " events of other phases ignored";
}

} // namespace

Result<std::string> readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return Error{path + ": read failed"};
    return ss.str();
}

Result<Run> parseChromeTrace(std::string_view text, const std::string& source) {
    Run run;
    run.info.producer = "kernscope import (Chrome trace)";
    run.info.backend = "imported:chrome-trace";
    run.info.clock_domain = "imported";
    run.info.notes = "imported from " + source;
    Importer importer(source);
    // Each event is handed to the importer as soon as it is parsed and then dropped, so memory
    // stays proportional to the run, not to the JSON tree. Events sit at depth 1 in a bare array
    // and at depth 2 under the top-level "traceEvents" key.
    int eventDepth = -1;
    bool traceEventsKey = false;
    std::optional<Error> failure;
    struct Stop {};
    auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
        using E = json::parse_event_t;
        if (event == E::array_start && depth == 0 && eventDepth < 0) eventDepth = 1;
        if (event == E::key && depth == 1) traceEventsKey = parsed == "traceEvents";
        if (event == E::array_start && depth == 1 && traceEventsKey && eventDepth < 0)
            eventDepth = 2;
        if (event == E::array_end && depth == eventDepth - 1) eventDepth = -2; // done
        if (depth == eventDepth && (event == E::object_end || event == E::value)) {
            try {
                if (auto s = importer.event(parsed, run); !s) {
                    failure = s.error();
                    throw Stop{};
                }
            } catch (const json::exception& e) { // a value of an unexpected type in an event
                failure = Error{source + ": traceEvents[" + std::to_string(importer.count()) +
                                "]: unexpected value: " + e.what()};
                throw Stop{};
            }
            importer.next();
            return false; // processed: do not keep it
        }
        return true;
    };
    json doc;
    try {
        doc = json::parse(text.begin(), text.end(), callback);
    } catch (const Stop&) {
        return *failure;
    } catch (const json::parse_error& e) {
        // Line and column of the byte where parsing stopped, then nlohmann's reason.
        const size_t at = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        size_t line = 1, column = 1;
        for (size_t i = 0; i < at; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string why = e.what();
        if (auto p = why.find(": "); p != std::string::npos) why = why.substr(p + 2);
        if (auto p = why.find("while parsing"); p != std::string::npos) why = why.substr(p);
        return Error{source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                     ": invalid JSON: " + why};
    } catch (const std::exception& e) {
        return Error{source + ": cannot parse: " + e.what()};
    }
    if (eventDepth == -1) {
        if (doc.is_object())
            return Error{source + ": not a Chrome trace: an object without a 'traceEvents' array"};
        return Error{source + ": not a Chrome trace: neither an array nor an object"};
    }
    importer.finish(run);
    return run;
}

Result<Run> importChromeTrace(const std::string& path) {
    auto content = readTextFile(path);
    if (!content) return content.error();
    return parseChromeTrace(content.value(), path);
}

} // namespace ks::data
