// .npy images: header parsing, shape/size checks, byte-order and Fortran-order normalisation.
#include "data/reference/ReferenceReader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ks::data::parseNpy(reinterpret_cast<const std::byte*>(data), size, "fuzz.npy", "t");
    return 0;
}
