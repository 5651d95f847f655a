#include "data/import/ChromeTraceImport.h"

#include "data/Checked.h"
#include "data/import/ImportSupport.h"
#include "data/import/JsonScan.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace ks::data {
namespace {

namespace od = simdjson::ondemand;

// ---- numbers -------------------------------------------------------------------------------

std::string_view trimmed(std::string_view s) {
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
        s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

// A decimal number of microseconds as written ("4203669604595.407", "-3", "1e3") as exact
// integer nanoseconds (no binary floating point for plain decimals, so ns are exact); nullopt
// when it is not a number or does not fit int64 ns.
std::optional<int64_t> microsToNs(std::string_view text) {
    text = trimmed(text);
    bool negative = false;
    std::string_view s = text;
    if (!s.empty() && s.front() == '-') negative = true, s.remove_prefix(1);
    if (s.empty() || std::any_of(s.begin(), s.end(), [](char c) { return c == 'e' || c == 'E'; })) {
        auto v = parseFinite(text);
        return v ? toNanoseconds(*v, 1000.0) : std::nullopt;
    }
    size_t dot = 0;
    while (dot < s.size() && s[dot] != '.') ++dot;
    if (dot == s.size()) dot = std::string_view::npos;
    const std::string_view whole = s.substr(0, dot);
    const std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (whole.empty() && frac.empty()) return std::nullopt;
    uint64_t us = 0;
    if (!whole.empty()) {
        auto w = parseInteger<uint64_t>(whole);
        if (!w) return std::nullopt;
        us = *w;
    }
    uint64_t fracNs = 0;
    for (size_t d = 0; d < frac.size(); ++d) {
        const char c = frac[d];
        if (c < '0' || c > '9') return std::nullopt;
        if (d < 3) fracNs = fracNs * 10 + uint64_t(c - '0');
        if (d == 3 && c >= '5') fracNs += 1; // round half up on the 4th digit
    }
    for (size_t d = frac.size(); d < 3; ++d) fracNs *= 10;
    auto ns = checkedMul<uint64_t>(us, 1000);
    if (ns) ns = checkedAdd<uint64_t>(*ns, fracNs);
    if (!ns || *ns > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return negative ? -int64_t(*ns) : int64_t(*ns);
}

// The text of a number or string value ("12", "0x0", "1.5").
std::optional<std::string_view> scalarText(od::value v) {
    od::json_type type;
    if (v.type().get(type)) return std::nullopt;
    if (type == od::json_type::string) {
        std::string_view s;
        if (v.get_string().get(s)) return std::nullopt;
        return s;
    }
    if (type == od::json_type::number) {
        return trimmed(v.raw_json_token());
    }
    return std::nullopt;
}

// A count, size or id: a non-negative integer (or an integral float) that fits uint64.
std::optional<uint64_t> unsignedValue(od::value v) {
    auto t = scalarText(v);
    if (!t) return std::nullopt;
    if (auto i = parseInteger<uint64_t>(*t)) return i;
    if (auto d = parseFinite(*t)) return narrow<uint64_t>(*d, false);
    return std::nullopt;
}

std::optional<double> doubleValue(od::value v) {
    auto t = scalarText(v);
    return t ? parseFinite(*t) : std::nullopt;
}

// A field's key without unescaping (keys are short and rarely escaped): the raw bytes up to the
// closing quote; keys with escapes are unescaped by simdjson.
std::string_view keyOf(od::field& field) {
    const char* raw = field.key().raw();
    size_t n = 0;
    while (raw[n] != '"' && raw[n] != '\\') ++n;
    if (raw[n] == '"') return {raw, n};
    std::string_view key;
    if (field.unescaped_key().get(key)) return {};
    return key;
}

// key == literal, with the length known at compile time so the comparison is inlined.
template <size_t N> bool is(std::string_view key, const char (&literal)[N]) {
    return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

template <size_t N> bool iequals(std::string_view a, const char (&b)[N]) {
    if (is(a, b)) return true; // the usual spelling
    return a.size() == N - 1 && std::equal(a.begin(), a.end(), b, [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

enum class Category { Kernel, Memcpy, Memset, Runtime, GpuAnnotation, Sync, Other };

Category categoryOf(std::string_view cat) {
    switch (cat.size()) { // cheap rejection before case-insensitive comparisons
    case 6:
        return iequals(cat, "kernel") ? Category::Kernel : Category::Other;
    case 9:
        return iequals(cat, "cuda_sync") ? Category::Sync : Category::Other;
    case 10:
        return iequals(cat, "gpu_memcpy")   ? Category::Memcpy
               : iequals(cat, "gpu_memset") ? Category::Memset
                                            : Category::Other;
    case 11:
        return iequals(cat, "cuda_driver") ? Category::Runtime : Category::Other;
    case 12:
        return iequals(cat, "cuda_runtime") ? Category::Runtime : Category::Other;
    case 19:
        return iequals(cat, "gpu_user_annotation") ? Category::GpuAnnotation : Category::Other;
    default:
        return Category::Other;
    }
}

// ---- one event -----------------------------------------------------------------------------

// The fields of one trace event that the run model uses. Views point into simdjson's buffers
// and are valid until the next event is parsed.
struct Event {
    std::string_view ph, name, cat, pid, tid;
    bool pidIsNumber = false, tidIsNumber = false;
    bool hasTs = false, hasDur = false;
    std::optional<int64_t> ts, dur; // ns; nullopt when present but not representable
    // args
    std::optional<uint64_t> device, stream, correlation, bytes, value, registers, sharedStatic,
        sharedDynamic, shared;
    std::array<std::optional<uint64_t>, 3> grid{}, block{};
    size_t gridAxes = 0, blockAxes = 0; // how many the file gave
    bool hasGrid = false, hasBlock = false;
    std::optional<double> occupancy, returnValue;
    std::string_view kind, argName, labels;
    std::vector<std::pair<std::string_view, double>> counterValues; // C events
};

void readXyz(od::value v, std::array<std::optional<uint64_t>, 3>& out, size_t& axes) {
    od::array a;
    if (v.get_array().get(a)) return;
    for (auto element : a) {
        od::value x;
        if (element.get(x)) return;
        if (axes < 3) out[axes++] = unsignedValue(x);
    }
}

simdjson::error_code readArgs(od::value v, Event& e, bool counters) {
    od::object args;
    if (v.get_object().get(args)) return simdjson::SUCCESS; // args that are not an object: none
    for (auto field : args) {
        od::field f;
        if (auto err = std::move(field).get(f)) return err;
        const std::string_view key = keyOf(f);
        od::value x = f.value();
        if (counters) {
            if (auto d = doubleValue(x)) e.counterValues.emplace_back(key, *d);
            continue;
        }
        if (is(key, "device"))
            e.device = unsignedValue(x);
        else if (is(key, "stream"))
            e.stream = unsignedValue(x);
        else if (is(key, "correlation"))
            e.correlation = unsignedValue(x);
        else if (is(key, "bytes"))
            e.bytes = unsignedValue(x);
        else if (is(key, "value"))
            e.value = unsignedValue(x);
        else if (is(key, "registers per thread"))
            e.registers = unsignedValue(x);
        else if (is(key, "shared memory"))
            e.shared = unsignedValue(x);
        else if (is(key, "static shared memory"))
            e.sharedStatic = unsignedValue(x);
        else if (is(key, "dynamic shared memory"))
            e.sharedDynamic = unsignedValue(x);
        else if (is(key, "grid"))
            e.hasGrid = true, readXyz(x, e.grid, e.gridAxes);
        else if (is(key, "block"))
            e.hasBlock = true, readXyz(x, e.block, e.blockAxes);
        else if (is(key, "est. achieved occupancy %"))
            e.occupancy = doubleValue(x);
        else if (is(key, "return_value"))
            e.returnValue = doubleValue(x);
        else if (is(key, "kind"))
            e.kind = scalarText(x).value_or("");
        else if (is(key, "name"))
            e.argName = scalarText(x).value_or("");
        else if (is(key, "labels"))
            e.labels = scalarText(x).value_or("");
    }
    return simdjson::SUCCESS;
}

// Parses one event object. Returns false when it is not a JSON object or not valid JSON.
bool readEvent(od::parser& parser, const char* json, size_t length, size_t capacity, Event& e) {
    od::document doc;
    if (parser.iterate(json, length, capacity).get(doc)) return false;
    od::object obj;
    if (doc.get_object().get(obj)) return false;
    for (auto field : obj) {
        od::field f;
        if (std::move(field).get(f)) return false;
        const std::string_view key = keyOf(f);
        od::value v = f.value();
        if (key.size() > 4) { // only "args" and the short keys below matter
            continue;
        } else if (is(key, "ph"))
            e.ph = scalarText(v).value_or("");
        else if (is(key, "name"))
            e.name = scalarText(v).value_or("");
        else if (is(key, "cat"))
            e.cat = scalarText(v).value_or("");
        else if (is(key, "pid") || is(key, "tid")) {
            od::json_type type;
            if (v.type().get(type)) return false;
            auto text = scalarText(v);
            (is(key, "pid") ? e.pid : e.tid) = text.value_or("");
            (is(key, "pid") ? e.pidIsNumber : e.tidIsNumber) = type == od::json_type::number;
        } else if (is(key, "ts") || is(key, "dur")) {
            auto text = scalarText(v);
            std::optional<int64_t> ns = text ? microsToNs(*text) : std::nullopt;
            (is(key, "ts") ? e.hasTs : e.hasDur) = true;
            (is(key, "ts") ? e.ts : e.dur) = ns;
        } else if (is(key, "args")) {
            if (readArgs(v, e, false)) return false;
        }
    }
    return true;
}

// Counter events ("ph":"C") read their args as name -> value, so they are read twice: once to
// learn the phase, once for the values (C events are rare).
bool readCounterArgs(od::parser& parser, const char* json, size_t length, size_t capacity,
                     Event& e) {
    od::document doc;
    if (parser.iterate(json, length, capacity).get(doc)) return false;
    od::object obj;
    if (doc.get_object().get(obj)) return false;
    for (auto field : obj) {
        std::string_view key;
        od::value v;
        if (field.unescaped_key().get(key) || field.value().get(v)) return false;
        if (is(key, "args")) return readArgs(v, e, true) == simdjson::SUCCESS;
    }
    return true;
}

// ---- the importer --------------------------------------------------------------------------

struct BeginEnd {
    uint32_t thread;
    int64_t ts;
    uint64_t order; // position in the file, to keep file order at equal times
    uint32_t name, category;
    bool begin;
};

// What was skipped or ignored, for the summary line and /collector.
struct Skipped {
    uint64_t invalidEvents = 0;  // not an object, invalid JSON, no ph
    uint64_t missingTime = 0;    // no or unusable ts
    uint64_t timeOutOfRange = 0; // ts or ts+dur beyond int64 ns
    uint64_t xWithoutDur = 0;
    uint64_t negativeDur = 0;
    uint64_t unmatchedEnd = 0, unclosedBegin = 0, endBeforeBegin = 0;
    uint64_t otherPhases = 0; // instants, flows, async, samples: not in the run model

    uint64_t dropped() const {
        return invalidEvents + missingTime + timeOutOfRange + xWithoutDur + negativeDur +
               endBeforeBegin;
    }
};

struct DeviceProperties {
    std::string name;
    uint64_t sms = 0, memory = 0, ccMajor = 0, ccMinor = 0, threadsPerSm = 0, regsPerSm = 0,
             sharedPerSm = 0;
};

class TraceImporter {
public:
    explicit TraceImporter(const std::string& source) : m_source(source) {
        m_run.info.producer = "kernscope import (Chrome trace)";
        m_run.info.backend = "imported:chrome-trace";
        m_run.info.clock_domain = "imported";
    }

    void event(const char* json, size_t length, size_t capacity);
    void deviceProperties(const char* json, size_t length, size_t capacity);
    void baseTime(std::string_view text) {
        if (auto v = parseInteger<int64_t>(trimmed(text))) m_baseNs = *v;
    }
    void warn(std::string text) { m_warnings.push_back(std::move(text)); }
    uint64_t events() const { return m_events; }
    Run finish();

private:
    uint32_t thread(const Event& e);
    uint32_t gpuLane(uint32_t device, uint32_t stream);
    uint32_t device(const Event& e);
    uint32_t stream(const Event& e) {
        if (e.stream) return narrow<uint32_t>(*e.stream).value_or(0);
        return e.tidIsNumber ? parseInteger<uint32_t>(e.tid).value_or(0) : 0;
    }
    uint32_t u32(std::optional<uint64_t> v) { return v ? narrow<uint32_t>(*v).value_or(0) : 0; }
    void note(int64_t t) { m_minNs = std::min(m_minNs, t); }
    void complete(const Event& e, int64_t start, int64_t end);
    void kernel(const Event& e, int64_t start, int64_t end);
    void metadata(const Event& e);

    std::string m_source;
    Run m_run;
    od::parser m_parser;
    Event m_event;
    uint64_t m_events = 0;
    Skipped m_skipped;
    std::vector<std::string> m_warnings;
    int64_t m_minNs = std::numeric_limits<int64_t>::max();
    std::optional<int64_t> m_baseNs;
    std::unordered_map<std::string, std::string> m_processNames, m_processLabels, m_threadNames;
    std::unordered_map<std::string, uint32_t> m_threads; // "pid\ttid" -> thread id
    std::map<uint64_t, uint32_t> m_gpuLanes;             // device << 32 | stream -> thread id
    std::map<std::string, uint32_t> m_deviceIds;         // device key -> /meta/devices id
    std::map<uint32_t, std::string> m_devicePids;        // device id -> pid that names it
    std::map<uint64_t, DeviceProperties> m_properties;   // deviceProperties[].id -> properties
    std::vector<BeginEnd> m_beginEnd;
    std::map<std::string, CounterSeries> m_counters;
    std::string m_key; // scratch
};

uint32_t TraceImporter::thread(const Event& e) {
    m_key.assign(e.pid.empty() ? "0" : e.pid).append(1, '\t').append(e.tid.empty() ? "0" : e.tid);
    auto it = m_threads.find(m_key);
    if (it != m_threads.end()) return it->second;
    const auto id = uint32_t(m_threads.size() + m_gpuLanes.size() + 1);
    m_threads.emplace(m_key, id);
    return id;
}

// Ranges drawn on a GPU stream (gpu_user_annotation, cuda_sync): /cpu/ranges has no device
// column, so they go to a lane named after the device and stream (see docs/IMPORT.md).
uint32_t TraceImporter::gpuLane(uint32_t dev, uint32_t str) {
    const uint64_t key = (uint64_t(dev) << 32) | str;
    auto it = m_gpuLanes.find(key);
    if (it != m_gpuLanes.end()) return it->second;
    const auto id = uint32_t(m_threads.size() + m_gpuLanes.size() + 1);
    m_gpuLanes.emplace(key, id);
    return id;
}

uint32_t TraceImporter::device(const Event& e) {
    std::string key;
    std::optional<uint32_t> number;
    if (e.device && (number = narrow<uint32_t>(*e.device)))
        key = std::to_string(*number);
    else if (e.pidIsNumber && (number = parseInteger<uint32_t>(e.pid)))
        key = std::to_string(*number);
    else
        key = "pid " + std::string(e.pid);
    auto it = m_deviceIds.find(key);
    if (it != m_deviceIds.end()) return it->second;
    uint32_t id = number.value_or(0);
    if (!number) { // a string pid: an id after every numeric one
        id = 1u << 30;
        for (uint32_t used : m_run.devices.id) id = std::max(id, used + 1);
    }
    m_run.devices.forEachColumn([](const char*, auto& column) { column.emplace_back(); });
    m_run.devices.id.back() = id;
    m_run.devices.kind.back() = m_run.strings.intern("gpu");
    m_deviceIds.emplace(key, id);
    m_devicePids.emplace(id, std::string(e.pid));
    return id;
}

void TraceImporter::kernel(const Event& e, int64_t start, int64_t end) {
    KernelTable& k = m_run.kernels;
    const uint32_t dev = device(e);
    k.start_ns.push_back(start);
    k.end_ns.push_back(end);
    k.device.push_back(dev);
    k.stream.push_back(stream(e));
    k.correlation.push_back(u32(e.correlation));
    k.name.push_back(m_run.strings.intern(e.name));
    auto xyz = [&](const std::array<std::optional<uint64_t>, 3>& v, bool present, size_t axes,
                   std::vector<uint32_t>& x, std::vector<uint32_t>& y, std::vector<uint32_t>& z) {
        // Absent (ROCm Kineto writes no grid/block) or not a uint32: 0, "unknown"; an axis the
        // file leaves out: 1.
        auto axis = [&](size_t d) { return !present ? 0u : d >= axes ? 1u : u32(v[d]); };
        x.push_back(axis(0));
        y.push_back(axis(1));
        z.push_back(axis(2));
    };
    xyz(e.grid, e.hasGrid, e.gridAxes, k.grid_x, k.grid_y, k.grid_z);
    xyz(e.block, e.hasBlock, e.blockAxes, k.block_x, k.block_y, k.block_z);
    k.registers_per_thread.push_back(u32(e.registers));
    if (e.sharedStatic) { // nsys-style exports split the figure
        k.shared_static.push_back(u32(e.sharedStatic));
        k.shared_dynamic.push_back(u32(e.sharedDynamic));
    } else { // Kineto: one "shared memory" figure
        k.shared_static.push_back(u32(e.shared));
        k.shared_dynamic.push_back(0);
    }
    if (e.occupancy) {
        CounterSeries& s =
            m_counters["GPU " + std::to_string(dev) + " est. achieved occupancy (%)"];
        s.time_ns.push_back(start);
        s.value.push_back(*e.occupancy);
    }
}

void TraceImporter::complete(const Event& e, int64_t start, int64_t end) {
    const Category category = categoryOf(e.cat);
    if (category == Category::Kernel) return kernel(e, start, end);
    if (category == Category::Memcpy || category == Category::Memset) {
        const uint32_t dev = device(e), str = stream(e), corr = u32(e.correlation);
        const uint64_t bytes = e.bytes.value_or(0);
        if (category == Category::Memset) {
            MemsetTable& m = m_run.memset;
            m.start_ns.push_back(start);
            m.end_ns.push_back(end);
            m.device.push_back(dev);
            m.stream.push_back(str);
            m.correlation.push_back(corr);
            m.bytes.push_back(bytes);
            m.value.push_back(u32(e.value));
            return;
        }
        // "Memcpy HtoD (Pageable -> Device)"; ROCm also writes args.kind "HtoD".
        uint8_t kind = 0;
        for (std::string_view text : {e.kind, e.name})
            for (uint8_t kk = 1; kk <= 5 && kind == 0; ++kk)
                if (text.find(memcpyKindName(kk)) != std::string_view::npos) kind = kk;
        MemcpyTable& m = m_run.memcpy;
        m.start_ns.push_back(start);
        m.end_ns.push_back(end);
        m.device.push_back(dev);
        m.stream.push_back(str);
        m.correlation.push_back(corr);
        m.kind.push_back(kind);
        m.bytes.push_back(bytes);
        return;
    }
    if (category == Category::Runtime) {
        ApiTable& a = m_run.api;
        a.start_ns.push_back(start);
        a.end_ns.push_back(end);
        a.thread.push_back(thread(e));
        a.correlation.push_back(u32(e.correlation));
        a.name.push_back(m_run.strings.intern(e.name));
        a.return_value.push_back(e.returnValue ? narrow<int32_t>(*e.returnValue).value_or(0) : 0);
        return;
    }
    // Ranges that Kineto draws on a GPU stream go to the GPU's lane, not to a thread named
    // after the device's fake pid.
    const bool onGpu =
        category == Category::GpuAnnotation || (category == Category::Sync && e.device.has_value());
    RangeTable& r = m_run.ranges;
    r.start_ns.push_back(start);
    r.end_ns.push_back(end);
    r.thread.push_back(onGpu ? gpuLane(device(e), stream(e)) : thread(e));
    r.depth.push_back(0); // computed in finish()
    r.name.push_back(m_run.strings.intern(e.name));
    r.category.push_back(m_run.strings.intern(e.cat));
}

void TraceImporter::metadata(const Event& e) {
    const std::string pid(e.pid.empty() ? "0" : e.pid);
    if (e.name == "process_name")
        m_processNames[pid] = std::string(e.argName);
    else if (e.name == "process_labels")
        m_processLabels[pid] = std::string(e.labels);
    else if (e.name == "thread_name")
        m_threadNames[pid + "\t" + std::string(e.tid.empty() ? "0" : e.tid)] =
            std::string(e.argName);
}

void TraceImporter::event(const char* json, size_t length, size_t capacity) {
    ++m_events;
    m_event = Event{};
    Event& e = m_event;
    if (!readEvent(m_parser, json, length, capacity, e) || e.ph.empty()) {
        ++m_skipped.invalidEvents;
        return;
    }
    const char ph = e.ph.size() == 1 ? e.ph[0] : '?';
    if (ph == 'M') return metadata(e);
    if (ph != 'X' && ph != 'B' && ph != 'E' && ph != 'C') {
        ++m_skipped.otherPhases;
        return;
    }
    if (!e.hasTs) {
        ++m_skipped.missingTime;
        return;
    }
    if (!e.ts) {
        ++m_skipped.timeOutOfRange;
        return;
    }
    const int64_t ts = *e.ts;
    if (ph == 'X') {
        if (!e.hasDur) {
            ++m_skipped.xWithoutDur;
            return;
        }
        if (!e.dur) {
            ++m_skipped.timeOutOfRange;
            return;
        }
        if (*e.dur < 0) {
            ++m_skipped.negativeDur;
            return;
        }
        auto end = checkedAdd<int64_t>(ts, *e.dur);
        if (!end) {
            ++m_skipped.timeOutOfRange;
            return;
        }
        note(ts);
        return complete(e, ts, *end);
    }
    note(ts);
    if (ph == 'C') {
        const std::string counterName(e.name); // the second parse reuses simdjson's buffers
        if (!readCounterArgs(m_parser, json, length, capacity, e)) return;
        for (const auto& [key, value] : e.counterValues) {
            std::string series =
                e.counterValues.size() == 1 ? counterName : counterName + "." + std::string(key);
            std::replace(series.begin(), series.end(), '/', '_');
            if (series.empty() || series == "." || series == "..") series = "counter";
            CounterSeries& s = m_counters[series];
            s.time_ns.push_back(ts);
            s.value.push_back(value);
        }
        return;
    }
    m_beginEnd.push_back({thread(e), ts, m_events, m_run.strings.intern(e.name),
                          m_run.strings.intern(e.cat), ph == 'B'});
}

void TraceImporter::deviceProperties(const char* json, size_t length, size_t capacity) {
    od::document doc;
    od::array list;
    if (m_parser.iterate(json, length, capacity).get(doc) || doc.get_array().get(list)) return;
    for (auto item : list) {
        od::object obj;
        if (item.get_object().get(obj)) return;
        DeviceProperties p;
        std::optional<uint64_t> id, warpSize;
        for (auto field : obj) {
            std::string_view key;
            od::value v;
            if (field.unescaped_key().get(key) || field.value().get(v)) return;
            if (is(key, "id"))
                id = unsignedValue(v);
            else if (is(key, "name"))
                p.name = std::string(scalarText(v).value_or(""));
            else if (is(key, "numSms"))
                p.sms = unsignedValue(v).value_or(0);
            else if (is(key, "totalGlobalMem"))
                p.memory = unsignedValue(v).value_or(0);
            else if (is(key, "computeMajor"))
                p.ccMajor = unsignedValue(v).value_or(0);
            else if (is(key, "computeMinor"))
                p.ccMinor = unsignedValue(v).value_or(0);
            else if (is(key, "maxThreadsPerMultiprocessor"))
                p.threadsPerSm = unsignedValue(v).value_or(0);
            else if (is(key, "regsPerMultiprocessor"))
                p.regsPerSm = unsignedValue(v).value_or(0);
            else if (is(key, "sharedMemPerMultiprocessor") ||
                     is(key, "maxSharedMemoryPerMultiProcessor"))
                p.sharedPerSm = unsignedValue(v).value_or(0);
            else if (is(key, "warpSize"))
                warpSize = unsignedValue(v).value_or(0);
        }
        // The occupancy estimate models NVIDIA SMs (warps of 32); ROCm's Kineto reports AMD
        // compute units (wavefronts of 64) with a made-up compute capability 9.0, for which
        // it would be wrong: left unknown there.
        if (warpSize && *warpSize != 32) p.threadsPerSm = 0;
        if (id) m_properties[*id] = std::move(p);
    }
}

Run TraceImporter::finish() {
    // B/E pairs: per thread, in time order (file order at equal times), E closes the latest B.
    std::stable_sort(m_beginEnd.begin(), m_beginEnd.end(),
                     [](const BeginEnd& a, const BeginEnd& b) {
                         return a.thread != b.thread ? a.thread < b.thread : a.ts < b.ts;
                     });
    std::vector<const BeginEnd*> open;
    std::vector<std::pair<const BeginEnd*, int64_t>> pairs; // B and the time of its E
    for (size_t i = 0; i < m_beginEnd.size(); ++i) {
        const BeginEnd& be = m_beginEnd[i];
        if (i > 0 && be.thread != m_beginEnd[i - 1].thread) {
            m_skipped.unclosedBegin += open.size();
            open.clear();
        }
        if (be.begin) {
            open.push_back(&be);
            continue;
        }
        if (open.empty()) {
            ++m_skipped.unmatchedEnd;
            continue;
        }
        pairs.emplace_back(open.back(), be.ts);
        open.pop_back();
    }
    // In the order of their B events, so that of two ranges with the same start and end the
    // one opened first is the outer one.
    std::sort(pairs.begin(), pairs.end(),
              [](const auto& a, const auto& b) { return a.first->order < b.first->order; });
    RangeTable& r = m_run.ranges;
    for (const auto& [b, end] : pairs) {
        r.start_ns.push_back(b->ts);
        r.end_ns.push_back(end);
        r.thread.push_back(b->thread);
        r.depth.push_back(0);
        r.name.push_back(b->name);
        r.category.push_back(b->category);
    }
    m_skipped.unclosedBegin += open.size();
    std::vector<BeginEnd>().swap(m_beginEnd);

    assignRangeDepths(r);

    // Times relative to the earliest event.
    const int64_t origin = m_minNs == std::numeric_limits<int64_t>::max() ? 0 : m_minNs;
    auto shift = [origin](std::vector<int64_t>& v) {
        for (int64_t& t : v) t -= origin;
    };
    for (auto* v : {&m_run.kernels.start_ns, &m_run.kernels.end_ns, &m_run.memcpy.start_ns,
                    &m_run.memcpy.end_ns, &m_run.memset.start_ns, &m_run.memset.end_ns,
                    &m_run.api.start_ns, &m_run.api.end_ns, &r.start_ns, &r.end_ns})
        shift(*v);
    // ROCm Kineto: ts relative to baseTimeNanoseconds (inferred; see docs/IMPORT.md).
    m_run.info.origin_unix_ns =
        m_baseNs ? checkedAdd<int64_t>(*m_baseNs, origin).value_or(origin) : origin;
    for (auto& entry : m_counters) {
        CounterSeries& series = entry.second;
        std::vector<uint32_t> idx(series.size());
        std::iota(idx.begin(), idx.end(), 0u);
        const auto& times = series.time_ns;
        std::stable_sort(idx.begin(), idx.end(),
                         [&times](uint32_t a, uint32_t b) { return times[a] < times[b]; });
        permuteRows(series, idx);
        shift(series.time_ns);
        m_run.counters[entry.first] = std::move(series);
    }

    // Names from metadata events, wherever they were in the trace.
    for (const auto& [key, id] : m_threads) {
        const size_t tab = key.find('\t');
        const std::string pid = key.substr(0, tab), tid = key.substr(tab + 1);
        auto process = m_processNames.find(pid);
        auto thread = m_threadNames.find(key);
        m_run.nameThread(id, (process != m_processNames.end() ? process->second : "pid " + pid) +
                                 " / " +
                                 (thread != m_threadNames.end() ? thread->second : "tid " + tid));
    }
    for (const auto& [key, id] : m_gpuLanes)
        m_run.nameThread(id, "GPU " + std::to_string(key >> 32) + " · " +
                                 (uint32_t(key) == 0xffffffffu // Kineto's stream -1: device-wide
                                      ? std::string("all streams")
                                      : "stream " + std::to_string(uint32_t(key))) +
                                 " (GPU-side ranges)");
    DeviceTable& d = m_run.devices;
    for (size_t i = 0; i < d.size(); ++i) {
        auto p = m_properties.find(d.id[i]);
        if (p != m_properties.end()) {
            const DeviceProperties& dp = p->second;
            d.name[i] =
                m_run.strings.intern(dp.name.empty() ? "GPU " + std::to_string(d.id[i]) : dp.name);
            d.sm_count[i] = narrow<uint32_t>(dp.sms).value_or(0);
            d.memory_bytes[i] = dp.memory;
            d.cc_major[i] = narrow<uint32_t>(dp.ccMajor).value_or(0);
            d.cc_minor[i] = narrow<uint32_t>(dp.ccMinor).value_or(0);
            d.max_threads_per_sm[i] = narrow<uint32_t>(dp.threadsPerSm).value_or(0);
            d.registers_per_sm[i] = narrow<uint32_t>(dp.regsPerSm).value_or(0);
            d.shared_memory_per_sm[i] = narrow<uint32_t>(dp.sharedPerSm).value_or(0);
            continue;
        }
        auto label = m_processLabels.find(m_devicePids[d.id[i]]);
        d.name[i] = m_run.strings.intern(label != m_processLabels.end() && !label->second.empty()
                                             ? label->second
                                             : "GPU " + std::to_string(d.id[i]));
    }

    // One summary line: what was read, what was skipped and why.
    const Skipped& s = m_skipped;
    std::string summary = "imported from " + m_source + ": " + std::to_string(m_events) + " events";
    std::string skipped;
    auto add = [&](uint64_t n, const char* what) {
        if (n) skipped += (skipped.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    add(s.invalidEvents, "invalid");
    add(s.missingTime, "without ts");
    add(s.timeOutOfRange, "with times beyond ±292 years");
    add(s.xWithoutDur, "X without dur");
    add(s.negativeDur, "X with negative dur");
    add(s.endBeforeBegin, "E before its B");
    add(s.unmatchedEnd, "unmatched E");
    add(s.unclosedBegin, "unclosed B");
    if (!skipped.empty()) summary += "; skipped " + skipped;
    if (s.otherPhases)
        summary += "; ignored " + std::to_string(s.otherPhases) + " instant/flow/async events";
    for (const std::string& w : m_warnings) summary += "; warning: " + w;
    m_run.info.notes = summary;
    m_run.collector.dropped_records = s.dropped();
    m_run.collector.unmatched_markers = s.unmatchedEnd + s.unclosedBegin;
    return std::move(m_run);
}

// ---- the document --------------------------------------------------------------------------

Error jsonError(const std::string& source, uint64_t offset, const std::string& problem) {
    return Error{source + ": byte " + std::to_string(offset) + ": " + problem};
}

// Reads the traceEvents array (the scanner is just past its '['). Stops at ']' or at the end of
// the input; a value cut off by the end or a syntax error between events keeps the events
// before it with a warning.
Status readEventArray(JsonScanner& in, TraceImporter& importer, const std::string& source,
                      bool& stopped) {
    for (;;) {
        int c = in.peek();
        if (c == -1) return {}; // the closing ']' is optional in the trace format
        if (c == ']') {
            in.advance();
            return {};
        }
        if (c == ',') { // tolerate stray and trailing commas
            in.advance();
            continue;
        }
        const uint64_t at = in.offset();
        const size_t n = in.valueLength();
        if (n == 0) {
            const std::string why =
                in.valueTooLarge() ? "an event larger than 1 GiB" : "the file ends inside an event";
            if (importer.events() == 0) return jsonError(source, at, "truncated: " + why);
            importer.warn("truncated at byte " + std::to_string(at) + " (" + why +
                          "): imported the " + std::to_string(importer.events()) +
                          " complete events before it");
            stopped = true;
            return {};
        }
        importer.event(in.current(), n, in.capacityFromCurrent());
        in.consume(n);
        c = in.peek();
        if (c == ',' || c == ']' || c == -1) continue;
        const std::string problem =
            "expected ',' or ']' after an event, found '" + std::string(1, char(c)) + "'";
        if (importer.events() <= 1) return jsonError(source, in.offset(), problem);
        importer.warn("invalid JSON at byte " + std::to_string(in.offset()) + " (" + problem +
                      "): imported the " + std::to_string(importer.events()) + " events before it");
        return {};
    }
}

// The run, or an error when events were skipped and nothing at all could be imported.
Result<Run> finished(TraceImporter& importer, const std::string& source) {
    Run run = importer.finish();
    const size_t rows = run.kernels.size() + run.memcpy.size() + run.memset.size() +
                        run.api.size() + run.ranges.size() + run.counters.size();
    if (rows == 0 && (run.collector.dropped_records || run.collector.unmatched_markers)) {
        const std::string prefix = "imported from " + source + ": ";
        std::string why = run.info.notes;
        if (why.starts_with(prefix)) why = why.substr(prefix.size());
        return Error{source + ": nothing could be imported: " + why};
    }
    return run;
}

// `sizeHint`: the input's size when known, so small inputs get a small read window.
Result<Run> parseTrace(JsonScanner::ReadFn read, const std::string& source, uint64_t sizeHint) {
    constexpr uint64_t kWindow = uint64_t(4) << 20;
    JsonScanner in(std::move(read), size_t(std::min(kWindow, sizeHint + 1)));
    TraceImporter importer(source);
    // A UTF-8 byte-order mark is allowed before the JSON.
    if (in.peek() == 0xEF) {
        if (in.valueLength() >= 3 && std::string_view(in.current(), 3) == "\xEF\xBB\xBF")
            in.consume(3);
    }
    int c = in.peek();
    if (c == '[') {
        in.advance();
        bool stopped = false;
        if (auto s = readEventArray(in, importer, source, stopped); !s) return s.error();
        return finished(importer, source);
    }
    if (c != '{') return Error{source + ": not a Chrome trace: neither a JSON array nor an object"};
    in.advance();
    bool sawEvents = false;
    for (;;) {
        c = in.peek();
        if (c == '}' || c == -1) break;
        if (c == ',') {
            in.advance();
            continue;
        }
        if (c != '"')
            return jsonError(source, in.offset(),
                             "expected a key in the top-level object, found '" +
                                 std::string(1, char(c)) + "'");
        const size_t keyLength = in.valueLength();
        if (keyLength < 2)
            return jsonError(source, in.offset(), "truncated: the file ends in a key");
        const std::string key(in.current() + 1, keyLength - 2);
        in.consume(keyLength);
        if (in.peek() != ':') return jsonError(source, in.offset(), "expected ':' after a key");
        in.advance();
        c = in.peek();
        if (is(key, "traceEvents") && c == '[') {
            in.advance();
            sawEvents = true;
            bool stopped = false;
            if (auto s = readEventArray(in, importer, source, stopped); !s) return s.error();
            if (stopped) break; // the rest of the file cannot be read as JSON
            continue;
        }
        const uint64_t at = in.offset();
        const size_t n = in.valueLength();
        if (n == 0) {
            if (sawEvents) break; // events read; a truncated tail after them is harmless
            return jsonError(source, at,
                             "truncated: the file ends inside the value of '" + key + "'");
        }
        if (is(key, "deviceProperties"))
            importer.deviceProperties(in.current(), n, in.capacityFromCurrent());
        else if (is(key, "baseTimeNanoseconds"))
            importer.baseTime(std::string_view(in.current(), n));
        in.consume(n);
    }
    if (!sawEvents)
        return Error{source + ": not a Chrome trace: an object without a 'traceEvents' array"};
    return finished(importer, source);
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
    return parseTrace(readFromText(text), source, text.size());
}

Result<Run> importChromeTrace(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return Error{path + ": cannot open: " + std::strerror(errno)};
    uint64_t size = uint64_t(4) << 20;
    if (std::fseek(f, 0, SEEK_END) == 0) {
        if (const long end = std::ftell(f); end >= 0) size = uint64_t(end);
        std::rewind(f);
    }
    bool failed = false;
    auto result = parseTrace(
        [f, &failed](char* out, size_t capacity) {
            const size_t n = std::fread(out, 1, capacity, f);
            if (n == 0 && std::ferror(f)) failed = true;
            return n;
        },
        path, size);
    std::fclose(f);
    if (failed) return Error{path + ": read failed"};
    return result;
}

} // namespace ks::data
