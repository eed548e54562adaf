#pragma once

#include "import/source_reader.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

class QThread;
class QTimer;

namespace reprise {

class DatabaseWatcher;
class TeamListener;
class JobController;

/// What can be done with a source now.
enum class SourceCondition {
    Live, ///< a Reprise database we may write; changes appear as they are written
    ReadOnly, ///< not writable by us, written by a newer Reprise, or another tracker's data
    Stale, ///< another tracker's data that changed since it was read
    Unreachable, ///< gone (unmounted, moved, deleted) or unreadable: the runs shown are the last read
};

/// One open source as the window knows it.
struct SourceInfo {
    QString path; ///< the Reprise database shown (for another tracker's data: its cache)
    QString location; ///< what the user opened
    SourceKind kind = SourceKind::Reprise;
    bool foreign = false; ///< another tracker's data, read into a cache and shown read-only
    QMap<QString, int> projects; ///< with their run counts
    int runs = 0;
    QString error; ///< why it cannot be read now (empty when it can)
    bool readOnly = false; ///< a Reprise database we may not write
    bool stale = false; ///< (foreign) the source changed since it was read
    bool gone = false; ///< (foreign) the source is no longer there

    SourceCondition condition() const;
    /// For people: a file's name, or a team store's user@host/database (never a password).
    QString name() const;
    /// For people: the path, or a team store's user@host/database.
    QString shownLocation() const;
};

/// The open sources of the window: Reprise databases and other trackers' data (MLflow, TensorBoard,
/// DVC, CSV logs) read into caches. Decides what a path is on a worker, keeps each source's summary
/// (projects, run counts, state) and watches each database for commits on a thread of its own; the
/// sources panel and the run browser observe it. The GUI thread does no I/O here: every read runs on
/// the thread pool or the watch thread, reading another tracker's data is a job of `jobs`.
class SourceRegistry : public QObject {
    Q_OBJECT
public:
    explicit SourceRegistry(JobController* jobs, QObject* parent = nullptr);
    ~SourceRegistry() override;

    /// The open sources' paths, in the order they were opened.
    QStringList paths() const;
    bool contains(const QString& path) const { return m_sources.contains(path); }
    /// What is known of the source shown as `path` (a default SourceInfo for an unknown path).
    SourceInfo info(const QString& path) const;
    /// The open source showing what the user opened at `location` (empty when none).
    QString sourceFor(const QString& location) const;
    /// Paths being looked at (what they are) or read for the first time.
    bool isOpening() const { return m_detecting || !m_pending.isEmpty() || m_firstReads > 0; }
    /// Paths are being looked at (what they are), not yet added.
    bool isDetecting() const { return m_detecting || !m_pending.isEmpty(); }
    /// Another tracker's source is being read.
    bool isReading() const { return m_reads > 0; }

    /// Opens `path`: decides on a worker what it is; a Reprise database (or a path that is nothing
    /// else: its loader says what is wrong) is added at once, another tracker's data is read into its
    /// cache as a job (a large MLflow database as a quick summary first). sourceAdded() reports it,
    /// with `show` passed on. Opening what is open already only reports it again.
    void open(const QString& path, bool show);
    /// Adds `path` as a Reprise database without looking at it first.
    void addDatabase(const QString& path, bool show = false);
    /// Reads another tracker's source again (when it changed); nothing for a database.
    void readAgain(const QString& path);
    void close(const QString& path);
    /// Reads the projects and run counts of `path` again, on a worker.
    void refreshSummary(const QString& path);
    /// Checks, on a worker, whether other trackers' sources changed or went away (also every 5 s).
    void checkForeignSources();

Q_SIGNALS:
    /// A source was added (or opened again) and can be shown; `show` as open() was asked.
    void sourceAdded(const QString& path, bool show);
    /// The source `from` is now shown as `to` (a summary replaced by the full read).
    void sourceReplaced(const QString& from, const QString& to);
    void sourceRemoved(const QString& path);
    /// A source's summary or state changed (panel lines, labels).
    void sourcesChanged();
    /// Another connection committed to the database (or it is back after being lost).
    void dataChanged(const QString& path);
    /// Sent just before dataChanged when only the runs `uuids` of `path` changed (a team store's
    /// copy brought up to date in place): a table shown can read just those again.
    void runsChanged(const QString& path, const QStringList& uuids);
    /// The database cannot be read any more.
    void lost(const QString& path, const QString& message);
    /// Opening or reading failed; the message names the path and what to do.
    void failed(const QString& message);
    /// What a read of another tracker's data said (problems), for after the next load.
    void notice(const QString& text);
    /// Nothing is being opened any more (every open() has been answered).
    void idle();

private:
    void detectNext();
    void readForeign(const QString& path, bool show, bool full);
    void watch(const QString& path);
    void stopWatching(const QString& path);
    void replace(const QString& from, const QString& to);
    void checkIdle();
    /// Team stores: follows the store at `location` (LISTEN/NOTIFY on a thread of its own) and remakes
    /// the local copy shown as `path` when it changes.
    void follow(const QString& path, const QString& location);
    void stopFollowing(const QString& path);
    void refreshTeamCopy(const QString& path);
    /// A team store opened with its newest runs only: reads every run from the server, offers them
    /// for `path` (its copy to be) and says dataChanged.
    void readTeamRunsInFull(const QString& path, const QString& location);

    JobController* m_jobs;
    QStringList m_order;
    QMap<QString, SourceInfo> m_sources;
    QMap<QString, DatabaseWatcher*> m_watchers;
    QMap<QString, std::pair<QThread*, TeamListener*>> m_listeners; ///< team stores followed
    QSet<QString> m_teamReads; ///< team stores whose copy is being remade
    QSet<QString> m_teamReadAgain; ///< and that changed again meanwhile
    QList<QPair<QString, bool>> m_pending; ///< paths waiting to be looked at, with `show`
    bool m_detecting = false;
    int m_reads = 0;
    int m_firstReads = 0; ///< reads of sources not shown yet
    QThread* m_watchThread;
    QTimer* m_foreignPoll;
};

} // namespace reprise
