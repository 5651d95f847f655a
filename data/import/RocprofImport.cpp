#include "data/import/RocprofImport.h"

#include "data/Checked.h"
#include "data/import/ChromeTraceImport.h"
#include "data/import/Csv.h"
#include "data/import/ImportSupport.h"

#include <map>
#include <optional>

namespace ks::data {
namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// "4" or "Agent 4" (newer rocprofv3 writes agents with a prefix).
std::optional<uint64_t> agentNumber(std::string_view cell) {
    cell = trimmed(cell);
    if (cell.starts_with("Agent ")) cell.remove_prefix(6);
    return parseInteger<uint64_t>(trimmed(cell));
}

// " [clone .kd]" and ".kd" are code-object suffixes, not part of the kernel's name.
std::string_view kernelName(std::string_view name) {
    name = trimmed(name);
    for (std::string_view suffix : {" [clone .kd]", ".kd"})
        if (name.ends_with(suffix)) name.remove_suffix(suffix.size());
    return name;
}

// Blocks along one axis from work-items: ceil(items / workgroup); 0 when either is unknown.
uint32_t blocksOf(uint64_t workItems, uint64_t workgroup) {
    if (workgroup == 0) return 0;
    return narrow<uint32_t>(workItems / workgroup + (workItems % workgroup != 0)).value_or(0);
}

uint8_t copyKindOf(std::string_view direction) {
    if (direction.find("HOST_TO_DEVICE") != std::string_view::npos)
        return uint8_t(MemcpyKind::HtoD);
    if (direction.find("DEVICE_TO_HOST") != std::string_view::npos)
        return uint8_t(MemcpyKind::DtoH);
    if (direction.find("DEVICE_TO_DEVICE") != std::string_view::npos)
        return uint8_t(MemcpyKind::DtoD);
    if (direction.find("HOST_TO_HOST") != std::string_view::npos) return uint8_t(MemcpyKind::HtoH);
    if (direction.find("PEER") != std::string_view::npos) return uint8_t(MemcpyKind::PtoP);
    return uint8_t(MemcpyKind::Unknown);
}

// The trace a stats file summarises, from its name.
std::string summarisedTrace(const std::string& source) {
    const size_t slash = source.find_last_of('/');
    const std::string name = source.substr(slash == std::string::npos ? 0 : slash + 1);
    const std::string dir = source.substr(0, slash == std::string::npos ? 0 : slash + 1);
    auto replaced = [&](std::string_view from, std::string_view to) -> std::string {
        const size_t at = name.rfind(from);
        if (at == std::string::npos) return {};
        return dir + name.substr(0, at) + std::string(to) + name.substr(at + from.size());
    };
    for (auto [from, to] : {std::pair<std::string_view, std::string_view>{".stats.csv", ".csv"},
                            {"kernel_stats.csv", "kernel_trace.csv"},
                            {"hip_api_stats.csv", "hip_api_trace.csv"},
                            {"hsa_api_stats.csv", "hsa_api_trace.csv"},
                            {"memory_copy_stats.csv", "memory_copy_trace.csv"}})
        if (std::string t = replaced(from, to); !t.empty()) return t;
    return "results.csv (rocprof v1) or the *_trace.csv files (rocprofv3)";
}

// Reads the cells of one row by column; records which row failed and why.
class Row {
public:
    Row(const CsvHeader& header, const std::vector<std::string_view>& cells)
        : m_header(header), m_cells(cells) {}
    std::optional<std::string_view> text(std::initializer_list<std::string_view> names) const {
        auto i = m_header.find(names);
        if (!i || *i >= m_cells.size()) return std::nullopt;
        return trimmed(m_cells[*i]);
    }
    std::optional<uint64_t> number(std::initializer_list<std::string_view> names) const {
        auto t = text(names);
        return t ? parseInteger<uint64_t>(*t) : std::nullopt;
    }
    std::optional<int64_t> time(std::initializer_list<std::string_view> names) const {
        auto t = text(names);
        return t ? parseInteger<int64_t>(*t) : std::nullopt;
    }

private:
    const CsvHeader& m_header;
    const std::vector<std::string_view>& m_cells;
};

class RocprofImporter {
public:
    RocprofImporter(const std::string& source, RocprofTable table)
        : m_source(source), m_table(table) {
        m_run.info.producer = "kernscope import (rocprof)";
        m_run.info.backend = "imported:rocprof";
        m_run.info.clock_domain = "monotonic";
    }
    // Adds one data row; false when it was skipped.
    bool row(const Row& r);
    Run finish(uint64_t rows, uint64_t skipped, size_t firstSkipped, bool truncated);
    bool requireColumns(const CsvHeader& header, std::string& missing) const;

private:
    uint32_t device(uint64_t agent);
    uint32_t thread(std::optional<uint64_t> pid, uint64_t tid);
    bool kernel(const Row& r, int64_t start, int64_t end);
    bool copy(const Row& r, int64_t start, int64_t end);

    std::string m_source;
    RocprofTable m_table;
    Run m_run;
    std::map<uint64_t, uint32_t> m_devices;
    std::map<uint64_t, std::string> m_threadNames;
};

uint32_t RocprofImporter::device(uint64_t agent) {
    const uint32_t id = narrow<uint32_t>(agent).value_or(0);
    if (m_devices.emplace(agent, id).second) {
        m_run.devices.forEachColumn([](const char*, auto& column) { column.emplace_back(); });
        m_run.devices.id.back() = id;
        m_run.devices.kind.back() = m_run.strings.intern("gpu");
        m_run.devices.name.back() =
            m_run.strings.intern("AMD GPU (agent " + std::to_string(agent) + ")");
    }
    return id;
}

uint32_t RocprofImporter::thread(std::optional<uint64_t> pid, uint64_t tid) {
    const uint32_t id = narrow<uint32_t>(tid).value_or(0);
    m_threadNames.emplace(id, (pid ? "pid " + std::to_string(*pid) + " / " : std::string()) +
                                  "tid " + std::to_string(tid));
    return id;
}

bool RocprofImporter::kernel(const Row& r, int64_t start, int64_t end) {
    auto name = r.text({"Kernel_Name", "KernelName"});
    auto agent = r.number({"Agent_Id", "GPU_ID", "gpu-id"});
    if (agent == std::nullopt) {
        if (auto a = r.text({"Agent_Id"})) agent = agentNumber(*a);
    }
    if (!name || !agent) return false;
    KernelTable& k = m_run.kernels;
    k.start_ns.push_back(start);
    k.end_ns.push_back(end);
    k.device.push_back(device(*agent));
    // Streams: rocprofv3's Stream_Id when present, else the HSA queue.
    k.stream.push_back(
        narrow<uint32_t>(r.number({"Stream_Id", "Queue_Id", "queue-id"}).value_or(0)).value_or(0));
    k.correlation.push_back(
        narrow<uint32_t>(r.number({"Correlation_Id", "Correlation_ID"}).value_or(0)).value_or(0));
    k.name.push_back(m_run.strings.intern(kernelName(*name)));
    // Work-items per axis (v3) or in total (v1 grd, v2 Grid_Size) -> blocks of the workgroup.
    const uint64_t wgX = r.number({"Workgroup_Size_X", "Workgroup_Size", "wgr"}).value_or(0);
    const uint64_t wgY = r.number({"Workgroup_Size_Y"}).value_or(1);
    const uint64_t wgZ = r.number({"Workgroup_Size_Z"}).value_or(1);
    k.grid_x.push_back(blocksOf(r.number({"Grid_Size_X", "Grid_Size", "grd"}).value_or(0), wgX));
    k.grid_y.push_back(blocksOf(r.number({"Grid_Size_Y"}).value_or(1), wgY));
    k.grid_z.push_back(blocksOf(r.number({"Grid_Size_Z"}).value_or(1), wgZ));
    k.block_x.push_back(narrow<uint32_t>(wgX).value_or(0));
    k.block_y.push_back(narrow<uint32_t>(wgY).value_or(0));
    k.block_z.push_back(narrow<uint32_t>(wgZ).value_or(0));
    k.registers_per_thread.push_back(
        narrow<uint32_t>(r.number({"VGPR_Count", "arch_vgpr", "vgpr"}).value_or(0)).value_or(0));
    k.shared_static.push_back(
        narrow<uint32_t>(r.number({"LDS_Block_Size", "Group_Segment_Size", "lds"}).value_or(0))
            .value_or(0));
    k.shared_dynamic.push_back(0);
    return true;
}

bool RocprofImporter::copy(const Row& r, int64_t start, int64_t end) {
    auto direction = r.text({"Direction"});
    if (!direction) return false;
    const uint8_t kind = copyKindOf(*direction);
    auto agentOf = [&](std::initializer_list<std::string_view> names) -> std::optional<uint64_t> {
        auto t = r.text(names);
        return t ? agentNumber(*t) : std::nullopt;
    };
    // The GPU side of the copy: the destination for host-to-device, else the source.
    auto agent = kind == uint8_t(MemcpyKind::HtoD) ? agentOf({"Destination_Agent_Id"})
                                                   : agentOf({"Source_Agent_Id"});
    if (!agent) return false;
    MemcpyTable& m = m_run.memcpy;
    m.start_ns.push_back(start);
    m.end_ns.push_back(end);
    m.device.push_back(device(*agent));
    m.stream.push_back(narrow<uint32_t>(r.number({"Stream_Id"}).value_or(0)).value_or(0));
    m.correlation.push_back(narrow<uint32_t>(r.number({"Correlation_Id"}).value_or(0)).value_or(0));
    m.kind.push_back(kind);
    m.bytes.push_back(r.number({"Bytes", "Size", "Copy_Bytes"}).value_or(0));
    return true;
}

bool RocprofImporter::row(const Row& r) {
    auto start = r.time({"Start_Timestamp", "BeginNs"});
    auto end = r.time({"End_Timestamp", "EndNs"});
    if (!start || !end || *start < 0 || *end < *start) return false;
    switch (m_table) {
    case RocprofTable::Kernels:
        return kernel(r, *start, *end);
    case RocprofTable::Copies:
        return copy(r, *start, *end);
    case RocprofTable::Api: {
        auto name = r.text({"Function"});
        auto tid = r.number({"Thread_Id"});
        if (!name || !tid) return false;
        ApiTable& a = m_run.api;
        a.start_ns.push_back(*start);
        a.end_ns.push_back(*end);
        a.thread.push_back(thread(r.number({"Process_Id"}), *tid));
        a.correlation.push_back(
            narrow<uint32_t>(r.number({"Correlation_Id"}).value_or(0)).value_or(0));
        a.name.push_back(m_run.strings.intern(*name));
        a.return_value.push_back(0);
        return true;
    }
    case RocprofTable::Markers: {
        auto name = r.text({"Function"});
        auto tid = r.number({"Thread_Id"});
        if (!name || !tid) return false;
        RangeTable& g = m_run.ranges;
        g.start_ns.push_back(*start);
        g.end_ns.push_back(*end);
        g.thread.push_back(thread(r.number({"Process_Id"}), *tid));
        g.depth.push_back(0);
        g.name.push_back(m_run.strings.intern(*name));
        g.category.push_back(m_run.strings.intern(r.text({"Domain"}).value_or("")));
        return true;
    }
    default:
        return false;
    }
}

bool RocprofImporter::requireColumns(const CsvHeader& h, std::string& missing) const {
    auto need = [&](std::initializer_list<std::string_view> names) {
        if (!h.find(names)) missing += (missing.empty() ? "" : ", ") + std::string(*names.begin());
    };
    need({"Start_Timestamp", "BeginNs"});
    need({"End_Timestamp", "EndNs"});
    switch (m_table) {
    case RocprofTable::Kernels:
        need({"Kernel_Name", "KernelName"});
        need({"Agent_Id", "GPU_ID", "gpu-id"});
        break;
    case RocprofTable::Copies:
        need({"Direction"});
        break;
    default:
        need({"Function"});
        need({"Thread_Id"});
    }
    return missing.empty();
}

Run RocprofImporter::finish(uint64_t rows, uint64_t skipped, size_t firstSkipped, bool truncated) {
    for (const auto& [tid, name] : m_threadNames) m_run.nameThread(tid, name);
    assignRangeDepths(m_run.ranges);
    const int64_t origin = earliestTime(m_run);
    shiftTimes(m_run, origin);
    m_run.info.origin_unix_ns = origin; // rocprof clocks are monotonic, not the Unix epoch
    std::string note = "imported from " + m_source + ": " + std::to_string(rows - skipped) +
                       " of " + std::to_string(rows) + " rows";
    if (skipped)
        note += "; skipped " + std::to_string(skipped) +
                " rows with missing or malformed cells (first at line " +
                std::to_string(firstSkipped) + ")";
    if (truncated) note += "; warning: the file ends inside a quoted cell";
    m_run.info.notes = note;
    m_run.collector.dropped_records = skipped;
    return std::move(m_run);
}

} // namespace

RocprofTable rocprofTableOf(std::string_view firstLine) {
    if (firstLine.starts_with("\xEF\xBB\xBF")) firstLine.remove_prefix(3);
    const size_t end = firstLine.find('\n');
    CsvReader reader(firstLine.substr(0, end));
    std::vector<std::string_view> cells;
    if (!reader.next(cells)) return RocprofTable::Unknown;
    const CsvHeader h(cells);
    const bool timed = h.find({"Start_Timestamp", "BeginNs"}) && h.find({"End_Timestamp", "EndNs"});
    if (h.has("Name") && h.has("Calls") && h.has("TotalDurationNs")) return RocprofTable::Stats;
    if (h.has("Counter_Name") && h.has("Counter_Value")) return RocprofTable::Counters;
    if (!timed) return RocprofTable::Unknown;
    if (h.find({"Kernel_Name", "KernelName"})) return RocprofTable::Kernels;
    if (h.has("Direction")) return RocprofTable::Copies;
    if (h.has("Domain") && h.has("Function")) {
        // The domain column tells markers from API calls; the header alone does not.
        return RocprofTable::Api;
    }
    return RocprofTable::Unknown;
}

Result<Run> parseRocprofCsv(std::string_view text, const std::string& source) {
    RocprofTable table = rocprofTableOf(text.substr(0, std::min<size_t>(text.size(), 65536)));
    if (table == RocprofTable::Stats)
        return Error{source +
                     ": a rocprof summary (*stats.csv: totals per name, no events); open "
                     "the trace it summarises: " +
                     summarisedTrace(source)};
    if (table == RocprofTable::Counters)
        return Error{source + ": rocprofv3 counter collection (counters per dispatch, no times); "
                              "open the kernel_trace.csv of the same run"};
    if (table == RocprofTable::Unknown)
        return Error{source + ": not a rocprof trace CSV (no Start_Timestamp/End_Timestamp or "
                              "BeginNs/EndNs columns)"};
    CsvReader reader(text);
    std::vector<std::string_view> cells;
    reader.next(cells);
    const CsvHeader header(cells);
    if (table == RocprofTable::Api) { // markers or API calls: the first row's domain decides
        CsvReader peek(text);
        std::vector<std::string_view> first;
        peek.next(first);
        if (peek.next(first)) {
            const Row r(header, first);
            if (r.text({"Domain"}).value_or("").starts_with("MARKER"))
                table = RocprofTable::Markers;
        }
    }
    RocprofImporter importer(source, table);
    if (std::string missing; !importer.requireColumns(header, missing))
        return Error{source + ": rocprof CSV without the column(s) " + missing};
    uint64_t rows = 0, skipped = 0;
    size_t firstSkipped = 0;
    bool truncated = false;
    while (reader.next(cells)) {
        ++rows;
        truncated = reader.unterminated();
        if (!importer.row(Row(header, cells)) && skipped++ == 0) firstSkipped = reader.line();
    }
    return importer.finish(rows, skipped, firstSkipped, truncated);
}

Result<Run> importRocprofCsv(const std::string& path) {
    auto content = readTextFile(path);
    if (!content) return content.error();
    return parseRocprofCsv(content.value(), path);
}

} // namespace ks::data
