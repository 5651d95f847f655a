// kernscope-cli export: a run as Chrome trace JSON (Perfetto, chrome://tracing) and/or its
// summaries as CSV files.
#include "ArgParser.h"
#include "Commands.h"

#include "data/RunFile.h"
#include "data/export/ChromeTrace.h"
#include "data/export/CsvExport.h"

#include <cstdio>

namespace ks::cli {

int cmdExport(const Args& args) {
    using namespace ks::data;
    std::string path, chrome, csvDir;
    ArgParser p("export",
                "Export a run file as Chrome trace JSON (open it in https://ui.perfetto.dev\n"
                "or chrome://tracing) and/or its summaries as CSV files.");
    p.positional("RUN", &path, "the run file (*.ksr.h5)");
    p.option("--chrome", &chrome, "OUT.json", "write the whole run as Chrome trace JSON");
    p.option("--csv", &csvDir, "DIR",
             "write kernels.csv, memory.csv, api.csv and ranges.csv into DIR");
    p.epilog("At least one of --chrome and --csv is needed. Files are written to a temporary name\n"
             "and renamed into place, so a failed export never leaves a half-written file.\n"
             "example: kernscope-cli export run.ksr.h5 --chrome run.json --csv run-csv/");
    if (auto code = p.parse(args)) return *code;
    if (chrome.empty() && csvDir.empty())
        return p.fail("nothing to do: give --chrome and/or --csv");

    ReadOptions options;
    options.tensorData = false;
    options.samples = false;
    auto run = readRun(path, options);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli export: %s\n", run.error().message.c_str());
        return 2;
    }
    if (!chrome.empty()) {
        auto written = writeChromeTrace(*run, chrome);
        if (!written) {
            std::fprintf(stderr, "kernscope-cli export: %s\n", written.error().message.c_str());
            return 2;
        }
        std::printf("wrote %s: %zu events, %zu API-to-GPU flows\n", chrome.c_str(), written->events,
                    written->flows);
    }
    if (!csvDir.empty()) {
        if (auto s = writeSummaryCsvs(*run, csvDir); !s) {
            std::fprintf(stderr, "kernscope-cli export: %s\n", s.message().c_str());
            return 2;
        }
        std::printf("wrote %s/{kernels,memory,api,ranges}.csv\n", csvDir.c_str());
    }
    return 0;
}

} // namespace ks::cli
