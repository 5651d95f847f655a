// kernscope-cli diff: what got faster and what got slower from run A (baseline) to run B, for CI.
// Exit 0: no significant regression beyond the threshold; 1: regressions (listed); 2: error.
#include "ArgParser.h"
#include "Commands.h"
#include "TextTable.h"

#include "data/RunFile.h"
#include "data/analysis/FlameTree.h"
#include "data/analysis/KernelStats.h" // formatBytes
#include "data/analysis/RunDiff.h"
#include "data/import/Importers.h"

#ifdef KS_HAVE_RENDER
#include "RenderApp.h"
#include "gui/render/FlameGraph.h"
#endif

#include <cmath>
#include <cstdio>
#include <thread>

namespace ks::cli {
namespace {

using namespace ks::data;

// A run file read with only the columns the reports need, or any importable file.
Result<Run> loadRun(const std::string& path, const std::vector<std::string>& columns) {
    ReadOptions options;
    options.onlyColumns = columns;
    return readOrImportRun(path, options);
}

std::string signedDuration(double ns) {
    return (ns > 0 ? "+" : "") + formatDuration(ns);
}

std::string fixed(double v, const char* fmt) {
    if (!std::isfinite(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string pValueText(double p) {
    if (p < 1e-4) return "<1e-4";
    return fixed(p, "%.4f");
}

std::string percentChange(double a, double b) {
    if (a <= 0) return b > 0 ? "new" : "-";
    return fixed(100.0 * (b - a) / a, "%+.1f %%");
}

std::string diffTableText(const DiffTable& t, size_t limit) {
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < t.rows.size() && (limit == 0 || i < limit); ++i) {
        const DiffRow& r = t.rows[i];
        const bool a = r.a.count > 0, b = r.b.count > 0;
        rows.push_back(
            {signedDuration(r.deltaTotal), percentChange(double(r.a.total), double(r.b.total)),
             a ? formatDuration(double(r.a.total)) : "-",
             b ? formatDuration(double(r.b.total)) : "-", std::to_string(r.a.count),
             std::to_string(r.b.count), a ? formatDuration(r.a.median) : "-",
             b ? formatDuration(r.b.median) : "-", fixed(r.medianRatio, "%.3f"),
             r.status == DiffRow::Matched ? pValueText(r.pValue) : "-", changeName(r), r.name});
    }
    std::string out = TextTable{{"ΔTotal", "Δ%", "Total A", "Total B", "Inst A", "Inst B", "Med A",
                                 "Med B", "Med B/A", "p", "Change", "Name"},
                                rows}
                          .render();
    if (limit && t.rows.size() > limit)
        out += "  (" + std::to_string(t.rows.size() - limit) + " more rows; --limit 0 shows all)\n";
    return out;
}

std::string memoryText(const std::vector<MemoryDiffRow>& rows) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows)
        cells.push_back({std::to_string(r.countA), std::to_string(r.countB),
                         formatBytes(double(r.bytesA)), formatBytes(double(r.bytesB)),
                         formatDuration(double(r.timeA)), formatDuration(double(r.timeB)),
                         r.countA ? fixed(r.gbpsA, "%.2f") : "-",
                         r.countB ? fixed(r.gbpsB, "%.2f") : "-",
                         percentChange(double(r.timeA), double(r.timeB)), r.kind});
    return TextTable{{"Count A", "Count B", "Bytes A", "Bytes B", "Time A", "Time B", "GB/s A",
                      "GB/s B", "ΔTime", "Operation"},
                     cells}
        .render();
}

std::string totalLine(const char* what, int64_t a, int64_t b) {
    return std::string(what) + ": A " + formatDuration(double(a)) + ", B " +
           formatDuration(double(b)) + ", " + signedDuration(double(b - a)) + " (" +
           percentChange(double(a), double(b)) + ")\n";
}

struct Regression {
    std::string what; // "kernel sgemm ...", "total kernel time"
    std::string detail;
};

std::vector<Regression> regressions(const RunDiff& d, const std::string& report,
                                    const DiffOptions& o) {
    std::vector<Regression> out;
    auto rows = [&](const char* kind, const DiffTable& t) {
        for (const DiffRow& r : t.rows)
            if (r.change == DiffRow::Slower)
                out.push_back({std::string(kind) + " " + r.name,
                               "median " + formatDuration(r.a.median) + " -> " +
                                   formatDuration(r.b.median) + " (" +
                                   fixed(100 * (r.medianRatio - 1), "%+.1f %%") +
                                   ", p = " + pValueText(r.pValue) + ")"});
    };
    const bool all = report == "all";
    if (all || report == "kernels") {
        rows("kernel", d.kernels);
        // The whole run: more kernel time beyond the threshold. With steps in both runs the step
        // durations must also differ significantly, so that run-to-run noise does not fail CI.
        const DiffTable& k = d.kernels;
        const bool stepsTestable = d.steps.a.count >= 2 && d.steps.b.count >= 2;
        if (k.totalA > 0 && double(k.totalB) > double(k.totalA) * (1 + o.minEffect) &&
            (!stepsTestable || d.steps.pValue < o.maxPValue))
            out.push_back(
                {"total kernel time", formatDuration(double(k.totalA)) + " -> " +
                                          formatDuration(double(k.totalB)) + " (" +
                                          percentChange(double(k.totalA), double(k.totalB)) + ")"});
    }
    if (all || report == "api") rows("API", d.api);
    if (all || report == "ranges") rows("range", d.ranges);
    return out;
}

bool parseNumber(const std::string& text, double lo, double hi, double* out) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

// The repeatable matching options, taken out before the common parser sees the rest.
std::optional<std::string> takeMatchOptions(Args& args, compare::MatchRules& rules) {
    Args rest;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i], value;
        const size_t eq = name.find('=');
        const bool inl = name.starts_with("--") && eq != std::string::npos;
        if (inl) value = name.substr(eq + 1), name = name.substr(0, eq);
        if (name != "--map" && name != "--strip-prefix" && name != "--rename") {
            rest.push_back(args[i]);
            continue;
        }
        if (!inl) {
            if (i + 1 >= args.size()) return name + " needs a value";
            value = args[++i];
        }
        if (name == "--map") {
            if (auto st = rules.loadMapFile(value); !st) return st.message();
        } else if (name == "--strip-prefix") {
            rules.stripPrefixes.push_back(value);
        } else if (auto st = rules.addRewrite(value); !st) {
            return st.message();
        }
    }
    args = std::move(rest);
    return std::nullopt;
}

std::vector<std::string> columnsFor(const std::string& report, bool configs) {
    std::vector<std::string> c = {"/strings"};
    auto add = [&](const char* table, std::initializer_list<const char*> names) {
        for (const char* n : names) c.push_back(std::string(table) + "/" + n);
    };
    const bool all = report == "all";
    if (all || report == "kernels") {
        add(KernelTable::kPath, {"start_ns", "end_ns", "name"});
        if (configs)
            add(KernelTable::kPath, {"grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z",
                                     "registers_per_thread", "shared_static", "shared_dynamic"});
        add(RangeTable::kPath, {"start_ns", "end_ns", "name"}); // steps
    }
    if (all || report == "memcpy") {
        add(MemcpyTable::kPath, {"start_ns", "end_ns", "kind", "bytes"});
        add(MemsetTable::kPath, {"start_ns", "end_ns", "bytes"});
    }
    if (all || report == "api") add(ApiTable::kPath, {"start_ns", "end_ns", "name"});
    if (all || report == "ranges") add(RangeTable::kPath, {"start_ns", "end_ns", "name"});
    return c;
}

bool writeDiffSvg(const Run& a, const Run& b, const std::string& path, std::string* error) {
#ifdef KS_HAVE_RENDER
    const bool samples = a.ranges.size() == 0 && b.ranges.size() == 0;
    const FlameTree ta = samples ? flameFromSamples(a) : flameFromRanges(a, std::nullopt, true);
    const FlameTree tb = samples ? flameFromSamples(b) : flameFromRanges(b, std::nullopt, true);
    const FlameDiff diff = diffFlame(ta, tb, true);
    auto app = renderApplication();
    gui::FlameStyle style;
    style.icicle = true;
    style.diff = &diff;
    const QSize size(1600, std::max(300, int((diff.tree.maxDepth() + 1) * style.rowHeight) + 8));
    QString message;
    if (gui::saveFlameSvg(diff.tree, style, QString::fromStdString(path), size, &message))
        return true;
    *error = message.toStdString();
    return false;
#else
    (void)a, (void)b;
    *error = path + ": this kernscope-cli was built without the renderer (KS_BUILD_GUI=OFF)";
    return false;
#endif
}

} // namespace

int cmdDiff(const Args& argsIn) {
    Args args = argsIn;
    DiffOptions options;
    std::string pathA, pathB, report = "all", format = "table", slower = "5", significance = "0.01",
                              limit = "50", svg;
    bool configs = false;
    ArgParser p("diff",
                "Compare run B against run A (the baseline): kernels, memory operations, CUDA API\n"
                "calls and CPU ranges matched by name; per name instances, total, average and\n"
                "median in A and B, the change and a Mann-Whitney U test of the instance times.\n"
                "Works on run files and on anything `import` reads (imported on the fly).");
    p.positional("A", &pathA, "the baseline run");
    p.positional("B", &pathB, "the run to compare against A");
    p.option("--report", &report, "NAME", "which tables",
             {"kernels", "memcpy", "api", "ranges", "all"});
    p.option("--format", &format, "FMT", "output format", {"table", "csv", "json"});
    p.option("--fail-if-slower", &slower, "PCT",
             "a regression is a significant slowdown of at least PCT %");
    p.option("--min-significance", &significance, "P",
             "significant means Mann-Whitney p-value below P");
    p.flag("--match-launch-config", &configs,
           "kernels match by name and grid/block/registers/shared memory");
    p.option("--limit", &limit, "N", "table format: at most N rows per table (0: all)");
    p.option("--svg", &svg, "DIFF.svg",
             "write a differential flame graph of B against A (ranges, else samples)");
    p.epilog(
        "Matching (repeatable, as in `compare`): --strip-prefix P, --rename REGEX=REPL,\n"
        "--map FILE (one 'B_NAME A_NAME' per line). Ranges merge numbers (\"step #\").\n"
        "Exit: 0 no regression, 1 regressions (listed last; on stderr for csv/json), 2 error.\n"
        "example: kernscope-cli diff main.ksr.h5 pr.ksr.h5 --report kernels "
        "--fail-if-slower 10");
    if (auto problem = takeMatchOptions(args, options.rules)) return p.fail(*problem);
    if (auto code = p.parse(args)) return *code;
    double pct = 0, pmax = 0, rowLimit = 0;
    if (!parseNumber(slower, 0, 1e6, &pct))
        return p.fail("--fail-if-slower needs a percentage >= 0, got '" + slower + "'");
    if (!parseNumber(significance, 0, 1, &pmax))
        return p.fail("--min-significance needs a p-value in [0, 1], got '" + significance + "'");
    if (!parseNumber(limit, 0, 1e12, &rowLimit) || rowLimit != std::floor(rowLimit))
        return p.fail("--limit needs a whole number >= 0, got '" + limit + "'");
    options.minEffect = pct / 100.0;
    options.maxPValue = pmax;
    options.matchLaunchConfig = configs;

    const std::vector<std::string> columns =
        svg.empty() ? columnsFor(report, configs) : std::vector<std::string>{};
    Result<Run> a = Error{}, b = Error{};
    std::thread other([&] { b = loadRun(pathB, columns); });
    a = loadRun(pathA, columns);
    other.join();
    for (const Result<Run>* r : {&a, &b})
        if (!*r) {
            std::fprintf(stderr, "kernscope-cli diff: %s\n", r->error().message.c_str());
            return 2;
        }

    DiffParts parts;
    const bool all = report == "all";
    parts.kernels = parts.steps = all || report == "kernels";
    parts.memory = all || report == "memcpy";
    parts.api = all || report == "api";
    parts.ranges = all || report == "ranges";
    const RunDiff d = diffRuns(*a, *b, options, parts);

    std::string out;
    if (format == "json") {
        out = "{\n\"a\": \"" + std::string(pathA) + "\",\n\"b\": \"" + pathB + "\"";
        if (parts.kernels) out += ",\n\"kernels\": " + diffTableJson(d.kernels);
        if (parts.steps) out += ",\n\"steps\": " + stepDiffJson(d.steps);
        if (parts.memory) out += ",\n\"memcpy\": " + memoryDiffJson(d.memory);
        if (parts.api) out += ",\n\"api\": " + diffTableJson(d.api);
        if (parts.ranges) out += ",\n\"ranges\": " + diffTableJson(d.ranges);
        out += "\n}\n";
    } else if (format == "csv") {
        auto section = [&](const char* name, const std::string& body) {
            if (all) out += std::string(out.empty() ? "" : "\n") + "# " + name + "\n";
            out += body;
        };
        if (parts.kernels) section("kernels", diffTableCsv(d.kernels));
        if (parts.memory) section("memcpy", memoryDiffCsv(d.memory));
        if (parts.api) section("api", diffTableCsv(d.api));
        if (parts.ranges) section("ranges", diffTableCsv(d.ranges));
        if (parts.steps && all) section("steps", stepDiffCsv(d.steps));
    } else {
        out += "A: " + pathA + "\nB: " + pathB + "\n";
        out += totalLine("Run span", d.spanA, d.spanB);
        auto table = [&](const char* title, const DiffTable& t) {
            out += std::string("\n") + title + "\n";
            out += totalLine("  total", t.totalA, t.totalB);
            out += "  " + std::to_string(t.slower()) + " slower, " + std::to_string(t.faster()) +
                   " faster, " + std::to_string(t.onlyB.size()) + " new, " +
                   std::to_string(t.onlyA.size()) + " gone\n\n";
            out += t.rows.empty() ? "  (none in either run)\n" : diffTableText(t, size_t(rowLimit));
        };
        if (parts.kernels) table("Kernels", d.kernels);
        if (parts.steps && d.steps.a.count + d.steps.b.count > 0) {
            out += "\nSteps: " + std::to_string(d.steps.a.count) + " in A, " +
                   std::to_string(d.steps.b.count) + " in B; median " +
                   formatDuration(d.steps.a.median) + " -> " + formatDuration(d.steps.b.median) +
                   " (" + percentChange(d.steps.a.median, d.steps.b.median) +
                   ", p = " + pValueText(d.steps.pValue) + ")\n";
        }
        if (parts.memory) {
            out += "\nMemory operations\n\n";
            out += d.memory.empty() ? "  (none in either run)\n" : memoryText(d.memory);
        }
        if (parts.api) table("CUDA API calls", d.api);
        if (parts.ranges) table("CPU ranges", d.ranges);
    }

    const auto found = regressions(d, report, options);
    if (format == "table") {
        out += "\n";
        out += found.empty() ? "No significant regression (threshold " + fixed(pct, "%g") +
                                   " %, p < " + fixed(pmax, "%g") + ").\n"
                             : std::to_string(found.size()) + " regression(s) (threshold " +
                                   fixed(pct, "%g") + " %, p < " + fixed(pmax, "%g") + "):\n";
        for (const auto& r : found) out += "  " + r.what + ": " + r.detail + "\n";
    } else {
        for (const auto& r : found)
            std::fprintf(stderr, "regression: %s: %s\n", r.what.c_str(), r.detail.c_str());
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (std::fflush(stdout) != 0) return 2;

    if (!svg.empty()) {
        std::string error;
        if (!writeDiffSvg(*a, *b, svg, &error)) {
            std::fprintf(stderr, "kernscope-cli diff: %s\n", error.c_str());
            return 2;
        }
    }
    return found.empty() ? 0 : 1;
}

} // namespace ks::cli
