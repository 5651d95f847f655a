#pragma once
// Error heatmaps and log10-error histograms of a compared pair, drawn with QCustomPlot. The
// window's diff page draws into its own QCustomPlot with drawErrorHeatmap/drawErrorHistogram;
// the CLI renders the same plots offscreen to PNG/SVG/PDF with the save* functions.
#include "data/Result.h"
#include "data/compare/Metrics.h"

#include <QString>

class QCustomPlot;

namespace ks::gui {

// Clears `plot` and draws the grid as a colour map on a logarithmic colour scale, with a colour
// bar. Exact zeros are drawn in the lowest colour; +Inf (non-finite disagreements) in the highest.
// `scaleLabel` names what the colours measure ("|run − ref|", "rel. error", "ULP").
void drawErrorHeatmap(QCustomPlot* plot, const data::compare::ErrorGrid& grid, const QString& title,
                      const QString& scaleLabel = QStringLiteral("|run − ref|"));
// Colours of every axis, label, grid and title of `plot` from its widget palette (Base for the
// background, Text for lines and labels), so plots follow a dark theme. Call before replot().
void applyPlotPalette(QCustomPlot* plot);
// Clears `plot` and draws bars of counts per log10 |error| bin, exact zeros and non-finite
// elements counted in the title; a dashed line marks log10(atol) when atol > 0.
void drawErrorHistogram(QCustomPlot* plot, const data::compare::ErrorHistogram& histogram,
                        const QString& title, double atol = 0);

// Renders offscreen to a file whose extension picks the format: .png, .svg or .pdf.
// Needs a QGuiApplication (QT_QPA_PLATFORM=offscreen works without a display).
data::Status saveErrorHeatmap(const data::compare::ErrorGrid& grid, const QString& title,
                              const QString& path, int width = 900, int height = 700);
data::Status saveErrorHistogram(const data::compare::ErrorHistogram& histogram,
                                const QString& title, const QString& path, double atol = 0,
                                int width = 900, int height = 500);
// Saves an already drawn plot by extension (png/svg/pdf); temp file renamed into place.
data::Status savePlot(QCustomPlot* plot, const QString& path, int width, int height);

} // namespace ks::gui
