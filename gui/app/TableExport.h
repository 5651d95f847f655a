#pragma once
// Tables leave the program: CSV files (atomic save) and the clipboard (tab-separated).
#include <QString>
#include <Qt>

#include <functional>

class QComboBox;
class QWidget;

class QAbstractItemModel;
class QTableView;

namespace ks::gui {

// What a cell is in a CSV file: the exact number (ns, bytes, plain count) or an empty string for
// a missing number, so pandas reads the column as numeric. Models return it for every cell whose
// display text is formatted; headers return the CSV column name (with its unit) for it.
constexpr int ExportRole = Qt::UserRole + 20;

// How tables show durations: a unit per value (Auto: "1.234 ms") or one fixed unit per column.
enum class DurationUnit { Auto, Ns, Us, Ms, S };
QString formatDurationIn(double ns, DurationUnit unit);
QString unitName(DurationUnit unit); // "" for Auto, else "ns", "µs", ...
QString exactNanoseconds(double ns); // tooltip text: "1,234,567 ns"
// A combo box choosing the duration unit (remembered in the settings); calls `apply` now and on
// every change.
QComboBox* makeUnitChooser(QWidget* parent, std::function<void(DurationUnit)> apply);

// Writes every row and column of `model` as RFC 4180 CSV, header first: ExportRole where the
// model gives it, else the display text.
bool writeCsv(const QAbstractItemModel& model, const QString& path, QString* error);
// The selected cells of `view` as tab-separated text (with a header line).
QString selectionAsTsv(const QTableView& view);
// Sets up a table view the way all pages use it (sorting, copy with Ctrl+C, sensible sizes).
void setupTableView(QTableView& view);

} // namespace ks::gui
