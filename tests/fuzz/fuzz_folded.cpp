// Folded stacks ("a;b;c 42" per line).
#include "data/import/StackImport.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ks::data::parseFoldedStacks(std::string_view(reinterpret_cast<const char*>(data), size),
                                      "fuzz.folded");
    return 0;
}
