#pragma once
// Isolation from crashes inside libhdf5. libhdf5 1.10 can crash (SIGSEGV), hang or allocate
// without bound on corrupt metadata (its global heap, B-trees, object headers), and we cannot fix
// it. Before any HDF5 file is opened in-process, a forked child opens it and reads the metadata
// the readers will touch (every object header, every string and number attribute, every
// dataset's type, extent, layout and chunk index) under a time and a memory limit. A child that
// crashes, hangs, runs out of its memory allowance or meets an HDF5 error makes the probe fail
// with one line naming the file; only a file whose probe passed is opened in the caller's
// process. The data layer's HDF5 entry points (readRun, readRunTensor, visitColumnChunks,
// looksLikeRunFile, readHdf5References) all probe first, so every caller is protected.
#include "data/Result.h"

#include <cstdint>
#include <string>

namespace ks::data::h5 {

struct ProbeLimits {
    int timeoutMs = 10'000;            // wall-clock time for the whole child
    uint64_t memoryBytes = 1ull << 30; // resident memory the child may add
};

// Probes `path` (see above). The result is remembered for the file's identity (device, inode,
// size, modification and change times), so opening the same unchanged file again costs a stat()
// only (failures included: call forgetProbes() to try again).
Status probeFile(const std::string& path, const ProbeLimits& limits = {});

// Forgets remembered results (tests and fuzzers that rewrite one file in place call this).
void forgetProbes();

// What the child does, run in-process: for tests and the fuzzers. Never call this on an
// unprobed file in a process that must survive.
Status walkMetadata(const std::string& path);

} // namespace ks::data::h5
