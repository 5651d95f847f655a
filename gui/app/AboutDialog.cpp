#include "gui/app/AboutDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QSysInfo>
#include <QVBoxLayout>

namespace ks::gui {

QString AboutDialog::versionLine() {
    return QStringLiteral("Kernscope %1 (Qt %2, %3, %4)")
        .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion()),
             QSysInfo::prettyProductName(), QSysInfo::currentCpuArchitecture());
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About Kernscope"));

    auto* icon = new QLabel(this);
    const QIcon appIcon = windowIcon().isNull() ? QApplication::windowIcon() : windowIcon();
    icon->setPixmap(appIcon.pixmap(96, 96));
    icon->setAlignment(Qt::AlignTop | Qt::AlignHCenter);

    auto* text = new QLabel(this);
    text->setTextFormat(Qt::RichText);
    text->setOpenExternalLinks(true);
    text->setTextInteractionFlags(Qt::TextBrowserInteraction);
    text->setWordWrap(true);
    text->setText(
        tr("<h2 style='margin-bottom:2px'>Kernscope %1</h2>"
           "<p>GPU/CPU profiler and numerical diff viewer for machine&#8209;learning code.</p>"
           "<p>Where does the time go, and is it numerically right? Timelines, kernel "
           "statistics, CPU flame graphs and tensor error heatmaps of one run, in one file "
           "and one window.</p>"
           "<p>Qt %2 &middot; <a href='https://github.com/kernscope/kernscope'>"
           "github.com/kernscope/kernscope</a></p>"
           "<p><small>Copyright &copy; 2026 The Kernscope developers.<br>"
           "Released under the MIT license.</small></p>")
            .arg(QCoreApplication::applicationVersion().toHtmlEscaped(),
                 QString::fromLatin1(qVersion())));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* copy = buttons->addButton(tr("&Copy Version"), QDialogButtonBox::ActionRole);
    copy->setToolTip(tr("Copy \"%1\" to the clipboard").arg(versionLine()));
    connect(copy, &QPushButton::clicked, this,
            [] { QGuiApplication::clipboard()->setText(versionLine()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    QPushButton* close = buttons->button(QDialogButtonBox::Close);
    close->setDefault(true);
    close->setFocus();

    auto* top = new QHBoxLayout;
    top->setSpacing(18);
    top->addWidget(icon);
    top->addWidget(text, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(20, 20, 20, 14);
    layout->addLayout(top);
    layout->addWidget(buttons);
    setMinimumWidth(460);
    setMaximumWidth(560);
}

} // namespace ks::gui
