#include "TestSupport.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

namespace ks::test {

std::string scratchDir(const std::string& name) {
    namespace fs = std::filesystem;
    // CTest runs test cases as separate processes in parallel: one folder per process, so two
    // cases that use the same name never delete each other's files.
    const fs::path dir =
        fs::path(KS_TESTS_BINARY_DIR) / "scratch" / (name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

void skipTest(const std::string& why) {
    std::printf("SKIPPED: %s\n", why.c_str());
    std::fflush(stdout);
    // 77 is the SKIP_RETURN_CODE every test declares (tests/CMakeLists.txt); CTest runs one case
    // per process, so leaving here skips exactly this case.
    const char* code = std::getenv("KS_SKIP_EXIT");
    std::exit(code && *code ? std::atoi(code) : 77);
}

std::string sourcePath(const std::string& relative) {
    return (std::filesystem::path(KS_TESTS_SOURCE_DIR) / relative).string();
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

ProcessResult runCommand(const std::string& commandLine) {
    ProcessResult result;
    FILE* pipe = popen((commandLine + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
    const int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

ProcessResult runPython(const std::string& scriptRelative, const std::vector<std::string>& args) {
    std::string cmd = shellQuote(KS_PYTHON) + " " + shellQuote(sourcePath(scriptRelative));
    for (const auto& a : args) cmd += " " + shellQuote(a);
    return runCommand(cmd);
}

ProcessResult runCli(const std::vector<std::string>& args) {
    std::string cmd = shellQuote(KS_CLI_PATH);
    for (const auto& a : args) cmd += " " + shellQuote(a);
    return runCommand(cmd);
}

} // namespace ks::test
