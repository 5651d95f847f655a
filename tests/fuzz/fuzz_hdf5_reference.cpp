// h5py reference files (and run files given as references): the isolated metadata probe, then
// the in-process reader. A crash inside libhdf5 must stay in the probe's child.
#include "FuzzSupport.h"
#include "data/Hdf5Probe.h"
#include "data/reference/ReferenceReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ks::fuzz::writeScratch(data, size, ".h5");
    ks::data::h5::forgetProbes(); // the scratch file is rewritten in place
    (void)ks::data::readHdf5References(path);
    return 0;
}
