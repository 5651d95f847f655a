// .npz archives through libzip: members, zip64, deflate, truncated and corrupt members.
#include "FuzzSupport.h"
#include "data/reference/ReferenceReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ks::fuzz::writeScratch(data, size, ".npz");
    (void)ks::data::readNpzFile(path);
    return 0;
}
