// Run files as raw bytes: the isolated probe, the header check, the whole-run reader (columns,
// strings, stacks, counters, tensors) and the streaming column reader used by `stats`.
#include "FuzzSupport.h"
#include "data/Hdf5Probe.h"
#include "data/RunFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ks::fuzz::writeScratch(data, size, ".ksr.h5");
    ks::data::h5::forgetProbes(); // the scratch file is rewritten in place
    ks::data::ReadOptions options;
    options.threads = 2;
    (void)ks::data::readRun(path, options);
    const std::vector<ks::data::ColumnSpec> columns = {{"start_ns", 8, true}, {"name", 4, false}};
    (void)ks::data::visitColumnChunks(
        path, "/gpu/kernels", columns,
        [](size_t, size_t, const void* const*) { return ks::data::Status{}; }, 2);
    return 0;
}
