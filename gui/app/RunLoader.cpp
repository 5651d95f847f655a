#include "gui/app/RunLoader.h"
#include "data/RunFile.h"
#include "data/import/ChromeTraceImport.h"
#include "data/import/StackImport.h"

#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include <optional>

namespace ks::gui {

RunLoader::RunLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<ks::gui::LoadedRun>();
}

// Folded stacks, perf script text or Chrome/Kineto trace JSON, through the data/import parsers.
static LoadedRun importProfile(const QString& path) {
    LoadedRun out;
    out.path = path;
    const std::string file = path.toStdString();
    auto text = data::readTextFile(file);
    if (!text) {
        out.error = QString::fromStdString(text.error().message);
        return out;
    }
    std::optional<data::Run> run;
    const QString suffix = QFileInfo(path).suffix().toLower();
    const std::string_view body = text.value();
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (suffix == QLatin1String("json") ||
        (first != std::string_view::npos && (body[first] == '{' || body[first] == '['))) {
        auto r = data::parseChromeTrace(body, file);
        if (!r) return out.error = QString::fromStdString(r.error().message), out;
        run = std::move(r).value();
    } else {
        auto folded = data::parseFoldedStacks(body, file);
        if (folded && folded->samples.size() > 0) {
            run = std::move(folded).value();
        } else {
            auto perf = data::parsePerfScript(body, file);
            if (!perf) {
                out.error = QStringLiteral("%1: neither folded stacks nor perf script output (%2)")
                                .arg(path, QString::fromStdString(perf.error().message));
                return out;
            }
            run = std::move(perf).value();
        }
    }
    auto shared = std::make_shared<const data::Run>(std::move(*run));
    out.run = shared;
    out.timeline = TimelineData::build(shared);
    out.imported = true;
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
