#pragma once
// Run ▸ Profile Program…: runs `kernscope-cli record [options] -- PROGRAM ARGS` as a child process
// (like RecordDialog), shows its output and the elapsed time while it runs, Stop asks the recorder
// to stop the program and save (SIGTERM to kernscope-cli, which stops the program's process
// group), and the finished run is opened. docs/PROFILING.md.
#include <QDialog>
#include <QElapsedTimer>
#include <QProcess>

#include <functional>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace ks::gui {

class ProfileDialog : public QDialog {
    Q_OBJECT
public:
    explicit ProfileDialog(QWidget* parent = nullptr);
    ~ProfileDialog() override;

    // Opens a non-modal dialog on `parent`; `open` receives the run file when recording ends.
    static ProfileDialog* launch(QWidget* parent, std::function<void(const QString&)> open);

    void setProgram(const QString& program, const QString& arguments = {});
    void setWorkingDirectory(const QString& dir);
    void setEnvironment(const QString& lines); // NAME=value per line
    void setOutputPath(const QString& path);
    void setSampling(int hz, bool samples);
    void setDuration(double seconds); // 0 = until the program ends

    QString outputPath() const;
    QStringList arguments() const; // kernscope-cli's arguments
    QProcessEnvironment environment() const;
    bool running() const { return m_process != nullptr; }
    QString statusText() const;

    void start();
    void stop();

signals:
    void recorded(const QString& path);

private:
    void readOutput();
    void finished(int code, QProcess::ExitStatus status);

    QLineEdit* m_program;
    QLineEdit* m_args;
    QLineEdit* m_workdir;
    QPlainTextEdit* m_env;
    QSpinBox* m_hz;
    QCheckBox* m_samples;
    QCheckBox* m_gpu;
    QDoubleSpinBox* m_duration;
    QLineEdit* m_output;
    QLabel* m_status;
    QPlainTextEdit* m_log;
    QPushButton* m_startButton;
    QPushButton* m_stopButton;
    QProcess* m_process = nullptr;
    QTimer* m_ticker;
    QElapsedTimer m_clock;
};

} // namespace ks::gui
