#include "gui/app/ProfileDialog.h"

#include "gui/app/RecordDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace ks::gui {
namespace {

QHBoxLayout* withBrowse(QWidget* parent, QLineEdit* edit, std::function<void()> browse) {
    auto* row = new QHBoxLayout;
    auto* button = new QPushButton(QObject::tr("Browse…"), parent);
    row->addWidget(edit, 1);
    row->addWidget(button);
    QObject::connect(button, &QPushButton::clicked, parent, std::move(browse));
    return row;
}

} // namespace

ProfileDialog::ProfileDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Profile a program"));
    m_program = new QLineEdit(this);
    m_program->setPlaceholderText(tr("executable, e.g. ./train or python3"));
    m_args = new QLineEdit(this);
    m_args->setPlaceholderText(tr("arguments, quoted as in a shell"));
    m_workdir = new QLineEdit(QDir::currentPath(), this);
    m_env = new QPlainTextEdit(this);
    m_env->setPlaceholderText(tr("NAME=value, one per line (added to this environment)"));
    m_env->setMaximumHeight(70);
    m_hz = new QSpinBox(this);
    m_hz->setRange(1, 50000);
    m_hz->setValue(1000);
    m_hz->setSuffix(tr(" Hz"));
    m_samples = new QCheckBox(tr("CPU samples (perf)"), this);
    m_samples->setChecked(true);
    m_gpu = new QCheckBox(tr("GPU activity (CUPTI)"), this);
    m_gpu->setChecked(true);
    m_duration = new QDoubleSpinBox(this);
    m_duration->setRange(0, 1e6);
    m_duration->setDecimals(1);
    m_duration->setSuffix(tr(" s"));
    m_duration->setSpecialValueText(tr("until the program ends"));
    m_output =
        new QLineEdit(QDir::home().filePath(QStringLiteral("kernscope-profile.ksr.h5")), this);
    m_status = new QLabel(tr("Not started."), this);
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setMinimumHeight(140);
    auto* buttons = new QDialogButtonBox(this);
    m_startButton = buttons->addButton(tr("Profile"), QDialogButtonBox::AcceptRole);
    m_stopButton = buttons->addButton(tr("Stop"), QDialogButtonBox::ActionRole);
    m_stopButton->setEnabled(false);
    buttons->addButton(QDialogButtonBox::Close);

    auto* options = new QHBoxLayout;
    options->addWidget(m_samples);
    options->addWidget(m_hz);
    options->addWidget(m_gpu);
    options->addStretch(1);
    auto* form = new QFormLayout;
    form->addRow(tr("Program"), withBrowse(this, m_program, [this] {
                     const QString p = QFileDialog::getOpenFileName(this, tr("Program"));
                     if (!p.isEmpty()) m_program->setText(p);
                 }));
    form->addRow(tr("Arguments"), m_args);
    form->addRow(tr("Working directory"), withBrowse(this, m_workdir, [this] {
                     const QString d = QFileDialog::getExistingDirectory(
                         this, tr("Working directory"), m_workdir->text());
                     if (!d.isEmpty()) m_workdir->setText(d);
                 }));
    form->addRow(tr("Environment"), m_env);
    form->addRow(tr("Collect"), options);
    form->addRow(tr("Stop after"), m_duration);
    form->addRow(tr("Output"), withBrowse(this, m_output, [this] {
                     const QString p = QFileDialog::getSaveFileName(
                         this, tr("Record to"), m_output->text(), tr("Kernscope runs (*.ksr.h5)"));
                     if (!p.isEmpty()) m_output->setText(p);
                 }));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_log, 1);
    layout->addWidget(buttons);
    resize(640, 560);

    m_ticker = new QTimer(this);
    m_ticker->setInterval(250);
    connect(m_ticker, &QTimer::timeout, this, [this] {
        m_status->setText(tr("Running for %1 s…").arg(m_clock.elapsed() / 1000.0, 0, 'f', 1));
    });
    connect(m_samples, &QCheckBox::toggled, m_hz, &QWidget::setEnabled);
    connect(m_startButton, &QPushButton::clicked, this, &ProfileDialog::start);
    connect(m_stopButton, &QPushButton::clicked, this, &ProfileDialog::stop);
    connect(buttons, &QDialogButtonBox::rejected, this, [this] {
        if (!running()) reject();
    });
}

ProfileDialog::~ProfileDialog() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate(); // the recorder stops the program and saves
        if (!m_process->waitForFinished(15000)) m_process->kill();
    }
}

ProfileDialog* ProfileDialog::launch(QWidget* parent, std::function<void(const QString&)> open) {
    auto* dialog = new ProfileDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ProfileDialog::recorded, parent, [open](const QString& p) { open(p); });
    dialog->open();
    return dialog;
}

void ProfileDialog::setProgram(const QString& program, const QString& arguments) {
    m_program->setText(program);
    m_args->setText(arguments);
}
void ProfileDialog::setWorkingDirectory(const QString& dir) {
    m_workdir->setText(dir);
}
void ProfileDialog::setEnvironment(const QString& lines) {
    m_env->setPlainText(lines);
}
void ProfileDialog::setOutputPath(const QString& path) {
    m_output->setText(path);
}
void ProfileDialog::setSampling(int hz, bool samples) {
    m_hz->setValue(hz);
    m_samples->setChecked(samples);
}
void ProfileDialog::setDuration(double seconds) {
    m_duration->setValue(seconds);
}
QString ProfileDialog::statusText() const {
    return m_status->text();
}

QString ProfileDialog::outputPath() const {
    return QDir(m_workdir->text()).absoluteFilePath(m_output->text());
}

QStringList ProfileDialog::arguments() const {
    QStringList args{QStringLiteral("record")};
    if (m_samples->isChecked())
        args << QStringLiteral("--sample-hz") << QString::number(m_hz->value());
    else
        args << QStringLiteral("--no-samples");
    if (!m_gpu->isChecked()) args << QStringLiteral("--no-gpu");
    if (m_duration->value() > 0)
        args << QStringLiteral("--duration") << QString::number(m_duration->value());
    args << QStringLiteral("-o") << outputPath() << QStringLiteral("--") << m_program->text();
    args << QProcess::splitCommand(m_args->text());
    return args;
}

QProcessEnvironment ProfileDialog::environment() const {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& line : m_env->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq > 0) env.insert(line.left(eq).trimmed(), line.mid(eq + 1));
    }
    return env;
}

void ProfileDialog::start() {
    if (m_process) return;
    if (m_program->text().trimmed().isEmpty()) {
        m_status->setText(tr("Choose a program first."));
        return;
    }
    m_log->clear();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setWorkingDirectory(m_workdir->text());
    m_process->setProcessEnvironment(environment());
    connect(m_process, &QProcess::readyRead, this, &ProfileDialog::readOutput);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart) return;
        m_status->setText(
            tr("Cannot start %1: %2").arg(RecordDialog::cliPath(), m_process->errorString()));
        m_process->deleteLater();
        m_process = nullptr;
        m_ticker->stop();
        m_startButton->setEnabled(true);
        m_stopButton->setEnabled(false);
    });
    connect(m_process, &QProcess::finished, this, &ProfileDialog::finished);
    m_log->appendPlainText(QStringLiteral("$ kernscope-cli ") + arguments().join(QLatin1Char(' ')));
    m_clock.start();
    m_ticker->start();
    m_startButton->setEnabled(false);
    m_stopButton->setEnabled(true);
    m_status->setText(tr("Starting…"));
    m_process->start(RecordDialog::cliPath(), arguments());
}

void ProfileDialog::stop() {
    if (!m_process || m_process->state() == QProcess::NotRunning) return;
    m_process->terminate(); // SIGTERM: the recorder stops the program's process group, saves
    m_status->setText(tr("Stopping the program and saving…"));
    m_stopButton->setEnabled(false);
}

void ProfileDialog::readOutput() {
    if (!m_process) return;
    const QString text = QString::fromUtf8(m_process->readAll());
    for (const QString& line :
         text.split(QRegularExpression(QStringLiteral("[\\r\\n]")), Qt::SkipEmptyParts))
        m_log->appendPlainText(line);
}

void ProfileDialog::finished(int code, QProcess::ExitStatus status) {
    readOutput();
    m_ticker->stop();
    m_process->deleteLater();
    m_process = nullptr;
    m_startButton->setEnabled(true);
    m_stopButton->setEnabled(false);
    // The recorder exits with the program's code after saving; 2 and 127 mean it saved nothing.
    const bool saved = status == QProcess::NormalExit && code != 2 && code != 127 &&
                       QFileInfo::exists(outputPath());
    if (!saved) {
        m_status->setText(tr("kernscope-cli record failed (exit code %1); see the log.").arg(code));
        return;
    }
    m_status->setText(
        code == 0 ? tr("Recorded %1.").arg(outputPath())
                  : tr("Recorded %1 (the program's exit code: %2).").arg(outputPath()).arg(code));
    emit recorded(outputPath());
}

} // namespace ks::gui
