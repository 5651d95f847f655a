#include "ImportTestSupport.h"

#include "TestSupport.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ks::test {

std::string thirdParty(const std::string& relative) {
    const char* env = std::getenv("KS_THIRDPARTY_DIR");
    const std::filesystem::path dir =
        env ? std::filesystem::path(env)
            : std::filesystem::path(KS_TESTS_SOURCE_DIR) / ".." / ".." / "shared" / "thirdparty";
    const std::filesystem::path file = dir / relative;
    if (!std::filesystem::exists(file)) {
        std::printf("skipped: %s not found (shared/thirdparty is not in this checkout)\n",
                    file.c_str());
        std::fflush(stdout);
        std::exit(kSkipped);
    }
    return file.string();
}

nlohmann::json oracle(const std::string& kind, const std::string& path) {
    const auto r = runPython("import/oracle.py", {kind, path});
    if (r.exitCode != 0) throw std::runtime_error("oracle.py failed: " + r.output);
    return nlohmann::json::parse(r.output);
}

std::string stackPath(const data::Run& run, uint32_t node) {
    std::vector<std::string_view> frames;
    for (uint32_t at = node; at != data::kNoParent; at = run.stacks.parent[at])
        frames.push_back(run.strings.get(run.stacks.frame[at]));
    std::string out;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
        out += (out.empty() ? "" : ";") + std::string(*it);
    return out;
}

std::map<std::string, uint64_t> foldedWeights(const data::Run& run) {
    std::map<std::string, uint64_t> out;
    for (size_t i = 0; i < run.samples.size(); ++i)
        out[stackPath(run, run.samples.stack[i])] += run.samples.weight[i];
    return out;
}

} // namespace ks::test
