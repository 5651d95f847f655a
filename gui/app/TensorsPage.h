#pragma once
// Tensors / Diff page (placeholder until the diff view lands): the run's tensors in order.
#include "gui/app/RunLoader.h"

#include <QWidget>

class QTableWidget;

namespace ks::gui {

class TensorsPage : public QWidget {
    Q_OBJECT
public:
    explicit TensorsPage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    QTableWidget* table() const { return m_table; }
    void openReference(const QString& path) { Q_UNUSED(path); }
    bool busy() const { return false; }

private:
    QTableWidget* m_table;
};

} // namespace ks::gui
