#include "gui/app/RunLoader.h"
#include "data/RunFile.h"
#include "data/import/Importers.h"

#include <QFile>
#include <QFileInfo>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <new>

namespace ks::gui {

namespace {

std::atomic<int> g_running{0};

struct RunningWorker {
    RunningWorker() { ++g_running; }
    ~RunningWorker() { --g_running; }
};

// Column reads are ~70 % of a load, the timeline build the rest. A run file has about 60
// columns; the count is an estimate, so the bar never claims more than the read phase.
constexpr int kReadShare = 700;
constexpr int kExpectedColumns = 60;

// Any format data/import reads, detected from the content.
LoadedRun importProfile(const QString& path, LoadControl* control) {
    LoadedRun out;
    out.path = path;
    auto run = data::importFile(path.toStdString());
    if (!run) {
        out.error = QString::fromStdString(run.error().message);
        return out;
    }
    if (control && control->cancel) return out.cancelled = true, out;
    auto shared = std::make_shared<const data::Run>(std::move(*run));
    out.run = shared;
    out.timeline = TimelineData::build(shared);
    out.imported = true;
    return out;
}

// Run files are HDF5 (*.h5); File > Open of anything else (an nsys export...) imports it.
bool isOtherToolsProfile(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("h5") || suffix == QLatin1String("hdf5")) return false;
    QFile f(path);
    return f.open(QIODevice::ReadOnly) && !data::looksLikeHdf5(f.read(8).toStdString());
}

LoadedRun loadRunFile(const QString& path, LoadControl* control) {
    LoadedRun out;
    out.path = path;
    if (!QFileInfo::exists(path)) {
        out.error = QStringLiteral("%1: no such file").arg(path);
        return out;
    }
    data::ReadOptions options;
    int columns = 0;
    if (control)
        options.progress = [control, &columns](const std::string&) {
            control->permille = std::min(kReadShare, ++columns * kReadShare / kExpectedColumns);
            return !control->cancel.load();
        };
    auto result = data::readRun(path.toStdString(), options);
    if (control && control->cancel) return out.cancelled = true, out;
    if (!result) {
        out.error = QString::fromStdString(result.error().message);
        if (!out.error.contains(path)) out.error = path + QStringLiteral(": ") + out.error;
        return out;
    }
    auto run = std::make_shared<const data::Run>(std::move(result).value());
    out.run = run;
    // Sorting and indexing, off the GUI thread too.
    out.timeline = TimelineData::build(run, [control](double fraction) {
        if (!control) return true;
        control->permille = kReadShare + int(fraction * (1000 - kReadShare));
        return !control->cancel.load();
    });
    if (!out.timeline) out.run.reset(), out.cancelled = true;
    return out;
}

} // namespace

RunLoader::RunLoader(QObject* parent) : QObject(parent), m_poll(new QTimer(this)) {
    qRegisterMetaType<ks::gui::LoadedRun>();
    m_poll->setInterval(100);
    connect(m_poll, &QTimer::timeout, this, [this] {
        if (m_control) emit progress(m_control->permille.load());
    });
}

RunLoader::~RunLoader() {
    if (m_control) m_control->cancel = true;
}

int RunLoader::runningWorkers() {
    return g_running.load();
}

LoadedRun RunLoader::loadNow(const QString& path, bool import, LoadControl* control) {
    // A worker must never leave the window waiting: every failure becomes an error result.
    try {
        return import || isOtherToolsProfile(path) ? importProfile(path, control)
                                                   : loadRunFile(path, control);
    } catch (const std::bad_alloc&) {
        LoadedRun out;
        out.path = path;
        out.error = QStringLiteral("%1: not enough memory to load this file").arg(path);
        return out;
    } catch (const std::exception& e) {
        LoadedRun out;
        out.path = path;
        out.error = QStringLiteral("%1: %2").arg(path, QString::fromLocal8Bit(e.what()));
        return out;
    } catch (...) {
        LoadedRun out;
        out.path = path;
        out.error = QStringLiteral("%1: unexpected error while loading").arg(path);
        return out;
    }
}

void RunLoader::setBusy(bool busy) {
    if (busy == m_busy) return;
    m_busy = busy;
    if (busy)
        m_poll->start();
    else
        m_poll->stop();
    emit busyChanged(busy);
}

void RunLoader::load(const QString& path, bool import) {
    if (m_control) m_control->cancel = true; // the previous worker stops at its next check
    const quint64 generation = ++m_generation;
    auto control = std::make_shared<LoadControl>();
    m_control = control;
    setBusy(true);
    emit progress(0);
    QtConcurrent::run([path, import, control] {
        RunningWorker running;
        return loadNow(path, import, control.get());
    }).then(this, [this, generation](LoadedRun result) {
        if (generation != m_generation) return; // cancelled or superseded: drop it
        m_control.reset();
        setBusy(false);
        if (result.cancelled) return;
        if (!result.error.isEmpty())
            emit failed(result.path, result.error);
        else
            emit loaded(result);
    });
}

void RunLoader::cancel() {
    ++m_generation;
    if (m_control) m_control->cancel = true;
    m_control.reset();
    setBusy(false);
}

} // namespace ks::gui
