// Chrome / Kineto trace JSON text.
#include "data/import/ChromeTraceImport.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ks::data::parseChromeTrace(std::string_view(reinterpret_cast<const char*>(data), size),
                                     "fuzz.json");
    return 0;
}
