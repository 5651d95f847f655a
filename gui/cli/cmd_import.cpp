// kernscope-cli import: another tool's trace (Chrome/Kineto JSON, folded stacks, perf script)
// into a run file.
#include "ArgParser.h"
#include "Commands.h"

#include "data/RunFile.h"
#include "data/import/Importers.h"

#include <cstdio>

namespace ks::cli {
namespace {

// "chrome-trace" from the run's backend "imported:chrome-trace".
std::string importedKind(const ks::data::Run& run) {
    const std::string& b = run.info.backend;
    return b.starts_with("imported:") ? b.substr(9) : b;
}

} // namespace

int cmdImport(const Args& args) {
    using namespace ks::data;
    std::string in, out;
    bool chrome = false, folded = false, perf = false;
    ArgParser p("import", "Convert another tool's trace into a Kernscope run file.");
    p.positional("IN", &in, "the trace to import");
    p.option("--output", &out, "RUN.ksr.h5", "the run file to write (required)");
    p.alias("-o", "--output");
    p.flag("--chrome-trace", &chrome,
           "Chrome/Kineto trace JSON (PyTorch profiler export_chrome_trace, Perfetto JSON)");
    p.flag("--folded", &folded, "folded stacks: 'outer;inner;leaf COUNT' per line");
    p.flag("--perf-script", &perf, "the text output of 'perf script'");
    p.epilog(
        "The format is detected from the content when no format option is given.\n"
        "examples:\n"
        "  kernscope-cli import trace.json -o trace.ksr.h5\n"
        "  perf script > perf.txt && kernscope-cli import perf.txt --perf-script -o perf.ksr.h5");
    if (auto code = p.parse(args)) return *code;
    if (out.empty()) return p.fail("missing --output RUN.ksr.h5");
    if (int(chrome) + int(folded) + int(perf) > 1)
        return p.fail("give at most one of --chrome-trace, --folded, --perf-script");

    const std::string format = chrome   ? "chrome-trace"
                               : folded ? "folded"
                               : perf   ? "perf-script"
                                        : "";
    auto run = importFile(in, format);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", run.error().message.c_str());
        return 2;
    }
    run->info.command_line = "kernscope-cli import " + in;
    if (auto s = writeRun(*run, out); !s) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", s.message().c_str());
        return 2;
    }
    std::printf("imported %s (%s): %zu kernels, %zu copies, %zu API calls, %zu ranges, "
                "%zu samples, %zu counters -> %s\n",
                in.c_str(), importedKind(*run).c_str(), run->kernels.size(), run->memcpy.size(),
                run->api.size(), run->ranges.size(), run->samples.size(), run->counters.size(),
                out.c_str());
    // The importer's summary: what was skipped and why (empty when nothing was).
    if (run->collector.dropped_records || run->collector.unmatched_markers ||
        run->info.notes.find("warning") != std::string::npos)
        std::fprintf(stderr, "kernscope-cli import: %s\n", run->info.notes.c_str());
    return 0;
}

} // namespace ks::cli
