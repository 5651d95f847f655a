// gzip-compressed captures: decompression (corrupt, truncated, multi-member, bombs) and then
// detection and import of whatever came out. The output limit is small here so that one input
// never writes more than a few MiB; the product's limit scales with the file (Gzip.h).
#include "FuzzSupport.h"
#include "data/import/Gzip.h"
#include "data/import/Importers.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ks::fuzz::writeScratch(data, size, ".json.gz");
    auto plain = ks::data::gunzipToTemporary(path, 8 << 20);
    if (plain) (void)ks::data::importFile(plain->path());
    return 0;
}
