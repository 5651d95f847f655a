#pragma once
// One detector and one dispatcher for every file format Kernscope imports, shared by the window
// and kernscope-cli. Detection reads the first bytes of the file (never the whole file) and asks
// each importer how sure it is; the most confident one wins. A file that no importer claims gets a
// one-line message saying what it looks like (an nsys report, a pickle, an image...) and what we
// read. To add a format: write its parser in data/import/, add one entry to importers() in
// Importers.cpp, and a fuzz target in tests/fuzz/.
#include "data/Result.h"
#include "data/Run.h"
#include "data/RunFile.h"

#include <string>
#include <string_view>
#include <vector>

namespace ks::data {

struct ImportOptions {
    // nsys: kernel names as short names instead of demangled ones.
    bool shortKernelNames = false;
};

struct Importer {
    const char* id;          // "chrome-trace", "folded", "perf-script", ...
    const char* description; // one line for --help and error messages
    // 0 = not this format; higher = more certain. `head` is at most kSniffBytes of the file.
    int (*sniff)(std::string_view head, std::string_view path);
    Result<Run> (*load)(const std::string& path, const ImportOptions& options);
};

constexpr size_t kSniffBytes = 4096;

// Every importer, in the order --help lists them.
const std::vector<Importer>& importers();
const Importer* findImporter(std::string_view id);

// The importer for `path` (by its decompressed content when gzip-compressed), or an error naming
// the file and what it looks like.
Result<const Importer*> detectImporter(const std::string& path);

// Detects (when `format` is empty) and imports; a gzip-compressed file is decompressed into a
// temporary file first (Gzip.h), under a size limit. Errors are one line naming the file.
Result<Run> importFile(const std::string& path, std::string_view format = {},
                       const ImportOptions& options = {});

// A run file (read with `options`) or, for any other file, what importFile makes of it.
Result<Run> readOrImportRun(const std::string& path, const ReadOptions& options);

// True when the file starts with the HDF5 signature (run files and h5py references).
bool looksLikeHdf5(std::string_view head);

} // namespace ks::data
