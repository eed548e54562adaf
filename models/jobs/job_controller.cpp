#include "jobs/job_controller.h"

namespace reprise {

JobController::JobController(QObject* parent)
    : QObject(parent)
{
}

JobController::~JobController() { cancelAndWait(); }

void JobController::track(
    const QString& title, std::shared_ptr<std::atomic<bool>> cancel, QFuture<void> done, QFutureWatcherBase* watcher)
{
    const quint64 id = ++m_lastId;
    m_running.append(Running { Job { id, title, 0, false }, std::move(cancel), std::move(done) });
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, [this, id](int permille) {
        for (Running& r : m_running) {
            if (r.job.id == id) {
                r.job.progress = permille / 1000.0;
                Q_EMIT jobsChanged();
            }
        }
    });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, id, watcher] {
        watcher->deleteLater();
        finished(id);
    });
    Q_EMIT jobsChanged();
}

void JobController::finished(quint64 id)
{
    const auto removed = m_running.removeIf([id](const Running& r) { return r.job.id == id; });
    if (removed == 0)
        return;
    Q_EMIT jobsChanged();
    if (m_running.isEmpty())
        Q_EMIT allFinished();
}

bool JobController::isBusy() const
{
    return std::any_of(m_running.begin(), m_running.end(), [](const Running& r) { return !r.done.isFinished(); });
}

QList<JobController::Job> JobController::jobs() const
{
    QList<Job> out;
    for (const Running& r : m_running) {
        if (!r.done.isFinished())
            out << r.job;
    }
    return out;
}

void JobController::cancel(quint64 id)
{
    for (Running& r : m_running) {
        if (r.job.id == id && !r.job.cancelling) {
            *r.cancel = true;
            r.job.cancelling = true;
            Q_EMIT jobsChanged();
        }
    }
}

void JobController::cancelAll()
{
    for (const Running& r : m_running)
        cancel(r.job.id);
}

void JobController::cancelAndWait()
{
    for (Running& r : m_running)
        *r.cancel = true;
    // Waiting on a copy: a job's end may not change the list meanwhile (its watcher reports through
    // the event loop, which does not run here).
    QList<Running> running = m_running;
    for (Running& r : running)
        r.done.waitForFinished();
}

} // namespace reprise
