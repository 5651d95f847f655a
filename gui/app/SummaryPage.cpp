#include "gui/app/SummaryPage.h"
#include "data/analysis/KernelStats.h"

#include <QFileInfo>
#include <QImage>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QTextBrowser>
#include <QTextDocument>
#include <QUrl>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <functional>

namespace ks::gui {

namespace {

QString dur(double ns) {
    return QString::fromStdString(data::formatDuration(ns));
}

QString pct(double part, double whole) {
    return QStringLiteral("%1 %").arg(whole > 0 ? 100.0 * part / whole : 0.0, 0, 'f', 1);
}

QString spanLink(int64_t b, int64_t e, const QString& text) {
    return QStringLiteral("<a href='ks:span?b=%1&e=%2'>%3</a>").arg(b).arg(e).arg(text);
}

QString kernelLink(const std::string& name, const QString& text) {
    QUrl url(QStringLiteral("ks:kernel"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("name"), QString::fromStdString(name));
    url.setQuery(q);
    return QStringLiteral("<a href='%1'>%2</a>")
        .arg(QString::fromUtf8(url.toEncoded()).toHtmlEscaped(), text);
}

QString elide(const std::string& s, int n = 90) {
    const QString q = QString::fromStdString(s);
    return (q.size() > n ? q.left(n - 1) + QStringLiteral("…") : q).toHtmlEscaped();
}

// A small line chart of a counter, in the page's colours.
QImage counterPlot(const data::CounterSeries& s, const QString& title, bool dark) {
    const int w = 300, h = 110;
    QImage img(w * 2, h * 2, QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(2);
    img.fill(dark ? QColor(38, 39, 43) : QColor(250, 250, 251));
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor fg = dark ? QColor(225, 226, 230) : QColor(40, 40, 45);
    const QColor grid = dark ? QColor(70, 72, 78) : QColor(220, 222, 226);
    const QRectF plot(8, 22, w - 16, h - 40);
    p.setPen(grid);
    p.drawRect(plot);
    QFont f = p.font();
    f.setPointSizeF(8.5);
    p.setFont(f);
    p.setPen(fg);
    p.drawText(QRectF(8, 2, w - 16, 18), Qt::AlignLeft | Qt::AlignVCenter, title);
    if (s.size() == 0) return img;
    const auto [mn, mx] = std::minmax_element(s.value.begin(), s.value.end());
    const double lo = *mn, hi = *mx == *mn ? *mn + 1 : *mx;
    const double t0 = double(s.time_ns.front()), t1 = std::max(t0 + 1, double(s.time_ns.back()));
    QPainterPath path;
    const size_t stride = std::max<size_t>(1, s.size() / 600);
    for (size_t i = 0; i < s.size(); i += stride) {
        const QPointF pt(plot.left() + (double(s.time_ns[i]) - t0) / (t1 - t0) * plot.width(),
                         plot.bottom() - (s.value[i] - lo) / (hi - lo) * plot.height());
        if (i == 0)
            path.moveTo(pt);
        else
            path.lineTo(pt);
    }
    p.setPen(QPen(dark ? QColor(255, 167, 38) : QColor(230, 108, 0), 1.6));
    p.drawPath(path);
    p.setPen(fg);
    p.drawText(QRectF(8, h - 18, w - 16, 16), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("first %1 · last %2 · min %3 · max %4")
                   .arg(s.value.front(), 0, 'g', 4)
                   .arg(s.value.back(), 0, 'g', 4)
                   .arg(*mn, 0, 'g', 4)
                   .arg(*mx, 0, 'g', 4));
    return img;
}

// The answers: findings with links, utilisation, breakdown, launch overhead, steps, curves.
QString diagnosisHtml(const data::Run& run, const data::Diagnosis* d, bool analysing, bool dark,
                      const QString& muted,
                      const std::function<QString(const QStringList&)>& table) {
    QString h;
    if (!d) {
        if (analysing)
            h += QObject::tr("<h3>Diagnosis</h3><p style='color:%1'>Analysing the run…</p>")
                     .arg(muted);
        return h;
    }
    const QString bar = dark ? QStringLiteral("#5e97f6") : QStringLiteral("#4f8ef7");
    const QString barBg = dark ? QStringLiteral("#3c4043") : QStringLiteral("#e8eaed");
    auto meter = [&](double share) { // a 100 px bar
        const int full = std::clamp(int(std::lround(share * 100)), 0, 100);
        return QStringLiteral(
                   "<table cellspacing='0' cellpadding='0'><tr><td width='%1' height='10' "
                   "bgcolor='%2'></td><td width='%3' bgcolor='%4'></td></tr></table>")
            .arg(std::max(full, 1))
            .arg(full > 0 ? bar : barBg)
            .arg(std::max(100 - full, 1))
            .arg(barBg);
    };

    // Findings first: what to do about this run.
    h += QObject::tr("<h3>Findings</h3>");
    if (d->findings.empty()) {
        h += QObject::tr(
                 "<p style='color:%1'>No rule fired: no blocking copies, tiny-kernel storms, "
                 "low-occupancy heavy kernels, starvation or CPU-bound steps were found.</p>")
                 .arg(muted);
    } else {
        h += table({QObject::tr("Finding"), QObject::tr("Evidence")});
        for (const data::Finding& f : d->findings) {
            QString evidence;
            if (f.evidence)
                evidence =
                    spanLink(f.evidence->begin, f.evidence->end, QObject::tr("show on timeline"));
            if (!f.kernel.empty())
                evidence += (evidence.isEmpty() ? QString() : QStringLiteral("<br>")) +
                            kernelLink(f.kernel, QObject::tr("show kernel"));
            h += QStringLiteral("<tr><td><b>%1</b><br>%2<br><span style='color:%3'>Rule: %4 "
                                "(threshold: %5)</span></td><td nowrap>%6</td></tr>")
                     .arg(QString::fromStdString(f.title).toHtmlEscaped(),
                          QString::fromStdString(f.detail).toHtmlEscaped(), muted,
                          QString::fromStdString(f.rule),
                          QString::fromStdString(f.threshold).toHtmlEscaped(), evidence);
        }
        h += QStringLiteral("</table>");
    }

    // Utilisation and the time breakdown per device.
    if (!d->utilization.empty()) {
        h += QObject::tr("<h3>Device utilisation</h3><p style='color:%1; margin-top:0'>Busy = time "
                         "covered by at least one kernel, copy or memset (union, not a sum), over "
                         "the run's first to last %2 event (%3).</p>")
                 .arg(muted, QString::fromLatin1(data::deviceKindWord(run)),
                      dur(double(d->span.end - d->span.begin)));
        h += table({QObject::tr("Device / stream"), QObject::tr("Busy"), QObject::tr(""),
                    QObject::tr("Busy time"), QObject::tr("Events"), QObject::tr("Idle gaps"),
                    QObject::tr("Longest gap")});
        for (const data::UtilizationRow& u : d->utilization) {
            const QString who =
                u.stream ? QObject::tr("&nbsp;&nbsp;&nbsp;Stream %1").arg(*u.stream)
                         : QObject::tr("<b>Device %1</b> %2")
                               .arg(u.device)
                               .arg(QString::fromUtf8(run.deviceName(u.device).data(),
                                                      qsizetype(run.deviceName(u.device).size()))
                                        .toHtmlEscaped());
            h += QStringLiteral("<tr><td nowrap>%1</td><td align='right' nowrap>%2</td><td>%3</td>"
                                "<td align='right' nowrap>%4</td><td align='right'>%L5</td>"
                                "<td align='right'>%L6</td><td align='right' nowrap>%7</td></tr>")
                     .arg(who, QStringLiteral("%1 %").arg(u.busyPercent, 0, 'f', 1),
                          meter(u.busyPercent / 100), dur(double(u.busyNs)))
                     .arg(qulonglong(u.events))
                     .arg(qulonglong(u.idleGaps))
                     .arg(dur(double(u.longestGapNs)));
        }
        h += QStringLiteral("</table>");

        h += QObject::tr(
                 "<h3>Where the device time goes</h3><p style='color:%1; margin-top:0'>Idle "
                 "time is attributed by inference: <i>waiting for the host</i> when the next "
                 "work was launched after the GPU went idle, <i>synchronisation</i> when a "
                 "host synchronize call overlaps the gap, <i>other</i> when work was already "
                 "queued (dependencies, events) or its launch is not in the run.</p>")
                 .arg(muted);
        h += table({QObject::tr("Device"), QObject::tr("Compute"), QObject::tr("Copies only"),
                    QObject::tr("Idle"), QObject::tr("Idle: host"), QObject::tr("Idle: sync"),
                    QObject::tr("Idle: other")});
        for (const data::DeviceBreakdown& b : d->breakdown) {
            auto cell = [&](int64_t ns) {
                return QStringLiteral(
                           "<td align='right' nowrap>%1<br><span style='color:%2'>%3</span></td>")
                    .arg(pct(double(ns), double(b.spanNs)), muted, dur(double(ns)));
            };
            h += QStringLiteral("<tr><td>%1</td>%2%3%4%5%6%7</tr>")
                     .arg(b.device)
                     .arg(cell(b.computeNs), cell(b.copyNs), cell(b.idleNs), cell(b.idleHostNs),
                          cell(b.idleSyncNs), cell(b.idleOtherNs));
        }
        h += QStringLiteral("</table>");
    }

    // Launch overhead.
    const data::LaunchOverhead& l = d->launch;
    if (l.matched > 0) {
        h +=
            QObject::tr("<h3>Launch overhead</h3><p style='margin-top:0'>Median %1 from the launch "
                        "call to the kernel's start over %L2 kernels; <b>%3</b> of kernels ran for "
                        "less time than their launch call took.%4</p>")
                .arg(dur(l.medianNs))
                .arg(qulonglong(l.matched))
                .arg(pct(double(l.shorterThanLaunch), double(l.matched)))
                .arg(l.unmatched ? QObject::tr(" %L1 kernels have no launch call in the run.")
                                       .arg(qulonglong(l.unmatched))
                                 : QString());
        h += table({QObject::tr("Launches"), QObject::tr("Median latency"), QObject::tr("Max"),
                    QObject::tr("Shorter than launch"), QObject::tr("Kernel")});
        for (size_t i = 0; i < std::min<size_t>(8, l.perName.size()); ++i) {
            const data::LaunchStat& x = l.perName[i];
            h += QStringLiteral(
                     "<tr><td align='right'>%L1</td><td align='right' nowrap>%2</td>"
                     "<td align='right' nowrap>%3</td><td align='right'>%4</td><td>%5</td></tr>")
                     .arg(qulonglong(x.count))
                     .arg(dur(x.medianNs), dur(double(x.maximumNs)),
                          pct(double(x.shorterThanLaunch), double(x.count)),
                          kernelLink(x.name, elide(x.name)));
        }
        h += QStringLiteral("</table>");
    }

    // Steps.
    const data::StepSummary& st = d->steps;
    if (!st.steps.empty()) {
        size_t outliers = 0;
        for (const data::StepStat& x : st.steps) outliers += x.outlier;
        h += QObject::tr("<h3>Steps</h3><p style='margin-top:0'>%L1 steps (ranges matching "
                         "<code>%2</code>): median %3, mean %4, min %5, max %6; the GPU is busy %7 "
                         "of the median step. %L8 outlier(s) over %9× the median.</p>")
                 .arg(qulonglong(st.steps.size()))
                 .arg(QString::fromStdString(st.pattern).toHtmlEscaped(), dur(st.medianNs),
                      dur(st.averageNs), dur(double(st.minimumNs)), dur(double(st.maximumNs)),
                      pct(st.medianGpuBusyShare, 1.0))
                 .arg(qulonglong(outliers))
                 .arg(st.outlierFactor);
        if (outliers) {
            h += table({QObject::tr("Step"), QObject::tr("Duration"), QObject::tr("× median"),
                        QObject::tr("What took the extra time")});
            size_t shown = 0;
            for (const data::StepStat& x : st.steps) {
                if (!x.outlier || shown++ >= 10) continue;
                QString differs;
                for (const data::StepDifference& f : x.differs)
                    differs += (differs.isEmpty() ? QString() : QStringLiteral("<br>")) +
                               QStringLiteral("+%1 %2").arg(dur(double(f.extraNs)), elide(f.what));
                h += QStringLiteral("<tr><td nowrap>%1</td><td align='right' nowrap>%2</td>"
                                    "<td align='right'>%3</td><td>%4</td></tr>")
                         .arg(spanLink(x.begin, x.end,
                                       QString::fromStdString(x.name).toHtmlEscaped()),
                              dur(double(x.end - x.begin)))
                         .arg(double(x.end - x.begin) / st.medianNs, 0, 'f', 2)
                         .arg(differs);
            }
            h += QStringLiteral("</table>");
        }
    }

    // Training curves.
    QString plots;
    for (const auto& [name, series] : run.counters)
        if (SummaryPage::isTrainingCounter(name) && series.size() > 0)
            plots += QStringLiteral("<td><img src='plot:%1' width='300' height='110'></td>")
                         .arg(QString::fromStdString(name).toHtmlEscaped());
    if (!plots.isEmpty())
        h += QObject::tr("<h3>Training curves</h3>") +
             QStringLiteral("<table cellspacing='6'><tr>%1</tr></table>").arg(plots);
    return h;
}

} // namespace

SummaryPage::SummaryPage(QWidget* parent) : QWidget(parent) {
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("summaryBrowser"));
    m_browser->setOpenLinks(false);
    m_browser->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_browser);
    connect(m_browser, &QTextBrowser::anchorClicked, this, &SummaryPage::openLink);
    render();
}

void SummaryPage::setRun(const LoadedRun& run) {
    m_run = run;
    m_analysis.reset();
    const quint64 generation = ++m_generation;
    m_analysing = bool(run.run);
    render();
    if (!run.run) return;
    auto shared = run.run;
    QtConcurrent::run([shared]() -> std::shared_ptr<const Analysis> {
        try {
            auto a = std::make_shared<Analysis>();
            a->diagnosis = data::diagnose(*shared);
            a->kernels = data::computeKernelStats(*shared);
            return a;
        } catch (...) { // bad_alloc on a huge run: the page shows the rest
            return nullptr;
        }
    }).then(this, [this, generation](std::shared_ptr<const Analysis> a) {
        if (generation != m_generation) return;
        m_analysis = std::move(a);
        m_analysing = false;
        render();
        emit diagnosisReady();
    });
}

void SummaryPage::setDark(bool dark) {
    m_dark = dark;
    render();
}

void SummaryPage::render() {
    m_browser->setHtml(buildHtml(m_run, m_dark, m_analysis.get(), m_analysing));
    addPlots();
}

bool SummaryPage::isTrainingCounter(const std::string& name) {
    QString n = QString::fromStdString(name).toLower();
    for (const char* key : {"loss", "acc", "lr", "learning_rate", "perplexity", "grad_norm"})
        if (n.contains(QLatin1String(key))) return true;
    return false;
}

void SummaryPage::addPlots() {
    if (!m_run.run) return;
    QTextDocument* doc = m_browser->document();
    for (const auto& [name, series] : m_run.run->counters)
        if (isTrainingCounter(name))
            doc->addResource(QTextDocument::ImageResource,
                             QUrl(QStringLiteral("plot:") + QString::fromStdString(name)),
                             counterPlot(series, QString::fromStdString(name), m_dark));
    doc->markContentsDirty(0, doc->characterCount());
}

void SummaryPage::openLink(const QUrl& url) {
    const QUrlQuery q(url);
    if (url.path() == QLatin1String("span"))
        emit spanRequested(q.queryItemValue(QStringLiteral("b")).toLongLong(),
                           q.queryItemValue(QStringLiteral("e")).toLongLong());
    else if (url.path() == QLatin1String("kernel"))
        emit kernelRequested(q.queryItemValue(QStringLiteral("name"), QUrl::FullyDecoded));
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

QString SummaryPage::buildHtml(const LoadedRun& loaded, bool dark, const Analysis* analysis,
                               bool analysing) {
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
            t += QStringLiteral("<th align='left' nowrap style='background:%1'>%2</th>")
                     .arg(head, x);
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

    h += diagnosisHtml(run, analysis ? &analysis->diagnosis : nullptr, analysing, dark, muted,
                       table);

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
                     .arg(orDash(d.memory_bytes[i] > 0, QString::fromStdString(data::formatBytes(
                                                            double(d.memory_bytes[i])))))
                     .arg(orDash(
                         d.memory_bandwidth_gbps[i] > 0,
                         QStringLiteral("%1 GB/s").arg(d.memory_bandwidth_gbps[i], 0, 'f', 0)))
                     .arg(orDash(!cpu && d.cc_major[i] > 0,
                                 QStringLiteral("%1.%2").arg(d.cc_major[i]).arg(d.cc_minor[i])));
        }
        h += QStringLiteral("</table>");
    }

    // Top kernels.
    if (run.kernels.size() && analysis) {
        const auto& stats = analysis->kernels;
        h += tr("<h3>Top kernels</h3>") +
             table({tr("Time (%)"), tr("Total"), tr("Instances"), tr("Avg"), tr("Name")});
        for (size_t i = 0; i < std::min<size_t>(10, stats.size()); ++i) {
            const auto& s = stats[i];
            // A bar behind the percentage makes the distribution readable at a glance.
            h += QStringLiteral(
                     "<tr><td width='130'><table cellspacing='0' cellpadding='0'><tr>"
                     "<td width='%1' bgcolor='#4f8ef7'></td>"
                     "<td nowrap>&nbsp;%2</td></tr></table></td><td align='right' nowrap>%3</td>"
                     "<td align='right'>%4</td><td align='right'>%5</td><td>%6</td></tr>")
                     .arg(std::max(
                         2, int(s.percent * 0.8))) // at most 80 px: the label stays beside it
                     .arg(s.percent, 0, 'f', 1)
                     .arg(QString::fromStdString(data::formatDuration(double(s.total))))
                     .arg(locale.toString(qulonglong(s.instances)))
                     .arg(QString::fromStdString(data::formatDuration(s.average)))
                     .arg(kernelLink(s.displayName, elide(s.displayName, 110)));
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
