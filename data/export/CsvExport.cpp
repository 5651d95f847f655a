#include "data/export/CsvExport.h"

#include "data/export/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace ks::data {
namespace {

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

std::string statsCsv(double percent, const DurationStats& s) {
    return num(percent) + "," + std::to_string(s.total) + "," + std::to_string(s.count) + "," +
           num(s.avg) + "," + num(s.median) + "," + std::to_string(s.min) + "," +
           std::to_string(s.max) + "," + num(s.stddev);
}

constexpr const char* kStatsHeader = "Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),"
                                     "Min (ns),Max (ns),StdDev (ns)";

nlohmann::json statsJson(double percent, const DurationStats& s) {
    return {{"time_percent", percent}, {"total_ns", s.total},  {"instances", s.count},
            {"avg_ns", s.avg},         {"med_ns", s.median},   {"min_ns", s.min},
            {"max_ns", s.max},         {"stddev_ns", s.stddev}};
}

std::string dump(const nlohmann::json& j) {
    // Names we did not produce may hold invalid UTF-8: replace it rather than throw.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

std::string csvField(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string kernelSummaryCsv(const std::vector<KernelSummaryRow>& rows) {
    std::string out = std::string(kStatsHeader) +
                      ",Grid,Block,Registers Per Thread,Static Shared (B),Dynamic Shared (B),"
                      "Config Instances,Name\n";
    for (const auto& r : rows) {
        const LaunchConfig& c = r.config;
        out += statsCsv(r.timePercent, r.time) + "," + std::to_string(c.grid_x) + "x" +
               std::to_string(c.grid_y) + "x" + std::to_string(c.grid_z) + "," +
               std::to_string(c.block_x) + "x" + std::to_string(c.block_y) + "x" +
               std::to_string(c.block_z) + "," + std::to_string(c.registers_per_thread) + "," +
               std::to_string(c.shared_static) + "," + std::to_string(c.shared_dynamic) + "," +
               std::to_string(r.configCount) + "," + csvField(r.name) + "\n";
    }
    return out;
}

std::string memorySummaryCsv(const std::vector<MemorySummaryRow>& rows) {
    std::string out = std::string(kStatsHeader) + ",Total (B),Avg (GB/s),Peak (GB/s),Operation\n";
    for (const auto& r : rows)
        out += statsCsv(r.timePercent, r.time) + "," + std::to_string(r.bytes) + "," +
               num(r.avgGBps) + "," + num(r.peakGBps) + "," + csvField(r.operation) + "\n";
    return out;
}

std::string namedSummaryCsv(const std::vector<NamedSummaryRow>& rows) {
    std::string out = std::string(kStatsHeader) + ",Name\n";
    for (const auto& r : rows)
        out += statsCsv(r.timePercent, r.time) + "," + csvField(r.name) + "\n";
    return out;
}

std::string kernelSummaryJson(const std::vector<KernelSummaryRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
        nlohmann::json j = statsJson(r.timePercent, r.time);
        const LaunchConfig& c = r.config;
        j["grid"] = {c.grid_x, c.grid_y, c.grid_z};
        j["block"] = {c.block_x, c.block_y, c.block_z};
        j["registers_per_thread"] = c.registers_per_thread;
        j["shared_static"] = c.shared_static;
        j["shared_dynamic"] = c.shared_dynamic;
        j["config_instances"] = r.configCount;
        j["name"] = r.name;
        out.push_back(std::move(j));
    }
    return dump(out);
}

std::string memorySummaryJson(const std::vector<MemorySummaryRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
        nlohmann::json j = statsJson(r.timePercent, r.time);
        j["bytes"] = r.bytes;
        j["avg_gbps"] = r.avgGBps;
        j["peak_gbps"] = r.peakGBps;
        j["operation"] = r.operation;
        out.push_back(std::move(j));
    }
    return dump(out);
}

std::string namedSummaryJson(const std::vector<NamedSummaryRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
        nlohmann::json j = statsJson(r.timePercent, r.time);
        j["name"] = r.name;
        out.push_back(std::move(j));
    }
    return dump(out);
}

Status writeSummaryCsvs(const Run& run, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{dir + ": cannot create folder: " + ec.message()};
    const std::pair<const char*, std::string> files[] = {
        {"kernels.csv", kernelSummaryCsv(kernelSummary(run.kernels, run.strings))},
        {"memory.csv", memorySummaryCsv(memorySummary(run.memcpy, run.memset))},
        {"api.csv", namedSummaryCsv(apiSummary(run.api, run.strings))},
        {"ranges.csv", namedSummaryCsv(rangeSummary(run.ranges, run.strings))},
    };
    for (const auto& [name, content] : files)
        if (auto s = AtomicFile::writeWhole(dir + "/" + name, content); !s) return s;
    return {};
}

} // namespace ks::data
