// The reference readers against NumPy: every format and dtype variant written by
// make_reader_fixtures.py must read back exactly as NumPy reads it; every malformed file must give
// a one-line error naming the file and the problem.
#include "Fixtures.h"
#include "TestSupport.h"

#include "data/reference/ReferenceReader.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

using namespace ks::data;

namespace {

const std::string& fixtures() {
    static const std::string dir =
        ks::test::cachedFixture("reader", "compare/make_reader_fixtures.py");
    return dir;
}

nlohmann::json manifest() {
    std::ifstream in(fixtures() + "/manifest.json");
    return nlohmann::json::parse(in);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST_CASE("reference readers return exactly NumPy's values", "[compare][reference]") {
    const auto m = manifest();
    std::map<std::string, std::vector<Tensor>> cache;
    size_t checked = 0;
    for (const auto& g : m["good"]) {
        const std::string file = g["file"];
        const std::string name = g["tensor"];
        INFO(file << " : " << name);
        if (!cache.count(file)) {
            auto r = readReferenceFile(fixtures() + "/" + file);
            INFO((r ? std::string() : r.error().message));
            REQUIRE(r.ok());
            cache[file] = std::move(r.value());
        }
        const Tensor* t = nullptr;
        for (const auto& x : cache[file])
            if (x.name == name) t = &x;
        REQUIRE(t != nullptr);
        CHECK(dtypeName(t->dtype) == g["dtype"].get<std::string>());
        CHECK(t->shape == g["shape"].get<std::vector<int64_t>>());
        const std::string expected = slurp(fixtures() + "/" + g["expected"].get<std::string>());
        REQUIRE(t->bytes.size() == expected.size());
        // memcmp must not see the null data pointer of an empty tensor.
        CHECK((expected.empty() ||
               std::memcmp(t->bytes.data(), expected.data(), expected.size()) == 0));
        ++checked;
    }
    CHECK(checked >= 80);
}

TEST_CASE("every file's tensors are all read", "[compare][reference]") {
    // The .npz holds four members, the HDF5 file six datasets at nested paths.
    auto npz = readReferenceFile(fixtures() + "/npz_deflate.npz");
    REQUIRE(npz.ok());
    CHECK(npz->size() == 4);
    auto h5 = readReferenceFile(fixtures() + "/refs.h5");
    REQUIRE(h5.ok());
    CHECK(h5->size() == 6);
    ReferenceOptions group;
    group.group = "/model/layer1";
    auto sub = readReferenceFile(fixtures() + "/refs.h5", group);
    REQUIRE(sub.ok());
    REQUIRE(sub->size() == 2);
    CHECK((sub.value()[0].name == "half" && sub.value()[1].name == "weight"));
    group.group = "/nope";
    auto missing = readReferenceFile(fixtures() + "/refs.h5", group);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message, Catch::Contains("group '/nope' not found"));
}

TEST_CASE("malformed reference files give one-line errors", "[compare][reference]") {
    const auto m = manifest();
    for (const auto& b : m["bad"]) {
        const std::string file = b["file"];
        INFO(file);
        auto r = readReferenceFile(fixtures() + "/" + file);
        REQUIRE_FALSE(r.ok());
        const std::string& msg = r.error().message;
        INFO(msg);
        CHECK_THAT(msg, Catch::Contains(file));
        CHECK_THAT(msg, Catch::Contains(b["error"].get<std::string>()));
        CHECK(msg.find('\n') == std::string::npos);
    }
    auto none = readReferenceFile(fixtures() + "/does_not_exist.npy");
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error().message, Catch::Contains("no such file"));
}
