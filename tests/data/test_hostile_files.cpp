// Hostile HDF5 files: extents larger than the file, shapes whose element count overflows,
// external links, corrupt metadata that crashes libhdf5 (isolated in the probe), and the probe's
// own limits. Every case must end in a one-line error naming the file, never a crash or an
// allocation of the declared size.
#include "TestSupport.h"
#include "data/Hdf5.h"
#include "data/Hdf5Probe.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"
#include "data/reference/ReferenceReader.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace ks::data;
using h5::Handle;

namespace {

std::string validRun(const std::string& dir) {
    SyntheticOptions o;
    o.kernels = 50;
    Run run = makeSyntheticRun(o);
    run.tensors.push_back(makeF32Tensor("t", {2}, {1, 2}));
    const std::string path = dir + "/run.ksr.h5";
    REQUIRE(writeRun(run, path).ok());
    return path;
}

// Opens a file for editing through the HDF5 API; closed when the handle goes.
Handle openForEdit(const std::string& path) {
    h5::silenceErrors();
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    REQUIRE(file.valid());
    return file;
}

// A chunked float32 dataset of the given extent with no data written (HDF5 allocates nothing).
void addEmptyDataset(hid_t file, const std::string& path, std::vector<hsize_t> dims) {
    Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    std::vector<hsize_t> chunk(dims.size(), 1);
    H5Pset_chunk(dcpl, int(chunk.size()), chunk.data());
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl, 1);
    Handle ds(H5Dcreate2(file, path.c_str(), H5T_IEEE_F32LE, space, lcpl, dcpl, H5P_DEFAULT));
    REQUIRE(ds.valid());
}

bool oneLine(const std::string& s) {
    return !s.empty() && s.find('\n') == std::string::npos;
}

} // namespace

TEST_CASE("an h5py-style dataset of extent 2^40 is an error, not an allocation", "[hostile]") {
    const std::string dir = ks::test::scratchDir("hostile-extent");
    const std::string path = dir + "/huge.h5";
    {
        Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
        addEmptyDataset(file, "/weights", {hsize_t(1) << 40});
    }
    REQUIRE(std::filesystem::file_size(path) < 16 * 1024);
    auto r = readReferenceFile(path);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(oneLine(r.error().message));
    CHECK(r.error().message.rfind(path + ": weights: shape needs 4398046511104 bytes", 0) == 0);
}

TEST_CASE("a run-file column resized to 2^40 rows is an error naming the column", "[hostile]") {
    const std::string path = validRun(ks::test::scratchDir("hostile-column"));
    {
        Handle file = openForEdit(path);
        Handle ds(H5Dopen2(file, "/gpu/kernels/start_ns", H5P_DEFAULT));
        const hsize_t rows = hsize_t(1) << 40;
        REQUIRE(H5Dset_extent(ds, &rows) >= 0);
    }
    h5::forgetProbes();
    auto r = readRun(path);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(oneLine(r.error().message));
    CHECK(
        r.error().message.find("/gpu/kernels/start_ns: 1099511627776 rows do not fit in a file") !=
        std::string::npos);
    // The streaming reader behind `stats` checks the same.
    auto v = visitColumnChunks(path, "/gpu/kernels", {{"start_ns", 8, true}},
                               [](size_t, size_t, const void* const*) { return Status{}; });
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message.find("rows do not fit") != std::string::npos);
}

TEST_CASE("a run-file tensor whose element count overflows int64 is rejected", "[hostile]") {
    const std::string path = validRun(ks::test::scratchDir("hostile-tensor"));
    {
        Handle file = openForEdit(path);
        // 2^40 * 2^40 elements: more than int64 holds.
        addEmptyDataset(file, "/tensors/huge", {hsize_t(1) << 40, hsize_t(1) << 40});
    }
    h5::forgetProbes();
    auto r = readRun(path);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().message == path + ": /tensors/huge: shape's element count overflows");

    Tensor t;
    t.shape = {int64_t(1) << 40, int64_t(1) << 40};
    CHECK(t.numel() == -1);
    CHECK_FALSE(t.checkedByteSize());
    t.shape = {3, -1};
    CHECK(t.numel() == -1);
    t.shape = {3, 4};
    CHECK(t.numel() == 12);
    CHECK(t.checkedByteSize() == size_t(48));
}

TEST_CASE("external links are not followed: the probe refuses the file", "[hostile]") {
    const std::string path = validRun(ks::test::scratchDir("hostile-external"));
    {
        Handle file = openForEdit(path);
        REQUIRE(H5Ldelete(file, "/gpu", H5P_DEFAULT) >= 0);
        REQUIRE(H5Lcreate_external("/etc/hostname", "/", file, "/gpu", H5P_DEFAULT, H5P_DEFAULT) >=
                0);
    }
    h5::forgetProbes();
    auto r = readRun(path);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().message ==
          path + ": link '/gpu' points into another file; external links are not followed");
}

TEST_CASE("the probe passes valid files once and remembers them until they change", "[hostile]") {
    const std::string path = validRun(ks::test::scratchDir("hostile-probe"));
    h5::forgetProbes();
    CHECK(h5::probeFile(path).ok());
    CHECK(h5::probeFile(path).ok()); // remembered
    CHECK(readRun(path).ok());
    // Garbage after the signature: HDF5 refuses it in the child, the message names the file.
    std::filesystem::resize_file(path, 600);
    auto r = readRun(path);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(oneLine(r.error().message));
    CHECK(r.error().message.rfind(path + ": ", 0) == 0);
}

TEST_CASE("a child that overruns the probe's time is stopped", "[hostile]") {
    const std::string path = validRun(ks::test::scratchDir("hostile-limits"));
    h5::forgetProbes();
    h5::ProbeLimits tight;
    tight.timeoutMs = 0; // no time at all: the parent stops the child at its first check
    auto r = h5::probeFile(path, tight);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message() == path + ": corrupt HDF5 file: reading its metadata did not finish in 0 s "
                                "in an isolated probe; the file was not opened");
    CHECK_FALSE(h5::probeFile(path).ok()); // remembered for the unchanged file
    h5::forgetProbes();
    CHECK(h5::probeFile(path).ok()); // a real limit passes
}

TEST_CASE("a global heap that crashes or hangs libhdf5 is reported, the process lives on",
          "[hostile]") {
    // 6 KB h5py files whose variable-length `format` attribute points into a global heap with a
    // corrupt object size: libhdf5 1.10.8 crashes (SIGSEGV) on one and loops on the other.
    for (const char* name :
         {"global-heap-object-size-crash.h5", "global-heap-object-size-hang.h5"}) {
        const std::string path =
            ks::test::sourcePath(std::string("fuzz/regressions/runfile/") + name);
        INFO(path);
        h5::ProbeLimits quick;
        quick.timeoutMs = 2000;
        auto probed = h5::probeFile(path, quick);
        REQUIRE_FALSE(probed.ok());
        CHECK(oneLine(probed.message()));
        CHECK(probed.message().rfind(path + ": corrupt HDF5 file: ", 0) == 0);
        CHECK(probed.message().find("isolated probe; the file was not opened") !=
              std::string::npos);
    }
    // Through the readers every caller uses (default limits: the crash is immediate).
    const std::string crash =
        ks::test::sourcePath("fuzz/regressions/runfile/global-heap-object-size-crash.h5");
    auto run = readRun(crash);
    REQUIRE_FALSE(run.ok());
    // SIGSEGV; under AddressSanitizer the child reports it and aborts (SIGABRT).
    INFO(run.error().message);
    CHECK(run.error().message.rfind(crash + ": corrupt HDF5 file: the HDF5 library crashed (SIG",
                                    0) == 0);
    CHECK(run.error().message.find(") reading its metadata in an isolated probe; the file was not "
                                   "opened") != std::string::npos);
    CHECK_FALSE(looksLikeRunFile(crash));
    auto refs = readReferenceFile(crash);
    REQUIRE_FALSE(refs.ok());
    CHECK(refs.error().message == run.error().message);
}
