#pragma once
// Nsight Systems SQLite exports (`nsys export --type sqlite`) into a Run, read with SQLite's C
// library. Mapped (docs/IMPORT.md has the full table):
//   CUPTI_ACTIVITY_KIND_KERNEL          -> /gpu/kernels (demangled names, or short names)
//   CUPTI_ACTIVITY_KIND_MEMCPY / MEMSET -> /gpu/memcpy (every copy kind, source/destination
//                                          memory kinds) and /gpu/memset (memory kind)
//   CUPTI_ACTIVITY_KIND_RUNTIME         -> /cpu/api, CUDA runtime and driver calls, names without
//                                          the "_v7000" suffix (raw names in /cpu/api/raw_name)
//   NVTX_EVENTS                         -> /cpu/ranges: push/pop and start/end ranges, marks
//   CUPTI_ACTIVITY_KIND_SYNCHRONIZATION -> /cpu/ranges, category "sync", on the API call's thread
//   TARGET_INFO_GPU, PROCESSES, ThreadNames, TARGET_INFO_SESSION_START_TIME -> devices, thread
//                                          names, the capture's start (origin_unix_ns)
// Columns are found by name, so nsys schema versions that add or drop columns still read. The
// database is untrusted: opened read-only and immutable, only real tables are read, every value's
// type and range is checked, and rows that fail are skipped and counted (/collector).
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>

namespace ks::data {

struct NsysOptions {
    bool shortKernelNames = false; // shortName instead of demangledName
};

Result<Run> importNsysSqlite(const std::string& path, const NsysOptions& options = {});

// The same from the bytes of a database held in memory (fuzzing, tests); `source` names it in
// errors.
Result<Run> importNsysSqliteBytes(std::string_view bytes, const std::string& source,
                                  const NsysOptions& options = {});

// True when `path` is an SQLite database whose schema has nsys tables (StringIds and a CUPTI or
// NVTX table). Opens the file read-only: the schema of a large export is not in its first page.
bool isNsysDatabase(const std::string& path);

} // namespace ks::data
