#pragma once
// The HDF5 run file, format version 1 (schema: data/RUNFILE.md).
#include "data/Result.h"
#include "data/Run.h"

#include <functional>
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
    // Called before each column is read with its dataset path; returning false stops the read
    // (the result is an error ending in "cancelled"). Lets a window show progress and cancel.
    std::function<bool(const std::string& dataset)> progress;
};

// Reads and validates a run file. Errors name the file, the dataset and the problem.
Result<Run> readRun(const std::string& path, const ReadOptions& options = {});

// Reads one tensor (with its data) from a run file.
Result<Tensor> readRunTensor(const std::string& path, const std::string& tensorName);

// Cheap check used by the GUI and the CLI to tell run files from reference files.
bool looksLikeRunFile(const std::string& path);

// Streaming access for summaries over millions of rows, without holding whole columns: reads
// `columns` of the table group `table` ("/gpu/kernels") chunk by chunk on all cores and calls
// visit(firstRow, rows, data) once per chunk, concurrently from several threads; data[i] points
// at column i's `rows` values as the integer type ColumnSpec i describes (HDF5 converts when the
// file stores another type). The first visit error stops the walk and is returned. Returns the
// number of rows; an absent table has 0. Errors name the file, the dataset and the problem.
struct ColumnSpec {
    std::string name;   // column name inside the table
    size_t elementSize; // 1, 2, 4 or 8 bytes
    bool isSigned;
};
using ChunkVisitor = std::function<Status(size_t firstRow, size_t rows, const void* const* data)>;
Result<size_t> visitColumnChunks(const std::string& path, const std::string& table,
                                 const std::vector<ColumnSpec>& columns, const ChunkVisitor& visit,
                                 unsigned threads = 0);

} // namespace ks::data
