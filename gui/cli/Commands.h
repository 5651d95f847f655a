#pragma once
// kernscope-cli subcommands: one file each (cmd_<name>.cpp). Each gets the arguments after its
// name and returns the process exit code (0 ok, 1 mismatch for compare, 2 error or bad usage).
#include <string>
#include <vector>

namespace ks::cli {

using Args = std::vector<std::string>;

int cmdStats(const Args& args);
int cmdExport(const Args& args);
int cmdRecord(const Args& args);
int cmdProfile(const Args& args); // record [options] -- CMD: any program (cmd_profile.cpp)
int cmdCompare(const Args& args);
int cmdImport(const Args& args);
int cmdDiff(const Args& args);
int cmdFlame(const Args& args);

} // namespace ks::cli
