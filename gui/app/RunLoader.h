#pragma once
// Loads run files on a worker thread. Each load gets a generation id; results of a cancelled or
// superseded load are dropped when they arrive (QFuture::then on this object's thread).
#include "gui/app/TimelineData.h"

#include <QObject>
#include <QString>

#include <memory>

namespace ks::gui {

struct LoadedRun {
    QString path;
    std::shared_ptr<const data::Run> run;
    std::shared_ptr<const TimelineData> timeline;
    bool imported = false; // File ▸ Import (folded stacks, perf script, Chrome trace)
    QString error;         // non-empty: the load failed
};

class RunLoader : public QObject {
    Q_OBJECT
public:
    explicit RunLoader(QObject* parent = nullptr);
    // Starts loading `path` (a run file, or a profile to import when `import` is set).
    void load(const QString& path, bool import = false);
    void cancel();
    bool busy() const { return m_busy; }
    quint64 generation() const { return m_generation; }

    // The work itself, callable synchronously (tests, benchmark).
    static LoadedRun loadNow(const QString& path, bool import);

signals:
    void loaded(const ks::gui::LoadedRun& run);
    void failed(const QString& path, const QString& message);
    void busyChanged(bool busy);

private:
    quint64 m_generation = 0;
    bool m_busy = false;
};

} // namespace ks::gui

Q_DECLARE_METATYPE(ks::gui::LoadedRun)
