#include "gui/app/RunLoader.h"
#include "data/RunFile.h"
#include "data/import/Importers.h"

#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::gui {

RunLoader::RunLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<ks::gui::LoadedRun>();
}

// Any format data/import reads, detected from the content.
static LoadedRun importProfile(const QString& path) {
    LoadedRun out;
    out.path = path;
    auto run = data::importFile(path.toStdString());
    if (!run) {
        out.error = QString::fromStdString(run.error().message);
        return out;
    }
    auto shared = std::make_shared<const data::Run>(std::move(*run));
    out.run = shared;
    out.timeline = TimelineData::build(shared);
    out.imported = true;
    return out;
}

// Run files are HDF5 (*.h5); File > Open of anything else (an nsys export...) imports it.
static bool isOtherToolsProfile(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("h5") || suffix == QLatin1String("hdf5")) return false;
    QFile f(path);
    return f.open(QIODevice::ReadOnly) && !data::looksLikeHdf5(f.read(8).toStdString());
}

LoadedRun RunLoader::loadNow(const QString& path, bool import) {
    if (import || isOtherToolsProfile(path)) return importProfile(path);
    LoadedRun out;
    out.path = path;
    if (!QFileInfo::exists(path)) {
        out.error = QStringLiteral("%1: no such file").arg(path);
        return out;
    }
    auto result = data::readRun(path.toStdString());
    if (!result) {
        out.error = QString::fromStdString(result.error().message);
        if (!out.error.contains(path)) out.error = path + QStringLiteral(": ") + out.error;
        return out;
    }
    auto run = std::make_shared<const data::Run>(std::move(result).value());
    out.run = run;
    out.timeline = TimelineData::build(run); // sorting and indexing, off the GUI thread too
    return out;
}

void RunLoader::load(const QString& path, bool import) {
    const quint64 generation = ++m_generation;
    m_busy = true;
    emit busyChanged(true);
    QtConcurrent::run([path, import] {
        return loadNow(path, import);
    }).then(this, [this, generation](LoadedRun result) {
        if (generation != m_generation) return; // cancelled or superseded: drop it
        m_busy = false;
        emit busyChanged(false);
        if (!result.error.isEmpty())
            emit failed(result.path, result.error);
        else
            emit loaded(result);
    });
}

void RunLoader::cancel() {
    ++m_generation;
    if (m_busy) {
        m_busy = false;
        emit busyChanged(false);
    }
}

} // namespace ks::gui
