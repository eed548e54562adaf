#include "main_window.h"

#include "bundle_actions.h"
#include "chart_actions.h"
#include "cli/cli_common.h"
#include "drift/drift_view.h"
#include "files/file_dialogs.h"
#include "files/recent_menu.h"
#include "jobs/job_controller.h"
#include "jobs/job_status.h"
#include "launch/rerun_queue.h"
#include "palette/command_palette.h"
#include "rerun/rerun_panel.h"
#include "rerun_actions.h"
#include "run_actions.h"
#include "run_filter_proxy.h"
#include "runs/run_browser.h"
#include "selection/selection_tabs.h"
#include "sources/source_registry.h"
#include "sources/sources_panel.h"
#include "store/run_store.h"
#include "store/run_table_loader.h"
#include "sweep/sweep_actions.h"
#include "sweep/sweep_progress.h"
#include "team/team_location.h"
#include "text/display_text.h"
#include "welcome/welcome_page.h"

#include <QAbstractItemDelegate>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace reprise {

MainWindow::MainWindow(const QStringList& databases, Session session, QWidget* parent)
    : QMainWindow(parent)
    , m_jobs(new JobController(this))
    , m_sources(new SourceRegistry(m_jobs, this))
    , m_banner(new QLabel(this))
    , m_panel(new SourcesPanel(m_sources, this))
    , m_center(new QStackedWidget(this))
    , m_welcome(new WelcomePage(this))
    , m_browser(new RunBrowser(this))
    , m_runActions(new RunActions(
          m_browser, [this](const QStringList& ids) { return sourceOfRuns(ids); },
          [this](const QString& id) { return m_tabs->notesOf(id); }, this))
    , m_rerunQueue(new RerunQueue(this))
    , m_tabs(new SelectionTabs(m_browser, m_rerunQueue, this))
    , m_rerunActions(new RerunActions(
          m_browser, m_tabs->reruns(), m_rerunQueue, [this](const QString& id) { return sourceOfRuns({ id }); },
          [this] { m_tabs->showView(QStringLiteral("rerun")); }, this))
    , m_sweepActions(new SweepActions(
          [this](const QString& id) { return sourceOfRuns({ id }); }, cli::defaultDatabasePath(), this, this))
    , m_palette(new CommandPalette(this))
    , m_mainSplit(new QSplitter(Qt::Horizontal, this))
    , m_rightSplit(new QSplitter(Qt::Vertical, this))
    , m_status(new QLabel(this))
    , m_jobStatus(new JobStatus(m_jobs, this))
{
    setWindowTitle(QStringLiteral("Reprise"));
    setAcceptDrops(true);
    buildLayout();
    buildMenus();
    connectSources();
    connectViews();
    resize(1280, 800);

    QStringList open = databases;
    if (session == Session::Restore) {
        restoreSettings();
        for (const QString& path : QSettings().value(QStringLiteral("sources/open")).toStringList()) {
            if (!open.contains(path) && (QFileInfo::exists(path) || isTeamStoreLocation(path)))
                open << path;
        }
    }
    // Looked at on a worker, in this order; the first one that can be shown becomes current, or
    // with several all of them in one table, loaded once they are all open.
    if (open.size() >= 2)
        m_current = SourcesPanel::allSources();
    for (const QString& path : open)
        m_sources->open(path, false);
    // Deferred to the event loop, so whoever constructs the window can connect to runsLoaded first
    // (a load that finishes at once would otherwise report before anyone listens).
    QTimer::singleShot(0, this, &MainWindow::reload);
}

MainWindow::~MainWindow()
{
    // Jobs are stopped before anything they report to goes; closeEvent() does it without waiting.
    m_jobs->cancelAndWait();
}

void MainWindow::buildLayout()
{
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("background: #fdecea; color: #611a15; padding: 6px; border-radius: 3px;"));
    m_banner->setAccessibleName(tr("Problem"));
    m_banner->hide();
    m_status->setTextFormat(Qt::PlainText); // it names paths and sources

    m_center->addWidget(m_browser);
    m_center->addWidget(m_welcome);
    m_mainSplit->addWidget(m_panel);
    m_rightSplit->addWidget(m_center);
    m_rightSplit->addWidget(m_tabs);
    m_rightSplit->setStretchFactor(0, 3);
    m_rightSplit->setStretchFactor(1, 2);
    m_mainSplit->addWidget(m_rightSplit);
    m_mainSplit->setStretchFactor(0, 0);
    m_mainSplit->setStretchFactor(1, 1);
    m_mainSplit->setSizes({ 230, 1050 });

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_banner);
    layout->addWidget(m_mainSplit, 1);
    setCentralWidget(central);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_jobStatus);
    // Views say nothing when they start or stop computing: their state is looked at 10 times a second.
    auto* busyPoll = new QTimer(this);
    busyPoll->setInterval(100);
    connect(busyPoll, &QTimer::timeout, this, &MainWindow::updateBusy);
    busyPoll->start();
}

void MainWindow::connectViews()
{
    connect(m_rerunActions, &RerunActions::failed, this, &MainWindow::showBanner);
    // Sweeps: from the selected run (Runs menu and the table's context menu); each sweep shows as one
    // item in the Reruns tab (progress, Cancel), its members in the run table as they record.
    connect(m_browser, &RunBrowser::selectionChanged, m_sweepActions, &SweepActions::setSelectedRuns);
    connect(m_sweepActions, &SweepActions::failed, this, &MainWindow::showBanner);
    connect(m_sweepActions, &SweepActions::sweepStarted, this, [this](SweepProgressView* view) {
        m_tabs->reruns()->addSweep(view);
        showView(QStringLiteral("rerun"));
    });
    m_runActions->setSourceOpen([this](const QString& path) { return m_sources->contains(path); });
    m_rerunActions->setOpenSources([this] { return m_sources->paths(); });
    const auto teamLocation = [this](const QString& path) {
        const SourceInfo source = m_sources->info(path);
        return source.kind == SourceKind::TeamStore ? source.location : QString();
    };
    m_rerunActions->setTeamLocation(teamLocation);
    m_runActions->setTeamLocation(teamLocation);
    const auto sharedName = [this](const QString& path) {
        const SourceInfo source = m_sources->info(path);
        return source.foreign ? source.shownLocation() : QString();
    };
    m_rerunActions->setSharedName(sharedName);
    m_sweepActions->setSharedName(sharedName);
    m_runActions->setReadOnlyReason([this](const QString& path) {
        const SourceInfo source = m_sources->info(path);
        if (!source.foreign)
            return QString();
        if (source.kind == SourceKind::TeamStore)
            return QString(); // written to the store itself, which refuses what is not the login's own
        return tr("%1 is %2, shown read-only: changes would be lost when it is read again.\n"
                  "Import it into your database to keep changes: reprise import %3")
            .arg(source.name(), toString(source.kind), source.shownLocation());
    });
    connect(m_welcome, &WelcomePage::openRequested, this, [this] { openWithDialog(SourceChoice::File); });
    connect(m_welcome, &WelcomePage::demoRequested, this, &MainWindow::loadDemo);
    connect(m_welcome, &WelcomePage::copied, m_status, &QLabel::setText);
    connect(m_tabs->drift(), &DriftView::driftComputed, this,
        [this](const QHash<QString, double>& shares) { m_browser->model()->setExtraColumn(tr("drift"), shares); });
    connect(m_tabs, &SelectionTabs::detailsLoaded, this, &MainWindow::detailsLoaded);
    connect(m_tabs, &SelectionTabs::runsBrushed, this, &MainWindow::selectRuns);
    connect(m_browser->view()->itemDelegate(), &QAbstractItemDelegate::closeEditor, this, [this] {
        QTimer::singleShot(0, this, [this] { // once the view has left its editing state
            if (std::exchange(m_reloadPending, false))
                reload();
        });
    });
    connect(m_runActions, &RunActions::written, this, [this] {
        showBanner({});
        reload();
        m_tabs->reloadSelection(); // names, notes and tags shown by the views may have changed
    });
    connect(m_runActions, &RunActions::refused, this, &MainWindow::showBanner);
    connect(m_browser, &RunBrowser::selectionChanged, this, &MainWindow::onSelectionChanged);
    connect(m_browser, &RunBrowser::columnsChanged, this, &MainWindow::saveSettings);
    connect(m_browser->proxy(), &QAbstractItemModel::layoutChanged, this, [this] {
        // A filter that hides selected runs drops them from the selection without a selection
        // signal: they leave every view as well.
        const QStringList ids = m_browser->selectedRunIds();
        if (QSet<QString>(ids.begin(), ids.end()) != QSet<QString>(m_selection.begin(), m_selection.end()))
            onSelectionChanged(ids);
        updateStatus();
    });
}

void MainWindow::buildMenus()
{
    auto* bundles = new BundleActions(
        this, [this] { return m_browser->selectedRunIds(); },
        // The database of the run selected (over all sources, the one holding it); a bundle opened is
        // recorded there when it is the user's own, else in the default database.
        [this] { return sourceOfRuns(m_browser->selectedRunIds()); });
    connect(
        bundles, &BundleActions::message, this, [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, [this] { openWithDialog(SourceChoice::File); });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Folder…"), this, [this] { openWithDialog(SourceChoice::Folder); });
    file->addAction(tr("Connect to &Team Store…"), this, &MainWindow::connectToTeamStore);
    file->addAction(tr("&Import into This Database…"), this, [this] {
        if (const QString chosen = chooseSource(this, SourceChoice::ToImport, QDir::homePath()); !chosen.isEmpty())
            importIntoCurrent(chosen);
    });
    file->addAction(bundles->openAction());
    m_recent = new RecentMenu(tr("Open &Recent"), this);
    connect(m_recent, &RecentMenu::chosen, this, &MainWindow::openSource);
    file->addMenu(m_recent);
    QAction* close = file->addAction(tr("&Close Source"), this, [this] {
        if (!showingAll())
            closeSource(m_current); // over all sources, each closes from its line in the panel
    });
    close->setShortcut(QKeySequence::Close);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_runActions->undoAction());
    edit->addAction(m_runActions->redoAction());

    QMenu* runs = menuBar()->addMenu(tr("&Runs"));
    const QList<QAction*> runActions = m_runActions->actions();
    for (QAction* action : runActions) {
        if (action->isCheckable())
            runs->addSeparator();
        runs->addAction(action);
    }
    runs->addSeparator();
    runs->addAction(m_rerunActions->rerunAction());
    runs->addAction(m_sweepActions->sweepAction());
    m_browser->view()->addAction(m_sweepActions->sweepAction());
    runs->addAction(m_rerunActions->verifyAction());
    runs->addAction(bundles->exportAction());
    // The run table's right-click menu offers the same actions (they are added to the view).
    m_browser->view()->setContextMenuPolicy(Qt::ActionsContextMenu);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* palette = view->addAction(tr("Command &Palette…"), this, [this] {
        m_chartActions->refreshGroupings(); // the palette offers each grouping the compared runs have
        m_palette->setActions(CommandPalette::menuActions(menuBar()) + CommandPalette::offeredActions(this));
        m_palette->popUp();
    });
    palette->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    QAction* reloadAction = view->addAction(tr("&Reload"), this, &MainWindow::reload);
    reloadAction->setShortcut(QKeySequence::Refresh);
    // Another tracker's data is a snapshot: read it again when it changed (nothing to do otherwise).
    view->addAction(tr("Read Source &Again"), this, [this] { m_sources->readAgain(m_current); });
    QAction* find = view->addAction(tr("&Filter Runs"), this, [this] {
        m_browser->filterEdit()->setFocus();
        m_browser->filterEdit()->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    setPaletteSynonyms(find, { tr("search"), tr("query"), tr("find") });
    buildKeyboard(view);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplit->restoreState(settings.value(QStringLiteral("window/mainSplit")).toByteArray());
    m_rightSplit->restoreState(settings.value(QStringLiteral("window/rightSplit")).toByteArray());
    m_browser->setHiddenColumns(settings.value(QStringLiteral("browser/hiddenColumns")).toStringList());
    m_browser->setPinnedColumns(settings.value(QStringLiteral("browser/pinnedColumns")).toStringList());
    m_recent->setPaths(settings.value(QStringLiteral("sources/recent")).toStringList());
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplit"), m_mainSplit->saveState());
    settings.setValue(QStringLiteral("window/rightSplit"), m_rightSplit->saveState());
    settings.setValue(QStringLiteral("browser/hiddenColumns"), m_browser->hiddenColumns());
    settings.setValue(QStringLiteral("browser/pinnedColumns"), m_browser->pinnedColumns());
    settings.setValue(QStringLiteral("sources/open"), sessionSources());
    settings.setValue(QStringLiteral("sources/recent"), m_recent->paths());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!m_closing && m_rerunQueue->isBusy()
        && QMessageBox::question(this, tr("Quit Reprise"),
               tr("A rerun is still running. Quit and stop it? (It is recorded as killed.)"),
               QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            != QMessageBox::Yes) {
        event->ignore();
        return;
    }
    if (!m_closing)
        saveSettings();
    if (m_jobs->isBusy()) {
        // Background jobs stop at their next check (a cancelled import leaves nothing); the window
        // closes when the last one has, without blocking meanwhile.
        m_closing = true;
        m_jobs->cancelAll();
        m_status->setText(tr("Stopping background work before closing…"));
        connect(m_jobs, &JobController::allFinished, this, &QWidget::close, Qt::UniqueConnection);
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (std::any_of(urls.begin(), urls.end(), [](const QUrl& u) { return u.isLocalFile(); }))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile())
            openSource(url.toLocalFile());
    }
    event->acceptProposedAction();
}

QString MainWindow::bannerText() const { return m_banner->isHidden() ? QString() : m_banner->text(); }

bool MainWindow::isShowingWelcome() const { return m_center->currentWidget() == m_welcome; }

void MainWindow::showBanner(const QString& text)
{
    m_bannerFromLoad = false;
    // Problems quote file names, run names and importers' messages: shown, never obeyed.
    m_banner->setText(visibleText(text, LineBreaks::Keep));
    m_banner->setVisible(!text.isEmpty());
}

void MainWindow::setLoading(bool loading)
{
    m_loading = loading;
    updateBusy();
}

void MainWindow::updateBusy()
{
    std::function<void()> cancel;
    const bool computing = m_tabs->isComputing(&cancel);
    m_jobStatus->setOtherWork(m_loading || computing, cancel);
}

RunDetails* MainWindow::runDetails() const { return m_tabs->details(); }
DagView* MainWindow::dagView() const { return m_tabs->dag(); }
CompareView* MainWindow::compareView() const { return m_tabs->compare(); }
DriftView* MainWindow::driftView() const { return m_tabs->drift(); }
RerunPanel* MainWindow::rerunPanel() const { return m_tabs->reruns(); }

void MainWindow::reload() { load({}); }

void MainWindow::load(const QStringList& changedRuns)
{
    if (m_current.isEmpty()) {
        m_partOf = 0;
        m_browser->model()->setRuns(nullptr, nowSeconds());
        if (m_sources->isOpening()) {
            m_status->setText(tr("Opening…")); // the first source to be shown is still being looked at
            return;
        }
        m_center->setCurrentWidget(m_welcome);
        m_welcome->setMessage(tr("No database is open."));
        m_status->setText(tr("No source open"));
        Q_EMIT runsLoaded();
        return;
    }
    if (showingAll() && m_sources->isDetecting() && !m_browser->model()->runs()) {
        // Sources opened together are shown once each is known (another tracker's data that takes
        // long to read joins the table when it has been).
        m_status->setText(tr("Opening…"));
        return;
    }
    if (m_loading || m_browser->view()->isEditing()) {
        // One load at a time; a change during a load triggers one more afterwards. A merge keeps an
        // open editor, but a name being typed is not raced with a refresh: that one waits.
        m_reloadPending = true;
        return;
    }
    const quint64 ticket = ++m_loadGeneration;
    const QString path = m_current;
    // A refresh of the source shown is merged into the table by run id, the difference computed
    // here on the worker: selection, scroll position and a name being edited stay where they are.
    std::shared_ptr<const RunTable> before = m_browser->source() == path ? m_browser->model()->runs() : nullptr;
    setLoading(true);
    m_status->setText(loadingText());
    // Only a few runs of one large table changed (a team store's copy brought up to date): those
    // are read again and patched in, instead of every run.
    const bool patch = !changedRuns.isEmpty() && changedRuns.size() <= 2000 && before && !before->spansSources();
    if (patch) {
        readRuns(
            ticket, path,
            [path, before, changedRuns] {
                LoadedRunTable loaded = loadChangedRunsAt(path, before, changedRuns);
                if (loaded.runs)
                    loaded.runs->soleSourceName = before->soleSourceName;
                return loaded;
            },
            before);
        return;
    }
    if (before || showingAll())
        return readRuns(ticket, path, runTableReader(), before);
    // A source opened: a very large one shows its newest runs at once, and the rest is merged in
    // when read (at a million runs, under a second instead of ten).
    const SourceInfo info = m_sources->info(path);
    // A team store's copy is opened after a round trip to its server: from fewer runs on, its newest
    // are shown first (100,000 runs: painted in 0.73 s instead of 1.24 s).
    const qint64 wholeUpTo
        = info.kind == SourceKind::TeamStore ? std::min(m_runsReadWhole, kTeamCopyReadWhole) : m_runsReadWhole;
    QtConcurrent::run([path, recover = !info.foreign, name = info.name(), newest = m_firstRunsShown, wholeUpTo] {
        auto first = std::make_shared<FirstRunTable>(loadFirstRunTableAt(path, recover, newest, wholeUpTo));
        if (first->table.runs)
            first->table.runs->soleSourceName = name;
        return first; // shared: QFuture hands a copyable result over by copying it, on the GUI thread
    }).then(this, [this, ticket, path](const std::shared_ptr<FirstRunTable>& read) {
        FirstRunTable& first = *read;
        if (first.whole)
            return finishReading(ticket, path, { std::move(first.table), std::nullopt });
        if (ticket != m_loadGeneration || path != m_current || m_browser->view()->isEditing()) {
            // Not to be shown any more: whatever is current is loaded afresh.
            setLoading(false);
            m_reloadPending = false;
            return reload();
        }
        onRunsLoaded(path, std::move(first.table), std::nullopt);
        readRuns(ticket, path, runTableReader(false), m_browser->model()->runs());
    });
}

void MainWindow::readRuns(
    quint64 ticket, const QString& path, std::function<LoadedRunTable()> read, std::shared_ptr<const RunTable> before)
{
    using Read = std::pair<LoadedRunTable, std::optional<RunTableMerge>>;
    QtConcurrent::run([read = std::move(read), before] {
        LoadedRunTable loaded = read();
        std::optional<RunTableMerge> merge;
        if (before && loaded.runs)
            merge = RunTableModel::diff(before, std::make_shared<const RunTable>(std::move(*loaded.runs)));
        // Shared: QFuture hands a copyable result over by copying it, on the GUI thread (at a
        // million runs a copy of 300 MB).
        return std::make_shared<Read>(std::move(loaded), std::move(merge));
    }).then(this, [this, ticket, path](const std::shared_ptr<Read>& loaded) {
        finishReading(ticket, path, std::move(*loaded));
    });
}

void MainWindow::finishReading(
    quint64 ticket, const QString& path, std::pair<LoadedRunTable, std::optional<RunTableMerge>> loaded)
{
    setLoading(false);
    if (m_browser->view()->isEditing()) {
        m_reloadPending = true; // loaded again once the editor closes
        return;
    }
    if (ticket == m_loadGeneration)
        onRunsLoaded(path, std::move(loaded.first), std::move(loaded.second));
    if (std::exchange(m_reloadPending, false))
        reload();
}

void MainWindow::onRunsLoaded(const QString& source, LoadedRunTable loaded, std::optional<RunTableMerge> merge)
{
    m_partOf = loaded.partOf;
    if (source != m_current) {
        reload();
        return;
    }
    if (!loaded.runs && !merge) {
        showBanner(loaded.runs.error().text());
        m_bannerFromLoad = true;
        m_status->setText(tr("Could not read %1").arg(visibleText(source)));
        Q_EMIT runsLoaded();
        return;
    }
    // A notice waiting for this load (what an import did) shows unless the load has a warning. A
    // load's own problem goes once a load succeeds; anything else stays until replaced (a reload
    // by the watcher right after an import must not hide what the import said).
    const QString& warning = loaded.warning;
    if (!warning.isEmpty() || !m_notice.isEmpty() || m_bannerFromLoad) {
        showBanner(warning.isEmpty() ? std::exchange(m_notice, QString()) : warning);
        m_bannerFromLoad = !warning.isEmpty();
    }
    if (merge)
        m_browser->showRuns(source, std::move(*merge), nowSeconds());
    else
        // Moved, not copied: at a million runs a copy was 15 % of the opening and 300 MB of its peak.
        m_browser->showRuns(source, std::make_shared<const RunTable>(std::move(*loaded.runs)), nowSeconds());
    const bool empty = m_browser->model()->runs()->rowCount() == 0;
    m_center->setCurrentWidget(empty ? static_cast<QWidget*>(m_welcome) : static_cast<QWidget*>(m_browser));
    m_tabs->setVisible(!empty); // nothing to detail on the welcome page
    m_welcome->setMessage(
        showingAll() ? tr("The open sources have no runs.") : tr("%1 has no runs.").arg(visibleText(source)));
    updateStatus();
    Q_EMIT runsShown();
    if (m_partOf == 0)
        Q_EMIT runsLoaded();
}

QString MainWindow::statusText() const { return m_status->text(); }

void MainWindow::setOpeningInParts(qint64 wholeUpTo, int newest)
{
    m_runsReadWhole = wholeUpTo;
    m_firstRunsShown = newest;
}

QString MainWindow::loadingText() const
{
    return tr("Loading %1…").arg(showingAll() ? tr("all sources") : visibleText(m_current));
}

void MainWindow::updateStatus()
{
    const auto& table = m_browser->model()->runs();
    const int total = table ? int(table->rowCount()) : 0;
    const int shown = m_browser->proxy()->rowCount();
    const int selected = int(m_browser->selectedRunIds().size());
    if (!table && m_loading)
        return m_status->setText(loadingText());
    const QString runs = total == 1 ? tr("1 run") : tr("%1 runs").arg(total);
    QString text = shown == total ? runs : tr("%1 of %2 match the filter").arg(shown).arg(runs);
    if (m_partOf > 0) {
        // Sorting and filtering work on the runs shown; the rest join them when read.
        text = tr("The newest %1 of %2 runs (reading the rest…)").arg(total).arg(m_partOf);
        if (shown != total)
            text += tr(" · %1 match the filter").arg(shown);
    }
    if (selected > 0)
        text += tr(" · %1 selected").arg(selected);
    if (m_current.isEmpty())
        return m_status->setText(text);
    if (showingAll())
        return m_status->setText(text + tr(" · %1 sources").arg(m_sources->paths().size()));
    const SourceInfo source = m_sources->info(m_current);
    text += QStringLiteral(" · ") + visibleText(sourceLocation(m_current));
    if (source.foreign)
        text += QStringLiteral(" (") + toString(source.kind) + tr(", read-only)");
    m_status->setText(text);
}

void MainWindow::onSelectionChanged(const QStringList& ids)
{
    m_selection = ids;
    Q_EMIT runSelectionChanged(m_current, ids);
    m_tabs->setSelection(m_current, ids);
    updateStatus();
}

bool MainWindow::showView(const QString& name)
{
    if (!m_tabs->showView(name))
        return false;
    // The reruns and the pipeline need room: give them most of the height.
    const int total = m_rightSplit->height() > 0 ? m_rightSplit->height() : 800;
    const int top = name == QLatin1String("rerun") ? 30 : name == QLatin1String("dag") ? 35 : 25;
    if (name != QLatin1String("runs"))
        m_rightSplit->setSizes({ total * top / 100, total * (100 - top) / 100 });
    return true;
}

void MainWindow::selectRuns(const QStringList& ids)
{
    m_browser->selectRunIds(ids);
    const QModelIndexList rows = m_browser->view()->selectionModel()->selectedIndexes();
    if (!rows.isEmpty())
        m_browser->view()->scrollTo(rows.first());
}

} // namespace reprise
