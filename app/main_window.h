#pragma once

#include "import/source_reader.h"
#include "store/run_table.h"
#include "store/run_types.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QMap>
#include <QSet>
#include <atomic>
#include <memory>
#include <optional>

class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QToolButton;
class QSplitter;
class QStackedWidget;
class QThread;
class QTreeWidget;
class QTreeWidgetItem;
class QTabWidget;

namespace reprise {

class CommandPalette;
class CompareView;
class RunActions;
class RerunActions;
class RerunPanel;
class RerunQueue;
class DagView;
class DriftView;
class DatabaseWatcher;
class RunBrowser;
class RunDetails;

/// The main window: a sources panel (every open database with its projects), the run browser of
/// the current source, the run details pane, an inline banner for problems and a welcome page for
/// an empty database. Every database read runs on a worker thread and arrives as a value
/// snapshot; stale results are dropped by a generation counter. Each source is watched for
/// commits (PRAGMA data_version) on a watcher thread, and reloads keep selection and scroll.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class Session {
        Restore, ///< reopen last session's sources, layout and columns (interactive use)
        Fresh, ///< only the given sources, default layout (screenshots, tests)
    };

    explicit MainWindow(const QStringList& databases, Session session = Session::Fresh, QWidget* parent = nullptr);
    ~MainWindow() override;

    RunBrowser* runBrowser() const { return m_browser; }
    RunDetails* runDetails() const { return m_details; }
    DagView* dagView() const { return m_dag; }
    CompareView* compareView() const { return m_compare; }
    DriftView* driftView() const { return m_drift; }
    RunActions* runActions() const { return m_runActions; }
    RerunActions* rerunActions() const { return m_rerunActions; }
    RerunPanel* rerunPanel() const { return m_reruns; }
    RerunQueue* rerunQueue() const { return m_rerunQueue; }
    CommandPalette* commandPalette() const { return m_palette; }
    /// Brings a view to the front: "runs" (details), "compare" (and its pages "params", "parallel",
    /// "scatter"), "dag" (pipeline), "drift" or "rerun". False for an unknown name.
    bool showView(const QString& name);
    QString bannerText() const;
    bool isShowingWelcome() const;
    bool isLoading() const { return m_loading; }
    QStringList sources() const { return m_sources; }
    QString currentSource() const { return m_current; }

    /// Opens `path` as a source (if not open yet) and shows it: a Reprise database, or another
    /// tracker's data (MLflow, TensorBoard, DVC, CSV logs — detected by content), which is read into
    /// a cache database on a worker thread (progress and Cancel in the status bar) and shown read-only.
    void openSource(const QString& path);
    /// The kind of the source shown as `path` (a cache shows the kind of what it caches).
    SourceKind sourceKind(const QString& path) const;
    /// The path the user opened for the source shown as `path`.
    QString sourceLocation(const QString& path) const;
    /// The sources panel's line for a source (name, run count, kind and state).
    QString sourceLabel(const QString& path) const;
    /// True while another tracker's source is being read.
    bool isImporting() const { return m_importing > 0; }
    /// Imports another tracker's runs into the current database for good (File ▸ Import…), on a
    /// worker thread with progress and Cancel; one transaction, so a cancel leaves nothing.
    void importIntoCurrent(const QString& path);
    void closeSource(const QString& path);
    void setCurrentSource(const QString& path);
    /// Selects the runs with these ids (full or prefix) in the browser.
    void selectRuns(const QStringList& ids);
    /// Writes window layout, columns, sources and recent files to QSettings.
    void saveSettings() const;

Q_SIGNALS:
    /// The current source's runs have been loaded (or failed to load).
    void runsLoaded();
    /// The details pane shows the run it was asked for.
    void detailsLoaded();
    /// The runs selected in the browser changed: the input of compare, DAG and rerun views.
    void runSelectionChanged(const QString& source, const QStringList& runIds);

public Q_SLOTS:
    void reload();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    struct SourceState {
        QMap<QString, int> projects;
        int runs = 0;
        QString error;
        bool readOnly = false;
        DatabaseWatcher* watcher = nullptr;
    };

    void buildMenus();
    /// Every menu action with its menu path, for the command palette.
    QList<QPair<QString, QAction*>> menuActions() const;
    QWidget* buildWelcomePage();
    void restoreSettings();
    void showBanner(const QString& text);
    void onRunsLoaded(const QString& source, const Result<RunTable>& result, const QString& warning);
    void onSelectionChanged(const QStringList& ids);
    void refreshSummary(const QString& path);
    void fillSources();
    void watch(const QString& path);
    void rememberRecent(const QString& path);
    void updateRecentMenu();
    void setLoading(bool loading);
    /// The status bar's progress bar and Cancel button, after half a second of work.
    void updateBusy();
    void updateStatus();
    void feedVisibleView();
    /// Hands the filtered runs to the compare view's parallel coordinates and scatter.
    void feedPlotTable();
    void loadDemo();
    void openWithDialog();
    void openFolderWithDialog();
    void importWithDialog();
    /// Reads another tracker's source into its cache (again, if it changed); shows it when `show`
    /// (or when nothing else is shown). Unless `full`, a large MLflow database comes as a summary
    /// first (the run table), then in full (replacing the summary as a source).
    void openForeign(const QString& path, bool show, bool full);
    /// Puts the source `to` where `from` was (same place in the panel, current if `from` was).
    void replaceSource(const QString& from, const QString& to);
    void closeWatcher(const QString& path);
    /// Every few seconds, on a worker: has another tracker's source changed, or gone away?
    void checkForeignSources();
    /// Adds a Reprise database to the sources (no I/O beyond what the loaders do on workers).
    void addDatabase(const QString& path);

    struct ForeignSource {
        QString location; ///< what the user opened
        SourceKind kind = SourceKind::Unknown;
        bool stale = false; ///< the source changed since it was read
        bool unreachable = false; ///< the source is gone (unmounted, moved, deleted)
    };
    QStringList m_sources;
    QMap<QString, ForeignSource> m_foreign; ///< cache database -> the source it shows
    int m_importing = 0;
    QString m_notice; ///< shown in the banner after the next load (what an import did)
    std::atomic<bool> m_importCancel { false };
    std::atomic<int> m_importPermille { 0 };
    QString m_current;
    QMap<QString, SourceState> m_state;
    QStringList m_recent;

    QLabel* m_banner;
    QTreeWidget* m_sourceTree;
    QStackedWidget* m_center;
    QWidget* m_welcome;
    QLabel* m_welcomePath;
    QPushButton* m_demoButton;
    RunBrowser* m_browser;
    RunDetails* m_details;
    CompareView* m_compare;
    DagView* m_dag;
    DriftView* m_drift;
    RunActions* m_runActions;
    RerunQueue* m_rerunQueue;
    RerunPanel* m_reruns;
    RerunActions* m_rerunActions;
    CommandPalette* m_palette;
    QTabWidget* m_bottomTabs;
    QSplitter* m_mainSplit;
    QSplitter* m_rightSplit;
    QLabel* m_status;
    QProgressBar* m_busy;
    QToolButton* m_cancel;
    QElapsedTimer m_busySince; ///< since when something has been loading or computing
    QMenu* m_recentMenu;
    QThread* m_watchThread;

    quint64 m_loadGeneration = 0;
    quint64 m_detailsGeneration = 0;
    quint64 m_plotGeneration = 0;
    bool m_loading = false;
    bool m_reloadPending = false;
    std::optional<QList<RunRecord>> m_selectedRuns; ///< records of the selection, for the tab views
    QSet<QWidget*> m_fedViews; ///< tab views already showing m_selectedRuns
    QStringList m_keepSelection;
    QString m_keepTop;
};

} // namespace reprise
