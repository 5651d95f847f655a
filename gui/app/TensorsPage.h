#pragma once
// Tensors / Diff page: open reference files (.npy .npz .safetensors .h5) for the current run;
// the pair list in execution order with status and the first divergence; for the selected pair
// an error heatmap (abs, rel or ULP; max-pooled, log colour scale), the run and reference values
// side by side, a log10-error histogram, statistics and the worst elements. Tolerances
// re-evaluate at once; plots and reports export like `kernscope-cli compare --report`.
#include "gui/app/PairListModel.h"
#include "gui/app/RunLoader.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTableWidget;

namespace ks::gui {

enum class ErrorKind { Abs, Rel, Ulp };

// Max-pooled error grid of a slice of a pair: the tensor folded to rows x last dim after fixing
// `axis` at `index` (axis < 0: the whole tensor). Same layout as data::compare::errorHeatmap.
data::compare::ErrorGrid pairErrorGrid(const data::Tensor& run, const data::Tensor& ref,
                                       ErrorKind kind, int axis, int64_t index, int maxWidth,
                                       int maxHeight, std::vector<double>* runValues = nullptr,
                                       std::vector<double>* refValues = nullptr);

class TensorsPage : public QWidget {
    Q_OBJECT
public:
    explicit TensorsPage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    void openReference(const QString& path);
    bool busy() const { return m_busy; }
    int pairCount() const;
    PairListModel* model() const { return m_model; }
    QTableView* pairView() const { return m_pairs; }
    QString lastError() const { return m_lastError; }
    void selectPair(int pairIndex);
    int selectedPair() const { return m_selected; }
    void setErrorKind(ErrorKind kind);
    void setTolerance(double rtol, double atol); // overrides the preset (negative: preset)
    void centerOn(int64_t flatIndex);
    QCustomPlot* heatmap() const { return m_heatmap; }
    QCustomPlot* histogram() const { return m_histogram; }
    // Exports by extension (.png/.svg/.pdf for plots, .csv for reports); errors name the file.
    bool exportHeatmap(const QString& path, QString* error);
    bool exportHistogram(const QString& path, QString* error);
    bool exportSummaryCsv(const QString& path, QString* error);
    bool exportWorstCsv(const QString& path, QString* error);

signals:
    void comparisonReady();

protected:
    void changeEvent(QEvent* e) override;

private:
    void recompare();
    void showPair();
    void exportMenu();
    LoadedRun m_run;
    QString m_referencePath;
    std::shared_ptr<const std::vector<data::Tensor>> m_reference;
    std::shared_ptr<const data::compare::CompareReport> m_report;
    quint64 m_generation = 0;
    bool m_busy = false;
    int m_selected = -1;
    QString m_lastError;
    std::vector<double> m_lastGridShape; // rows, cols, blockRows, blockCols of the heatmap

    PairListModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_pairs;
    QLabel* m_refLabel;
    QLabel* m_verdict;
    QComboBox* m_preset;
    QLineEdit* m_rtol;
    QLineEdit* m_atol;
    QComboBox* m_kind;
    QComboBox* m_axis;
    QSpinBox* m_slice;
    QCustomPlot* m_heatmap;
    QCustomPlot* m_runPlot;
    QCustomPlot* m_refPlot;
    QCustomPlot* m_histogram;
    QTableWidget* m_stats;
    QTableWidget* m_worst;
};

} // namespace ks::gui
