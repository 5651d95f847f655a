// kernscope-cli import: another tool's trace (Chrome/Kineto JSON, folded stacks, perf script)
// into a run file.
#include "ArgParser.h"
#include "Commands.h"

#include "data/RunFile.h"
#include "data/import/ChromeTraceImport.h"
#include "data/import/StackImport.h"

#include <cstdio>

namespace ks::cli {
namespace {

// Guesses the format from the content: JSON starts with { or [; perf script has indented frame
// lines under unindented headers; folded stacks are unindented "a;b;c COUNT" lines.
std::string detectFormat(std::string_view text) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return "";
    if (text[first] == '{' || text[first] == '[') return "chrome-trace";
    size_t lines = 0;
    for (size_t pos = 0; pos < text.size() && lines < 200;) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.front() != '#' &&
            line.find_first_not_of(" \t\r") != std::string_view::npos) {
            if (line.front() == ' ' || line.front() == '\t') return "perf-script";
            ++lines;
        }
        pos = end + 1;
    }
    return "folded";
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

    auto text = readTextFile(in);
    if (!text) {
        std::fprintf(stderr, "kernscope-cli import: %s\n", text.error().message.c_str());
        return 2;
    }
    std::string format = chrome ? "chrome-trace" : folded ? "folded" : perf ? "perf-script" : "";
    if (format.empty()) format = detectFormat(*text);
    if (format.empty()) {
        std::fprintf(stderr, "kernscope-cli import: %s: empty file\n", in.c_str());
        return 2;
    }
    auto run = format == "chrome-trace" ? parseChromeTrace(*text, in)
               : format == "folded"     ? parseFoldedStacks(*text, in)
                                        : parsePerfScript(*text, in);
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
                in.c_str(), format.c_str(), run->kernels.size(), run->memcpy.size(),
                run->api.size(), run->ranges.size(), run->samples.size(), run->counters.size(),
                out.c_str());
    return 0;
}

} // namespace ks::cli
