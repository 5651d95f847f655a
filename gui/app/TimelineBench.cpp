#include "gui/app/TimelineBench.h"
#include "gui/app/RunLoader.h"
#include "gui/app/TimelineView.h"

#include <QElapsedTimer>
#include <QImage>

#include <algorithm>
#include <ctime>
#include <vector>

namespace ks::gui {

// CPU time of this thread: frame cost without the time other processes took the core.
static double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

int benchTimeline(const QString& path, int width, int height, std::FILE* out) {
    QElapsedTimer timer;
    timer.start();
    const LoadedRun run = RunLoader::loadNow(path, false);
    if (!run.error.isEmpty()) {
        std::fprintf(stderr, "kernscope: %s\n", qPrintable(run.error));
        return 2;
    }
    const double loadMs = double(timer.nsecsElapsed()) / 1e6;
    std::fprintf(out, "run: %s\nevents: %zu in %zu rows; load + index: %.0f ms\n", qPrintable(path),
                 run.timeline->eventCount(), run.timeline->rows().size(), loadMs);

    TimelineView view;
    view.resize(width, height);
    view.setData(run.timeline);
    QImage image(width, height, QImage::Format_ARGB32_Premultiplied);
    const double full = view.nsPerPx();
    const double begin = double(run.timeline->begin()), end = double(run.timeline->end());
    std::fprintf(out, "frame %dx%d (layout + paint), 30 frames per level, panning across the run\n",
                 width, height);
    std::fprintf(out, "%-10s %10s %10s %10s %10s %10s %10s %12s\n", "zoom", "median ms", "p95 ms",
                 "max ms", "cpu ms", "layout ms", "paint ms", "drawn items");
    double worstFullMedian = 0, fullCpu = 0;
    for (double zoom : {1.0, 10.0, 100.0, 1e3, 1e4, 1e5}) {
        const double nsPerPx = full / zoom;
        const double visible = nsPerPx * view.eventAreaWidth();
        std::vector<double> ms, layoutMs, paintMs, cpuMs;
        size_t items = 0;
        constexpr int kFrames = 30;
        for (int f = 0; f < kFrames; ++f) {
            // Different windows each frame, so nothing is served from a cache.
            const double t0 = begin + (end - begin - visible) * (f + 0.5) / kFrames;
            const double cpu0 = threadCpuMs();
            timer.restart();
            view.setView(zoom == 1.0 ? begin - (end - begin) * 0.01 + f : t0, nsPerPx);
            const double layout = double(timer.nsecsElapsed()) / 1e6;
            view.renderTo(image);
            ms.push_back(double(timer.nsecsElapsed()) / 1e6);
            cpuMs.push_back(threadCpuMs() - cpu0);
            layoutMs.push_back(layout);
            paintMs.push_back(ms.back() - layout);
            if (f == 0) {
                items = 0;
                for (size_t r = 0; r < run.timeline->rows().size(); ++r)
                    items += view.drawList(r).size();
            }
        }
        std::sort(ms.begin(), ms.end());
        std::sort(layoutMs.begin(), layoutMs.end());
        std::sort(paintMs.begin(), paintMs.end());
        std::sort(cpuMs.begin(), cpuMs.end());
        const double median = ms[ms.size() / 2];
        if (zoom == 1.0) worstFullMedian = median, fullCpu = cpuMs[cpuMs.size() / 2];
        std::fprintf(out, "%-10s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f %12zu\n",
                     qPrintable(QStringLiteral("%1x").arg(zoom, 0, 'g', 6)), median,
                     ms[size_t(ms.size() * 0.95)], ms.back(), cpuMs[cpuMs.size() / 2],
                     layoutMs[layoutMs.size() / 2], paintMs[paintMs.size() / 2], items);
    }
    std::fprintf(out, "full zoom-out median frame: %.2f ms wall, %.2f ms CPU (goal <= 16 ms): %s\n",
                 worstFullMedian, fullCpu, worstFullMedian <= 16.0 ? "met" : "NOT met");
    return 0;
}

} // namespace ks::gui
