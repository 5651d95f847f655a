#pragma once
// rocprof CSV traces into a Run (one file, one table; see docs/IMPORT.md):
//  - v1 results.csv / timestamps.csv (quoted or unquoted header), v2 and rocprofv3
//    kernel_trace.csv -> /gpu/kernels. AMD grid sizes count work-items; the run model counts
//    blocks, so grid = ceil(work-items / workgroup size) per axis (data/RUNFILE.md).
//  - rocprofv3 memory_copy_trace.csv -> /gpu/memcpy (copy kind from Direction, no bytes).
//  - rocprofv3 hip_api_trace / hip_runtime_trace / hsa_api_trace.csv -> /cpu/api.
//  - rocprofv3 marker_api_trace.csv -> /cpu/ranges (roctx ranges and marks).
//  - *stats.csv files are recognised and refused, naming the trace file they summarise.
// Rows that cannot be read (missing or malformed cells, end before start, times beyond int64)
// are skipped and counted in the run's notes and /collector dropped_records.
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>

namespace ks::data {

// What kind of rocprof CSV a header line is; Unknown when it is not one.
enum class RocprofTable { Unknown, Kernels, Copies, Api, Markers, Stats, Counters };
RocprofTable rocprofTableOf(std::string_view firstLine);

Result<Run> parseRocprofCsv(std::string_view text, const std::string& source);
Result<Run> importRocprofCsv(const std::string& path);

} // namespace ks::data
