#pragma once
// Summary page: the run's diagnosis first (findings with links to their evidence, utilisation,
// time breakdown, idle attribution, launch overhead, steps), training curves (loss/accuracy
// counters), then run information, devices, top kernels and warnings, as one HTML document.
// The diagnosis is computed on a worker; the page shows the rest at once.
#include "data/analysis/Diagnosis.h"
#include "gui/app/RunLoader.h"

#include <QWidget>

#include <memory>

class QTextBrowser;
class QUrl;

namespace ks::gui {

class SummaryPage : public QWidget {
    Q_OBJECT
public:
    explicit SummaryPage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    // The HTML shown (tests check it).
    QString html() const;
    QTextBrowser* browser() const { return m_browser; }
    bool analysing() const { return m_analysing; }
    const data::Diagnosis* diagnosis() const {
        return m_analysis ? &m_analysis->diagnosis : nullptr;
    }
    // Warnings a user must see, one line each.
    static QStringList warningsFor(const data::Run& run);
    struct Analysis {
        data::Diagnosis diagnosis;
        std::vector<data::KernelStat> kernels;
    };
    static QString buildHtml(const LoadedRun& run, bool dark, const Analysis* analysis = nullptr,
                             bool analysing = false);
    // Counters drawn as small plots on the page (loss, accuracy, learning rate, ...).
    static bool isTrainingCounter(const std::string& name);
    void setDark(bool dark);
    // Follows a link of the page ("ks:span?b=..&e=.." or "ks:kernel?name=..").
    void openLink(const QUrl& url);

signals:
    void spanRequested(qint64 begin, qint64 end); // show this span on the timeline
    void kernelRequested(const QString& name);    // show this kernel's row
    void diagnosisReady();

private:
    void render();
    void addPlots();
    QTextBrowser* m_browser;
    LoadedRun m_run;
    std::shared_ptr<const Analysis> m_analysis;
    quint64 m_generation = 0;
    bool m_analysing = false;
    bool m_dark = false;
};

} // namespace ks::gui
