// kernscope-cli: Kernscope without a window, for scripts and CI.
#include "Commands.h"
#include "ks_version.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string_view>

namespace {

struct Command {
    const char* name;
    int (*run)(const ks::cli::Args&);
    const char* summary;
};

constexpr Command kCommands[] = {
    {"record", ks::cli::cmdRecord, "run a model in the embedded engine and record a run file"},
    {"stats", ks::cli::cmdStats, "print kernel, memory, API and range summaries of a run"},
    {"compare", ks::cli::cmdCompare, "compare a run's tensors with reference tensors"},
    {"export", ks::cli::cmdExport, "export a run as Chrome trace JSON or CSV tables"},
    {"import", ks::cli::cmdImport, "convert another tool's trace into a run file"},
    {"diff", ks::cli::cmdDiff,
     "compare two runs: what got faster or slower (exit 1 on regression)"},
    {"flame", ks::cli::cmdFlame, "write a run's flame graph as folded stacks or SVG"},
};

void printUsage(std::FILE* out) {
    std::fprintf(out, "usage: kernscope-cli <command> [options]\n\ncommands:\n");
    for (const auto& c : kCommands) std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
    std::fprintf(out, "\n'kernscope-cli <command> --help' describes one command.\n");
}

int dispatch(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage(stdout);
        return 0;
    }
    if (name == "--version") {
        std::printf("kernscope-cli %s\n", KS_VERSION);
        return 0;
    }
    for (const auto& c : kCommands)
        if (name == c.name) return c.run(ks::cli::Args(argv + 2, argv + argc));
    std::fprintf(stderr, "kernscope-cli: unknown command '%s'\n", argv[1]);
    printUsage(stderr);
    return 2;
}

} // namespace

// Any exception that escapes a command (std::bad_alloc included) is exit 2 and one line.
int main(int argc, char** argv) {
    try {
        return dispatch(argc, argv);
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "kernscope-cli: out of memory\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kernscope-cli: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "kernscope-cli: unexpected error\n");
    }
    return 2;
}
