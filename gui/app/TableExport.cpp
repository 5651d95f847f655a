#include "gui/app/TableExport.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHeaderView>
#include <QLocale>
#include <QSaveFile>
#include <QSettings>
#include <QTableView>

#include "data/Summary.h"

#include <algorithm>
#include <cmath>
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

QString unitName(DurationUnit unit) {
    switch (unit) {
    case DurationUnit::Auto:
        return {};
    case DurationUnit::Ns:
        return QStringLiteral("ns");
    case DurationUnit::Us:
        return QString::fromUtf8("µs");
    case DurationUnit::Ms:
        return QStringLiteral("ms");
    case DurationUnit::S:
        return QStringLiteral("s");
    }
    return {};
}

// The C locale with thousands separators ("1,234,567"), whatever the user's locale.
static const QLocale& grouped() {
    static const QLocale locale = [] {
        QLocale l = QLocale::c();
        l.setNumberOptions(QLocale::DefaultNumberOptions);
        return l;
    }();
    return locale;
}

QString formatDurationIn(double ns, DurationUnit unit) {
    const QLocale& locale = grouped();
    switch (unit) {
    case DurationUnit::Auto:
        return QString::fromStdString(data::formatDuration(ns));
    case DurationUnit::Ns:
        return locale.toString(qlonglong(std::llround(ns)));
    case DurationUnit::Us:
        return locale.toString(ns / 1e3, 'f', 3);
    case DurationUnit::Ms:
        return locale.toString(ns / 1e6, 'f', 3);
    case DurationUnit::S:
        return locale.toString(ns / 1e9, 'f', 6);
    }
    return {};
}

QString exactNanoseconds(double ns) {
    return QStringLiteral("%1 ns").arg(std::fabs(ns - std::round(ns)) < 1e-9
                                           ? grouped().toString(qlonglong(std::llround(ns)))
                                           : grouped().toString(ns, 'f', 3));
}

QComboBox* makeUnitChooser(QWidget* parent, std::function<void(DurationUnit)> apply) {
    auto* box = new QComboBox(parent);
    box->setObjectName(QStringLiteral("durationUnit"));
    box->setToolTip(QObject::tr("Unit of the duration columns (tooltips and CSV keep exact ns)"));
    box->addItem(QObject::tr("Auto units"));
    for (DurationUnit u : {DurationUnit::Ns, DurationUnit::Us, DurationUnit::Ms, DurationUnit::S})
        box->addItem(unitName(u));
    box->setCurrentIndex(
        std::clamp(QSettings().value(QStringLiteral("durationUnit"), 0).toInt(), 0, 4));
    apply(DurationUnit(box->currentIndex()));
    QObject::connect(box, &QComboBox::currentIndexChanged, box, [apply](int i) {
        QSettings().setValue(QStringLiteral("durationUnit"), i);
        apply(DurationUnit(i));
    });
    return box;
}

static QString exportText(const QVariant& v) {
    if (v.typeId() == QMetaType::Double) return QString::number(v.toDouble(), 'g', 17);
    return v.toString();
}

bool writeCsv(const QAbstractItemModel& model, const QString& path, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error) *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    QStringList cells;
    for (int c = 0; c < model.columnCount(); ++c) {
        const QVariant h = model.headerData(c, Qt::Horizontal, ExportRole);
        cells << csvField(h.isValid() ? h.toString()
                                      : model.headerData(c, Qt::Horizontal).toString());
    }
    QByteArray out = cells.join(QLatin1Char(',')).toUtf8() + '\n';
    for (int r = 0; r < model.rowCount(); ++r) {
        cells.clear();
        for (int c = 0; c < model.columnCount(); ++c) {
            const QVariant v = model.data(model.index(r, c), ExportRole);
            cells << csvField(v.isValid() ? exportText(v)
                                          : model.data(model.index(r, c)).toString());
        }
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
