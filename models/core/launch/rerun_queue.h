#pragma once

#include "analysis/reproduction_report.h"
#include "launch/rerun_draft.h"
#include "launch/run_launcher.h"

#include <QObject>
#include <memory>
#include <optional>

class QThread;

namespace reprise {

struct RerunWorkerFlags;

/// One queued or executed rerun, as the queue last reported it.
struct RerunJob {
    enum class State { Queued, Preparing, Running, Done, Failed, Cancelled };
    int id = 0;
    RerunDraft draft;
    State state = State::Queued;
    QString runId; ///< the new run, once recorded
    QString worktree; ///< while running in one, or kept after a failure
    LaunchOutcome outcome;
    std::optional<ReproductionReport> report; ///< against the original, once the rerun ended
    QString error; ///< why it failed before or after running (preparing, reporting)
    QString hint;
    double startedAt = 0; ///< seconds since the epoch, 0 before it started
    double endedAt = 0;
    bool isActive() const { return state == State::Preparing || state == State::Running; }
    bool isFinal() const { return state == State::Done || state == State::Failed || state == State::Cancelled; }
};
QString toString(RerunJob::State state);

/// Reruns executed one at a time, in the order they were queued. Preparing the worktree, running
/// the command (RunLauncher), recording and the reproduction report all happen on one worker
/// thread; this object (on the GUI thread) holds value snapshots of the jobs and says when they
/// change. Cancel stops a queued job at once and a running one with SIGTERM, then SIGKILL after
/// the grace period.
///
/// Destroying the queue never holds the GUI thread for long: a running command is killed at once
/// and recorded as killed (the destructor waits for that, at most 2 s); a worker inside git
/// (preparing or removing a worktree) is not waited for: it finishes that step on its own thread,
/// starts nothing more, removes the worktree it made, and its thread ends and is deleted without
/// the queue.
class RerunQueue : public QObject {
    Q_OBJECT
public:
    explicit RerunQueue(QObject* parent = nullptr);
    ~RerunQueue() override;

    /// Queues a checked draft; returns the job id.
    int enqueue(const RerunDraft& draft);
    void cancel(int jobId);
    QList<int> jobIds() const;
    const RerunJob* job(int jobId) const;
    bool isBusy() const { return m_active != 0; }
    /// Tolerance and ignored metrics of the reports (for reruns queued after the change).
    void setReportOptions(const Tolerance& tolerance, const QStringList& ignore);
    void setGracePeriod(int ms) { m_graceMs = ms; }
    /// Worker threads not yet deleted, those still finishing a step for a destroyed queue included
    /// (tests; an exit that wants to let them finish). GUI thread.
    static int activeWorkerThreads();

Q_SIGNALS:
    void jobChanged(int jobId);
    /// Text the job's command wrote, decoded, as it arrives.
    void output(int jobId, bool isError, const QString& text);
    void jobFinished(int jobId);

private:
    void startNext();
    void onStarted(int jobId, const QString& runId, const QString& worktree);
    void onFinished(const RerunJob& result);

    QList<RerunJob> m_jobs;
    int m_nextId = 1;
    int m_active = 0; ///< id of the job on the worker, 0 when idle
    int m_graceMs = 5000;
    Tolerance m_tolerance;
    QStringList m_ignore;
    QThread* m_thread; ///< owned; may outlive the queue (deletes itself then)
    QObject* m_worker; ///< lives on m_thread, deleted there as it ends (possibly during ~RerunQueue)
    /// What the queue and the worker tell each other across threads; shared, because the worker may
    /// be deleted on its thread while the destroyed queue still reads them.
    std::shared_ptr<RerunWorkerFlags> m_flags;
};

} // namespace reprise

Q_DECLARE_METATYPE(reprise::RerunJob)
