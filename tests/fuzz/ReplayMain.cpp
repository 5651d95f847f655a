// Replays a fuzz target's seed corpus and regression inputs without libFuzzer, so that every
// target is built and run by the normal build's CTest (targets never rot, fixed findings stay
// fixed). Usage: fuzz_NAME REPO_ROOT NAME — reads tests/fuzz/seeds/NAME.txt (one glob per line,
// relative to REPO_ROOT; lines under ../shared/ are skipped when that folder is absent) and every
// file in tests/fuzz/regressions/NAME/. Exit 77 (skipped) when no input exists at all.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <glob.h>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

std::vector<std::string> expand(const std::string& pattern) {
    std::vector<std::string> out;
    glob_t g{};
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    globfree(&g);
    return out;
}

std::vector<std::string> inputs(const std::filesystem::path& root, const std::string& name) {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    std::ifstream list(root / "tests/fuzz/seeds" / (name + ".txt"));
    for (std::string line; std::getline(list, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        for (auto& f : expand((root / line).string()))
            if (fs::is_regular_file(f)) files.push_back(f);
    }
    const fs::path regressions = root / "tests/fuzz/regressions" / name;
    if (fs::is_directory(regressions))
        for (const auto& e : fs::directory_iterator(regressions))
            if (e.is_regular_file()) files.push_back(e.path().string());
    return files;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s REPO_ROOT NAME\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    const auto files = inputs(argv[1], argv[2]);
    if (files.empty()) {
        std::printf("no seed or regression input for %s: skipped\n", argv[2]);
        return 77;
    }
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
        std::printf("%s (%zu bytes)\n", file.c_str(), bytes.size());
        std::fflush(stdout);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("%zu inputs replayed without a crash\n", files.size());
    return 0;
}
