#pragma once
// The HDF5 run file, format version 1 (schema: data/RUNFILE.md).
#include "data/Result.h"
#include "data/Run.h"

#include <string>
#include <vector>

namespace ks::data {

// Writes `run` to `path` atomically: a temporary file beside it, renamed into place, so a failed
// save never harms the file that was there.
Status writeRun(const Run& run, const std::string& path);

struct ReadOptions {
    bool tensorData = true; // false: tensor names, shapes and attributes only (bytes left empty)
    bool samples = true;    // false: skip /cpu/samples and /cpu/stacks
    // When not empty, read only these columns ("/gpu/kernels/start_ns", ...): other columns stay
    // empty, and tensors, samples, stacks and counters are skipped (counters are read when an
    // entry starts with "/counters"). Checks still apply to what is read.
    std::vector<std::string> onlyColumns;
    // Threads that decompress chunks of large columns (0: one per core).
    unsigned threads = 0;
};

// Reads and validates a run file. Errors name the file, the dataset and the problem.
Result<Run> readRun(const std::string& path, const ReadOptions& options = {});

// Reads one tensor (with its data) from a run file.
Result<Tensor> readRunTensor(const std::string& path, const std::string& tensorName);

// Cheap check used by the GUI and the CLI to tell run files from reference files.
bool looksLikeRunFile(const std::string& path);

} // namespace ks::data
