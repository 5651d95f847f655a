#pragma once
// Fixture folders made once by a Python script and shared by every test process (CTest runs each
// test case in a process of its own): the folder's name carries the script's size and time, it
// is built under a temporary name and renamed into place, so parallel runs never see half of it.
#include "TestSupport.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace ks::test {

inline std::string cachedFixture(const std::string& name, const std::string& script) {
    namespace fs = std::filesystem;
    const fs::path src = sourcePath(script);
    const auto stamp = fs::last_write_time(src).time_since_epoch().count();
    const fs::path root = fs::path(KS_TESTS_BINARY_DIR) / "fixtures";
    const fs::path dir =
        root / (name + "-" + std::to_string(fs::file_size(src)) + "-" + std::to_string(stamp));
    if (fs::exists(dir / ".done")) return dir.string();
    const fs::path tmp = root / (name + ".tmp." + std::to_string(getpid()));
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    auto r = runPython(script, {tmp.string()});
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
    std::ofstream(tmp / ".done") << "ok\n";
    std::error_code ec;
    fs::rename(tmp, dir, ec); // fails when another process got there first: use theirs
    if (ec) fs::remove_all(tmp);
    REQUIRE(fs::exists(dir / ".done"));
    return dir.string();
}

} // namespace ks::test
