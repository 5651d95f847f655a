// kernscope: the Qt window. `kernscope [FILE...]` opens run files (or imports profiles).
// Extra modes: --bench-timeline RUN (frame times), --synthetic-run N OUT (a benchmark fixture),
// --screenshots DIR (opens the files, saves one PNG per page, exits).
#include "data/RunFile.h"
#include "data/SyntheticRun.h"
#include "gui/app/CompareWindow.h"
#include "gui/app/MainWindow.h"
#include "gui/app/Screenshots.h"
#include "gui/app/TimelineBench.h"
#include "ks_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Kernscope"));
    QApplication::setApplicationName(QStringLiteral("kernscope"));
    QApplication::setApplicationVersion(QStringLiteral(KS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.kernscope.Kernscope"));
    QApplication::setStyle(QStringLiteral("Fusion"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Kernscope: GPU/CPU profiler and numerical diff viewer.\n\n"
        "Opens run files (*.ksr.h5) made by 'kernscope-cli record' and imports "
        "other tools' profiles\n(the formats 'kernscope-cli import --help' lists)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("files"),
                                 QStringLiteral("A run file to open (*.ksr.h5) or a profile to "
                                                "import, and optionally a reference file "
                                                "(.npy .npz .safetensors .h5) to compare with"));
    QCommandLineOption bench(QStringLiteral("bench-timeline"),
                             QStringLiteral("Print timeline frame times for RUN and exit."),
                             QStringLiteral("RUN"));
    QCommandLineOption synthetic(QStringLiteral("synthetic-run"),
                                 QStringLiteral("Write a synthetic run with N kernels to the file "
                                                "given as the positional argument and exit."),
                                 QStringLiteral("N"));
    QCommandLineOption shots(
        QStringLiteral("screenshots"),
        QStringLiteral("Open the file, save a PNG of every page to DIR, exit."),
        QStringLiteral("DIR"));
    QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("light, dark or system."),
                             QStringLiteral("THEME"));
    QCommandLineOption compare(
        QStringLiteral("compare"),
        QStringLiteral("Open the two files A B as a comparison of B against A."));
    parser.addOptions({bench, synthetic, shots, theme, compare});
    parser.process(app);

    if (parser.isSet(bench)) return ks::gui::benchTimeline(parser.value(bench), 1920, 1080, stdout);
    if (parser.isSet(synthetic)) {
        if (parser.positionalArguments().size() != 1) {
            std::fprintf(stderr, "kernscope: --synthetic-run N needs one output file\n");
            return 2;
        }
        ks::data::SyntheticOptions o;
        o.kernels = parser.value(synthetic).toULongLong();
        o.streams = 8;
        o.names = 200;
        o.kernelsPerStep = 2000;
        auto run = ks::data::makeSyntheticRun(o);
        const auto status = ks::data::writeRun(run, parser.positionalArguments()[0].toStdString());
        if (!status) {
            std::fprintf(stderr, "kernscope: %s\n", status.message().c_str());
            return 2;
        }
        return 0;
    }

    ks::gui::MainWindow window;
    if (parser.isSet(theme)) {
        const QString t = parser.value(theme).toLower();
        window.setTheme(t == QLatin1String("dark")    ? ks::gui::MainWindow::Theme::Dark
                        : t == QLatin1String("light") ? ks::gui::MainWindow::Theme::Light
                                                      : ks::gui::MainWindow::Theme::System);
    }
    if (parser.isSet(shots))
        return ks::gui::takeScreenshots(window, parser.positionalArguments(), parser.value(shots));
    if (parser.isSet(compare)) {
        const QStringList files = parser.positionalArguments();
        if (files.size() != 2) {
            std::fprintf(stderr, "kernscope: --compare needs two files: A (baseline) and B\n");
            return 2;
        }
        QString error;
        auto* comparison = ks::gui::CompareWindow::open(files[0], files[1], nullptr, &error);
        if (!comparison) {
            std::fprintf(stderr, "kernscope: %s\n", error.toLocal8Bit().constData());
            return 2;
        }
        comparison->show();
        return app.exec();
    }
    window.show();
    window.openFiles(parser.positionalArguments()); // runs, profiles and reference files
    return app.exec();
}
