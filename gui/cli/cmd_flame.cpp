// kernscope-cli flame: a run's flame tree (CPU ranges or sampled stacks) as folded stacks
// (stackcollapse format, for flamegraph.pl, speedscope, ...) or as an SVG flame graph.
#include "ArgParser.h"
#include "Commands.h"

#include "data/RunFile.h"
#include "data/analysis/FlameTree.h"
#include "data/export/AtomicFile.h"
#include "data/import/Importers.h"

#ifdef KS_HAVE_RENDER
#include "RenderApp.h"
#include "gui/render/FlameGraph.h"
#endif

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace ks::cli {
namespace {

using namespace ks::data;

Result<Run> loadAnyRun(const std::string& path) {
    ReadOptions options;
    options.tensorData = false;
    return readOrImportRun(path, options);
}

// A thread given by id or by name.
std::optional<uint32_t> findThread(const Run& run, const std::string& text) {
    uint32_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec == std::errc() && end == text.data() + text.size()) return id;
    for (size_t i = 0; i < run.threads.size(); ++i)
        if (run.strings.contains(run.threads.name[i]) &&
            run.strings.get(run.threads.name[i]) == text)
            return run.threads.id[i];
    return std::nullopt;
}

} // namespace

int cmdFlame(const Args& args) {
    std::string path, from, thread, event, folded, svg;
    bool inverted = false, keepNumbers = false;
    ArgParser p("flame",
                "Build a run's flame tree from CPU ranges (merged by call path, durations in ns)\n"
                "or sampled stacks (each sample counted by its weight) and write it as folded\n"
                "stacks or an SVG flame graph. Without --folded or --svg, folded stacks go to\n"
                "stdout. Reads run files and anything `import` reads.");
    p.positional("RUN", &path, "the run file, or a file to import on the fly");
    p.option("--from", &from, "SOURCE", "ranges or samples (default: ranges when the run has any)",
             {"ranges", "samples"});
    p.option("--thread", &thread, "T", "one thread, by id or name (default: all)");
    p.option("--event", &event, "NAME", "samples: one sampled event (default: all)");
    p.flag("--inverted", &inverted, "bottom-up: frames by their own time, callers above");
    p.flag("--keep-numbers", &keepNumbers,
           "ranges: keep \"step 12\" and \"step 13\" apart (default: merged as \"step #\")");
    p.option("--folded", &folded, "OUT.txt", "write folded stacks");
    p.option("--svg", &svg, "OUT.svg", "write an SVG flame graph");
    p.epilog("example: kernscope-cli flame run.ksr.h5 --from ranges --folded run.folded\n"
             "         flamegraph.pl run.folded > run.svg");
    if (auto code = p.parse(args)) return *code;

    auto run = loadAnyRun(path);
    if (!run) {
        std::fprintf(stderr, "kernscope-cli flame: %s\n", run.error().message.c_str());
        return 2;
    }
    std::optional<uint32_t> threadId;
    if (!thread.empty() && !(threadId = findThread(*run, thread)))
        return p.fail(path + ": no thread '" + thread + "'");
    std::optional<uint32_t> eventId;
    if (!event.empty()) {
        const uint32_t id = run->strings.find(event);
        const auto events = sampleEvents(*run);
        if (std::find(events.begin(), events.end(), id) == events.end())
            return p.fail(path + ": no sampled event '" + event + "'");
        eventId = id;
    }
    if (from.empty())
        from = run->ranges.size() > 0 || run->samples.size() == 0 ? "ranges" : "samples";
    FlameTree tree = from == "samples" ? flameFromSamples(*run, threadId, eventId)
                                       : flameFromRanges(*run, threadId, !keepNumbers);
    if (inverted) tree = invertedFlame(tree);
    if (tree.node(0).total <= 0)
        std::fprintf(stderr, "kernscope-cli flame: %s: no %s for this selection\n", path.c_str(),
                     from == "samples" ? "samples" : "CPU ranges");

    const std::string text = foldedText(tree);
    if (folded.empty() && svg.empty()) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 2;
    }
    if (!folded.empty()) {
        if (auto st = AtomicFile::writeWhole(folded, text); !st) {
            std::fprintf(stderr, "kernscope-cli flame: %s\n", st.message().c_str());
            return 2;
        }
    }
    if (!svg.empty()) {
#ifdef KS_HAVE_RENDER
        auto app = renderApplication();
        gui::FlameStyle style;
        style.icicle = false; // classic flame graph: root at the bottom
        const QSize size(1600, std::max(300, int((tree.maxDepth() + 1) * style.rowHeight) + 8));
        QString error;
        if (!gui::saveFlameSvg(tree, style, QString::fromStdString(svg), size, &error)) {
            std::fprintf(stderr, "kernscope-cli flame: %s\n", error.toStdString().c_str());
            return 2;
        }
#else
        return p.fail(svg + ": this kernscope-cli was built without the renderer "
                            "(KS_BUILD_GUI=OFF); use --folded and flamegraph.pl");
#endif
    }
    return 0;
}

} // namespace ks::cli
