#pragma once
// Run ▸ Record…: the engine's options, run as `kernscope-cli record` in a child process. Progress
// is parsed from its stderr ("step 12/200" or "37%"); Cancel kills the process.
#include <QDialog>
#include <QProcess>

class QComboBox;
class QDialogButtonBox;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QSpinBox;

namespace ks::gui {

class RecordDialog : public QDialog {
    Q_OBJECT
public:
    explicit RecordDialog(QWidget* parent = nullptr);
    ~RecordDialog() override;
    QString outputPath() const;
    QStringList arguments() const; // the record command's arguments
    static QString cliPath();      // kernscope-cli next to this executable, else on PATH
    // Progress 0..100 from one line of output, or -1.
    static int parseProgress(const QString& line);

signals:
    void recorded(const QString& path);

private:
    void start();
    void cancel();
    void readOutput();
    QComboBox* m_model;
    QComboBox* m_backend;
    QComboBox* m_optimizer;
    QSpinBox* m_steps;
    QSpinBox* m_batch;
    QLineEdit* m_output;
    QLineEdit* m_extra;
    QProgressBar* m_progress;
    QPlainTextEdit* m_log;
    QDialogButtonBox* m_buttons;
    QProcess* m_process = nullptr;
};

} // namespace ks::gui
