#pragma once
// Loads run files on a worker thread. Each load gets a generation id; a new load or cancel()
// tells the running worker to stop (it checks between columns and build stages) and results of a
// cancelled or superseded load are dropped when they arrive (QFuture::then on this object's
// thread). Every exception in the worker, std::bad_alloc included, becomes a failed load.
#include "gui/app/TimelineData.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QTimer;

namespace ks::gui {

struct LoadedRun {
    QString path;
    std::shared_ptr<const data::Run> run;
    std::shared_ptr<const TimelineData> timeline;
    bool imported = false; // File ▸ Import (folded stacks, perf script, Chrome trace)
    QString error;         // non-empty: the load failed
    bool cancelled = false;
};

// Shared between the window and one worker: progress in per mille, and the stop request.
struct LoadControl {
    std::atomic<int> permille{0};
    std::atomic<bool> cancel{false};
};

class RunLoader : public QObject {
    Q_OBJECT
public:
    explicit RunLoader(QObject* parent = nullptr);
    ~RunLoader() override;
    // Starts loading `path` (a run file, or a profile to import when `import` is set); a load
    // still running is cancelled.
    void load(const QString& path, bool import = false);
    void cancel();
    bool busy() const { return m_busy; }
    quint64 generation() const { return m_generation; }
    // Workers still running (a cancelled one stops at its next check).
    static int runningWorkers();

    // The work itself, callable synchronously (tests, benchmark). Never throws.
    static LoadedRun loadNow(const QString& path, bool import, LoadControl* control = nullptr);

signals:
    void loaded(const ks::gui::LoadedRun& run);
    void failed(const QString& path, const QString& message);
    void progress(int permille);
    void busyChanged(bool busy);

private:
    void setBusy(bool busy);
    quint64 m_generation = 0;
    bool m_busy = false;
    std::shared_ptr<LoadControl> m_control;
    QTimer* m_poll;
};

} // namespace ks::gui

Q_DECLARE_METATYPE(ks::gui::LoadedRun)
