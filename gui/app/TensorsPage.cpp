#include "gui/app/TensorsPage.h"

#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ks::gui {

TensorsPage::TensorsPage(QWidget* parent) : QWidget(parent) {
    m_table = new QTableWidget(this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
}

void TensorsPage::setRun(const LoadedRun& run) {
    m_table->clear();
    m_table->setColumnCount(5);
    m_table->setHorizontalHeaderLabels({tr("Order"), tr("Name"), tr("Role"), tr("Op"), tr("Shape")});
    m_table->setRowCount(run.run ? int(run.run->tensors.size()) : 0);
    if (!run.run) return;
    int r = 0;
    for (const auto& t : run.run->tensors) {
        QStringList dims;
        for (auto d : t.shape) dims << QString::number(d);
        m_table->setItem(r, 0, new QTableWidgetItem(QString::number(t.order)));
        m_table->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(t.name)));
        m_table->setItem(r, 2, new QTableWidgetItem(QString::fromStdString(t.role)));
        m_table->setItem(r, 3, new QTableWidgetItem(QString::fromStdString(t.op)));
        m_table->setItem(r, 4, new QTableWidgetItem(QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']')));
        ++r;
    }
}

} // namespace ks::gui
