#pragma once
// Helpers shared by the tests: scratch folders, running Python fixture scripts and the CLI.
#include <string>
#include <vector>

namespace ks::test {

// A fresh, empty folder under the build tree for one test process (removed and recreated).
std::string scratchDir(const std::string& name);
// Path of a file in the source tests/ folder.
std::string sourcePath(const std::string& relative);

struct ProcessResult {
    int exitCode = -1;
    std::string output; // stdout and stderr together
};
// Runs a command line through the shell and captures its output.
ProcessResult runCommand(const std::string& commandLine);
// Runs a Python script from tests/ with Debian's python (NumPy, h5py, PyTorch).
ProcessResult runPython(const std::string& scriptRelative, const std::vector<std::string>& args);
// Runs kernscope-cli with arguments.
ProcessResult runCli(const std::vector<std::string>& args);
// Quotes an argument for the shell.
std::string shellQuote(const std::string& s);

// Reports the running test case as skipped (no GPU, no shared captures). Catch2 v2 cannot skip:
// the process prints why and exits with 77 (or $KS_SKIP_EXIT), the SKIP_RETURN_CODE every test
// declares; CTest runs one case per process, so exactly this case is reported skipped.
void skipTest(const std::string& why);

} // namespace ks::test
