#pragma once

#include "files/file_dialogs.h"
#include "import/source_reader.h"
#include "run_table_model.h"
#include "store/run_table.h"
#include "store/run_table_loader.h"
#include "store/run_types.h"

#include <QMainWindow>
#include <optional>

class QLabel;
class QMenu;
class QSplitter;
class QStackedWidget;

namespace reprise {

class CommandPalette;
class CompareView;
class DagView;
class DriftView;
class JobController;
class JobStatus;
class RecentMenu;
class ChartActions;
class RerunActions;
class RerunPanel;
class RerunQueue;
class RunActions;
class RunBrowser;
class RunDetails;
class SelectionTabs;
class SourceRegistry;
class SourcesPanel;
class SweepActions;
class WelcomePage;

/// The main window, as wiring (its sources' part in main_window_sources.cpp): menus and actions, where each view sits,
/// and what connects them. The open sources are a SourceRegistry (shown by the SourcesPanel), long background work
/// belongs to a JobController (shown by JobStatus), and each view does its own job. The window keeps which source is
/// current and feeds the views: the run browser gets the current source's runs as a value snapshot read on a worker
/// (stale results are dropped by a generation counter); the tab views get the selected runs' records, computed only
/// when their tab is shown.
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
    RunDetails* runDetails() const;
    DagView* dagView() const;
    CompareView* compareView() const;
    DriftView* driftView() const;
    RunActions* runActions() const { return m_runActions; }
    RerunActions* rerunActions() const { return m_rerunActions; }
    SweepActions* sweepActions() const { return m_sweepActions; }
    RerunPanel* rerunPanel() const;
    RerunQueue* rerunQueue() const { return m_rerunQueue; }
    CommandPalette* commandPalette() const { return m_palette; }
    SourceRegistry* sourceRegistry() const { return m_sources; }
    JobController* jobs() const { return m_jobs; }
    JobStatus* jobStatus() const { return m_jobStatus; }
    /// Brings a view to the front: "runs" (details), "compare" (and its pages "params", "parallel",
    /// "scatter"), "dag" (pipeline), "drift" or "rerun". False for an unknown name.
    bool showView(const QString& name);
    QString bannerText() const;
    /// What the status bar says (runs shown, matching, selected; loading).
    QString statusText() const;
    /// A database of more than `wholeUpTo` runs, when opened, shows its `newest` runs first and the
    /// rest when read (defaults: 200,000 and 1,000; tests use small ones). At 100,000 runs reading
    /// whole fills the table sooner (0.80 s) than newest first (0.24 s, then all at 0.94 s).
    void setOpeningInParts(qint64 wholeUpTo, int newest);
    bool isShowingWelcome() const;
    bool isLoading() const { return m_loading; }
    QStringList sources() const;
    QString currentSource() const { return m_current; }

    /// Opens `path` as a source (if not open yet) and shows it: a Reprise database, or another
    /// tracker's data (MLflow, TensorBoard, DVC, CSV logs — detected by content on a worker), which
    /// is read into a cache database as a background job (progress and Cancel in the status bar) and
    /// shown read-only.
    void openSource(const QString& path);
    /// The kind of the source shown as `path` (a cache shows the kind of what it caches).
    SourceKind sourceKind(const QString& path) const;
    /// The path the user opened for the source shown as `path`.
    QString sourceLocation(const QString& path) const;
    /// The sources panel's line for a source (name, run count, kind and state).
    QString sourceLabel(const QString& path) const;
    /// True while a source is being opened or another tracker's data read or imported.
    bool isImporting() const;
    /// Imports another tracker's runs into the current database for good (File ▸ Import…) as a
    /// background job with its own progress and Cancel; a cancel leaves nothing of it.
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
    /// Runs are in the run table: all of them, or (a very large database being opened) its newest
    /// while the rest is read; runsLoaded() follows once every run is there.
    void runsShown();
    /// The details pane shows the run it was asked for.
    void detailsLoaded();
    /// The runs selected in the browser changed: the input of compare, DAG and rerun views.
    /// `source` is the current source (SourcesPanel::allSources() over all of them).
    void runSelectionChanged(const QString& source, const QStringList& runIds);

public Q_SLOTS:
    void reload();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildLayout();
    void buildMenus();
    /// Loads the current source's run table: every run, or with `changedRuns` only those, patched
    /// into the table shown when it is that source's.
    void load(const QStringList& changedRuns);
    /// The Go menu, sorting from the keyboard and the panes' Tab order (main_window_keys.cpp).
    void buildKeyboard(QMenu* view);
    /// Sorts the run table by the column of its current cell: largest first, again the other way.
    void sortByCurrentColumn();
    /// Selects the run `step` rows below (above, when negative) the current one, alone.
    void stepRun(int step);
    /// Focus to the next (previous) pane: sources, filter, run table, the views.
    void stepPane(int step);
    void connectSources();
    void connectViews();
    void restoreSettings();
    void showBanner(const QString& text);
    /// Reads the run table with `read` on a worker, and with `before` (the table shown) computes the
    /// merge there too; then finishReading().
    void readRuns(quint64 ticket, const QString& path, std::function<LoadedRunTable()> read,
        std::shared_ptr<const RunTable> before);
    void finishReading(
        quint64 ticket, const QString& path, std::pair<LoadedRunTable, std::optional<RunTableMerge>> loaded);
    void onRunsLoaded(const QString& source, LoadedRunTable loaded, std::optional<RunTableMerge> merge);
    void onSelectionChanged(const QStringList& ids);
    void onSourceAdded(const QString& path, bool show);
    void setLoading(bool loading);
    /// What the views compute, for the status bar's progress and Cancel (polled: views say nothing).
    void updateBusy();
    void updateStatus();
    QString loadingText() const;
    void loadDemo();
    void openWithDialog(SourceChoice choice);
    /// File ▸ Connect to Team Store…
    void connectToTeamStore();
    /// The open sources as a session remembers them: what the user opened, never a password.
    QStringList sessionSources() const;
    /// Whether the table over every open source is shown.
    bool showingAll() const;
    /// The database the runs `ids` are read from: the current source, or over all sources the one
    /// holding them (empty when they are in several).
    QString sourceOfRuns(const QStringList& ids) const;
    /// Reads the run table shown: the current source's, or every source's joined. Any thread.
    /// `recover`: runs of this host whose process died are marked killed first (see loadRunTableAt).
    std::function<LoadedRunTable()> runTableReader(bool recover = true) const;

    JobController* m_jobs;
    SourceRegistry* m_sources;
    QString m_current;
    QString m_notice; ///< shown in the banner after the next load (what an import did)
    bool m_closing = false; ///< closing once the background jobs have stopped
    bool m_bannerFromLoad = false; ///< the banner says why the current source could not be loaded

    QLabel* m_banner;
    SourcesPanel* m_panel;
    QStackedWidget* m_center;
    WelcomePage* m_welcome;
    RunBrowser* m_browser;
    RunActions* m_runActions;
    RerunQueue* m_rerunQueue;
    SelectionTabs* m_tabs;
    RerunActions* m_rerunActions;
    ChartActions* m_chartActions = nullptr;
    SweepActions* m_sweepActions;
    CommandPalette* m_palette;
    QSplitter* m_mainSplit;
    QSplitter* m_rightSplit;
    QLabel* m_status;
    JobStatus* m_jobStatus;
    RecentMenu* m_recent = nullptr;

    quint64 m_loadGeneration = 0;
    bool m_loading = false;
    bool m_reloadPending = false;
    /// While a very large database opens: how many runs it has, of which the table shows the newest.
    qint64 m_partOf = 0;
    qint64 m_runsReadWhole = 200000; ///< see setOpeningInParts()
    static constexpr qint64 kTeamCopyReadWhole = 50000; ///< the same for a team store's local copy
    int m_firstRunsShown = 1000;
    QStringList m_selection; ///< the runs the views were last given
    QStringList m_changedRuns; ///< of the current source, said by runsChanged, read at its dataChanged
};

} // namespace reprise
