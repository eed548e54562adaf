#include "sweep/sweep_actions.h"

#include "store/run_store.h"
#include "sweep/sweep_dialog.h"
#include "sweep/sweep_progress.h"
#include "sweep/sweep_runner.h"
#include "when_finished.h"

#include <QAction>
#include <QFileInfo>
#include <QPushButton>
#include <QtConcurrent>
#include <optional>

namespace reprise {

namespace {

    struct LoadedDraft {
        std::optional<RerunDraft> draft;
        QList<DraftProblem> problems;
        Error error;
    };

    LoadedDraft loadDraft(const QString& source, const QString& runId, const QString& shared, const QString& fallback)
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
        QString reason;
        bool untrusted = isUntrustedSource(source, false, &reason);
        const QFileInfo info(source);
        if (!shared.isEmpty()) {
            // Shown from a copy: the members go into the user's own database, naming their original.
            draft.sourceLocation = shared;
            draft.target = fallback;
            untrusted = true;
            reason = QStringLiteral("it comes from %1").arg(shared);
        } else if (!info.isWritable() || !QFileInfo(info.absolutePath()).isWritable()) {
            draft.target = fallback;
        }
        setTrust(draft, untrusted, reason);
        out.problems = checkRerunDraft(draft);
        out.draft = std::move(draft);
        return out;
    }

} // namespace

SweepActions::SweepActions(std::function<QString(const QString&)> sourceOf, const QString& defaultDatabase,
    QWidget* dialogParent, QObject* parent)
    : QObject(parent)
    , m_sourceOf(std::move(sourceOf))
    , m_defaultDatabase(defaultDatabase)
    , m_dialogParent(dialogParent)
    , m_action(new QAction(tr("S&weep…"), this))
{
    m_action->setToolTip(tr("Rerun the selected run over a grid or random draws of its params"));
    m_action->setEnabled(false);
    connect(m_action, &QAction::triggered, this, [this] {
        if (m_selected.size() == 1)
            sweep(m_selected.first());
    });
}

// Runners are children: each stops its running members (recorded killed) as it is destroyed.
SweepActions::~SweepActions() = default;

void SweepActions::setSelectedRuns(const QStringList& runIds)
{
    m_selected = runIds;
    m_action->setEnabled(runIds.size() == 1 && !m_loading);
}

QList<SweepRunner*> SweepActions::runners() const
{
    QList<SweepRunner*> out;
    for (const QPointer<SweepRunner>& runner : m_runners)
        if (runner)
            out << runner;
    return out;
}

void SweepActions::sweep(const QString& runId)
{
    if (m_dialog) {
        m_dialog->raise();
        return;
    }
    m_loading = true;
    m_action->setEnabled(false);
    const quint64 generation = ++m_generation;
    const QString source = m_sourceOf(runId);
    const QString shared = m_sharedName ? m_sharedName(source) : QString();
    whenFinished(QtConcurrent::run(loadDraft, source, runId, shared, m_defaultDatabase), this,
        [this, generation](const LoadedDraft& loaded) {
            if (generation != m_generation)
                return;
            m_loading = false;
            m_action->setEnabled(m_selected.size() == 1);
            if (!loaded.draft) {
                Q_EMIT failed(loaded.error.text());
                return;
            }
            m_dialog = new SweepDialog(*loaded.draft, loaded.problems, m_dialogParent);
            m_dialog->setAttribute(Qt::WA_DeleteOnClose);
            connect(m_dialog, &QDialog::accepted, this, [this] {
                auto* runner = new SweepRunner(m_dialog->plan(), m_dialog->parallel(), this);
                m_runners << runner;
                auto* view = new SweepProgressView(runner);
                const QString database = runner->plan().base.target;
                const QString id = runner->plan().id;
                connect(view, &SweepProgressView::runRecorded, this,
                    [this, database](const QString& runId) { Q_EMIT runRecorded(database, runId); });
                connect(runner, &SweepRunner::finished, this, [this, id] { Q_EMIT sweepFinished(id); });
                Q_EMIT sweepStarted(view);
                runner->start();
            });
            m_dialog->open();
            Q_EMIT dialogShown(m_dialog);
        });
}

} // namespace reprise
