// ks-render-icon: renders the scalable application icon to the PNG sizes of the hicolor theme at
// build time, so the bitmaps are always the SVG's.
//     ks-render-icon ICON.svg OUT_DIR NAME SIZE...   ->  OUT_DIR/<S>x<S>/apps/NAME.png
#include <QDir>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    // Raster painting only: no QGuiApplication, so no platform plugin and no display.
    if (argc < 5) {
        std::fprintf(stderr, "usage: ks-render-icon ICON.svg OUT_DIR NAME SIZE...\n");
        return 2;
    }
    QSvgRenderer svg(QString::fromLocal8Bit(argv[1]));
    if (!svg.isValid()) {
        std::fprintf(stderr, "ks-render-icon: %s: not a valid SVG\n", argv[1]);
        return 2;
    }
    for (int i = 4; i < argc; ++i) {
        const int size = std::atoi(argv[i]);
        if (size < 8 || size > 1024) {
            std::fprintf(stderr, "ks-render-icon: bad size '%s'\n", argv[i]);
            return 2;
        }
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        svg.render(&painter);
        painter.end();
        const QString dir =
            QStringLiteral("%1/%2x%2/apps").arg(QString::fromLocal8Bit(argv[2])).arg(size);
        const QString path = QStringLiteral("%1/%2.png").arg(dir, QString::fromLocal8Bit(argv[3]));
        if (!QDir().mkpath(dir) || !image.save(path)) {
            std::fprintf(stderr, "ks-render-icon: %s: cannot write\n", qPrintable(path));
            return 2;
        }
    }
    return 0;
}
