#pragma once
// Tables leave the program: CSV files (atomic save) and the clipboard (tab-separated).
#include <QString>

class QAbstractItemModel;
class QTableView;

namespace ks::gui {

// Writes every row and column of `model` (display text, header first) as RFC 4180 CSV.
bool writeCsv(const QAbstractItemModel& model, const QString& path, QString* error);
// The selected cells of `view` as tab-separated text (with a header line).
QString selectionAsTsv(const QTableView& view);
// Sets up a table view the way all pages use it (sorting, copy with Ctrl+C, sensible sizes).
void setupTableView(QTableView& view);

} // namespace ks::gui
