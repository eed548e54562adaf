#include "launch/rerun_queue.h"

#include "store/run_store.h"
#include "team/pg_connection.h"
#include "team/team_location.h"
#include "team/team_sync.h"

#include <QDeadlineTimer>
#include <QPointer>
#include <QProcessEnvironment>
#include <QStringDecoder>
#include <QThread>
#include <atomic>

namespace reprise {

struct RerunWorkerFlags {
    /// Id of the job the user cancelled (set from the GUI thread).
    std::atomic<int> cancelledJob { 0 };
    /// The queue is gone: start nothing new, stop what runs, end the thread.
    std::atomic<bool> closing { false };
    /// Inside a step that may block for long (git, opening databases, building the report): the
    /// destroyed queue does not wait for the worker then.
    std::atomic<bool> blocking { false };
};

namespace {

    /// How long a destroyed queue waits for a worker that is not inside git: it only has to kill the
    /// command and record the end (milliseconds, unless the database is locked by another writer).
    constexpr int kShutdownWaitMs = 2000;

    /// Worker threads alive (their QThread objects not yet deleted), those of destroyed queues included.
    std::atomic<int> g_workerThreads { 0 };

    /// Runs one job at a time on the worker thread; its signals reach the queue queued.
    ///
    /// When the queue is destroyed the worker outlives it: `closing` is set, shutdown() is queued,
    /// and the worker stops on its own thread (the running command killed and recorded as killed,
    /// a worktree being prepared removed again), then ends the thread. Nothing here refers to the
    /// queue; its signals simply reach nobody any more.
    class RerunWorker : public QObject {
        Q_OBJECT
    public:
        explicit RerunWorker(std::shared_ptr<RerunWorkerFlags> flags)
            : m_flags(std::move(flags))
        {
        }

    Q_SIGNALS:
        void started(int jobId, const QString& runId, const QString& worktree);
        void output(int jobId, bool isError, const QString& text);
        void finished(const reprise::RerunJob& job);

    public:
        /// Everything of one job after it left the queue: prepare, run, clean up, report.
        void run(RerunJob job, Tolerance tolerance, QStringList ignore, int graceMs)
        {
            if (stopping(job.id)) {
                job.state = RerunJob::State::Cancelled;
                return finish(job);
            }
            auto prepared = [&] {
                const BlockingStep step(this);
                return prepareRerun(job.draft, QProcessEnvironment::systemEnvironment());
            }();
            if (!prepared) {
                job.state = RerunJob::State::Failed;
                job.error = prepared.error().message;
                job.hint = prepared.error().hint;
                return finish(job);
            }
            if (stopping(job.id)) {
                const BlockingStep step(this);
                (void)removeWorktree(*prepared);
                job.state = RerunJob::State::Cancelled;
                return finish(job);
            }
            m_prepared = *prepared;
            m_job = job;
            m_tolerance = tolerance;
            m_ignore = ignore;
            m_graceMs = graceMs;
            m_outDecoder = QStringDecoder(QStringDecoder::Utf8);
            m_errDecoder = QStringDecoder(QStringDecoder::Utf8);
            m_launcher = new RunLauncher(this);
            connect(m_launcher, &RunLauncher::runCreated, this, [this](const QString& runId) {
                m_job.runId = runId;
                Q_EMIT started(m_job.id, runId, m_prepared.worktree);
            });
            connect(m_launcher, &RunLauncher::output, this, [this](bool isError, const QByteArray& bytes) {
                const QString text = (isError ? m_errDecoder : m_outDecoder).decode(bytes);
                if (!text.isEmpty())
                    Q_EMIT output(m_job.id, isError, text);
            });
            connect(m_launcher, &RunLauncher::message, this, [this](const QString& text, const QString& hint) {
                // The launcher's own lines (start failures, database errors) belong in the log too.
                Q_EMIT output(m_job.id, true,
                    QStringLiteral("reprise: ") + text + (hint.isEmpty() ? QString() : u'\n' + hint) + u'\n');
            });
            connect(m_launcher, &RunLauncher::finished, this, &RerunWorker::onLaunchFinished);
            {
                const BlockingStep step(this);
                m_launcher->start(m_prepared.request);
            }
            // Cancelled (or the queue destroyed) while the run was being created: stop it at once.
            if (m_launcher && stopping(job.id))
                m_launcher->terminate(closing() ? 0 : m_graceMs);
        }

        /// Cancels the job `jobId` if it is the one running.
        void cancel(int jobId)
        {
            if (m_launcher && m_job.id == jobId)
                m_launcher->terminate(m_graceMs);
        }

        /// The queue is gone (`closing` is set): a running command is stopped now, without the grace
        /// period, and recorded as killed; the thread ends once nothing runs.
        void shutdown()
        {
            if (m_launcher)
                m_launcher->terminate(0);
            else
                thread()->quit();
        }

    private:
        /// Marks a step during which the destroyed queue does not wait for this worker.
        class BlockingStep {
        public:
            explicit BlockingStep(RerunWorker* worker)
                : m_worker(worker)
            {
                m_worker->m_flags->blocking = true;
            }
            ~BlockingStep() { m_worker->m_flags->blocking = false; }
            BlockingStep(const BlockingStep&) = delete;
            BlockingStep& operator=(const BlockingStep&) = delete;

        private:
            RerunWorker* m_worker;
        };

        bool stopping(int jobId) const { return closing() || m_flags->cancelledJob == jobId; }
        bool closing() const { return m_flags->closing; }

        void onLaunchFinished(const LaunchOutcome& outcome)
        {
            RerunJob job = m_job;
            job.outcome = outcome;
            job.runId = outcome.runId;
            m_launcher->deleteLater();
            m_launcher = nullptr;
            if (!m_prepared.worktree.isEmpty()) {
                if (outcome.exitCode == 0) {
                    const BlockingStep step(this);
                    if (auto st = removeWorktree(m_prepared); !st) {
                        job.error = st.error().message;
                        job.hint = st.error().hint;
                    }
                    job.worktree.clear();
                } else {
                    job.worktree = m_prepared.worktree; // kept for inspection
                }
            }
            if (stopping(job.id))
                job.state = RerunJob::State::Cancelled;
            else if (outcome.runId.isEmpty() || !outcome.started)
                job.state = RerunJob::State::Failed;
            else
                job.state = outcome.exitCode == 0 ? RerunJob::State::Done : RerunJob::State::Failed;
            // Nobody would read the report of a queue that is gone.
            if (!outcome.runId.isEmpty() && !closing()) {
                const BlockingStep step(this);
                attachReport(job);
                syncBack(job);
            }
            finish(job);
        }

        void attachReport(RerunJob& job) const
        {
            auto source = RunStore::open(job.draft.source, OpenMode::ReadOnly);
            auto target = job.draft.target == job.draft.source ? RunStore::open(job.draft.source, OpenMode::ReadOnly)
                                                               : RunStore::open(job.draft.target, OpenMode::ReadOnly);
            if (!source || !target) {
                job.error = (!source ? source.error() : target.error()).message;
                return;
            }
            auto report
                = buildReproductionReport(*source, job.draft.originalId, *target, job.runId, m_tolerance, m_ignore);
            if (report)
                job.report = *report;
            else
                job.error = report.error().message;
        }

        /// A rerun of a team store's run goes back to the store, beside its original.
        void syncBack(RerunJob& job) const
        {
            if (job.draft.syncTo.isEmpty())
                return;
            const auto fail = [&](const Error& error) {
                // The rerun itself is fine and kept locally: only the push is to be done again. A
                // report's own problem, if any, stays in front.
                const QString push = QStringLiteral("the rerun is recorded in %1 but was not synced to the team "
                                                    "store %2: %3")
                                         .arg(job.draft.target, job.draft.sourceLocation, error.message);
                job.error = job.error.isEmpty() ? push : job.error + QStringLiteral("; ") + push;
                // A location holding a password is not repeated: the user types it (or keeps it in ~/.pgpass).
                const QString to
                    = teamLocationHasPassword(job.draft.syncTo) ? QStringLiteral("LOCATION") : job.draft.syncTo;
                job.hint = QStringLiteral("sync it later: %1")
                               .arg(displayCommand({ QStringLiteral("reprise"), QStringLiteral("sync"),
                                   QStringLiteral("--db"), job.draft.target, QStringLiteral("--to"), to }));
            };
            auto local = RunStore::open(job.draft.target, OpenMode::ReadOnly);
            if (!local)
                return fail(local.error());
            auto team = PgConnection::connect(job.draft.syncTo);
            if (!team)
                return fail(team.error());
            if (auto synced = TeamSync(local->database(), *team).sync({ job.runId }); !synced)
                fail(synced.error());
        }

        void finish(RerunJob job)
        {
            job.endedAt = nowSeconds();
            Q_EMIT finished(job);
            if (closing())
                thread()->quit();
        }

        PreparedRerun m_prepared;
        RerunJob m_job;
        Tolerance m_tolerance;
        QStringList m_ignore;
        int m_graceMs = 5000;
        std::shared_ptr<RerunWorkerFlags> m_flags;
        QPointer<RunLauncher> m_launcher;
        QStringDecoder m_outDecoder;
        QStringDecoder m_errDecoder;
    };

} // namespace

QString toString(RerunJob::State state)
{
    switch (state) {
    case RerunJob::State::Queued:
        return QStringLiteral("queued");
    case RerunJob::State::Preparing:
        return QStringLiteral("preparing");
    case RerunJob::State::Running:
        return QStringLiteral("running");
    case RerunJob::State::Done:
        return QStringLiteral("done");
    case RerunJob::State::Failed:
        return QStringLiteral("failed");
    case RerunJob::State::Cancelled:
        break;
    }
    return QStringLiteral("cancelled");
}

RerunQueue::RerunQueue(QObject* parent)
    : QObject(parent)
    , m_thread(new QThread) // not a child: it may outlive the queue (see the destructor)
    , m_flags(std::make_shared<RerunWorkerFlags>())
{
    m_worker = new RerunWorker(m_flags);
    m_thread->setObjectName(QStringLiteral("reprise-reruns"));
    qRegisterMetaType<RerunJob>();
    m_worker->moveToThread(m_thread);
    auto* worker = static_cast<RerunWorker*>(m_worker);
    connect(worker, &RerunWorker::started, this, &RerunQueue::onStarted);
    connect(worker, &RerunWorker::output, this, &RerunQueue::output);
    connect(worker, &RerunWorker::finished, this, &RerunQueue::onFinished);
    // The worker is deleted on its own thread as the thread ends, the thread object by the
    // destructor or, when the worker outlived the queue, by the event loop of this thread.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    connect(m_thread, &QObject::destroyed, [] { --g_workerThreads; });
    ++g_workerThreads;
    m_thread->start();
}

RerunQueue::~RerunQueue()
{
    // A running command must not outlive the window: the worker stops it now, without the grace
    // period, and records it as killed. That takes milliseconds when the worker waits for the
    // command, and the queue waits for it (briefly) so that the record is written before the
    // process may exit. Inside git (preparing or removing a worktree, up to 60 s) the window is not
    // held: the worker finishes that step on its own thread, starts nothing more, cleans up, and the
    // thread ends and is deleted without the queue.
    // From the moment shutdown() is queued the worker may end its thread and be deleted there, so
    // only the shared flags are read after it.
    m_flags->closing = true;
    QMetaObject::invokeMethod(static_cast<RerunWorker*>(m_worker), &RerunWorker::shutdown, Qt::QueuedConnection);
    if (!m_flags->blocking && m_thread->wait(QDeadlineTimer(kShutdownWaitMs))) {
        delete m_thread; // its pending deleteLater goes with it
    }
}

int RerunQueue::activeWorkerThreads() { return g_workerThreads; }

int RerunQueue::enqueue(const RerunDraft& draft)
{
    RerunJob job;
    job.id = m_nextId++;
    job.draft = draft;
    m_jobs << job;
    Q_EMIT jobChanged(job.id);
    startNext();
    return job.id;
}

void RerunQueue::cancel(int jobId)
{
    for (RerunJob& job : m_jobs) {
        if (job.id != jobId)
            continue;
        if (job.state == RerunJob::State::Queued) {
            job.state = RerunJob::State::Cancelled;
            job.endedAt = nowSeconds();
            Q_EMIT jobChanged(jobId);
            Q_EMIT jobFinished(jobId);
        } else if (job.isActive()) {
            auto* worker = static_cast<RerunWorker*>(m_worker);
            m_flags->cancelledJob = jobId; // seen by a job still preparing its worktree
            QMetaObject::invokeMethod(worker, [worker, jobId] { worker->cancel(jobId); });
        }
        return;
    }
}

QList<int> RerunQueue::jobIds() const
{
    QList<int> ids;
    for (const RerunJob& job : m_jobs)
        ids << job.id;
    return ids;
}

const RerunJob* RerunQueue::job(int jobId) const
{
    for (const RerunJob& job : m_jobs)
        if (job.id == jobId)
            return &job;
    return nullptr;
}

void RerunQueue::setReportOptions(const Tolerance& tolerance, const QStringList& ignore)
{
    m_tolerance = tolerance;
    m_ignore = ignore;
}

void RerunQueue::startNext()
{
    if (m_active != 0)
        return;
    for (RerunJob& job : m_jobs) {
        if (job.state != RerunJob::State::Queued)
            continue;
        job.state = RerunJob::State::Preparing;
        job.startedAt = nowSeconds();
        m_active = job.id;
        Q_EMIT jobChanged(job.id);
        auto* worker = static_cast<RerunWorker*>(m_worker);
        QMetaObject::invokeMethod(worker, [worker, job, tolerance = m_tolerance, ignore = m_ignore, grace = m_graceMs] {
            worker->run(job, tolerance, ignore, grace);
        });
        return;
    }
}

void RerunQueue::onStarted(int jobId, const QString& runId, const QString& worktree)
{
    for (RerunJob& job : m_jobs)
        if (job.id == jobId && job.state == RerunJob::State::Preparing) {
            job.state = RerunJob::State::Running;
            job.runId = runId;
            job.worktree = worktree;
            Q_EMIT jobChanged(jobId);
        }
}

void RerunQueue::onFinished(const RerunJob& result)
{
    for (RerunJob& job : m_jobs)
        if (job.id == result.id) {
            const double startedAt = job.startedAt;
            job = result;
            job.startedAt = startedAt;
        }
    m_active = 0;
    Q_EMIT jobChanged(result.id);
    Q_EMIT jobFinished(result.id);
    startNext();
}

} // namespace reprise

#include "rerun_queue.moc"
