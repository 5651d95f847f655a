#include "gui/render/ErrorImages.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace ks::gui {

using data::compare::ErrorGrid;
using data::compare::ErrorHistogram;

namespace {

void resetPlot(QCustomPlot* plot, const QString& title) {
    plot->clearPlottables();
    plot->clearItems();
    plot->plotLayout()->clear();
    auto* rect = new QCPAxisRect(plot);
    auto* heading = new QCPTextElement(plot, title, QFont("sans", 10, QFont::Bold));
    heading->setMargins(QMargins(6, 4, 6, 2));
    plot->plotLayout()->addElement(0, 0, heading);
    plot->plotLayout()->addElement(1, 0, rect);
    plot->xAxis = rect->axis(QCPAxis::atBottom);
    plot->yAxis = rect->axis(QCPAxis::atLeft);
    plot->xAxis2 = rect->axis(QCPAxis::atTop);
    plot->yAxis2 = rect->axis(QCPAxis::atRight);
}

} // namespace

void applyPlotPalette(QCustomPlot* plot) {
    const QPalette pal = plot->palette();
    const QColor bg = pal.color(QPalette::Base), fg = pal.color(QPalette::Text);
    QColor grid = fg;
    grid.setAlpha(45);
    plot->setBackground(bg);
    for (QCPAxisRect* rect : plot->axisRects()) {
        rect->setBackground(bg);
        for (QCPAxis* axis : rect->axes()) {
            axis->setBasePen(QPen(fg, 1));
            axis->setTickPen(QPen(fg, 1));
            axis->setSubTickPen(QPen(fg, 1));
            axis->setLabelColor(fg);
            axis->setTickLabelColor(fg);
            axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
            axis->grid()->setSubGridPen(Qt::NoPen);
        }
    }
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i) {
        QCPLayoutElement* e = plot->plotLayout()->elementAt(i);
        if (auto* text = qobject_cast<QCPTextElement*>(e)) text->setTextColor(fg);
        if (auto* scale = qobject_cast<QCPColorScale*>(e)) {
            QCPAxis* axis = scale->axis();
            axis->setBasePen(QPen(fg, 1));
            axis->setTickPen(QPen(fg, 1));
            axis->setSubTickPen(QPen(fg, 1));
            axis->setLabelColor(fg);
            axis->setTickLabelColor(fg);
        }
    }
}

void drawErrorHeatmap(QCustomPlot* plot, const ErrorGrid& grid, const QString& title,
                      const QString& scaleLabel) {
    resetPlot(plot, title);
    auto* rect = plot->axisRect();
    rect->setupFullAxesBox(true);
    plot->xAxis->setLabel(grid.blockCols > 1
                              ? QString("last dim (%1 per pixel, max)").arg(grid.blockCols)
                              : QString("last dim"));
    plot->yAxis->setLabel(grid.blockRows > 1
                              ? QString("rows (%1 per pixel, max)").arg(grid.blockRows)
                              : QString("rows"));
    plot->yAxis->setRangeReversed(true); // row 0 at the top, like a matrix
    if (grid.width <= 0 || grid.height <= 0) {
        applyPlotPalette(plot);
        plot->replot();
        return;
    }
    auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
    map->data()->setSize(grid.width, grid.height);
    // Cell centres in element coordinates: a downsampled pixel covers a whole block.
    map->data()->setRange(QCPRange(0.5 * double(grid.blockCols) - 0.5,
                                   double(grid.cols) - 0.5 * double(grid.blockCols) - 0.5 +
                                       double(grid.width * grid.blockCols - grid.cols)),
                          QCPRange(0.5 * double(grid.blockRows) - 0.5,
                                   double(grid.rows) - 0.5 * double(grid.blockRows) - 0.5 +
                                       double(grid.height * grid.blockRows - grid.rows)));
    // Log scale: zeros go to the bottom, infinities to the top of the range.
    double hi = grid.maxFinite > 0 ? grid.maxFinite : 1.0;
    // At most 12 decades below the maximum, at least 3.
    double lo = std::max(grid.minPositive, hi * 1e-12);
    if (lo >= hi / 1000) lo = hi / 1000;
    for (int y = 0; y < grid.height; ++y)
        for (int x = 0; x < grid.width; ++x) {
            double v = grid.values[size_t(y) * size_t(grid.width) + size_t(x)];
            if (!(v > 0)) v = lo;
            if (!std::isfinite(v)) v = hi;
            map->data()->setCell(x, y, v);
        }
    auto* scale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(1, 1, scale);
    scale->setType(QCPAxis::atRight);
    scale->setDataScaleType(QCPAxis::stLogarithmic);
    scale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    scale->axis()->setNumberFormat("eb");
    scale->axis()->setNumberPrecision(0);
    scale->axis()->setLabel(scaleLabel);
    map->setColorScale(scale);
    map->setGradient(QCPColorGradient::gpThermal);
    map->setInterpolate(false);
    map->setDataRange(QCPRange(lo, hi));
    auto* group = new QCPMarginGroup(plot);
    rect->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    plot->xAxis->setRange(-0.5, double(grid.cols) - 0.5);
    plot->yAxis->setRange(-0.5, double(grid.rows) - 0.5);
    applyPlotPalette(plot);
    plot->replot();
}

void drawErrorHistogram(QCustomPlot* plot, const ErrorHistogram& h, const QString& title,
                        double atol) {
    // Two short lines rather than one long one: narrow plots cut a long title.
    resetPlot(plot, QString("%1\nexact: %2 · non-finite: %3")
                        .arg(title)
                        .arg(qulonglong(h.exact))
                        .arg(qulonglong(h.nonFinite)));
    plot->axisRect()->setupFullAxesBox(true);
    plot->xAxis->setLabel("log10 |run - ref|");
    plot->yAxis->setLabel("elements");
    int first = data::compare::kHistBins, last = -1;
    for (int k = 0; k < data::compare::kHistBins; ++k)
        if (h.counts[size_t(k)]) {
            first = std::min(first, k);
            last = std::max(last, k);
        }
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    const double width = 1.0 / data::compare::kHistBinsPerDecade;
    bars->setWidth(width);
    bars->setPen(QPen(QColor(30, 70, 140)));
    bars->setBrush(QColor(70, 130, 200));
    double maxCount = 1;
    for (int k = first; k <= last; ++k) {
        const double c = double(h.counts[size_t(k)]);
        bars->addData(ErrorHistogram::binLow(k) + width / 2, c);
        maxCount = std::max(maxCount, c);
    }
    double x0 = last >= 0 ? ErrorHistogram::binLow(first) - 1 : -10;
    double x1 = last >= 0 ? ErrorHistogram::binLow(last + 1) + 1 : 0;
    if (atol > 0) {
        const double la = std::log10(atol);
        x0 = std::min(x0, la - 0.5);
        x1 = std::max(x1, la + 0.5);
        auto* line = new QCPItemStraightLine(plot);
        line->point1->setCoords(la, 0);
        line->point2->setCoords(la, 1);
        line->setPen(QPen(QColor(200, 40, 40), 1.5, Qt::DashLine));
        auto* label = new QCPItemText(plot);
        label->position->setCoords(la, maxCount * 1.05);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setText(" atol");
        label->setColor(QColor(200, 40, 40));
    }
    plot->xAxis->setRange(x0, x1);
    plot->yAxis->setRange(0, maxCount * 1.15);
    applyPlotPalette(plot);
    plot->replot();
}

data::Status savePlot(QCustomPlot* plot, const QString& path, int width, int height) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    // Same suffix on the temporary name: QCustomPlot and QSvgGenerator pick formats by it.
    const QString tmp = QFileInfo(path).dir().filePath(".tmp-" + QFileInfo(path).fileName());
    bool ok = false;
    if (suffix == "png") {
        ok = plot->savePng(tmp, width, height);
    } else if (suffix == "pdf") {
        ok = plot->savePdf(tmp, width, height);
    } else if (suffix == "svg") {
        QSvgGenerator gen;
        gen.setFileName(tmp);
        gen.setSize(QSize(width, height));
        gen.setViewBox(QRect(0, 0, width, height));
        QCPPainter painter;
        if (painter.begin(&gen)) {
            plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
    } else {
        return data::makeError(path.toStdString() +
                               ": unknown image format (use .png, .svg or .pdf)");
    }
    if (!ok) {
        QFile::remove(tmp);
        return data::makeError(path.toStdString() + ": cannot render the image");
    }
    QFile::remove(path);
    if (!QFile::rename(tmp, path)) {
        QFile::remove(tmp);
        return data::makeError(path.toStdString() + ": cannot rename into place");
    }
    return data::Status::success();
}

data::Status saveErrorHeatmap(const ErrorGrid& grid, const QString& title, const QString& path,
                              int width, int height) {
    QCustomPlot plot;
    plot.resize(width, height);
    drawErrorHeatmap(&plot, grid, title);
    return savePlot(&plot, path, width, height);
}

data::Status saveErrorHistogram(const ErrorHistogram& histogram, const QString& title,
                                const QString& path, double atol, int width, int height) {
    QCustomPlot plot;
    plot.resize(width, height);
    drawErrorHistogram(&plot, histogram, title, atol);
    return savePlot(&plot, path, width, height);
}

} // namespace ks::gui
