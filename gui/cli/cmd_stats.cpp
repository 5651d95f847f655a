// kernscope-cli stats: `nsys stats`-like summaries of a run file, as aligned tables, CSV or JSON.
#include "ArgParser.h"
#include "Commands.h"
#include "TextTable.h"

#include "data/RunFile.h"
#include "data/Summary.h"
#include "data/analysis/Diagnosis.h"
#include "data/analysis/KernelStats.h" // theoreticalOccupancy
#include "data/export/CsvExport.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>

namespace ks::cli {
namespace {

using namespace ks::data;

std::string percent(double p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", p);
    return buf;
}

std::string gbps(double v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string bytes(uint64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

const std::vector<std::string> kTimeHeader = {"Time (%)", "Total", "Instances", "Avg",
                                              "Med",      "Min",   "Max",       "StdDev"};

std::vector<std::string> timeCells(double pct, const DurationStats& s) {
    return {percent(pct),
            data::formatDuration(double(s.total)),
            std::to_string(s.count),
            data::formatDuration(s.avg),
            data::formatDuration(s.median),
            data::formatDuration(double(s.min)),
            data::formatDuration(double(s.max)),
            data::formatDuration(s.stddev)};
}

template <class Row> size_t shown(const std::vector<Row>& rows, size_t limit) {
    return limit == 0 ? rows.size() : std::min(rows.size(), limit);
}

template <class Row> std::string more(const std::vector<Row>& rows, size_t limit) {
    const size_t n = shown(rows, limit);
    return n < rows.size()
               ? "  (" + std::to_string(rows.size() - n) + " more rows; --limit 0 shows all)\n"
               : "";
}

// Theoretical occupancy of a row's most common launch config on the run's first GPU ("-" for
// CPU ops or unknown device properties).
std::string occupancyCell(const Run& run, const LaunchConfig& c) {
    for (size_t i = 0; i < run.devices.size(); ++i) {
        if (run.deviceIsCpu(run.devices.id[i])) continue;
        const auto occ = theoreticalOccupancy(
            run, run.devices.id[i], c.block_x * std::max(1u, c.block_y) * std::max(1u, c.block_z),
            c.registers_per_thread, c.shared_static + c.shared_dynamic);
        return occ ? percent(100.0 * *occ) + " %" : "-";
    }
    return "-";
}

std::string kernelTable(const Run& run, const std::vector<KernelSummaryRow>& rows, size_t limit) {
    TextTable t;
    t.header = kTimeHeader;
    for (const char* h : {"Grid", "Block", "Regs", "Shared", "Occ", "Name"}) t.header.push_back(h);
    for (size_t i = 0; i < shown(rows, limit); ++i) {
        const auto& r = rows[i];
        const LaunchConfig& c = r.config;
        auto cells = timeCells(r.timePercent, r.time);
        if (c.grid_x == 0) { // CPU ops have no launch configuration
            for (int k = 0; k < 5; ++k) cells.push_back("-");
        } else {
            cells.push_back(std::to_string(c.grid_x) + "x" + std::to_string(c.grid_y) + "x" +
                            std::to_string(c.grid_z));
            cells.push_back(std::to_string(c.block_x) + "x" + std::to_string(c.block_y) + "x" +
                            std::to_string(c.block_z));
            cells.push_back(std::to_string(c.registers_per_thread));
            cells.push_back(bytes(uint64_t(c.shared_static) + c.shared_dynamic));
            cells.push_back(occupancyCell(run, c));
        }
        cells.push_back(r.name);
        t.rows.push_back(std::move(cells));
    }
    return t.render() + more(rows, limit);
}

std::string memoryTable(const std::vector<MemorySummaryRow>& rows, size_t limit) {
    TextTable t;
    t.header = kTimeHeader;
    for (const char* h : {"Total Bytes", "Avg GB/s", "Peak GB/s", "Operation"})
        t.header.push_back(h);
    for (size_t i = 0; i < shown(rows, limit); ++i) {
        const auto& r = rows[i];
        auto cells = timeCells(r.timePercent, r.time);
        cells.push_back(bytes(r.bytes));
        cells.push_back(gbps(r.avgGBps));
        cells.push_back(gbps(r.peakGBps));
        cells.push_back(r.operation);
        t.rows.push_back(std::move(cells));
    }
    return t.render() + more(rows, limit);
}

std::string namedTable(const std::vector<NamedSummaryRow>& rows, size_t limit) {
    TextTable t;
    t.header = kTimeHeader;
    t.header.push_back("Name");
    for (size_t i = 0; i < shown(rows, limit); ++i) {
        auto cells = timeCells(rows[i].timePercent, rows[i].time);
        cells.push_back(rows[i].name);
        t.rows.push_back(std::move(cells));
    }
    return t.render() + more(rows, limit);
}

// Nsight Compute metrics, one row per (launch, metric) or rule, in file order.
std::string metricsReport(const Run& run, const std::string& format, size_t limit) {
    const KernelMetricTable& m = run.kernelMetrics;
    auto str = [&](uint32_t id) { return std::string(run.strings.get(id)); };
    auto kernel = [&](size_t i) {
        return m.kernel[i] == kNoKernel ? std::string("-") : std::to_string(m.kernel[i]);
    };
    if (format == "json") {
        nlohmann::json rows = nlohmann::json::array();
        for (size_t i = 0; i < m.size(); ++i)
            rows.push_back({{"launch", m.launch[i]},
                            {"kernel_row", m.kernel[i] == kNoKernel ? nlohmann::json()
                                                                    : nlohmann::json(m.kernel[i])},
                            {"kernel_name", str(m.kernel_name[i])},
                            {"section", str(m.section[i])},
                            {"metric", str(m.metric[i])},
                            {"unit", str(m.unit[i])},
                            {"value", std::isfinite(m.value[i]) ? nlohmann::json(m.value[i])
                                                                : nlohmann::json()},
                            {"text", str(m.text[i])},
                            {"rule", m.kind[i] == 1}});
        return rows.dump(1);
    }
    if (format == "csv") {
        std::string out = "Launch,Kernel Row,Section,Metric,Unit,Value,Kind,Kernel Name\n";
        for (size_t i = 0; i < m.size(); ++i)
            out += std::to_string(m.launch[i]) + "," + kernel(i) + "," +
                   csvField(str(m.section[i])) + "," + csvField(str(m.metric[i])) + "," +
                   csvField(str(m.unit[i])) + "," + csvField(str(m.text[i])) + "," +
                   (m.kind[i] == 1 ? "rule" : "metric") + "," + csvField(str(m.kernel_name[i])) +
                   "\n";
        return out;
    }
    TextTable t;
    t.header = {"Launch", "Kernel", "Section", "Metric", "Unit", "Value", "Kernel Name"};
    for (size_t i = 0; i < shown(m.launch, limit); ++i) {
        std::string value = m.kind[i] == 1 ? "(rule) " + str(m.text[i]) : str(m.text[i]);
        if (value.size() > 60) value = value.substr(0, 57) + "...";
        std::string name = str(m.kernel_name[i]);
        if (name.size() > 60) name = name.substr(0, 57) + "...";
        t.rows.push_back({std::to_string(m.launch[i]), kernel(i), str(m.section[i]),
                          str(m.metric[i]), str(m.unit[i]), value, name});
    }
    return t.render() + more(m.launch, limit);
}

struct Report {
    const char* name;  // --report value and JSON key
    const char* title; // table heading
    std::vector<std::string> (*columns)();
    std::function<size_t(const Run&)> count;
    std::function<std::string(const Run&, const std::string& format, size_t limit)> render;
};

// "START:END" in ns.
std::optional<TimeSpan> parseSpan(const std::string& text) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos) return std::nullopt;
    int64_t b = 0, e = 0;
    const char* first = text.data();
    const char* mid = first + colon;
    const char* last = first + text.size();
    const auto r1 = std::from_chars(first, mid, b);
    const auto r2 = std::from_chars(mid + 1, last, e);
    if (r1.ec != std::errc() || r1.ptr != mid || r2.ec != std::errc() || r2.ptr != last || e <= b)
        return std::nullopt;
    return TimeSpan{b, e};
}

// The utilization and diagnosis reports need whole tables (not the streamed kernel summary).
int analysisReport(const std::string& path, const std::string& report, const std::string& format,
                   const DiagnosisOptions& options) {
    ReadOptions read;
    read.tensorData = false;
    read.samples = false;
    if (report == "utilization") { // only the GPU tables' time, device and stream columns
        read.onlyColumns = {"/strings", "/meta/devices"};
        for (const char* table : {KernelTable::kPath, MemcpyTable::kPath, MemsetTable::kPath})
            for (const char* c : {"start_ns", "end_ns", "device", "stream", "correlation"})
                read.onlyColumns.push_back(std::string(table) + "/" + c);
    }
    auto run = readRun(path, read);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli stats: %s\n", run.error().message.c_str());
        return 2;
    }
    std::string out;
    if (report == "utilization") {
        const auto rows = computeUtilization(*run, options.span);
        if (format == "csv") {
            out = utilizationCsv(rows);
        } else if (format == "json") {
            out = "{\n\"utilization\": " + utilizationJson(rows) + "}\n";
        } else {
            TextTable t;
            t.header = {"Busy (%)", "Busy",        "Span",           "Events",
                        "Gaps",     "Longest gap", "Device / stream"};
            for (const UtilizationRow& r : rows)
                t.rows.push_back({percent(r.busyPercent), formatDuration(double(r.busyNs)),
                                  formatDuration(double(r.spanNs)), std::to_string(r.events),
                                  std::to_string(r.idleGaps),
                                  formatDuration(double(r.longestGapNs)),
                                  r.stream ? "  stream " + std::to_string(*r.stream)
                                           : "device " + std::to_string(r.device) + " " +
                                                 std::string(run->deviceName(r.device))});
            out = std::string(deviceKindWord(*run)) + " utilization (" + path + ")\n\n" +
                  (rows.empty() ? std::string("  (no kernels, copies or memsets in this run)\n")
                                : t.render());
        }
    } else {
        const Diagnosis d = diagnose(*run, options);
        out = format == "csv"    ? diagnosisCsv(d)
              : format == "json" ? diagnosisJson(d)
                                 : "Diagnosis (" + path + ")\n\n" + diagnosisText(d, *run);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 2;
}

} // namespace

int cmdStats(const Args& args) {
    std::string path, report = "all", format = "table", limit = "0", span, steps;
    ArgParser p("stats",
                "Print nsys-stats-like summaries of a run file: GPU kernels (with the most\n"
                "common launch config), memory operations by kind, CUDA API calls and CPU "
                "ranges.");
    p.positional("RUN", &path, "the run file (*.ksr.h5)");
    p.option("--report", &report, "NAME", "which summary (metrics: Nsight Compute metrics)",
             {"kernels", "memcpy", "api", "ranges", "metrics", "all", "utilization", "diagnosis"});
    p.option("--format", &format, "FMT", "output format", {"table", "csv", "json"});
    p.option("--limit", &limit, "N", "show at most N rows per table (0: all)");
    p.option("--span", &span, "START:END",
             "utilization/diagnosis: only this span (ns from the run's origin)");
    p.option("--steps", &steps, "REGEX",
             "diagnosis: ranges that are steps (default: 'step N' and 'ProfilerStep#N')");
    p.epilog("Durations: Avg/Med/Min/Max in ns (csv/json) or human units (table); StdDev is the\n"
             "sample standard deviation (n-1), like nsys. Rows are sorted by total time.\n"
             "'utilization' and 'diagnosis' are not part of 'all' (they read whole tables);\n"
             "their metrics and rules are described in docs/DIAGNOSIS.md.\n"
             "example: kernscope-cli stats run.ksr.h5 --report kernels --format csv > kernels.csv");
    if (auto code = p.parse(args)) return *code;
    size_t rowLimit = 0;
    const auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), rowLimit);
    if (ec != std::errc() || end != limit.data() + limit.size())
        return p.fail("--limit needs a whole number >= 0, got '" + limit + "'");
    if (report == "utilization" || report == "diagnosis") {
        DiagnosisOptions options;
        if (!span.empty()) {
            options.span = parseSpan(span);
            if (!options.span)
                return p.fail("--span needs START:END in ns with END > START, got '" + span + "'");
        }
        std::string error;
        if (!steps.empty() && !validStepPattern(steps, &error))
            return p.fail("--steps is not a valid regular expression (" + error + "): '" + steps +
                          "'");
        options.stepPattern = steps;
        return analysisReport(path, report, format, options);
    }

    // The kernel table can have millions of rows: it is streamed from the file (all cores, no
    // whole columns in memory) rather than read into the run.
    std::vector<KernelSummaryRow> kernelRows;
    const Report reports[] = {
        {"kernels", "Kernel summary", [] { return std::vector<std::string>{}; },
         [&](const Run&) {
             size_t n = 0;
             for (const auto& row : kernelRows) n += row.time.count;
             return n;
         },
         [&](const Run& r, const std::string& f, size_t lim) {
             const auto& rows = kernelRows;
             return f == "csv"    ? kernelSummaryCsv(rows)
                    : f == "json" ? kernelSummaryJson(rows)
                                  : kernelTable(r, rows, lim);
         }},
        {"memcpy", "GPU memory operation summary (by kind)", memorySummaryColumns,
         [](const Run& r) { return r.memcpy.start_ns.size() + r.memset.start_ns.size(); },
         [](const Run& r, const std::string& f, size_t lim) {
             auto rows = memorySummary(r.memcpy, r.memset);
             return f == "csv"    ? memorySummaryCsv(rows)
                    : f == "json" ? memorySummaryJson(rows)
                                  : memoryTable(rows, lim);
         }},
        {"api", "CUDA API summary", apiSummaryColumns,
         [](const Run& r) { return r.api.start_ns.size(); },
         [](const Run& r, const std::string& f, size_t lim) {
             auto rows = apiSummary(r.api, r.strings);
             return f == "csv"    ? namedSummaryCsv(rows)
                    : f == "json" ? namedSummaryJson(rows)
                                  : namedTable(rows, lim);
         }},
        {"ranges", "CPU range summary", rangeSummaryColumns,
         [](const Run& r) { return r.ranges.start_ns.size(); },
         [](const Run& r, const std::string& f, size_t lim) {
             auto rows = rangeSummary(r.ranges, r.strings);
             return f == "csv"    ? namedSummaryCsv(rows)
                    : f == "json" ? namedSummaryJson(rows)
                                  : namedTable(rows, lim);
         }},
        {"metrics", "Kernel metrics (Nsight Compute)",
         [] {
             std::vector<std::string> out;
             KernelMetricTable m;
             m.forEachColumn([&](const char* c, auto&) {
                 out.push_back(std::string(KernelMetricTable::kPath) + "/" + c);
             });
             return out;
         },
         [](const Run& r) { return r.kernelMetrics.size(); }, metricsReport},
    };

    // Read only the columns the chosen summaries need ("/strings": at least the header and the
    // string table, which also validates the file before the kernels are streamed).
    ReadOptions options;
    options.onlyColumns = {"/strings"};
    forEachColumn(DeviceTable{}, [&](const char* column, const auto&) { // occupancy
        options.onlyColumns.push_back(std::string(DeviceTable::kPath) + "/" + column);
    });
    for (const Report& r : reports)
        if (report == "all" || report == r.name)
            for (auto& c : r.columns()) options.onlyColumns.push_back(c);
    auto run = readRun(path, options);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli stats: %s\n", run.error().message.c_str());
        return 2;
    }
    if (report == "all" || report == "kernels") {
        auto rows = kernelSummaryFromFile(path);
        if (!rows) {
            std::fprintf(stderr, "kernscope-cli stats: %s\n", rows.error().message.c_str());
            return 2;
        }
        kernelRows = std::move(rows).value();
    }

    std::string out;
    if (format == "json") out += "{";
    bool first = true;
    for (const Report& r : reports) {
        if (report != "all" && report != r.name) continue;
        // Metrics only in "all" when the run has some (most runs have none).
        if (report == "all" && std::string(r.name) == "metrics" && r.count(*run) == 0) continue;
        const std::string body = r.render(*run, format, rowLimit);
        if (format == "json") {
            out += std::string(first ? "\n" : ",\n") + "\"" + r.name + "\": " + body;
        } else if (format == "csv") {
            if (report == "all") out += std::string(first ? "" : "\n") + "# " + r.name + "\n";
            out += body;
        } else {
            const size_t n = r.count(*run);
            out += std::string(first ? "" : "\n") + r.title + " (" + path + ")\n\n";
            out += n == 0 ? std::string("  (none in this run)\n") : body;
        }
        first = false;
    }
    if (format == "json") out += "\n}\n";
    if (format == "table") {
        const CollectorInfo& c = run->collector;
        if (c.dropped_records > 0)
            out += "\nwarning: the collector dropped " + std::to_string(c.dropped_records) +
                   " records: these summaries are incomplete\n";
        if (!c.status.empty() && c.status != "ok") out += "\nnote: " + c.status + "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 2;
}

} // namespace ks::cli
