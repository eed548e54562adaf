#include "rerun_actions.h"

#include "cli/cli_common.h"
#include "launch/rerun_queue.h"
#include "rerun/rerun_dialog.h"
#include "rerun/rerun_panel.h"
#include "runs/run_browser.h"
#include "store/run_store.h"

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

    LoadedDraft loadDraft(const QString& source, const QString& runId)
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
        const bool untrusted = isUntrustedSource(source, false, &trustReason);
        setTrust(draft, untrusted, trustReason);
        // A database we cannot write to still has runs worth rerunning: record them in our own.
        const QFileInfo info(source);
        if (!info.isWritable() || !QFileInfo(info.absolutePath()).isWritable())
            draft.target = cli::defaultDatabasePath();
        out.problems = checkRerunDraft(draft);
        out.draft = std::move(draft);
        return out;
    }

    Result<ReproductionReport> verifyRuns(const QString& source, QStringList ids)
    {
        auto store = RunStore::open(source, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        if (ids.size() == 1) {
            auto run = store->loadRun(ids.first());
            if (!run)
                return run.error();
            if (run->parentUuid.isEmpty())
                return Error { QStringLiteral("run ") + ids.first().left(8)
                        + QStringLiteral(" is not a rerun: there is nothing to compare it with"),
                    QStringLiteral("select two runs, or a rerun") };
            ids.prepend(run->parentUuid);
        }
        // A is the original: the parent of the other, else the one that started first.
        auto a = store->loadRun(ids[0]);
        auto b = store->loadRun(ids[1]);
        if (!a)
            return a.error();
        if (!b)
            return b.error();
        if (a->parentUuid == b->uuid || (b->parentUuid != a->uuid && b->startTime < a->startTime))
            std::swap(ids[0], ids[1]);
        return buildReproductionReport(*store, ids[0], *store, ids[1], Tolerance {});
    }

} // namespace

RerunActions::RerunActions(RunBrowser* browser, RerunPanel* panel, RerunQueue* queue, std::function<QString()> source,
    std::function<void()> showPanel, QWidget* dialogParent)
    : QObject(dialogParent)
    , m_browser(browser)
    , m_panel(panel)
    , m_queue(queue)
    , m_source(std::move(source))
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
    QtConcurrent::run(loadDraft, m_source(), runId).then(this, [this, generation](const LoadedDraft& loaded) {
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
    QtConcurrent::run(verifyRuns, m_source(), runIds)
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
