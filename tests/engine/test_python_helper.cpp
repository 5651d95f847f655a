// The Python reference helper (packaging/python/kernscope_ref.py), tested by its own script.
#include "TestSupport.h"

#include <catch2/catch.hpp>

TEST_CASE("kernscope_ref.py records PyTorch tensors with the engine's names", "[engine][python]") {
    const std::string dir = ks::test::scratchDir("engine_python_helper");
    const auto r = ks::test::runPython("engine/test_kernscope_ref.py", {dir});
    INFO(r.output);
    CHECK(r.exitCode == 0);
}
