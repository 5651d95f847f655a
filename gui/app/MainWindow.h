#pragma once
// The main window: pages in tabs, menus, recent files, drag and drop, background loading with a
// cancellable progress dialog, shared selection between pages, theme, remembered layout.
#include "gui/app/RunLoader.h"

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QMenu;
class QProgressDialog;
class QTabWidget;

namespace ks::gui {

class SummaryPage;
class TimelinePage;
class KernelsPage;
class MemoryPage;
class FlamePage;
class TensorsPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Page { Summary, Timeline, Kernels, Memory, Flame, Tensors, PageCount };
    enum class Theme { System, Light, Dark };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading in the background; the result arrives through RunLoader::loaded/failed.
    void openRun(const QString& path);
    void importProfile(const QString& path);
    // Files from the command line or a drop: the first run file opens (or a profile imports),
    // reference files (.npy .npz .safetensors, HDF5 that is not a run) open on the Tensors page
    // once the run is shown.
    void openFiles(const QStringList& paths);
    enum class FileRole { Run, Reference, Profile };
    static FileRole roleOf(const QString& path);
    QProgressDialog* progressDialog() const; // the running load's dialog, or null
    QString cursorText() const;
    const LoadedRun& current() const { return m_current; }
    RunLoader* loader() const { return m_loader; }

    QTabWidget* tabs() const { return m_tabs; }
    SummaryPage* summaryPage() const { return m_summary; }
    TimelinePage* timelinePage() const { return m_timeline; }
    KernelsPage* kernelsPage() const { return m_kernels; }
    MemoryPage* memoryPage() const { return m_memory; }
    FlamePage* flamePage() const { return m_flame; }
    TensorsPage* tensorsPage() const { return m_tensors; }
    QStringList recentFiles() const;
    void setTheme(Theme theme);
    // Error messages are shown in a message box; tests turn that off and read lastError().
    void setInteractive(bool interactive) { m_interactive = interactive; }
    QString lastError() const { return m_lastError; }

signals:
    void runShown(); // a run (or import) has been loaded and every page was given it

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    void buildMenus();
    void showRun(const LoadedRun& run);
    void showError(const QString& title, const QString& message);
    void addRecent(const QString& path);
    void updateRecentMenu();
    void exportCurrentTable();
    void exportFlame();
    void recordRun();
    void showProgressDialog(const QString& label);
    void openPendingReference();
    void restoreLayout();
    void saveLayout();

    RunLoader* m_loader;
    LoadedRun m_current;
    QTabWidget* m_tabs;
    SummaryPage* m_summary;
    TimelinePage* m_timeline;
    KernelsPage* m_kernels;
    MemoryPage* m_memory;
    FlamePage* m_flame;
    TensorsPage* m_tensors;
    QMenu* m_recentMenu = nullptr;
    QPointer<QProgressDialog> m_progress;
    QString m_pendingReference; // opens on the Tensors page when the loading run is shown
    QLabel* m_cursorLabel;
    QLabel* m_runLabel;
    bool m_interactive = true;
    QString m_lastError;
    Theme m_theme = Theme::System;
};

} // namespace ks::gui
