// libFuzzer target: rocprof CSV (any table kind, stats files included) through the importer. Any input must either import or fail
// with an error; crashes, hangs, leaks and huge allocations are findings.
#include "data/import/RocprofImport.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto run = ks::data::parseRocprofCsv(text, "fuzz");
    (void)run;
    return 0;
}
