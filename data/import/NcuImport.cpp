#include "data/import/NcuImport.h"

#include "data/Checked.h"
#include "data/import/ChromeTraceImport.h" // readTextFile
#include "data/import/Csv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ks::data {
namespace {

// "3995313115.40", "1,234.5" (ncu may print thousands separators): the number, else nullopt.
std::optional<double> metricNumber(std::string_view s) {
    if (auto v = parseFinite(s)) return v;
    std::string plain;
    for (char c : s)
        if (c != ',') plain += c;
    if (plain.size() == s.size() || plain.empty()) return std::nullopt;
    return parseFinite(plain);
}

struct Columns {
    // Index of each column we use in the header, or -1.
    int id = -1, kernel = -1, device = -1, stream = -1, block = -1, grid = -1, section = -1,
        metric = -1, unit = -1, value = -1, ruleName = -1, ruleType = -1, ruleDescription = -1,
        speedup = -1;

    static std::optional<Columns> from(const std::vector<std::string_view>& fields) {
        const CsvHeader header(fields);
        Columns c;
        const std::pair<const char*, int*> names[] = {
            {"ID", &c.id},
            {"Kernel Name", &c.kernel},
            {"Device", &c.device},
            {"Stream", &c.stream},
            {"Block Size", &c.block},
            {"Grid Size", &c.grid},
            {"Section Name", &c.section},
            {"Metric Name", &c.metric},
            {"Metric Unit", &c.unit},
            {"Metric Value", &c.value},
            {"Rule Name", &c.ruleName},
            {"Rule Type", &c.ruleType},
            {"Rule Description", &c.ruleDescription},
            {"Estimated Speedup", &c.speedup},
        };
        for (auto [name, index] : names)
            if (const auto i = header.find({name})) *index = int(*i);
        if (c.id < 0 || c.kernel < 0 || c.metric < 0 || c.value < 0) return std::nullopt;
        return c;
    }
};

} // namespace

bool looksLikeNcuCsv(std::string_view head) {
    return head.starts_with("==PROF==") || head.find("\n==PROF==") != std::string_view::npos ||
           head.find("\"ID\",\"Process ID\"") != std::string_view::npos;
}

Result<Run> parseNcuCsv(std::string_view text, const std::string& source) {
    Run run;
    run.info.producer = "Nsight Compute";
    run.info.backend = "imported:ncu";
    run.info.clock_domain = "imported";
    KernelMetricTable& m = run.kernelMetrics;
    std::optional<Columns> cols;
    size_t skipped = 0;
    bool truncated = false;
    CsvReader csv(text);
    std::vector<std::string_view> f;
    while (const std::optional<char> first = csv.peek()) {
        // The CSV's records start with a quote; the tool's chatter and the program's output
        // before it do not.
        if (*first != '"') {
            csv.skipLine();
            continue;
        }
        csv.next(f);
        if (!cols) {
            cols = Columns::from(f); // chatter that happens to start with a quote is passed over
            continue;
        }
        if (csv.unterminated()) { // the file ends inside this record: its last cell is cut
            truncated = true;
            ++skipped;
            continue;
        }
        auto at = [&](int i) -> std::string_view {
            return i >= 0 && size_t(i) < f.size() ? f[size_t(i)] : "";
        };
        const auto launch = parseInteger<uint32_t>(at(cols->id));
        const auto device = at(cols->device).empty() ? std::optional<uint32_t>(0)
                                                     : parseInteger<uint32_t>(at(cols->device));
        const auto stream = at(cols->stream).empty() ? std::optional<uint32_t>(0)
                                                     : parseInteger<uint32_t>(at(cols->stream));
        const bool rule = at(cols->metric).empty() && !at(cols->ruleName).empty();
        if (!launch || !device || !stream || (at(cols->metric).empty() && !rule)) {
            ++skipped;
            continue;
        }
        m.kernel.push_back(kNoKernel);
        m.launch.push_back(*launch);
        m.kernel_name.push_back(run.strings.intern(at(cols->kernel)));
        m.device.push_back(*device);
        m.stream.push_back(*stream);
        m.grid.push_back(run.strings.intern(at(cols->grid)));
        m.block.push_back(run.strings.intern(at(cols->block)));
        m.section.push_back(run.strings.intern(at(cols->section)));
        const double nan = std::numeric_limits<double>::quiet_NaN();
        if (rule) {
            m.metric.push_back(run.strings.intern(at(cols->ruleName)));
            m.unit.push_back(run.strings.intern(at(cols->ruleType)));
            m.text.push_back(run.strings.intern(at(cols->ruleDescription)));
            m.value.push_back(metricNumber(at(cols->speedup)).value_or(nan));
        } else {
            m.metric.push_back(run.strings.intern(at(cols->metric)));
            m.unit.push_back(run.strings.intern(at(cols->unit)));
            m.text.push_back(run.strings.intern(at(cols->value)));
            m.value.push_back(metricNumber(at(cols->value)).value_or(nan));
        }
        m.kind.push_back(rule ? 1 : 0);
    }
    if (!cols)
        return Error{source + ": no Nsight Compute CSV header (\"ID\",...,\"Kernel Name\",...,"
                              "\"Metric Name\",...,\"Metric Value\") found; run ncu with --csv"};
    if (m.size() == 0) return Error{source + ": the Nsight Compute CSV has no metric rows"};
    run.collector.dropped_records = skipped;
    run.info.notes = "Imported from Nsight Compute CSV " + source + ".";
    if (skipped)
        run.info.notes += " Skipped " + std::to_string(skipped) +
                          " rows whose ID, Device or Stream is not a whole number" +
                          (truncated ? " or that the end of the file cut short." : ".");
    return run;
}

Result<Run> importNcuCsv(const std::string& path) {
    auto text = readTextFile(path);
    if (!text) return text.error();
    return parseNcuCsv(*text, path);
}

std::string kernelBaseName(std::string_view name) {
    // Parameters: from the first '(' at template depth 0.
    std::string out;
    int depth = 0;
    for (char c : name) {
        if (c == '<') ++depth;
        if (depth == 0 && c == '(') break;
        if (depth == 0) out += c;
        if (c == '>' && depth > 0) --depth;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    // Return type: the last space-separated word; namespaces: after the last "::".
    if (const size_t space = out.rfind(' '); space != std::string::npos) out.erase(0, space + 1);
    if (const size_t colons = out.rfind("::"); colons != std::string::npos)
        out.erase(0, colons + 2);
    return out;
}

AttachResult attachKernelMetrics(Run& run, const Run& metrics) {
    const KernelMetricTable& from = metrics.kernelMetrics;
    const KernelTable& k = run.kernels;
    // The run's kernels in time order; each launch takes the next one with its name.
    std::vector<uint32_t> order(k.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return k.start_ns[a] < k.start_ns[b]; });
    std::vector<uint32_t> launches(from.launch);
    std::sort(launches.begin(), launches.end());
    launches.erase(std::unique(launches.begin(), launches.end()), launches.end());
    std::unordered_map<uint32_t, uint32_t> launchName; // launch -> its kernel name (metrics' id)
    for (size_t i = 0; i < from.size(); ++i)
        launchName.emplace(from.launch[i], from.kernel_name[i]);

    AttachResult result;
    result.launches = launches.size();
    std::unordered_map<uint32_t, uint32_t> kernelOf; // launch -> kernel row
    std::unordered_map<uint32_t, std::string> baseOfRunName;
    size_t next = 0;
    for (uint32_t launch : launches) {
        const std::string_view wanted = metrics.strings.get(launchName[launch]);
        const std::string wantedBase = kernelBaseName(wanted);
        for (size_t j = next; j < order.size(); ++j) {
            const uint32_t row = order[j];
            const std::string_view name = run.strings.get(k.name[row]);
            auto [it, fresh] = baseOfRunName.try_emplace(k.name[row]);
            if (fresh) it->second = kernelBaseName(name);
            if (name == wanted || it->second == wantedBase) {
                kernelOf[launch] = row;
                next = j + 1;
                ++result.matched;
                break;
            }
        }
    }

    KernelMetricTable& to = run.kernelMetrics;
    std::unordered_map<uint32_t, uint32_t> strings; // metrics' string id -> run's
    auto str = [&](uint32_t id) {
        auto [it, fresh] = strings.try_emplace(id);
        if (fresh) it->second = run.strings.intern(metrics.strings.get(id));
        return it->second;
    };
    for (size_t i = 0; i < from.size(); ++i) {
        auto it = kernelOf.find(from.launch[i]);
        to.kernel.push_back(it == kernelOf.end() ? kNoKernel : it->second);
        to.launch.push_back(from.launch[i]);
        to.kernel_name.push_back(str(from.kernel_name[i]));
        to.device.push_back(from.device[i]);
        to.stream.push_back(from.stream[i]);
        to.grid.push_back(str(from.grid[i]));
        to.block.push_back(str(from.block[i]));
        to.section.push_back(str(from.section[i]));
        to.metric.push_back(str(from.metric[i]));
        to.unit.push_back(str(from.unit[i]));
        to.text.push_back(str(from.text[i]));
        to.value.push_back(from.value[i]);
        to.kind.push_back(from.kind[i]);
    }
    return result;
}

} // namespace ks::data
