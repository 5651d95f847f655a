// safetensors: header size, JSON header, offsets tiling the data; both the copying and the
// memory-mapped paths.
#include "FuzzSupport.h"
#include "data/reference/ReferenceReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ks::fuzz::writeScratch(data, size, ".safetensors");
    (void)ks::data::readSafetensorsFile(path);
    auto mapped = ks::data::mapReferenceFile(path);
    if (mapped) { // touch every viewed byte: a view past the map is a finding
        volatile unsigned sum = 0;
        for (size_t i = 0; i < mapped->tensors.size(); ++i) {
            const auto bytes = mapped->tensors[i].checkedByteSize();
            if (!bytes) __builtin_trap();
            for (size_t b = 0; b < *bytes; ++b) sum += unsigned(mapped->data[i][b]);
        }
    }
    return 0;
}
