#include "rerun_actions.h"

#include "cli/cli_common.h"
#include "launch/rerun_queue.h"
#include "rerun/rerun_dialog.h"
#include "rerun/rerun_panel.h"
#include "runs/run_browser.h"
#include "store/run_selection.h"
#include "store/run_store.h"
#include "team/team_edits.h"

#include <QAction>
#include <QFileInfo>
#include <QPushButton>
#include <QTableView>
#include <QtConcurrent/QtConcurrentRun>

namespace reprise {

namespace {

    /// A draft read and checked off the GUI thread.
    struct LoadedDraft {
        std::optional<RerunDraft> draft;
        QList<DraftProblem> problems;
        Error error;
    };

    /// Whether the run `run` of the shared source `shared` may run here without a warning. A team
    /// store's run is trusted only when the store says this login added it: the user and host a run
    /// records are written by whoever synced it, so anyone with write access could name us. Another
    /// tracker's files are trusted like our own database: when they are ours, local and writable.
    bool sharedRunUntrusted(const RunRecord& run, const QString& shared, const QString& team, QString* reason)
    {
        if (team.isEmpty())
            return isUntrustedSource(shared, false, reason);
        auto own = ownsTeamRun(team, run.uuid);
        if (own && *own)
            return false;
        *reason = own ? QStringLiteral("it comes from %1, added by another login (recorded by %2 on %3)")
                            .arg(shared, run.user.isEmpty() ? QStringLiteral("someone") : run.user,
                                run.host.isEmpty() ? QStringLiteral("another machine") : run.host)
                      : QStringLiteral("it comes from %1 and who added it cannot be checked (%2)")
                            .arg(shared, own.error().message);
        return true;
    }

    LoadedDraft loadDraft(const QString& source, const QString& runId, const QString& shared, const QString& team)
    {
        LoadedDraft out;
        auto store = RunStore::open(source, OpenMode::ReadOnly);
        if (!store) {
            out.error = store.error();
            return out;
        }
        auto run = store->loadRun(runId);
        if (!run) {
            out.error = run.error();
            return out;
        }
        RerunDraft draft = makeRerunDraft(*run, source);
        QString trustReason;
        bool untrusted = isUntrustedSource(source, false, &trustReason);
        if (!shared.isEmpty()) {
            // A team store (or another tracker's data) is shown from a local copy that is remade
            // when it changes: the rerun goes into the user's own database, naming its original
            // there, and whoever recorded the original decides what runs unless it is the user.
            draft.sourceLocation = shared;
            draft.syncTo = team; // the rerun goes back to the store it came from
            draft.target = cli::defaultDatabasePath();
            trustReason.clear();
            untrusted = sharedRunUntrusted(*run, shared, team, &trustReason);
        }
        setTrust(draft, untrusted, trustReason);
        // A database we cannot write to still has runs worth rerunning: record them in our own.
        const QFileInfo info(source);
        if (!info.isWritable() || !QFileInfo(info.absolutePath()).isWritable())
            draft.target = cli::defaultDatabasePath();
        out.problems = checkRerunDraft(draft);
        out.draft = std::move(draft);
        return out;
    }

    /// The original of a rerun: its parent in the same database, or the run its tags name when it
    /// was recorded elsewhere (a rerun of a team store's run), looked for in `others` too.
    Result<RunLocation> originalOf(const RunRecord& rerun, const QString& path, const QStringList& others)
    {
        const QString parent
            = rerun.parentUuid.isEmpty() ? rerun.tags.value(QStringLiteral("rerun.parent")) : rerun.parentUuid;
        if (parent.isEmpty())
            return Error { QStringLiteral("run ") + rerun.uuid.left(8)
                    + QStringLiteral(" is not a rerun: there is nothing to compare it with"),
                QStringLiteral("select two runs, or a rerun") };
        QStringList candidates { path };
        candidates << others;
        for (const QString& candidate : candidates) {
            auto store = RunStore::open(candidate, OpenMode::ReadOnly);
            if (store && store->resolveRun(parent))
                return RunLocation { candidate, parent };
        }
        return Error { QStringLiteral("the original of run %1 (%2) is in none of the open sources")
                           .arg(rerun.uuid.left(8), parent.left(8)),
            QStringLiteral("open the source it came from (%1), then verify again")
                .arg(rerun.tags.value(QStringLiteral("rerun.parent_source"), QStringLiteral("its database"))) };
    }

    Result<ReproductionReport> verifyRuns(QList<RunLocation> runs, const QStringList& others)
    {
        auto open = [](const RunLocation& at) -> Result<std::pair<RunStore, RunRecord>> {
            auto store = RunStore::open(at.path, OpenMode::ReadOnly);
            if (!store)
                return store.error();
            auto run = store->loadRun(at.id);
            if (!run)
                return run.error();
            return std::pair { std::move(*store), std::move(*run) };
        };
        if (runs.size() == 1) {
            auto only = open(runs.first());
            if (!only)
                return only.error();
            auto original = originalOf(only->second, runs.first().path, others);
            if (!original)
                return original.error();
            runs.prepend(*original);
        }
        auto a = open(runs[0]);
        auto b = open(runs[1]);
        if (!a)
            return a.error();
        if (!b)
            return b.error();
        // A is the original: the parent of the other, else the one that started first.
        const RunRecord& ra = a->second;
        const RunRecord& rb = b->second;
        auto isParentOf = [](const RunRecord& parent, const RunRecord& child) {
            return child.parentUuid == parent.uuid || child.tags.value(QStringLiteral("rerun.parent")) == parent.uuid;
        };
        if (isParentOf(rb, ra) || (!isParentOf(ra, rb) && rb.startTime < ra.startTime))
            std::swap(a, b);
        return buildReproductionReport(a->first, a->second.uuid, b->first, b->second.uuid, Tolerance {});
    }

} // namespace

RerunActions::RerunActions(RunBrowser* browser, RerunPanel* panel, RerunQueue* queue,
    std::function<QString(const QString&)> sourceOf, std::function<void()> showPanel, QWidget* dialogParent)
    : QObject(dialogParent)
    , m_browser(browser)
    , m_panel(panel)
    , m_queue(queue)
    , m_sourceOf(std::move(sourceOf))
    , m_showPanel(std::move(showPanel))
    , m_dialogParent(dialogParent)
    , m_rerun(new QAction(tr("Re&run…"), this))
    , m_verify(new QAction(tr("&Verify Reproduction"), this))
{
    m_rerun->setShortcut(Qt::CTRL | Qt::Key_R);
    m_rerun->setToolTip(tr("Rerun the selected run at its recorded code version, params editable"));
    m_verify->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_R);
    m_verify->setToolTip(tr("Compare two selected runs (or a rerun with its original): did it reproduce?"));
    // Also in the run table's context menu, and a button beside the filter bar.
    m_browser->view()->addAction(m_rerun);
    m_browser->addBarButton(m_rerun);
    m_browser->view()->addAction(m_verify);
    connect(m_rerun, &QAction::triggered, this, [this] {
        const QStringList ids = m_browser->selectedRunIds();
        if (!ids.isEmpty())
            rerun(ids.first());
    });
    connect(m_verify, &QAction::triggered, this, [this] { verify(m_browser->selectedRunIds()); });
    connect(m_browser, &RunBrowser::selectionChanged, this, &RerunActions::updateEnabled);
    updateEnabled();
}

void RerunActions::updateEnabled()
{
    const qsizetype selected = m_browser->selectedRunIds().size();
    m_rerun->setEnabled(selected >= 1 && !m_loading);
    m_verify->setEnabled(selected == 1 || selected == 2);
}

void RerunActions::rerun(const QString& runId)
{
    if (m_dialog) {
        m_dialog->raise();
        return;
    }
    m_loading = true;
    updateEnabled();
    const quint64 generation = ++m_draftGeneration;
    const QString source = m_sourceOf(runId);
    const QString shared = m_sharedName ? m_sharedName(source) : QString();
    const QString team = m_teamLocation ? m_teamLocation(source) : QString();
    QtConcurrent::run(loadDraft, source, runId, shared, team).then(this, [this, generation](const LoadedDraft& loaded) {
        if (generation != m_draftGeneration)
            return;
        m_loading = false;
        updateEnabled();
        if (!loaded.draft) {
            Q_EMIT failed(loaded.error.message + (loaded.error.hint.isEmpty() ? QString() : u'\n' + loaded.error.hint));
            return;
        }
        m_dialog = new RerunDialog(*loaded.draft, loaded.problems, m_dialogParent);
        m_dialog->setAttribute(Qt::WA_DeleteOnClose);
        m_dialog->runButton()->setText(m_queue->isBusy() ? tr("Queue") : tr("Run"));
        connect(m_dialog, &QDialog::accepted, this, [this] {
            const int job = m_queue->enqueue(m_dialog->draft());
            m_showPanel();
            m_panel->selectJob(job);
        });
        m_dialog->open();
        Q_EMIT dialogShown(m_dialog);
    });
}

void RerunActions::verify(const QStringList& runIds)
{
    if (runIds.isEmpty() || runIds.size() > 2)
        return;
    m_panel->showReportMessage(tr("Comparing…"));
    m_showPanel();
    const quint64 generation = ++m_verifyGeneration;
    QList<RunLocation> runs;
    for (const QString& id : runIds)
        runs << RunLocation { m_sourceOf(id), id };
    QtConcurrent::run(verifyRuns, runs, m_openSources ? m_openSources() : QStringList())
        .then(this, [this, generation](const Result<ReproductionReport>& report) {
            if (generation != m_verifyGeneration)
                return;
            if (report)
                m_panel->showReport(*report);
            else
                m_panel->showReportMessage(report.error().message + u'\n' + report.error().hint);
            Q_EMIT verified();
        });
}

} // namespace reprise
