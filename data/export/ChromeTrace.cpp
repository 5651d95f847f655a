#include "data/export/ChromeTrace.h"

#include "data/export/AtomicFile.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

namespace ks::data {
namespace {

// Validated UTF-8 sequence length at s[i], 0 when invalid.
size_t utf8Length(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
    return n;
}

// Buffered event writer; events are separated by ",\n".
class Out {
public:
    explicit Out(std::FILE* f) : m_f(f) { m_buf.reserve(1 << 16); }
    ~Out() { flush(); }
    std::string& begin() {
        if (m_count++ > 0) m_buf += ",\n";
        return m_buf;
    }
    void end() {
        if (m_buf.size() > (1 << 16) - 1024) flush();
    }
    void raw(const char* s) { m_buf += s; }
    void flush() {
        std::fwrite(m_buf.data(), 1, m_buf.size(), m_f);
        m_buf.clear();
    }
    size_t count() const { return m_count; }

private:
    std::FILE* m_f;
    std::string m_buf;
    size_t m_count = 0;
};

void appendInt(std::string& out, int64_t v) {
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "%" PRId64, v);
    out.append(buf, size_t(n));
}

// ns as µs with exactly three decimals: no floating point, no rounding.
void appendMicros(std::string& out, int64_t ns) {
    if (ns < 0) {
        out += '-';
        ns = -ns;
    }
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
    out.append(buf, size_t(n));
}

void appendString(std::string& out, std::string_view s) {
    out += '"';
    appendJsonEscaped(out, s);
    out += '"';
}

// {"ph":"X","cat":..,"name":..,"pid":..,"tid":..,"ts":..,"dur":..,"args":{   (args left open)
void openX(std::string& o, std::string_view cat, std::string_view name, int64_t pid, int64_t tid,
           int64_t start, int64_t end) {
    o += "{\"ph\":\"X\",\"cat\":";
    appendString(o, cat);
    o += ",\"name\":";
    appendString(o, name);
    o += ",\"pid\":";
    appendInt(o, pid);
    o += ",\"tid\":";
    appendInt(o, tid);
    o += ",\"ts\":";
    appendMicros(o, start);
    o += ",\"dur\":";
    appendMicros(o, end - start);
    o += ",\"args\":{";
}

void arg(std::string& o, const char* key, int64_t v, bool first = false) {
    if (!first) o += ',';
    o += '"';
    o += key;
    o += "\":";
    appendInt(o, v);
}

void metadata(Out& out, const char* what, int64_t pid, int64_t tid, std::string_view name,
              int64_t sortIndex) {
    std::string& o = out.begin();
    o += "{\"ph\":\"M\",\"name\":\"";
    o += what;
    o += "_name\",\"pid\":";
    appendInt(o, pid);
    o += ",\"tid\":";
    appendInt(o, tid);
    o += ",\"args\":{\"name\":";
    appendString(o, name);
    o += "}}";
    out.end();
    std::string& p = out.begin();
    p += "{\"ph\":\"M\",\"name\":\"";
    p += what;
    p += "_sort_index\",\"pid\":";
    appendInt(p, pid);
    p += ",\"tid\":";
    appendInt(p, tid);
    p += ",\"args\":{\"sort_index\":";
    appendInt(p, sortIndex);
    p += "}}";
    out.end();
}

void flow(Out& out, char phase, uint32_t id, int64_t pid, int64_t tid, int64_t ts) {
    std::string& o = out.begin();
    o += "{\"ph\":\"";
    o += phase;
    o += "\",\"cat\":\"ac2g\",\"name\":\"ac2g\",\"id\":";
    appendInt(o, id);
    o += ",\"pid\":";
    appendInt(o, pid);
    o += ",\"tid\":";
    appendInt(o, tid);
    o += ",\"ts\":";
    appendMicros(o, ts);
    if (phase == 'f') o += ",\"bp\":\"e\"";
    o += '}';
    out.end();
}

} // namespace

void appendJsonEscaped(std::string& out, std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
            ++i;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            ++i;
        } else if (c < 0x80) {
            out += char(c);
            ++i;
        } else if (const size_t n = utf8Length(s, i); n > 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xef\xbf\xbd"; // U+FFFD
            ++i;
        }
    }
}

Result<ChromeTraceStats> writeChromeTrace(const Run& run, const std::string& path) {
    AtomicFile file(path);
    if (auto s = file.open(); !s) return s.error();
    ChromeTraceStats stats;
    {
        Out out(file.file());
        out.raw("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":");
        std::string header;
        appendString(header, run.info.producer);
        header += ",\"backend\":";
        appendString(header, run.info.backend);
        header += ",\"origin_unix_ns\":";
        appendInt(header, run.info.origin_unix_ns);
        header += "},\n\"traceEvents\":[\n";
        out.raw(header.c_str());

        const StringTable& str = run.strings;
        auto devicePid = [](uint32_t device) { return int64_t(kChromeDevicePidBase) + device; };

        // Metadata: the host first, then each device; threads and streams in id order.
        metadata(out, "process", kChromeHostPid, 0, "Host (CPU threads)", 0);
        std::set<uint32_t> hostThreads;
        for (uint32_t t : run.api.thread) hostThreads.insert(t);
        for (uint32_t t : run.ranges.thread) hostThreads.insert(t);
        for (uint32_t t : run.threads.id) hostThreads.insert(t);
        for (uint32_t t : hostThreads) {
            const std::string_view name = run.threadName(t);
            metadata(out, "thread", kChromeHostPid, t,
                     name.empty() ? "Thread " + std::to_string(t) : std::string(name), t);
        }
        std::set<std::pair<uint32_t, uint32_t>> streams; // (device, stream)
        for (size_t i = 0; i < run.kernels.size(); ++i)
            streams.insert({run.kernels.device[i], run.kernels.stream[i]});
        for (size_t i = 0; i < run.memcpy.size(); ++i)
            streams.insert({run.memcpy.device[i], run.memcpy.stream[i]});
        for (size_t i = 0; i < run.memset.size(); ++i)
            streams.insert({run.memset.device[i], run.memset.stream[i]});
        std::set<uint32_t> devices;
        for (const auto& [d, s] : streams) devices.insert(d);
        for (uint32_t d : devices) {
            std::string name = run.deviceIsCpu(d) ? "CPU device " : "GPU ";
            name += std::to_string(d);
            if (const auto n = run.deviceName(d); !n.empty()) name += ": " + std::string(n);
            metadata(out, "process", devicePid(d), 0, name, 1 + d);
        }
        for (const auto& [d, s] : streams)
            metadata(out, "thread", devicePid(d), s, "Stream " + std::to_string(s), s);

        // API calls, remembering which correlation ids they carry for the flows.
        std::vector<std::pair<uint32_t, uint32_t>> apiByCorrelation; // (correlation, row)
        const ApiTable& api = run.api;
        for (size_t i = 0; i < api.size(); ++i) {
            std::string& o = out.begin();
            openX(o, "cuda_runtime", str.get(api.name[i]), kChromeHostPid, api.thread[i],
                  api.start_ns[i], api.end_ns[i]);
            arg(o, "correlation", api.correlation[i], true);
            arg(o, "return_value", api.return_value[i]);
            o += "}}";
            out.end();
            if (api.correlation[i] != 0)
                apiByCorrelation.push_back({api.correlation[i], uint32_t(i)});
        }
        std::sort(apiByCorrelation.begin(), apiByCorrelation.end());
        auto flowFrom = [&](uint32_t correlation, int64_t pid, int64_t tid, int64_t start) {
            if (correlation == 0) return;
            auto it = std::lower_bound(apiByCorrelation.begin(), apiByCorrelation.end(),
                                       std::pair<uint32_t, uint32_t>{correlation, 0});
            if (it == apiByCorrelation.end() || it->first != correlation) return;
            const uint32_t row = it->second;
            flow(out, 's', correlation, kChromeHostPid, api.thread[row], api.start_ns[row]);
            flow(out, 'f', correlation, pid, tid, start);
            ++stats.flows;
        };
        // Kernels, copies and memsets end alike: where they ran, then the flow from their launch.
        auto closeGpuEvent = [&](std::string& o, uint32_t stream, uint32_t correlation,
                                 uint32_t device, int64_t pid, int64_t start) {
            arg(o, "stream", stream);
            arg(o, "correlation", correlation);
            arg(o, "device", device);
            o += "}}";
            out.end();
            flowFrom(correlation, pid, stream, start);
        };

        const RangeTable& ranges = run.ranges;
        for (size_t i = 0; i < ranges.size(); ++i) {
            std::string& o = out.begin();
            const std::string_view category = str.get(ranges.category[i]);
            openX(o, category.empty() ? "range" : category, str.get(ranges.name[i]), kChromeHostPid,
                  ranges.thread[i], ranges.start_ns[i], ranges.end_ns[i]);
            arg(o, "depth", ranges.depth[i], true);
            o += "}}";
            out.end();
        }

        const KernelTable& k = run.kernels;
        for (size_t i = 0; i < k.size(); ++i) {
            std::string& o = out.begin();
            const int64_t pid = devicePid(k.device[i]);
            openX(o, "kernel", str.get(k.name[i]), pid, k.stream[i], k.start_ns[i], k.end_ns[i]);
            o += "\"grid\":[";
            appendInt(o, k.grid_x[i]);
            o += ',';
            appendInt(o, k.grid_y[i]);
            o += ',';
            appendInt(o, k.grid_z[i]);
            o += "],\"block\":[";
            appendInt(o, k.block_x[i]);
            o += ',';
            appendInt(o, k.block_y[i]);
            o += ',';
            appendInt(o, k.block_z[i]);
            o += ']';
            arg(o, "registers per thread", k.registers_per_thread[i]);
            arg(o, "shared memory", int64_t(k.shared_static[i]) + k.shared_dynamic[i]);
            arg(o, "static shared memory", k.shared_static[i]);
            arg(o, "dynamic shared memory", k.shared_dynamic[i]);
            closeGpuEvent(o, k.stream[i], k.correlation[i], k.device[i], pid, k.start_ns[i]);
        }

        const MemcpyTable& m = run.memcpy;
        for (size_t i = 0; i < m.size(); ++i) {
            std::string& o = out.begin();
            const int64_t pid = devicePid(m.device[i]);
            const char* kind = memcpyKindName(m.kind[i]);
            openX(o, "gpu_memcpy", std::string("Memcpy ") + kind, pid, m.stream[i], m.start_ns[i],
                  m.end_ns[i]);
            arg(o, "bytes", int64_t(m.bytes[i]), true);
            o += ",\"kind\":\"";
            o += kind;
            o += '"';
            const int64_t dur = m.end_ns[i] - m.start_ns[i];
            char gbps[32];
            std::snprintf(gbps, sizeof gbps, "%.3f",
                          dur > 0 ? double(m.bytes[i]) / double(dur) : 0.0);
            o += ",\"memory bandwidth (GB/s)\":";
            o += gbps;
            closeGpuEvent(o, m.stream[i], m.correlation[i], m.device[i], pid, m.start_ns[i]);
        }

        const MemsetTable& ms = run.memset;
        for (size_t i = 0; i < ms.size(); ++i) {
            std::string& o = out.begin();
            const int64_t pid = devicePid(ms.device[i]);
            openX(o, "gpu_memset", "Memset", pid, ms.stream[i], ms.start_ns[i], ms.end_ns[i]);
            arg(o, "bytes", int64_t(ms.bytes[i]), true);
            arg(o, "value", ms.value[i]);
            closeGpuEvent(o, ms.stream[i], ms.correlation[i], ms.device[i], pid, ms.start_ns[i]);
        }

        for (const auto& [name, series] : run.counters) {
            for (size_t i = 0; i < series.size(); ++i) {
                std::string& o = out.begin();
                o += "{\"ph\":\"C\",\"name\":";
                appendString(o, name);
                o += ",\"pid\":";
                appendInt(o, kChromeHostPid);
                o += ",\"tid\":0,\"ts\":";
                appendMicros(o, series.time_ns[i]);
                char v[40];
                std::snprintf(v, sizeof v, "%.17g", series.value[i]);
                o += ",\"args\":{\"value\":";
                // JSON has no NaN/Inf: such samples become null
                o += (series.value[i] == series.value[i] && series.value[i] - series.value[i] == 0)
                         ? v
                         : "null";
                o += "}}";
                out.end();
            }
        }
        out.raw("\n]}\n");
        stats.events = out.count();
    }
    if (auto s = file.commit(); !s) return s.error();
    return stats;
}

} // namespace ks::data
