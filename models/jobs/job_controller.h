#pragma once

#include "import/source_reader.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QPromise>
#include <QString>
#include <QtConcurrent>
#include <algorithm>
#include <atomic>
#include <memory>
#include <type_traits>

namespace reprise {

/// Owns the lifetime of the window's long background jobs (reading another tracker's data into a
/// cache, importing into a database). Each job runs on the thread pool with a cancel flag of its
/// own and reports progress through its QFuture — a worker never holds a reference into a widget.
/// Destroying the controller cancels every job and waits for it to end; a window that does not
/// want to wait calls cancelAll() and closes on allFinished().
class JobController : public QObject {
    Q_OBJECT
public:
    struct Job {
        quint64 id = 0;
        QString title; ///< what the job does, for the status bar ("Importing mlruns")
        double progress = 0; ///< 0…1
        bool cancelling = false;
    };

    explicit JobController(QObject* parent = nullptr);
    ~JobController() override;

    /// Runs `work(const ReadControl&)` as a job named `title`; the ReadControl carries the job's own
    /// cancel flag and progress. The result arrives through the returned future: continue it with
    /// `.then(context, …)`, which runs only while `context` lives.
    template <typename Work>
    QFuture<std::invoke_result_t<Work, const ReadControl&>> start(const QString& title, Work work);

    /// The running jobs, oldest first.
    QList<Job> jobs() const;
    /// Whether a job is still working (one whose work returned counts as done, even before its end
    /// has been reported through the event loop: continuations of its future see it done).
    bool isBusy() const;
    /// The id of the job started last (0 when none ran yet).
    quint64 lastStarted() const { return m_lastId; }
    /// Asks one job to stop (it ends at its next check, leaving nothing half-written).
    void cancel(quint64 id);
    void cancelAll();
    /// cancelAll(), then waits for every job to end. Blocks the calling thread: for destruction.
    void cancelAndWait();

Q_SIGNALS:
    /// A job started, progressed, is cancelling or ended.
    void jobsChanged();
    /// The last running job ended.
    void allFinished();

private:
    struct Running {
        Job job;
        std::shared_ptr<std::atomic<bool>> cancel;
        QFuture<void> done;
    };

    void track(const QString& title, std::shared_ptr<std::atomic<bool>> cancel, QFuture<void> done,
        QFutureWatcherBase* watcher);
    void finished(quint64 id);

    QList<Running> m_running;
    quint64 m_lastId = 0;
};

template <typename Work>
QFuture<std::invoke_result_t<Work, const ReadControl&>> JobController::start(const QString& title, Work work)
{
    using T = std::invoke_result_t<Work, const ReadControl&>;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    QFuture<T> future = QtConcurrent::run([cancel, work = std::move(work)](QPromise<T>& promise) mutable {
        promise.setProgressRange(0, 1000);
        ReadControl control;
        control.cancel = cancel.get();
        control.progress
            = [&promise](double fraction) { promise.setProgressValue(int(std::clamp(fraction, 0.0, 1.0) * 1000)); };
        promise.addResult(work(control));
    });
    auto* watcher = new QFutureWatcher<T>(this);
    track(title, cancel, QFuture<void>(future), watcher);
    watcher->setFuture(future);
    return future;
}

} // namespace reprise
