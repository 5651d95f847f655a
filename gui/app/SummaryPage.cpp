#include "gui/app/SummaryPage.h"
#include "data/analysis/KernelStats.h"

#include <QFileInfo>
#include <QLocale>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace ks::gui {

SummaryPage::SummaryPage(QWidget* parent) : QWidget(parent) {
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("summaryBrowser"));
    m_browser->setOpenLinks(false);
    m_browser->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_browser);
    m_browser->setHtml(buildHtml({}, m_dark));
}

void SummaryPage::setRun(const LoadedRun& run) {
    m_run = run;
    m_browser->setHtml(buildHtml(run, m_dark));
}

void SummaryPage::setDark(bool dark) {
    m_dark = dark;
    m_browser->setHtml(buildHtml(m_run, m_dark));
}

QString SummaryPage::html() const {
    return m_browser->toHtml();
}

QStringList SummaryPage::warningsFor(const data::Run& run) {
    QStringList w;
    const auto& c = run.collector;
    if (c.dropped_records)
        w << tr("%L1 activity records were dropped by the collector: the timeline is incomplete.")
                 .arg(qulonglong(c.dropped_records));
    if (c.zero_timestamp_records)
        w << tr("%L1 records had no timestamps and were left out.")
                 .arg(qulonglong(c.zero_timestamp_records));
    if (c.unmatched_markers)
        w << tr("%L1 range markers had no matching end.").arg(qulonglong(c.unmatched_markers));
    if (!c.status.empty() && c.status != "ok") w << QString::fromStdString(c.status);
    if (run.info.backend == "cpu")
        w << tr("CPU backend: kernels are CPU operations on worker lanes (no GPU activity; "
                "occupancy is n/a).");
    if (run.kernels.size() == 0 && run.ranges.size() == 0 && run.samples.size() == 0)
        w << tr("The run holds no kernels, ranges or samples.");
    return w;
}

QString SummaryPage::buildHtml(const LoadedRun& loaded, bool dark) {
    const QString muted = dark ? QStringLiteral("#9aa0a6") : QStringLiteral("#5f6368");
    const QString border = dark ? QStringLiteral("#3c4043") : QStringLiteral("#dadce0");
    const QString head = dark ? QStringLiteral("#2d2f33") : QStringLiteral("#f1f3f4");
    QString h = QStringLiteral("<html><body style='margin:12px'>");
    if (!loaded.run) {
        h += tr("<h2>Kernscope</h2><p style='color:%1'>Open a run file (<b>File ▸ Open</b>, "
                "Ctrl+O), drop one on the window, or record one (<b>Run ▸ Record…</b>).</p>"
                "<p style='color:%1'>Import folded stacks or <code>perf script</code> output with "
                "<b>File ▸ Import</b>.</p>")
                 .arg(muted);
        return h + QStringLiteral("</body></html>");
    }
    const data::Run& run = *loaded.run;
    const QLocale locale = QLocale::c();
    auto esc = [](std::string_view s) {
        return QString::fromUtf8(s.data(), qsizetype(s.size())).toHtmlEscaped();
    };
    auto table = [&](const QStringList& headers) {
        QString t = QStringLiteral("<table cellspacing='0' cellpadding='5' style='border-collapse:"
                                   "collapse; border:1px solid %1'><tr>")
                        .arg(border);
        for (const QString& x : headers)
            t += QStringLiteral("<th align='left' style='background:%1'>%2</th>").arg(head, x);
        return t + QStringLiteral("</tr>");
    };
    h += QStringLiteral("<h2 style='margin-bottom:2px'>%1</h2>")
             .arg(QFileInfo(loaded.path).fileName().toHtmlEscaped());
    h += QStringLiteral("<p style='color:%1; margin-top:0'>%2</p>")
             .arg(muted, loaded.path.toHtmlEscaped());

    const QStringList warnings = warningsFor(run);
    if (!warnings.isEmpty()) {
        h += QStringLiteral(
                 "<table cellpadding='8' style='background:%1; margin-bottom:8px'><tr><td>")
                 .arg(dark ? QStringLiteral("#4a3b12") : QStringLiteral("#fef7e0"));
        h += tr("<b>Warnings</b>");
        for (const QString& w : warnings) h += QStringLiteral("<br>⚠ ") + w.toHtmlEscaped();
        h += QStringLiteral("</td></tr></table>");
    }

    // Run information.
    const int64_t begin =
        run.kernels.size() || run.api.size() || run.ranges.size() || run.memcpy.size()
            ? (loaded.timeline ? loaded.timeline->begin() : 0)
            : 0;
    const int64_t end = loaded.timeline ? loaded.timeline->end() : 0;
    h += tr("<h3>Run</h3>") + table({tr("Property"), tr("Value")});
    auto row = [&](const QString& k, const QString& v) {
        h += QStringLiteral("<tr><td style='color:%1'>%2</td><td>%3</td></tr>").arg(muted, k, v);
    };
    row(tr("Backend"), esc(run.info.backend));
    if (!run.info.model.empty()) row(tr("Model"), esc(run.info.model));
    if (!run.info.command_line.empty())
        row(tr("Command"), QStringLiteral("<code>%1</code>").arg(esc(run.info.command_line)));
    if (!run.info.hostname.empty()) row(tr("Host"), esc(run.info.hostname));
    if (!run.info.created_utc.empty()) row(tr("Recorded"), esc(run.info.created_utc));
    row(tr("Producer"), esc(run.info.producer));
    row(tr("Clock"), esc(run.info.clock_domain));
    if (end > begin)
        row(tr("Duration"), QString::fromStdString(data::formatDuration(double(end - begin))));
    row(tr("Events"),
        tr("%L1 kernels · %L2 copies · %L3 memsets · %L4 API calls · %L5 ranges · %L6 samples")
            .arg(qulonglong(run.kernels.size()))
            .arg(qulonglong(run.memcpy.size()))
            .arg(qulonglong(run.memset.size()))
            .arg(qulonglong(run.api.size()))
            .arg(qulonglong(run.ranges.size()))
            .arg(qulonglong(run.samples.size())));
    row(tr("Tensors"), locale.toString(qulonglong(run.tensors.size())));
    if (!run.info.notes.empty()) row(tr("Notes"), esc(run.info.notes));
    h += QStringLiteral("</table>");

    // Devices.
    if (run.devices.size()) {
        h += tr("<h3>Devices</h3>") +
             table({tr("Id"), tr("Kind"), tr("Name"), tr("SMs"), tr("Clock"), tr("Memory"),
                    tr("Bandwidth"), tr("Compute capability")});
        const auto& d = run.devices;
        for (size_t i = 0; i < d.size(); ++i) {
            const bool cpu = run.strings.get(d.kind[i]) == "cpu";
            auto orDash = [&](bool known, const QString& v) {
                return known ? v : QStringLiteral("—");
            };
            h += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</"
                                "td><td>%6</td><td>%7</td><td>%8</td></tr>")
                     .arg(d.id[i])
                     .arg(esc(run.strings.get(d.kind[i])), esc(run.strings.get(d.name[i])))
                     .arg(orDash(d.sm_count[i] > 0, QString::number(d.sm_count[i])))
                     .arg(orDash(d.clock_khz[i] > 0,
                                 QStringLiteral("%1 MHz").arg(d.clock_khz[i] / 1000)))
                     .arg(orDash(d.memory_bytes[i] > 0,
                                 QString::fromStdString(data::formatBytes(double(d.memory_bytes[i])))))
                     .arg(orDash(
                         d.memory_bandwidth_gbps[i] > 0,
                         QStringLiteral("%1 GB/s").arg(d.memory_bandwidth_gbps[i], 0, 'f', 0)))
                     .arg(orDash(!cpu && d.cc_major[i] > 0,
                                 QStringLiteral("%1.%2").arg(d.cc_major[i]).arg(d.cc_minor[i])));
        }
        h += QStringLiteral("</table>");
    }

    // Top kernels.
    if (run.kernels.size()) {
        const auto stats = data::computeKernelStats(run);
        h += tr("<h3>Top kernels</h3>") +
             table({tr("Time (%)"), tr("Total"), tr("Instances"), tr("Avg"), tr("Name")});
        for (size_t i = 0; i < std::min<size_t>(10, stats.size()); ++i) {
            const auto& s = stats[i];
            // A bar behind the percentage makes the distribution readable at a glance. The cell
            // has a fixed width: otherwise Qt squeezes the label beside the bar digit by digit.
            h +=
                QStringLiteral("<tr><td width='130'><table cellspacing='0' cellpadding='0'><tr>"
                               "<td width='%1' bgcolor='#4f8ef7'></td>"
                               "<td nowrap>&nbsp;%2</td></tr></table></td><td align='right'>%3</td>"
                               "<td align='right'>%4</td><td align='right'>%5</td><td>%6</td></tr>")
                    .arg(std::max(2, int(s.percent * 0.8))) // at most 80 px: the label stays beside it
                    .arg(s.percent, 0, 'f', 1)
                    .arg(QString::fromStdString(data::formatDuration(double(s.total))))
                    .arg(locale.toString(qulonglong(s.instances)))
                    .arg(QString::fromStdString(data::formatDuration(s.average)))
                    .arg(esc(s.displayName));
        }
        h += QStringLiteral("</table>");
    }
    // Collector.
    const auto& c = run.collector;
    if (c.buffers || c.overhead_ns || !c.status.empty()) {
        h += tr("<h3>Collector</h3>") + table({tr("Property"), tr("Value")});
        row(tr("Status"), c.status.empty() ? tr("ok") : esc(c.status));
        row(tr("Buffers"), locale.toString(qulonglong(c.buffers)));
        row(tr("Dropped records"), locale.toString(qulonglong(c.dropped_records)));
        row(tr("Overhead"), QString::fromStdString(data::formatDuration(double(c.overhead_ns))));
        h += QStringLiteral("</table>");
    }
    return h + QStringLiteral("</body></html>");
}

} // namespace ks::gui
