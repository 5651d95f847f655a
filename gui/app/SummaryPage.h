#pragma once
// Summary page: run information, devices, top kernels and warnings (dropped records, CPU
// fallback, collector problems), as one HTML document.
#include "gui/app/RunLoader.h"

#include <QWidget>

class QTextBrowser;

namespace ks::gui {

class SummaryPage : public QWidget {
    Q_OBJECT
public:
    explicit SummaryPage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    // The HTML shown (tests check it).
    QString html() const;
    // Warnings a user must see, one line each.
    static QStringList warningsFor(const data::Run& run);
    static QString buildHtml(const LoadedRun& run, bool dark);
    void setDark(bool dark);

private:
    QTextBrowser* m_browser;
    LoadedRun m_run;
    bool m_dark = false;
};

} // namespace ks::gui
