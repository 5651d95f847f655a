#pragma once
// Nsight Compute CSV (`ncu --csv ...`, the console output with the tool's `==PROF==` lines and the
// application's own output before the CSV) into /gpu/kernel_metrics: one row per (launch, metric)
// and per rule result. Columns are found by their header names. Metrics can stand alone (a run
// with no kernels) or be attached to the kernels of a recorded run by launch order and name.
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <string_view>

namespace ks::data {

// A run holding only /gpu/kernel_metrics (every row's `kernel` is kNoKernel).
Result<Run> importNcuCsv(const std::string& path);
// The same from text; `source` names it in errors.
Result<Run> parseNcuCsv(std::string_view text, const std::string& source);

// True when the first bytes look like ncu's console output or its CSV header.
bool looksLikeNcuCsv(std::string_view head);

struct AttachResult {
    size_t launches = 0; // distinct profiled launches in the metrics
    size_t matched = 0;  // launches matched to a kernel of the run
};

// Copies `metrics` (a run from importNcuCsv) into `run`'s /gpu/kernel_metrics, matching profiled
// launches to the run's kernels in launch order: launch IDs ascending against kernels by start
// time, each launch taking the next kernel with the same name (names compared exactly, or by base
// name when one side is ncu's short form). Unmatched launches keep kernel = kNoKernel.
AttachResult attachKernelMetrics(Run& run, const Run& metrics);

// "gemm" from "void ns::gemm<float, 4>(float*, int)": what is left without return type,
// namespaces, template arguments and parameters.
std::string kernelBaseName(std::string_view name);

} // namespace ks::data
