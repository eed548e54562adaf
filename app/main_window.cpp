#include "main_window.h"

#include "charts/compare_view.h"
#include "dag/dag_view.h"
#include "demo/demo_generator.h"
#include "drift/drift_view.h"
#include "files/file_dialogs.h"
#include "import/source_cache.h"
#include "import/source_import.h"
#include "launch/rerun_queue.h"
#include "palette/command_palette.h"
#include "rerun/rerun_panel.h"
#include "rerun_actions.h"
#include "run_actions.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "runs/run_details.h"
#include "store/database_watcher.h"
#include "store/run_recovery.h"
#include "store/run_store.h"
#include "text/display_text.h"

#include <QAbstractItemDelegate>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace reprise {

namespace {

    constexpr int kMaxRecent = 10;
    constexpr int kPathRole = Qt::UserRole;
    constexpr int kProjectRole = Qt::UserRole + 1;

    struct LoadedRuns {
        Result<RunTable> runs;
        QString warning; ///< readable, but with a caveat (a newer schema)
    };

    struct RunDetailsSnapshot {
        RunRecord run;
        QList<OutputChunk> output;
        QList<RunRecord> all; ///< every selected run (at most kMaxCompared), for the other views
    };

    constexpr int kMaxCompared = 200;

    Result<RunDetailsSnapshot> loadDetails(const QString& path, const QStringList& ids)
    {
        auto store = RunStore::open(path, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        auto load = [&](const QString& id) { return store->loadRun(id); };
        auto run = load(ids.first());
        if (!run)
            return run.error();
        auto output = store->loadOutput(*store->resolveRun(ids.first()));
        if (!output)
            return output.error();
        RunDetailsSnapshot snapshot { *run, *output, { *run } };
        for (qsizetype i = 1; i < std::min<qsizetype>(ids.size(), kMaxCompared); ++i) {
            auto other = load(ids[i]);
            if (!other)
                return other.error();
            snapshot.all << *other;
        }
        return snapshot;
    }

    /// Projects and their run counts: the sources panel's summary of a database.
    /// Whether `path` is opened as a Reprise database (or reported as not being one) rather than
    /// read as another tracker's data. Reads at most a file's header and its table names.
    bool isRepriseCandidate(const QString& path)
    {
        const QFileInfo info(path);
        if (!info.exists())
            return true; // the loader says "no such database"
        if (info.isDir())
            return false;
        const SourceKind kind = detectSource(path);
        return kind == SourceKind::Reprise || kind == SourceKind::Unknown;
    }

    struct SourceSummary {
        QMap<QString, int> projects;
        bool readOnly = false; ///< not writable by us, or written by a newer Reprise
    };

    Result<SourceSummary> loadProjects(const QString& path)
    {
        auto db = Database::open(path, OpenMode::ReadOnly);
        if (!db)
            return db.error();
        SourceSummary summary;
        summary.readOnly = (*db)->schemaVersion() > latestSchemaVersion() || !QFileInfo(path).isWritable()
            || !QFileInfo(QFileInfo(path).absolutePath()).isWritable();
        auto s = (*db)->prepare("SELECT p.name, count(r.id) FROM projects p LEFT JOIN runs r ON r.project_id = p.id "
                                "GROUP BY p.id ORDER BY p.name");
        if (!s)
            return s.error();
        while (s->step() == SQLITE_ROW)
            summary.projects.insert(s->text(0), int(s->int64(1)));
        return summary;
    }

    QString errorText(const Error& e) { return e.hint.isEmpty() ? e.message : e.message + u'\n' + e.hint; }

    const char* kRunExample = "reprise run --project my-project -- python train.py";
    const char* kPythonExample = "import reprise\n"
                                 "with reprise.start_run(project=\"my-project\", params={\"lr\": 0.01}) as run:\n"
                                 "    run.log_metric(\"loss\", 0.42, step=1)\n";

} // namespace

MainWindow::MainWindow(const QStringList& databases, Session session, QWidget* parent)
    : QMainWindow(parent)
    , m_banner(new QLabel(this))
    , m_sourceTree(new QTreeWidget(this))
    , m_center(new QStackedWidget(this))
    , m_welcome(nullptr)
    , m_welcomePath(new QLabel(this))
    , m_demoButton(new QPushButton(tr("Load the demo database"), this))
    , m_browser(new RunBrowser(this))
    , m_details(new RunDetails(this))
    , m_compare(new CompareView(this))
    , m_dag(new DagView(this))
    , m_drift(new DriftView(this))
    , m_runActions(new RunActions(
          m_browser, [this] { return m_current; },
          [this](const QString& id) {
              // Notes are not in the table snapshot; the selected runs' records have them.
              if (m_selectedRuns) {
                  for (const RunRecord& r : *m_selectedRuns) {
                      if (r.uuid == id)
                          return r.notes;
                  }
              }
              return QString();
          },
          this))
    , m_rerunQueue(new RerunQueue(this))
    , m_reruns(new RerunPanel(m_rerunQueue, this))
    , m_rerunActions(nullptr)
    , m_palette(new CommandPalette(this))
    , m_bottomTabs(new QTabWidget(this))
    , m_mainSplit(new QSplitter(Qt::Horizontal, this))
    , m_rightSplit(new QSplitter(Qt::Vertical, this))
    , m_status(new QLabel(this))
    , m_busy(new QProgressBar(this))
    , m_cancel(new QToolButton(this))
    , m_recentMenu(nullptr)
    , m_watchThread(new QThread(this))
{
    setWindowTitle(QStringLiteral("Reprise"));
    setAcceptDrops(true);
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("background: #fdecea; color: #611a15; padding: 6px; border-radius: 3px;"));
    m_banner->setAccessibleName(tr("Problem"));
    m_banner->hide();
    m_status->setTextFormat(Qt::PlainText); // it names paths and sources

    m_sourceTree->setHeaderLabel(tr("Sources"));
    m_sourceTree->setAccessibleName(tr("Sources"));
    m_sourceTree->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_sourceTree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        const QString path = item->data(0, kPathRole).toString();
        const QString project = item->data(0, kProjectRole).toString();
        if (path != m_current)
            setCurrentSource(path);
        QString escaped = project;
        escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        m_browser->filterEdit()->setText(
            project.isEmpty() ? QString() : QStringLiteral("project = \"%1\"").arg(escaped));
    });

    m_welcome = buildWelcomePage();
    m_center->addWidget(m_browser);
    m_center->addWidget(m_welcome);

    m_mainSplit->addWidget(m_sourceTree);
    m_rightSplit->addWidget(m_center);
    m_bottomTabs->addTab(m_details, tr("Details"));
    m_bottomTabs->addTab(m_compare, tr("Compare"));
    m_bottomTabs->addTab(m_dag, tr("Pipeline"));
    m_bottomTabs->addTab(m_drift, tr("Drift"));
    m_bottomTabs->addTab(m_reruns, tr("Reruns"));
    m_rerunActions = new RerunActions(
        m_browser, m_reruns, m_rerunQueue, [this] { return m_current; },
        [this] { m_bottomTabs->setCurrentWidget(m_reruns); }, this);
    connect(m_rerunActions, &RerunActions::failed, this, &MainWindow::showBanner);
    m_runActions->setReadOnlyReason([this](const QString& path) {
        if (!m_foreign.contains(path))
            return QString();
        const QString location = m_foreign.value(path).location;
        return tr("%1 is %2, shown read-only: changes would be lost when it is read again.\n"
                  "Import it into your database to keep changes: reprise import %3")
            .arg(QFileInfo(location).fileName(), toString(m_foreign.value(path).kind), location);
    });
    connect(m_drift, &DriftView::driftComputed, this,
        [this](const QHash<QString, double>& shares) { m_browser->model()->setExtraColumn(tr("drift"), shares); });
    m_rightSplit->addWidget(m_bottomTabs);
    connect(m_bottomTabs, &QTabWidget::currentChanged, this, &MainWindow::feedVisibleView);
    // Brushing runs in the parallel coordinates or the scatter selects them in the browser.
    connect(m_compare, &CompareView::runsBrushed, this, &MainWindow::selectRuns);
    // The parallel coordinates and scatter show the filtered runs: follow the filter.
    auto followFilter = [this] {
        if (m_bottomTabs->currentWidget() == m_compare)
            feedPlotTable();
    };
    connect(m_browser->proxy(), &QAbstractItemModel::layoutChanged, this, followFilter);
    connect(m_browser->proxy(), &QAbstractItemModel::modelReset, this, followFilter);
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
    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(120);
    m_busy->setAccessibleName(tr("Loading"));
    m_busy->hide();
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop computing this view"));
    m_cancel->setAccessibleName(tr("Cancel the computation"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        if (m_importing > 0)
            m_importCancel = true;
        else if (m_bottomTabs->currentWidget() == m_compare)
            m_compare->cancel();
        else if (m_bottomTabs->currentWidget() == m_drift)
            m_drift->cancel();
        updateBusy();
    });
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_busy);
    statusBar()->addPermanentWidget(m_cancel);
    // Anything that takes longer than half a second shows a progress bar (and Cancel, for the views
    // that can stop); quicker work flickers nothing.
    auto* busyPoll = new QTimer(this);
    busyPoll->setInterval(100);
    connect(busyPoll, &QTimer::timeout, this, &MainWindow::updateBusy);
    busyPoll->start();

    auto* foreignPoll = new QTimer(this);
    foreignPoll->setInterval(5000);
    connect(foreignPoll, &QTimer::timeout, this, &MainWindow::checkForeignSources);
    foreignPoll->start();

    buildMenus();
    connect(m_browser->view()->itemDelegate(), &QAbstractItemDelegate::closeEditor, this, [this] {
        // After the edit is committed (queued: the view leaves its editing state first).
        QTimer::singleShot(0, this, [this] {
            if (std::exchange(m_reloadPending, false))
                reload();
        });
    });
    connect(m_runActions, &RunActions::written, this, [this] {
        showBanner({});
        reload();
        m_fedViews.clear(); // names, notes and tags shown by the views may have changed
        onSelectionChanged(m_browser->selectedRunIds());
    });
    connect(m_runActions, &RunActions::refused, this, &MainWindow::showBanner);
    connect(m_browser, &RunBrowser::selectionChanged, this, &MainWindow::onSelectionChanged);
    connect(m_browser, &RunBrowser::columnsChanged, this, &MainWindow::saveSettings);
    connect(m_browser->proxy(), &QAbstractItemModel::layoutChanged, this, &MainWindow::updateStatus);
    resize(1280, 800);

    m_watchThread->setObjectName(QStringLiteral("reprise-watch"));
    m_watchThread->start();

    QStringList open = databases;
    if (session == Session::Restore) {
        restoreSettings();
        for (const QString& path : QSettings().value(QStringLiteral("sources/open")).toStringList()) {
            if (!open.contains(path) && QFileInfo::exists(path))
                open << path;
        }
    }
    for (const QString& path : open) {
        if (m_sources.contains(path))
            continue;
        if (isRepriseCandidate(path)) {
            m_sources << path;
            watch(path);
            refreshSummary(path);
        } else {
            openForeign(QFileInfo(path).absoluteFilePath(), false, false);
        }
    }
    m_current = m_sources.value(0);
    fillSources();
    // Deferred to the event loop, so whoever constructs the window can connect to runsLoaded first
    // (a load that finishes at once would otherwise report before anyone listens).
    QTimer::singleShot(0, this, &MainWindow::reload);
}

MainWindow::~MainWindow()
{
    // Watchers live on the watch thread: stop them there, then end the thread.
    for (auto& state : m_state) {
        if (state.watcher) {
            QMetaObject::invokeMethod(
                state.watcher,
                [w = state.watcher] {
                    w->stop();
                    w->deleteLater();
                },
                Qt::BlockingQueuedConnection);
        }
    }
    m_watchThread->quit();
    m_watchThread->wait();
}

QList<QPair<QString, QAction*>> MainWindow::menuActions() const
{
    // Every action of the menu bar, named by its menu path ("Runs ▸ Archive").
    QList<QPair<QString, QAction*>> out;
    // The text as the menu shows it: a single '&' marks a mnemonic, "&&" is a literal '&' (paths
    // of recent files have them).
    auto shown = [](const QString& text) {
        QString plain;
        for (qsizetype i = 0; i < text.size(); ++i) {
            if (text[i] == u'&' && ++i >= text.size())
                break;
            plain += text[i];
        }
        return plain;
    };
    std::function<void(const QMenu*, const QString&)> walk = [&](const QMenu* menu, const QString& path) {
        for (QAction* action : menu->actions()) {
            const QString name = path + shown(action->text());
            if (action->menu())
                walk(action->menu(), name + QStringLiteral(" ▸ "));
            else if (!action->isSeparator() && !action->text().isEmpty())
                out.append({ name, action });
        }
    };
    for (QAction* top : menuBar()->actions()) {
        if (top->menu())
            walk(top->menu(), shown(top->text()) + QStringLiteral(" ▸ "));
    }
    return out;
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::openWithDialog);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Folder…"), this, &MainWindow::openFolderWithDialog);
    file->addAction(tr("&Import into This Database…"), this, &MainWindow::importWithDialog);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    QAction* close = file->addAction(tr("&Close Source"), this, [this] { closeSource(m_current); });
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
    runs->addAction(m_rerunActions->verifyAction());
    // The run table's right-click menu offers the same actions (they are added to the view).
    m_browser->view()->setContextMenuPolicy(Qt::ActionsContextMenu);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* palette = view->addAction(tr("Command &Palette…"), this, [this] {
        m_palette->setActions(menuActions());
        m_palette->popUp();
    });
    palette->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    QAction* reloadAction = view->addAction(tr("&Reload"), this, &MainWindow::reload);
    // Another tracker's data is a snapshot: read it again when it changed (nothing to do otherwise).
    view->addAction(tr("Read Source &Again"), this, [this] {
        if (m_foreign.contains(m_current) && m_importing == 0)
            openForeign(m_foreign.value(m_current).location, true, true);
    });
    reloadAction->setShortcut(QKeySequence::Refresh);
    QAction* find = view->addAction(tr("&Filter Runs"), this, [this] {
        m_browser->filterEdit()->setFocus();
        m_browser->filterEdit()->selectAll();
    });
    find->setShortcut(QKeySequence::Find);

    auto* closeFromPanel = new QAction(tr("Close Source"), m_sourceTree);
    connect(closeFromPanel, &QAction::triggered, this, [this] {
        if (QTreeWidgetItem* item = m_sourceTree->currentItem())
            closeSource(item->data(0, kPathRole).toString());
    });
    m_sourceTree->addAction(closeFromPanel);
    updateRecentMenu();
}

QWidget* MainWindow::buildWelcomePage()
{
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    auto* title = new QLabel(tr("No runs here yet"), page);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    title->setFont(big);
    m_welcomePath->setTextFormat(Qt::PlainText);
    m_welcomePath->setParent(page);
    auto* text = new QLabel(tr("Record a run by wrapping any command:\n    %1\n\n"
                               "or log from Python code (standard library only):\n%2\n"
                               "or open another run database, or look around in the demo database.")
                                .arg(QString::fromLatin1(kRunExample),
                                    QString::fromLatin1(kPythonExample)
                                        .replace(u'\n', QStringLiteral("\n    "))
                                        .prepend(QStringLiteral("    "))),
        page);
    text->setTextFormat(Qt::PlainText);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* copyRun = new QPushButton(tr("Copy the reprise run command"), page);
    auto* copyPython = new QPushButton(tr("Copy the Python example"), page);
    auto* open = new QPushButton(tr("Open a database…"), page);
    connect(copyRun, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(QString::fromLatin1(kRunExample));
        m_status->setText(tr("Copied: %1").arg(QString::fromLatin1(kRunExample)));
    });
    connect(copyPython, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(QString::fromLatin1(kPythonExample));
        m_status->setText(tr("Copied the Python example"));
    });
    connect(open, &QPushButton::clicked, this, &MainWindow::openWithDialog);
    connect(m_demoButton, &QPushButton::clicked, this, &MainWindow::loadDemo);
    m_demoButton->setParent(page);
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : { copyRun, copyPython, open, m_demoButton })
        buttons->addWidget(b);
    buttons->addStretch();
    layout->addStretch();
    layout->addWidget(title);
    layout->addWidget(m_welcomePath);
    layout->addSpacing(8);
    layout->addWidget(text);
    layout->addLayout(buttons);
    layout->addStretch(2);
    return page;
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplit->restoreState(settings.value(QStringLiteral("window/mainSplit")).toByteArray());
    m_rightSplit->restoreState(settings.value(QStringLiteral("window/rightSplit")).toByteArray());
    m_browser->setHiddenColumns(settings.value(QStringLiteral("browser/hiddenColumns")).toStringList());
    m_recent = settings.value(QStringLiteral("sources/recent")).toStringList();
    updateRecentMenu();
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplit"), m_mainSplit->saveState());
    settings.setValue(QStringLiteral("window/rightSplit"), m_rightSplit->saveState());
    settings.setValue(QStringLiteral("browser/hiddenColumns"), m_browser->hiddenColumns());
    settings.setValue(QStringLiteral("sources/open"), m_sources);
    settings.setValue(QStringLiteral("sources/recent"), m_recent);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_rerunQueue->isBusy()
        && QMessageBox::question(this, tr("Quit Reprise"),
               tr("A rerun is still running. Quit and stop it? (It is recorded as killed.)"),
               QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            != QMessageBox::Yes) {
        event->ignore();
        return;
    }
    saveSettings();
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
    QWidget* view = m_bottomTabs->currentWidget();
    const bool cancellable = (view == m_compare && m_compare->isBusy()) || (view == m_drift && m_drift->isBusy());
    const bool importing = m_importing > 0;
    const bool busy = m_loading || cancellable || importing || (view == m_dag && m_dag->isBusy());
    if (importing) {
        // Reading another tracker's data: a real progress bar, and Cancel.
        m_busy->setRange(0, 1000);
        m_busy->setValue(m_importPermille);
    } else {
        m_busy->setRange(0, 0);
    }
    if (!busy) {
        m_busySince.invalidate();
        m_busy->hide();
        m_cancel->hide();
        return;
    }
    if (!m_busySince.isValid())
        m_busySince.start();
    const bool long_ = m_busySince.elapsed() >= 500;
    m_busy->setVisible(long_);
    m_cancel->setVisible(long_ && (cancellable || importing));
}

void MainWindow::openWithDialog()
{
    const QString start = m_current.isEmpty() ? QDir::homePath() : QFileInfo(m_current).absolutePath();
    const QString path = chooseOpenFile(this, tr("Open runs"), start,
        tr("Run data (*.db *.sqlite *.reprise *.csv dvc.yaml *tfevents*);;All files (*)"));
    if (!path.isEmpty())
        openSource(path);
}

void MainWindow::openFolderWithDialog()
{
    const QString start = m_current.isEmpty() ? QDir::homePath() : QFileInfo(sourceLocation(m_current)).absolutePath();
    const QString path = chooseDirectory(
        this, tr("Open a folder of runs (mlruns/, a TensorBoard log dir, a DVC project, Lightning logs)"), start);
    if (!path.isEmpty())
        openSource(path);
}

void MainWindow::importWithDialog()
{
    const QString start = QDir::homePath();
    const QString path = chooseDirectory(this,
        tr("Import runs from a folder (mlruns/, TensorBoard logs, a DVC project, Lightning logs) — or cancel to "
           "choose a file"),
        start);
    const QString chosen = !path.isEmpty() ? path
                                           : chooseOpenFile(this, tr("Import runs from a file"), start,
                                               tr("Run data (*.db *.csv *tfevents* dvc.yaml);;All files (*)"));
    if (!chosen.isEmpty())
        importIntoCurrent(chosen);
}

void MainWindow::importIntoCurrent(const QString& path)
{
    const QString target = m_current;
    if (target.isEmpty() || m_foreign.contains(target)) {
        showBanner(tr("Choose one of your own databases in the sources panel to import into."));
        return;
    }
    ++m_importing;
    m_importCancel = false;
    m_importPermille = 0;
    m_status->setText(tr("Importing %1…").arg(visibleText(QFileInfo(path).fileName())));
    auto* cancel = &m_importCancel;
    auto* permille = &m_importPermille;
    QtConcurrent::run([path, target, cancel, permille]() -> Result<ImportSummary> {
        auto store = RunStore::open(target, OpenMode::ReadWrite);
        if (!store)
            return store.error();
        ImportOptions options;
        options.control.cancel = cancel;
        options.control.progress = [permille](double f) { *permille = int(f * 1000); };
        return importSource(path, *store, options);
    }).then(this, [this, path](const Result<ImportSummary>& summary) {
        --m_importing;
        updateBusy();
        if (!summary) {
            showBanner(
                summary.error().message + (summary.error().hint.isEmpty() ? QString() : u'\n' + summary.error().hint));
            return;
        }
        QString text = tr("%1 (%2): %3 runs imported%6, %4 already there, %5 metric points.")
                           .arg(QFileInfo(path).fileName(), toString(summary->kind))
                           .arg(summary->runsAdded)
                           .arg(summary->runsSkipped)
                           .arg(summary->points)
                           .arg(repairedRunsText(*summary));
        for (const ImportProblem& p : summary->problems.mid(0, 5))
            text += u'\n' + p.file + QStringLiteral(": ") + p.message;
        m_notice = text;
        refreshSummary(m_current);
        reload();
    });
}

void MainWindow::openSource(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (auto it = m_foreign.begin(); it != m_foreign.end(); ++it)
        if (it->location == absolute) {
            rememberRecent(absolute);
            setCurrentSource(it.key());
            return;
        }
    if (!m_sources.contains(absolute) && !m_sources.contains(path) && !isRepriseCandidate(absolute)) {
        rememberRecent(absolute);
        openForeign(absolute, true, false);
        return;
    }
    addDatabase(m_sources.contains(path) ? path : absolute);
    rememberRecent(absolute);
    setCurrentSource(m_sources.contains(absolute) ? absolute : path);
    saveSettings();
}

void MainWindow::addDatabase(const QString& path)
{
    if (m_sources.contains(path))
        return;
    m_sources << path;
    watch(path);
    refreshSummary(path);
}

void MainWindow::openForeign(const QString& path, bool show, bool full)
{
    ++m_importing;
    m_importCancel = false;
    m_importPermille = 0;
    m_status->setText(tr("Reading %1…").arg(visibleText(QFileInfo(path).fileName())));
    auto* cancel = &m_importCancel;
    auto* permille = &m_importPermille;
    struct Opened {
        SourceKind kind;
        bool isFile;
        Result<CachedSource> cached;
    };
    QtConcurrent::run([path, cancel, permille, full] {
        ReadControl control;
        control.cancel = cancel;
        control.progress = [permille](double f) { *permille = int(f * 1000); };
        const SourceKind kind = detectSource(path);
        // A large MLflow database shows its run table from a summary first; the histories follow.
        return Opened { kind, QFileInfo(path).isFile(),
            refreshSourceCache(path, control, full ? CacheDepth::Full : CacheDepth::SummaryFirst, kind) };
    }).then(this, [this, path, show](const Opened& opened) {
        --m_importing;
        updateBusy();
        const Result<CachedSource>& cached = opened.cached;
        if (!cached) {
            // Not another tracker's data either: let the database loader say what it is.
            if (opened.kind == SourceKind::Unknown && opened.isFile) {
                addDatabase(path);
                setCurrentSource(path);
            } else {
                showBanner(
                    cached.error().message + (cached.error().hint.isEmpty() ? QString() : u'\n' + cached.error().hint));
                // Nothing more will load for it: whoever waits for this load (--screenshot) is told.
                if (m_importing == 0)
                    Q_EMIT runsLoaded();
            }
            return;
        }
        m_foreign.insert(cached->cache, ForeignSource { cached->source, cached->kind });
        const QString summary = sourceCachePath(cached->source, true);
        if (!cached->summaryOnly && m_sources.contains(summary)) {
            replaceSource(summary, cached->cache); // the full histories replace the summary
        } else {
            const bool known = m_sources.contains(cached->cache);
            addDatabase(cached->cache);
            // Shown when asked for, or when nothing else is; a rebuilt cache is read again.
            if (show || m_current.isEmpty() || m_current == cached->cache)
                setCurrentSource(cached->cache);
            else
                fillSources();
            if (known && m_current == cached->cache)
                refreshSummary(cached->cache);
        }
        QStringList problems;
        for (const ImportProblem& p : cached->summary.problems)
            problems << p.file + QStringLiteral(": ") + p.message;
        if (!problems.isEmpty())
            m_notice = (tr("%1 was read with %n problem(s); the valid part is shown:\n", nullptr, int(problems.size()))
                            .arg(QFileInfo(path).fileName())
                + QStringList(problems.mid(0, 5)).join(u'\n')
                + (problems.size() > 5 ? tr("\n… and %1 more").arg(problems.size() - 5) : QString()));
        if (cached->summaryOnly)
            openForeign(path, false, true);
        saveSettings();
    });
}

void MainWindow::replaceSource(const QString& from, const QString& to)
{
    const qsizetype index = m_sources.indexOf(from);
    if (index < 0)
        return;
    closeWatcher(from);
    m_sources[index] = to;
    m_state.remove(from);
    m_foreign.remove(from);
    watch(to);
    refreshSummary(to);
    if (m_current == from)
        setCurrentSource(to); // reloads, keeping the selection by run id
    else
        fillSources();
}

void MainWindow::checkForeignSources()
{
    if (m_foreign.isEmpty() || m_importing > 0)
        return;
    QMap<QString, QString> locations;
    for (auto it = m_foreign.begin(); it != m_foreign.end(); ++it)
        locations.insert(it.key(), it->location);
    QtConcurrent::run([locations] {
        QMap<QString, int> states; // 0 fresh, 1 stale, 2 unreachable
        for (auto it = locations.begin(); it != locations.end(); ++it)
            states.insert(it.key(), !QFileInfo::exists(*it) ? 2 : isSourceCacheFresh(*it) ? 0 : 1);
        return states;
    }).then(this, [this](const QMap<QString, int>& states) {
        bool changed = false;
        for (auto it = states.begin(); it != states.end(); ++it) {
            if (!m_foreign.contains(it.key()))
                continue;
            ForeignSource& f = m_foreign[it.key()];
            const bool stale = *it == 1, unreachable = *it == 2;
            changed |= f.stale != stale || f.unreachable != unreachable;
            f.stale = stale;
            f.unreachable = unreachable;
        }
        if (changed)
            fillSources();
    });
}

SourceKind MainWindow::sourceKind(const QString& path) const
{
    return m_foreign.contains(path) ? m_foreign.value(path).kind : SourceKind::Reprise;
}

QString MainWindow::sourceLocation(const QString& path) const
{
    return m_foreign.contains(path) ? m_foreign.value(path).location : path;
}

QString MainWindow::sourceLabel(const QString& path) const
{
    const SourceState& state = m_state.value(path);
    const QString name = visibleText(QFileInfo(sourceLocation(path)).fileName());
    if (!state.error.isEmpty())
        return name + tr("  · unreachable");
    QString label = name + QStringLiteral("  (%1)").arg(state.runs);
    if (m_foreign.contains(path)) {
        const ForeignSource& f = m_foreign[path];
        return label + QStringLiteral("  · ") + toString(f.kind)
            + (f.unreachable  ? tr(", unreachable (showing what was read)")
                    : f.stale ? tr(", stale (changed since read: View ▸ Read Source Again)")
                              : tr(", read-only"));
    }
    if (state.readOnly)
        return label + tr("  · read-only");
    return label;
}

void MainWindow::closeWatcher(const QString& path)
{
    if (DatabaseWatcher* w = m_state.value(path).watcher)
        QMetaObject::invokeMethod(
            w,
            [w] {
                w->stop();
                w->deleteLater();
            },
            Qt::QueuedConnection);
    m_state[path].watcher = nullptr;
}

void MainWindow::closeSource(const QString& path)
{
    if (!m_sources.contains(path))
        return;
    m_sources.removeAll(path);
    closeWatcher(path);
    m_state.remove(path);
    if (m_current == path)
        setCurrentSource(m_sources.value(0));
    else
        fillSources();
    saveSettings();
}

void MainWindow::setCurrentSource(const QString& path)
{
    if (m_current != path) {
        m_current = path;
        m_browser->filterEdit()->clear();
    }
    fillSources();
    reload();
}

void MainWindow::rememberRecent(const QString& path)
{
    m_recent.removeAll(path);
    m_recent.prepend(path);
    while (m_recent.size() > kMaxRecent)
        m_recent.removeLast();
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    for (const QString& path : m_recent) {
        // Paths are shown as plain text; '&' would otherwise become a mnemonic.
        QString label = visibleText(path);
        label.replace(u'&', QStringLiteral("&&"));
        m_recentMenu->addAction(label, this, [this, path] { openSource(path); });
    }
    m_recentMenu->setEnabled(!m_recent.isEmpty());
}

void MainWindow::watch(const QString& path)
{
    auto* watcher = new DatabaseWatcher(path);
    watcher->moveToThread(m_watchThread);
    m_state[path].watcher = watcher;
    connect(watcher, &DatabaseWatcher::changed, this, [this, path] {
        refreshSummary(path);
        if (path == m_current) {
            reload();
            // Running runs' charts grow with their new points, zoom kept (the watcher polls at
            // most once a second, so repaints are coalesced well beyond 40 ms).
            if (m_bottomTabs->currentWidget() == m_compare)
                m_compare->refresh();
        }
    });
    connect(watcher, &DatabaseWatcher::lost, this, [this, path](const QString& message) {
        m_state[path].error = message;
        if (path == m_current)
            showBanner(message + u'\n'
                + tr("The runs shown are the last ones read. Reopen it with File ▸ Open when it is back."));
        fillSources();
    });
    connect(watcher, &DatabaseWatcher::restored, this, [this, path] {
        m_state[path].error.clear();
        refreshSummary(path);
        if (path == m_current) {
            reload();
            // Running runs' charts grow with their new points, zoom kept (the watcher polls at
            // most once a second, so repaints are coalesced well beyond 40 ms).
            if (m_bottomTabs->currentWidget() == m_compare)
                m_compare->refresh();
        }
    });
    QMetaObject::invokeMethod(
        watcher, [watcher] { watcher->start(); }, Qt::QueuedConnection);
}

void MainWindow::refreshSummary(const QString& path)
{
    QtConcurrent::run([path] {
        return loadProjects(path);
    }).then(this, [this, path](const Result<SourceSummary>& result) {
        if (!m_sources.contains(path))
            return;
        SourceState& state = m_state[path];
        if (result) {
            state.projects = result->projects;
            state.readOnly = result->readOnly;
            state.runs = 0;
            for (int n : result->projects)
                state.runs += n;
            state.error.clear();
        } else {
            state.projects.clear();
            state.error = result.error().message;
        }
        fillSources();
    });
}

void MainWindow::fillSources()
{
    m_sourceTree->clear();
    for (const QString& path : m_sources) {
        const SourceState& state = m_state.value(path);
        auto* item = new QTreeWidgetItem(m_sourceTree, { sourceLabel(path) });
        const QString kind = toString(sourceKind(path));
        const QString where = m_foreign.contains(path)
            ? tr("Location: %1\nRead into: %2 (read-only; read again when the source changes)")
                  .arg(visibleText(m_foreign.value(path).location), visibleText(path))
            : tr("Location: %1").arg(visibleText(path));
        const QString condition = !state.error.isEmpty() ? tr("unreachable: ") + state.error
            : m_foreign.contains(path) || state.readOnly ? tr("read-only")
                                                         : tr("live (changes appear as they are written)");
        item->setToolTip(0, plainToolTip(kind + u'\n' + where + u'\n' + tr("State: ") + visibleText(condition)));
        item->setData(0, kPathRole, path);
        QFont font = item->font(0);
        font.setBold(path == m_current);
        item->setFont(0, font);
        for (auto it = state.projects.begin(); it != state.projects.end(); ++it) {
            auto* child
                = new QTreeWidgetItem(item, { QStringLiteral("%1  (%2)").arg(visibleText(it.key())).arg(it.value()) });
            child->setData(0, kPathRole, path);
            child->setData(0, kProjectRole, it.key());
            child->setToolTip(0, plainToolTip(visibleText(it.key())));
        }
        item->setExpanded(true);
    }
}

void MainWindow::reload()
{
    if (m_current.isEmpty()) {
        m_browser->model()->setRuns(nullptr, nowSeconds());
        m_center->setCurrentWidget(m_welcome);
        m_welcomePath->setText(tr("No database is open."));
        m_status->setText(tr("No source open"));
        Q_EMIT runsLoaded();
        return;
    }
    if (m_loading || m_browser->view()->isEditing()) {
        // One load at a time; a change during a load triggers one more afterwards. A new snapshot
        // would also close a name being edited in place: that waits until the editor closes.
        m_reloadPending = true;
        return;
    }
    const quint64 ticket = ++m_loadGeneration;
    const QString path = m_current;
    setLoading(true);
    m_status->setText(tr("Loading %1…").arg(visibleText(path)));
    QtConcurrent::run([path, recover = !m_foreign.contains(path)]() -> LoadedRuns {
        // Runs of this host whose process died (a killed client) are marked killed before they are
        // read, as every opening of the database does; another tracker's data read into a cache is not.
        if (recover)
            (void)recoverAbandonedRunsIfWritable(path);
        auto store = RunStore::open(path, OpenMode::ReadOnly);
        if (!store)
            return { store.error(), {} };
        QString warning;
        if (store->database().schemaVersion() > latestSchemaVersion()) {
            const Error refusal = store->database().checkWritable().error();
            warning = refusal.message + QStringLiteral("; shown read-only.\n") + refusal.hint;
        }
        return { loadRunTable(store->database()), warning };
    }).then(this, [this, ticket, path](const LoadedRuns& loaded) {
        setLoading(false);
        if (m_browser->view()->isEditing()) {
            // Showing it now would close the name being edited: load again once the editor closes.
            m_reloadPending = true;
            return;
        }
        if (ticket == m_loadGeneration)
            onRunsLoaded(path, loaded.runs, loaded.warning);
        if (std::exchange(m_reloadPending, false))
            reload();
    });
}

void MainWindow::onRunsLoaded(const QString& source, const Result<RunTable>& result, const QString& warning)
{
    if (source != m_current) {
        reload();
        return;
    }
    if (!result) {
        showBanner(errorText(result.error()));
        m_state[source].error = result.error().message;
        fillSources();
        m_status->setText(tr("Could not read %1").arg(visibleText(source)));
        Q_EMIT runsLoaded();
        return;
    }
    // A notice waiting for this load (what an import did) shows unless the load has a warning.
    showBanner(warning.isEmpty() ? std::exchange(m_notice, QString()) : warning);
    const bool sameSource = m_browser->model()->runs() && m_browser->property("source").toString() == source;
    const QStringList keep = sameSource ? m_browser->selectedRunIds() : QStringList();
    const QString top = sameSource ? m_browser->topVisibleRunId() : QString();
    auto table = std::make_shared<const RunTable>(result.value());
    m_browser->setProperty("source", source);
    m_browser->model()->setRuns(table, nowSeconds());
    if (!keep.isEmpty()) {
        // A live refresh keeps what the user was looking at.
        const QSignalBlocker block(m_browser);
        m_browser->selectRunIds(keep);
    }
    m_browser->scrollToRunId(top);
    const bool empty = table->rowCount() == 0;
    m_center->setCurrentWidget(empty ? m_welcome : static_cast<QWidget*>(m_browser));
    m_bottomTabs->setVisible(!empty); // nothing to detail on the welcome page
    m_welcomePath->setText(tr("%1 has no runs.").arg(visibleText(source)));
    updateStatus();
    Q_EMIT runsLoaded();
}

void MainWindow::updateStatus()
{
    const auto& table = m_browser->model()->runs();
    const int total = table ? int(table->rowCount()) : 0;
    const int shown = m_browser->proxy()->rowCount();
    const int selected = int(m_browser->selectedRunIds().size());
    const QString runs = total == 1 ? tr("1 run") : tr("%1 runs").arg(total);
    QString text = shown == total ? runs : tr("%1 of %2 match the filter").arg(shown).arg(runs);
    if (selected > 0)
        text += tr(" · %1 selected").arg(selected);
    text += QStringLiteral(" · ") + visibleText(sourceLocation(m_current));
    if (m_foreign.contains(m_current))
        text += QStringLiteral(" (") + toString(m_foreign.value(m_current).kind) + tr(", read-only)");
    m_status->setText(text);
}

void MainWindow::onSelectionChanged(const QStringList& ids)
{
    Q_EMIT runSelectionChanged(m_current, ids);
    const quint64 ticket = ++m_detailsGeneration;
    if (ids.isEmpty()) {
        m_details->showMessage(tr("Select a run to see its details."));
        m_dag->clear(tr("Select a run to see its pipeline, or two runs to compare their pipelines."));
        m_drift->clear(
            tr("Select runs with datasets (e.g. a project's retraining runs) to see how their data drifted."));
        updateStatus();
        return;
    }
    updateStatus();
    const QString path = m_current;
    QtConcurrent::run([path, ids] {
        return loadDetails(path, ids);
    }).then(this, [this, ticket](const Result<RunDetailsSnapshot>& result) {
        if (ticket != m_detailsGeneration)
            return;
        if (!result) {
            m_details->showMessage(errorText(result.error()));
            m_dag->clear(errorText(result.error()));
            m_drift->clear(errorText(result.error()));
            m_compare->clear(errorText(result.error()));
            m_selectedRuns.reset();
            Q_EMIT detailsLoaded();
            return;
        }
        m_details->showRun(result->run, result->output);
        m_selectedRuns = result->all;
        m_fedViews.clear();
        feedVisibleView();
        Q_EMIT detailsLoaded();
    });
}

void MainWindow::feedVisibleView()
{
    // Only the view on screen computes (charts, drift and layouts cost real time); the others catch
    // up when their tab is opened.
    QWidget* view = m_bottomTabs->currentWidget();
    if (!m_selectedRuns || m_selectedRuns->isEmpty() || m_fedViews.contains(view))
        return;
    m_fedViews.insert(view);
    const QList<RunRecord>& runs = *m_selectedRuns;
    if (view == m_dag) {
        if (runs.size() >= 2) {
            // The older run is the baseline of the pipeline diff.
            const bool firstIsOlder = runs[0].startTime <= runs[1].startTime;
            m_dag->showDiff(firstIsOlder ? runs[0] : runs[1], firstIsOlder ? runs[1] : runs[0]);
        } else {
            m_dag->showRun(runs[0]);
        }
    } else if (view == m_drift) {
        m_drift->setRuns(runs);
    } else if (view == m_compare) {
        m_compare->setRuns(m_current, runs);
        feedPlotTable();
    }
}

void MainWindow::feedPlotTable()
{
    std::shared_ptr<const RunTable> table = m_browser->model()->runs();
    if (!table)
        return;
    // The runs the filter shows, in the browser's order (the proxy lives on this thread) ...
    const RunFilterProxy* proxy = m_browser->proxy();
    std::vector<std::size_t> shown;
    shown.reserve(std::size_t(proxy->rowCount()));
    for (int r = 0; r < proxy->rowCount(); ++r)
        shown.push_back(std::size_t(proxy->mapToSource(proxy->index(r, 0)).row()));
    QSet<QString> projects;
    if (m_selectedRuns) {
        for (const RunRecord& r : *m_selectedRuns)
            projects.insert(r.project);
    }
    // ... narrowed and turned into plot fields on a worker: thousands of runs × every param is
    // too much for a filter keystroke on the GUI thread.
    const quint64 ticket = ++m_plotGeneration;
    QtConcurrent::run([table, shown = std::move(shown), projects] {
        // Runs of other projects have other params and metrics: only the selected runs' projects,
        // up to what a plot can still tell apart.
        constexpr std::size_t kMaxPlotted = 5000;
        std::vector<std::size_t> rows;
        for (std::size_t row : shown) {
            if (rows.size() == kMaxPlotted)
                break;
            if (projects.isEmpty() || projects.contains(table->projects.at(row)))
                rows.push_back(row);
        }
        return plotTable(*table, rows);
    }).then(this, [this, ticket](PlotTable plots) {
        if (ticket == m_plotGeneration)
            m_compare->setPlotTable(std::move(plots));
    });
}

bool MainWindow::showView(const QString& name)
{
    if (name == QLatin1String("runs"))
        m_bottomTabs->setCurrentWidget(m_details);
    else if (name == QLatin1String("rerun")) {
        m_bottomTabs->setCurrentWidget(m_reruns);
        const int total = m_rightSplit->height() > 0 ? m_rightSplit->height() : 800;
        m_rightSplit->setSizes({ total * 30 / 100, total * 70 / 100 });
    } else if (name == QLatin1String("params") || name == QLatin1String("parallel")
        || name == QLatin1String("scatter")) {
        m_compare->showPage(name);
        return showView(QStringLiteral("compare"));
    } else if (name == QLatin1String("dag") || name == QLatin1String("drift") || name == QLatin1String("compare")) {
        m_bottomTabs->setCurrentWidget(name == QLatin1String("dag") ? static_cast<QWidget*>(m_dag)
                : name == QLatin1String("drift")                    ? static_cast<QWidget*>(m_drift)
                                                                    : static_cast<QWidget*>(m_compare));
        // The pipeline needs room: give it most of the height.
        const int total = m_rightSplit->height() > 0 ? m_rightSplit->height() : 800;
        const int top = name == QLatin1String("dag") ? 35 : 25;
        m_rightSplit->setSizes({ total * top / 100, total * (100 - top) / 100 });
    } else
        return false;
    return true;
}

void MainWindow::selectRuns(const QStringList& ids)
{
    m_browser->selectRunIds(ids);
    const QModelIndexList rows = m_browser->view()->selectionModel()->selectedIndexes();
    if (!rows.isEmpty())
        m_browser->view()->scrollTo(rows.first());
}

void MainWindow::loadDemo()
{
    // The demo goes into its own file in the data folder, never over the user's runs.
    const QString path
        = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/reprise/demo.db");
    m_demoButton->setEnabled(false);
    setLoading(true);
    m_status->setText(tr("Writing the demo database into %1…").arg(path));
    QtConcurrent::run([path] {
        QDir().mkpath(QFileInfo(path).absolutePath());
        DemoOptions options;
        options.path = path;
        options.overwrite = true;
        return generateDemo(options);
    }).then(this, [this, path](const Result<DemoSummary>& result) {
        m_demoButton->setEnabled(true);
        setLoading(false);
        if (!result) {
            showBanner(errorText(result.error()));
            return;
        }
        openSource(path);
    });
}

} // namespace reprise
