// libFuzzer target: an Nsight Systems SQLite export from arbitrary bytes (opened in memory,
// read-only). Every input must give a run or an error, never a crash, a hang or a leak.
#include "data/import/NsysImport.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (bool shortNames : {false, true}) {
        auto run = ks::data::importNsysSqliteBytes(bytes, "fuzz.sqlite", {shortNames});
        if (run) {
            // Every name id the importer wrote must resolve.
            for (uint32_t id : run->kernels.name)
                if (!run->strings.contains(id)) __builtin_trap();
            for (uint32_t id : run->api.name)
                if (!run->strings.contains(id)) __builtin_trap();
        }
        if (size < 1024) break; // the second pass only for inputs that can hold a schema
    }
    return 0;
}
