#include "gui/app/RunLoader.h"
#include "data/RunFile.h"

#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::gui {

RunLoader::RunLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<ks::gui::LoadedRun>();
}

static LoadedRun importProfile(const QString& path) {
    LoadedRun out;
    out.path = path;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        out.error = QStringLiteral("%1: cannot open: %2").arg(path, file.errorString());
        return out;
    }
    const QByteArray text = file.readAll();
    size_t bad = 0;
    auto tree = std::make_shared<FlameTree>(
        flameFromFolded(std::string_view(text.constData(), size_t(text.size())), &bad));
    if (tree->node(0).total <= 0) {
        out.error = QStringLiteral("%1: no folded stacks found (expected lines like "
                                   "'main;foo;bar 12')")
                        .arg(path);
        return out;
    }
    auto run = std::make_shared<data::Run>();
    run->info.backend = "imported:folded";
    run->info.clock_domain = "imported";
    run->info.notes = QStringLiteral("Imported from %1 (%2 lines skipped)")
                          .arg(QFileInfo(path).fileName())
                          .arg(bad)
                          .toStdString();
    out.run = run;
    out.timeline = TimelineData::build(run);
    out.importedFlame = tree;
    return out;
}

LoadedRun RunLoader::loadNow(const QString& path, bool import) {
    if (import) return importProfile(path);
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
    QtConcurrent::run([path, import] { return loadNow(path, import); })
        .then(this, [this, generation](LoadedRun result) {
            if (generation != m_generation) return; // cancelled or superseded: drop it
            m_busy = false;
            emit busyChanged(false);
            if (!result.error.isEmpty()) emit failed(result.path, result.error);
            else emit loaded(result);
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
