// MainWindow, its sources: which one is shown (or all of them in one table), opening, closing and
// importing them, and reading the run table shown. The rest of the window is in main_window.cpp.

#include "demo/demo_generator.h"
#include "files/file_dialogs.h"
#include "files/recent_menu.h"
#include "import/source_import.h"
#include "jobs/job_controller.h"
#include "main_window.h"
#include "runs/run_browser.h"
#include "selection/selection_tabs.h"
#include "sources/source_registry.h"
#include "sources/sources_panel.h"
#include "sources/team_store_dialog.h"
#include "store/run_table_union.h"
#include "team/team_location.h"
#include "text/display_text.h"
#include "welcome/welcome_page.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QStandardPaths>
#include <future>

namespace reprise {

void MainWindow::connectSources()
{
    connect(m_sources, &SourceRegistry::sourceAdded, this, &MainWindow::onSourceAdded);
    connect(m_sources, &SourceRegistry::sourceReplaced, this, [this](const QString& from, const QString& to) {
        if (m_current == from)
            setCurrentSource(to); // reloads, keeping the selection by run id
        else if (showingAll())
            reload();
    });
    connect(m_sources, &SourceRegistry::sourceRemoved, this, [this](const QString& path) {
        if (m_current == path || (showingAll() && m_sources->paths().size() < 2))
            setCurrentSource(m_sources->paths().value(0));
        else if (showingAll())
            reload();
        saveSettings();
    });
    connect(m_sources, &SourceRegistry::sourcesChanged, this, &MainWindow::updateStatus);
    connect(m_sources, &SourceRegistry::runsChanged, this, [this](const QString& path, const QStringList& uuids) {
        if (path == m_current)
            m_changedRuns += uuids;
    });
    connect(m_sources, &SourceRegistry::dataChanged, this, [this](const QString& path) {
        const QStringList changed = std::exchange(m_changedRuns, {});
        if (path != m_current && !showingAll())
            return;
        load(path == m_current ? changed : QStringList());
        // Running runs' charts grow with their new points, zoom kept (the watcher polls at most
        // once a second, so repaints are coalesced well beyond 40 ms).
        m_tabs->sourceChanged();
    });
    connect(m_sources, &SourceRegistry::lost, this, [this](const QString& path, const QString& message) {
        if (path != m_current && !showingAll())
            return;
        showBanner(
            message + u'\n' + tr("The runs shown are the last ones read. Reopen it with File ▸ Open when it is back."));
        m_bannerFromLoad = true; // goes once the source can be read again
    });
    connect(m_sources, &SourceRegistry::failed, this, [this](const QString& message) {
        showBanner(message);
        // Nothing more will load for it: whoever waits for a load (--screenshot) is told.
        if (isImporting())
            return;
        if (m_current.isEmpty())
            reload();
        else
            Q_EMIT runsLoaded();
    });
    connect(m_sources, &SourceRegistry::notice, this, [this](const QString& text) { m_notice = text; });
    connect(m_sources, &SourceRegistry::idle, this, [this] {
        // Nothing could be shown (the welcome page says so), or the sources opened together are: once,
        // when all are known (a source that joins later reloads the table as it is added). When only
        // one of them could be opened, it is shown as itself.
        if (showingAll() && m_sources->paths().size() < 2)
            setCurrentSource(m_sources->paths().value(0));
        else if (m_current.isEmpty() || (showingAll() && !m_browser->model()->runs()))
            reload();
    });
    connect(m_panel, &SourcesPanel::chosen, this, [this](const QString& path, const QString& project) {
        if (path != m_current)
            setCurrentSource(path);
        QString escaped = project;
        escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        m_browser->filterEdit()->setText(
            project.isEmpty() ? QString() : QStringLiteral("project = \"%1\"").arg(escaped));
    });
    connect(m_panel, &SourcesPanel::closeRequested, this, &MainWindow::closeSource);
}

void MainWindow::openWithDialog(SourceChoice choice)
{
    const QString start
        = m_current.isEmpty() || showingAll() ? QDir::homePath() : QFileInfo(sourceLocation(m_current)).absolutePath();
    if (const QString path = chooseSource(this, choice, start); !path.isEmpty())
        openSource(path);
}

void MainWindow::importIntoCurrent(const QString& path)
{
    const QString target = m_current;
    if (target.isEmpty() || showingAll() || m_sources->info(target).foreign) {
        showBanner(tr("Choose one of your own databases in the sources panel to import into."));
        return;
    }
    const QString name = QFileInfo(path).fileName();
    m_status->setText(tr("Importing %1…").arg(visibleText(name)));
    m_jobs
        ->start(tr("Importing %1 into %2").arg(name, QFileInfo(target).fileName()),
            [path, target](const ReadControl& control) {
                ImportOptions options;
                options.control = control;
                return importSourceInto(path, target, options);
            })
        .then(this, [this, name, target](const Result<ImportSummary>& summary) {
            if (!summary) {
                showBanner(summary.error().text());
                return;
            }
            QString text = importSummaryLine(visibleText(name), *summary);
            for (const ImportProblem& p : summary->problems.mid(0, 5))
                text += u'\n' + p.file + QStringLiteral(": ") + p.message;
            m_sources->refreshSummary(target);
            if (target != m_current)
                return showBanner(text);
            m_notice = text;
            reload();
        });
}

void MainWindow::openSource(const QString& path)
{
    // A team store is remembered by its location, unless that holds a password (used, never kept).
    if (!isTeamStoreLocation(path))
        m_recent->remember(QFileInfo(path).absoluteFilePath());
    else if (!teamLocationHasPassword(path))
        m_recent->remember(path);
    m_sources->open(path, true);
}

void MainWindow::connectToTeamStore()
{
    QString suggested;
    for (const QString& recent : m_recent->paths()) {
        if (isTeamStoreLocation(recent)) {
            suggested = recent;
            break;
        }
    }
    if (const QString location = askTeamStoreLocation(this, suggested); !location.isEmpty())
        openSource(location);
}

QStringList MainWindow::sessionSources() const
{
    // What the user opened (a cache is read again from its source), without a location's password.
    QStringList out;
    for (const QString& path : m_sources->paths()) {
        const SourceInfo info = m_sources->info(path);
        const QString opened = info.foreign ? info.location : path;
        if (!teamLocationHasPassword(opened))
            out << opened;
    }
    return out;
}

void MainWindow::onSourceAdded(const QString& path, bool show)
{
    // Shown when asked for, or when nothing else is; a rebuilt cache is read again. Several sources
    // opened together (a session restored, paths given) are shown in one table.
    if (show || m_current.isEmpty() || m_current == path)
        setCurrentSource(path);
    else if (showingAll())
        reload();
    else if (m_sources->paths().size() >= 2)
        setCurrentSource(SourcesPanel::allSources());
    if (show)
        saveSettings();
}

QStringList MainWindow::sources() const { return m_sources->paths(); }

bool MainWindow::isImporting() const { return m_jobs->isBusy() || m_sources->isOpening(); }

SourceKind MainWindow::sourceKind(const QString& path) const { return m_sources->info(path).kind; }

QString MainWindow::sourceLocation(const QString& path) const
{
    return m_sources->contains(path) ? m_sources->info(path).shownLocation() : path;
}

QString MainWindow::sourceLabel(const QString& path) const { return SourcesPanel::label(m_sources->info(path)); }

void MainWindow::closeSource(const QString& path) { m_sources->close(path); }

void MainWindow::setCurrentSource(const QString& path)
{
    if (m_current != path) {
        m_current = path;
        m_browser->filterEdit()->clear();
    }
    m_panel->setCurrent(path);
    reload();
}

bool MainWindow::showingAll() const { return m_current == SourcesPanel::allSources(); }

QString MainWindow::sourceOfRuns(const QStringList& ids) const
{
    const std::shared_ptr<const RunTable>& table = m_browser->model()->runs();
    if (!table || !table->spansSources()) {
        if (!showingAll())
            return m_current;
        // All sources chosen, one database's table still shown (right after the switch): its runs
        // are that database's.
        const QString shown = m_browser->source();
        return m_sources->contains(shown) ? shown : QString();
    }
    QStringList paths = table->sourcePathsOf(ids);
    paths.removeDuplicates();
    return paths.size() == 1 ? paths.first() : QString();
}

std::function<LoadedRunTable()> MainWindow::runTableReader(bool recoverAbandoned) const
{
    if (!showingAll()) {
        const SourceInfo info = m_sources->info(m_current);
        return [path = m_current, recover = recoverAbandoned && !info.foreign, name = info.name()] {
            LoadedRunTable loaded = loadRunTableAt(path, recover);
            if (loaded.runs)
                loaded.runs->soleSourceName = name; // what `source = …` in the filter matches
            return loaded;
        };
    }
    // The user's own databases first: a run also synced to a team store is read (and changed) there.
    struct Part {
        QString path;
        QString name;
        bool recover;
    };
    std::vector<Part> parts;
    for (const bool own : { true, false }) {
        for (const QString& path : m_sources->paths()) {
            const SourceInfo info = m_sources->info(path);
            if (info.foreign != own)
                parts.push_back({ path, info.name(), recoverAbandoned && !info.foreign });
        }
    }
    return [parts] {
        // Each source on a thread of its own: the join waits for the slowest, not for the sum.
        std::vector<std::future<LoadedRunTable>> reads;
        for (const Part& part : parts)
            reads.push_back(std::async(std::launch::async, loadRunTableAt, part.path, part.recover));
        std::vector<SourceRuns> tables;
        QStringList problems;
        for (size_t i = 0; i < parts.size(); ++i) {
            const Part& part = parts[i];
            LoadedRunTable loaded = reads[i].get();
            if (!loaded.runs) {
                // The others are still shown; this one says why it is missing.
                problems << loaded.runs.error().text();
                continue;
            }
            if (!loaded.warning.isEmpty())
                problems << loaded.warning;
            tables.push_back({ part.path, part.name, std::make_shared<const RunTable>(std::move(*loaded.runs)) });
        }
        if (tables.empty() && !problems.isEmpty())
            return LoadedRunTable { Error { problems.join(u'\n'), {} }, {} };
        return LoadedRunTable { unionRunTables(tables), problems.join(u'\n') };
    };
}

void MainWindow::loadDemo()
{
    // The demo goes into its own file in the data folder, never over the user's runs.
    DemoOptions demo { QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/reprise/demo.db") };
    demo.overwrite = true;
    m_welcome->setDemoEnabled(false);
    m_status->setText(tr("Writing the demo database into %1…").arg(demo.path));
    m_jobs->start(tr("Writing the demo database"), [demo](const ReadControl&) { return generateDemo(demo); })
        .then(this, [this, path = demo.path](const Result<DemoSummary>& result) {
            m_welcome->setDemoEnabled(true);
            if (result)
                openSource(path);
            else
                showBanner(result.error().text());
        });
}

} // namespace reprise
