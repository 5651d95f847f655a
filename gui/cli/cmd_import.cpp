// kernscope-cli import: another tool's trace (Chrome/Kineto JSON, folded stacks, perf script)
// into a run file.
#include "ArgParser.h"
#include "Commands.h"

#include "data/RunFile.h"
#include "data/import/Importers.h"
#include "data/import/NcuImport.h"

#include <cstdio>

namespace ks::cli {
namespace {

// "chrome-trace" from the run's backend "imported:chrome-trace".
std::string importedKind(const ks::data::Run& run) {
    const std::string& b = run.info.backend;
    return b.starts_with("imported:") ? b.substr(9) : b;
}

// The metrics of an ncu CSV added to a recorded run, written to `out`.
int attachMetrics(const std::string& in, const ks::data::Run& metrics, const std::string& runPath,
                  const std::string& out) {
    using namespace ks::data;
    if (metrics.kernelMetrics.size() == 0) {
        std::fprintf(stderr, "kernscope-cli import: %s: --attach needs an Nsight Compute CSV\n",
                     in.c_str());
        return 2;
    }
    auto run = readRun(runPath);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", run.error().message.c_str());
        return 2;
    }
    if (run->kernelMetrics.size() > 0) {
        std::fprintf(stderr, "kernscope-cli import: %s already has kernel metrics\n",
                     runPath.c_str());
        return 2;
    }
    const AttachResult r = attachKernelMetrics(*run, metrics);
    run->info.notes += (run->info.notes.empty() ? "" : " ") + std::string("Kernel metrics from ") +
                       in + ": " + std::to_string(r.matched) + " of " + std::to_string(r.launches) +
                       " launches matched.";
    if (auto s = writeRun(*run, out); !s) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", s.message().c_str());
        return 2;
    }
    std::printf("attached %zu metric rows of %s to %s: %zu of %zu launches matched a kernel%s -> "
                "%s\n",
                metrics.kernelMetrics.size(), in.c_str(), runPath.c_str(), r.matched, r.launches,
                r.matched < r.launches ? " (the others are kept unattached)" : "", out.c_str());
    return 0;
}

} // namespace

int cmdImport(const Args& args) {
    using namespace ks::data;
    std::string in, out;
    std::string attach;
    bool chrome = false, folded = false, perf = false, nsys = false, shortNames = false,
         ncu = false;
    ArgParser p("import", "Convert another tool's trace into a Kernscope run file.");
    p.positional("IN", &in, "the trace to import");
    p.option("--output", &out, "RUN.ksr.h5", "the run file to write (required)");
    p.alias("-o", "--output");
    p.flag("--chrome-trace", &chrome,
           "Chrome/Kineto trace JSON (PyTorch profiler export_chrome_trace, Perfetto JSON)");
    p.flag("--folded", &folded, "folded stacks: 'outer;inner;leaf COUNT' per line");
    p.flag("--perf-script", &perf, "the text output of 'perf script'");
    p.flag("--nsys", &nsys, "an Nsight Systems SQLite export ('nsys export --type sqlite')");
    p.flag("--ncu-csv", &ncu, "Nsight Compute CSV ('ncu --csv' output)");
    p.option("--attach", &attach, "RUN.ksr.h5",
             "ncu: attach the metrics to this run's kernels (launch order and name) and write "
             "the run with them to --output");
    p.flag("--short-names", &shortNames,
           "nsys: kernels by their short names (nsys stats ':base') instead of demangled ones");
    p.epilog(
        "The format is detected from the content when no format option is given; gzip-compressed\n"
        "files (trace.json.gz from the PyTorch profiler) are decompressed first.\n"
        "examples:\n"
        "  kernscope-cli import trace.json -o trace.ksr.h5\n"
        "  kernscope-cli import worker0.pt.trace.json.gz -o trace.ksr.h5\n"
        "  nsys export --type sqlite report.nsys-rep && kernscope-cli import report.sqlite -o "
        "r.ksr.h5\n"
        "  kernscope-cli import ncu.csv --attach r.ksr.h5 -o r-metrics.ksr.h5\n"
        "  perf script > perf.txt && kernscope-cli import perf.txt --perf-script -o perf.ksr.h5");
    if (auto code = p.parse(args)) return *code;
    if (out.empty()) return p.fail("missing --output RUN.ksr.h5");
    if (int(chrome) + int(folded) + int(perf) + int(nsys) + int(ncu) > 1)
        return p.fail(
            "give at most one of --chrome-trace, --folded, --perf-script, --nsys, --ncu-csv");

    const std::string format = chrome   ? "chrome-trace"
                               : folded ? "folded"
                               : perf   ? "perf-script"
                               : nsys   ? "nsys"
                               : ncu    ? "ncu-csv"
                                        : "";
    ImportOptions options;
    options.shortKernelNames = shortNames;
    auto run = importFile(in, format, options);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", run.error().message.c_str());
        return 2;
    }
    if (!attach.empty()) return attachMetrics(in, *run, attach, out);
    // Keep the profiled program's command line when the file has it (nsys does).
    if (run->info.command_line.empty()) run->info.command_line = "kernscope-cli import " + in;
    if (auto s = writeRun(*run, out); !s) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", s.message().c_str());
        return 2;
    }
    std::printf("imported %s (%s): %zu kernels, %zu copies, %zu memsets, %zu API calls, "
                "%zu ranges, %zu samples, %zu counters -> %s\n",
                in.c_str(), importedKind(*run).c_str(), run->kernels.size(), run->memcpy.size(),
                run->memset.size(), run->api.size(), run->ranges.size(), run->samples.size(),
                run->counters.size(), out.c_str());
    if (run->kernelMetrics.size() > 0)
        std::printf("%zu kernel metric rows (no run to attach them to; see --attach)\n",
                    run->kernelMetrics.size());
    // The importer's summary: what was skipped and why (empty when nothing was).
    if (run->collector.dropped_records || run->collector.unmatched_markers ||
        run->info.notes.find("warning") != std::string::npos)
        std::fprintf(stderr, "kernscope-cli import: %s\n", run->info.notes.c_str());
    return 0;
}

} // namespace ks::cli
