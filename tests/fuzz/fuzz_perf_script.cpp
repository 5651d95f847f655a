// `perf script` text output.
#include "data/import/StackImport.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ks::data::parsePerfScript(std::string_view(reinterpret_cast<const char*>(data), size),
                                    "fuzz.perf");
    return 0;
}
