#include "gui/app/TableExport.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QSaveFile>
#include <QTableView>

#include <map>

namespace ks::gui {

static QString csvField(QString s) {
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) ||
        s.contains(QLatin1Char('\n'))) {
        s.replace(QLatin1String("\""), QLatin1String("\"\""));
        return QLatin1Char('"') + s + QLatin1Char('"');
    }
    return s;
}

bool writeCsv(const QAbstractItemModel& model, const QString& path, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error) *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    QStringList cells;
    for (int c = 0; c < model.columnCount(); ++c)
        cells << csvField(model.headerData(c, Qt::Horizontal).toString());
    QByteArray out = cells.join(QLatin1Char(',')).toUtf8() + '\n';
    for (int r = 0; r < model.rowCount(); ++r) {
        cells.clear();
        for (int c = 0; c < model.columnCount(); ++c)
            cells << csvField(model.data(model.index(r, c)).toString());
        out += cells.join(QLatin1Char(',')).toUtf8() + '\n';
    }
    if (file.write(out) != out.size() || !file.commit()) {
        if (error) *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QString selectionAsTsv(const QTableView& view) {
    const auto* model = view.model();
    if (!model || !view.selectionModel()) return {};
    std::map<int, std::map<int, QString>> cells;
    std::map<int, bool> columns;
    for (const QModelIndex& i : view.selectionModel()->selectedIndexes()) {
        cells[i.row()][i.column()] = i.data().toString();
        columns[i.column()] = true;
    }
    if (cells.empty()) return {};
    QStringList lines, header;
    for (const auto& [c, _] : columns) header << model->headerData(c, Qt::Horizontal).toString();
    lines << header.join(QLatin1Char('\t'));
    for (const auto& [r, row] : cells) {
        QStringList line;
        for (const auto& [c, _] : columns) {
            auto it = row.find(c);
            line << (it == row.end() ? QString() : it->second);
        }
        lines << line.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void setupTableView(QTableView& view) {
    view.setSortingEnabled(true);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setAlternatingRowColors(true);
    view.setWordWrap(false);
    view.verticalHeader()->setVisible(false);
    view.verticalHeader()->setDefaultSectionSize(view.fontMetrics().height() + 6);
    view.horizontalHeader()->setHighlightSections(false);
    view.horizontalHeader()->setStretchLastSection(true);
    auto* copy = new QAction(QObject::tr("Copy"), &view);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    QObject::connect(copy, &QAction::triggered, &view,
                     [&view] { QApplication::clipboard()->setText(selectionAsTsv(view)); });
    view.addAction(copy);
    view.setContextMenuPolicy(Qt::ActionsContextMenu);
}

} // namespace ks::gui
