#pragma once
// `kernscope --screenshots DIR RUN [REFERENCE]`: opens the run, shows every page in a
// representative state and saves one PNG per page (used by tests/gui/screenshots.sh).
#include <QString>
#include <QStringList>

namespace ks::gui {

class MainWindow;
int takeScreenshots(MainWindow& window, const QStringList& files, const QString& dir);

} // namespace ks::gui
