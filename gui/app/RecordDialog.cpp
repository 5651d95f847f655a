#include "gui/app/RecordDialog.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace ks::gui {

RecordDialog::RecordDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Record a run"));
    m_model = new QComboBox(this);
    m_model->addItems({QStringLiteral("mlp"), QStringLiteral("linear-relu")});
    m_backend = new QComboBox(this);
    m_backend->addItems({QStringLiteral("auto"), QStringLiteral("cuda"), QStringLiteral("cpu")});
    m_optimizer = new QComboBox(this);
    m_optimizer->addItems({QStringLiteral("sgd"), QStringLiteral("adam")});
    m_steps = new QSpinBox(this);
    m_steps->setRange(1, 1000000);
    m_steps->setValue(200);
    m_batch = new QSpinBox(this);
    m_batch->setRange(0, 1 << 20);
    m_batch->setSpecialValueText(tr("default"));
    m_output = new QLineEdit(QDir::home().filePath(QStringLiteral("kernscope-run.ksr.h5")), this);
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(m_output, 1);
    outRow->addWidget(browse);
    m_extra = new QLineEdit(this);
    m_extra->setPlaceholderText(tr("more kernscope-cli record options, e.g. --seed 3"));
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setMinimumHeight(120);
    m_buttons = new QDialogButtonBox(this);
    auto* startButton = m_buttons->addButton(tr("Record"), QDialogButtonBox::AcceptRole);
    m_buttons->addButton(QDialogButtonBox::Cancel);

    auto* form = new QFormLayout;
    form->addRow(tr("Model"), m_model);
    form->addRow(tr("Backend"), m_backend);
    form->addRow(tr("Optimizer"), m_optimizer);
    form->addRow(tr("Steps"), m_steps);
    form->addRow(tr("Batch size"), m_batch);
    form->addRow(tr("Output"), outRow);
    form->addRow(tr("Extra options"), m_extra);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_log, 1);
    layout->addWidget(m_buttons);
    resize(560, 440);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Record to"), m_output->text(),
                                                       tr("Kernscope runs (*.ksr.h5 *.h5)"));
        if (!p.isEmpty()) m_output->setText(p);
    });
    connect(startButton, &QPushButton::clicked, this, &RecordDialog::start);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &RecordDialog::cancel);
}

RecordDialog::~RecordDialog() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

QString RecordDialog::outputPath() const {
    return m_output->text();
}

QStringList RecordDialog::arguments() const {
    QStringList args{
        QStringLiteral("record"),    QStringLiteral("--model"), m_model->currentText(),
        QStringLiteral("--backend"), m_backend->currentText(),  QStringLiteral("--optimizer"),
        m_optimizer->currentText(),  QStringLiteral("--steps"), QString::number(m_steps->value())};
    if (m_batch->value() > 0)
        args << QStringLiteral("--batch") << QString::number(m_batch->value());
    args << QStringLiteral("-o") << m_output->text();
    args << QProcess::splitCommand(m_extra->text());
    return args;
}

QString RecordDialog::cliPath() {
    const QString local =
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("kernscope-cli"));
    if (QFileInfo(local).isExecutable()) return local;
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("kernscope-cli"));
    return onPath.isEmpty() ? local : onPath;
}

int RecordDialog::parseProgress(const QString& line) {
    // "step 12/200" or the engine's "[###...] 12/200 steps".
    static const QRegularExpression step(
        QStringLiteral("(?:step\\s+(\\d+)\\s*/\\s*(\\d+))|(?:(\\d+)\\s*/\\s*(\\d+)\\s+steps)"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression percent(QStringLiteral("(\\d{1,3})(?:\\.\\d+)?\\s*%"));
    if (auto m = step.match(line); m.hasMatch()) {
        const bool first = !m.captured(1).isEmpty();
        const double done = m.captured(first ? 1 : 3).toDouble();
        const double total = m.captured(first ? 2 : 4).toDouble();
        return total > 0 ? std::clamp(int(100.0 * done / total), 0, 100) : -1;
    }
    if (auto m = percent.match(line); m.hasMatch())
        return std::clamp(m.captured(1).toInt(), 0, 100);
    return -1;
}

void RecordDialog::start() {
    if (m_process) return;
    m_log->clear();
    m_progress->setValue(0);
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_process, &QProcess::readyRead, this, &RecordDialog::readOutput);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            m_log->appendPlainText(
                tr("Cannot start %1: %2").arg(cliPath(), m_process->errorString()));
            m_process->deleteLater();
            m_process = nullptr;
        }
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        readOutput();
        const bool ok = status == QProcess::NormalExit && code == 0;
        m_log->appendPlainText(ok ? tr("Recorded %1").arg(outputPath())
                                  : tr("kernscope-cli record failed (exit code %1)").arg(code));
        m_process->deleteLater();
        m_process = nullptr;
        if (ok) {
            m_progress->setValue(100);
            emit recorded(outputPath());
            accept();
        }
    });
    m_log->appendPlainText(QStringLiteral("$ kernscope-cli ") + arguments().join(QLatin1Char(' ')));
    m_process->start(cliPath(), arguments());
}

void RecordDialog::readOutput() {
    if (!m_process) return;
    const QString text = QString::fromUtf8(m_process->readAll());
    for (const QString& line :
         text.split(QRegularExpression(QStringLiteral("[\\r\\n]")), Qt::SkipEmptyParts)) {
        m_log->appendPlainText(line);
        if (const int p = parseProgress(line); p >= 0) m_progress->setValue(p);
    }
}

void RecordDialog::cancel() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill(); // the child only; a partial output file is never renamed into place
        m_log->appendPlainText(tr("Cancelled."));
        return;
    }
    reject();
}

} // namespace ks::gui
