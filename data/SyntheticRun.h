#pragma once
// A deterministic synthetic run: kernels over several streams with a skewed mix of names, the API
// calls that launched them (linked by correlation id), copies, nested CPU ranges and a counter.
// Used by the demo, the tests and the benchmark; the same options always give the same run.
#include "data/Run.h"

#include <cstddef>
#include <cstdint>

namespace ks::data {

struct SyntheticOptions {
    size_t kernels = 1000;
    uint32_t streams = 4;
    uint32_t names = 50;          // distinct kernel names
    size_t memcpyEvery = 50;      // one copy per this many kernels (0: none)
    size_t kernelsPerStep = 1000; // one "step N" range (with forward/backward inside) per this many
    bool apiCalls = true;         // a cudaLaunchKernel/cudaMemcpyAsync call per kernel/copy
    uint64_t seed = 1;
};

Run makeSyntheticRun(const SyntheticOptions& options = {});

} // namespace ks::data
