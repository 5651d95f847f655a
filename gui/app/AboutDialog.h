#pragma once
// Help ▸ About Kernscope: the icon, the version (QCoreApplication::applicationVersion, set from the
// CMake project version), what the program is for, the Qt it runs on, the licence, and a button
// that copies the version line for bug reports.
#include <QDialog>

namespace ks::gui {

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(QWidget* parent = nullptr);
    // "Kernscope 0.1.0 (Qt 6.4.2, Linux ...)": what a bug report needs.
    static QString versionLine();
};

} // namespace ks::gui
