#pragma once
// Summaries as CSV (RFC 4180 quoting, header row, durations in ns) and as JSON.
#include "data/Result.h"
#include "data/Summary.h"

#include <string>

namespace ks::data {

std::string kernelSummaryCsv(const std::vector<KernelSummaryRow>& rows);
std::string memorySummaryCsv(const std::vector<MemorySummaryRow>& rows);
std::string namedSummaryCsv(const std::vector<NamedSummaryRow>& rows); // API calls, ranges

std::string kernelSummaryJson(const std::vector<KernelSummaryRow>& rows);
std::string memorySummaryJson(const std::vector<MemorySummaryRow>& rows);
std::string namedSummaryJson(const std::vector<NamedSummaryRow>& rows);

// Writes kernels.csv, memory.csv, api.csv and ranges.csv into `dir` (created when missing).
Status writeSummaryCsvs(const Run& run, const std::string& dir);

std::string csvField(std::string_view s); // quoted when it holds , " or a line break

} // namespace ks::data
