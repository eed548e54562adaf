#pragma once

#include "result.h"
#include "store/statement.h"

#include <QString>
#include <memory>
#include <mutex>

struct sqlite3;

namespace reprise {

enum class OpenMode {
    ReadOnly, ///< never writes (shared databases, inspection commands)
    ReadWrite, ///< the file must exist and be a Reprise database; migrated if older
    Create, ///< like ReadWrite, and creates an empty database when the file is missing
};

/// The schema version this build writes (the number of the newest migration file).
int latestSchemaVersion();

/// One SQLite connection to a Reprise run database. Not thread-safe: one per thread.
/// Opening validates the file (SQLite header, application id, schema version, truncation) and, for
/// writable modes, switches to WAL and applies pending migrations in one transaction.
class Database {
public:
    struct Options {
        /// How long to wait for a lock held by another connection: 5 s, or $REPRISE_BUSY_TIMEOUT_MS.
        int busyTimeoutMs = defaultBusyTimeoutMs();
    };
    static int defaultBusyTimeoutMs();

    static Result<std::unique_ptr<Database>> open(const QString& path, OpenMode mode, Options options);
    static Result<std::unique_ptr<Database>> open(const QString& path, OpenMode mode)
    {
        return open(path, mode, Options {});
    }
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    sqlite3* handle() const { return m_db; }
    const QString& path() const { return m_path; }
    bool readOnly() const { return m_readOnly; }
    /// Opened as an immutable snapshot: a read-only database where SQLite could not keep its shared
    /// memory file (a folder we cannot write, or a network file system, where WAL's shared memory
    /// does not work). Nothing is created next to the file; watchers reopen it when it changes.
    bool isSnapshot() const { return m_snapshot; }
    /// NFS, SMB/CIFS, AFS, 9p, Ceph, Lustre or FUSE (sshfs): where a shared database usually lives.
    static bool isOnNetworkFileSystem(const QString& path);
    /// Inside a write transaction begun by beginWrite().
    bool isWriting() const { return m_writing; }

    /// The write transactions of this connection so far: how many, and how long they held the write
    /// lock (from BEGIN IMMEDIATE taking it to COMMIT or ROLLBACK releasing it), for benchmarks.
    struct WriteStats {
        qint64 transactions = 0;
        qint64 longestNs = 0;
        qint64 totalNs = 0;
    };
    WriteStats writeStats() const { return m_writeStats; }
    int schemaVersion() const { return m_schemaVersion; }

    /// Prepares a statement; on failure the error names the database and SQLite's reason.
    Result<Statement> prepare(const char* sql) const;
    /// Runs one or more statements without results.
    Status exec(const char* sql) const;
    /// Refuses writes (read-only open or a newer schema) with the reason as the error.
    Status checkWritable() const;

    /// BEGIN IMMEDIATE: takes the write lock up front so concurrent writers never deadlock.
    /// Writers in the same process queue on a mutex per database file first, so they hand the
    /// lock over directly instead of polling SQLite's file lock.
    Status beginWrite() const;
    /// COMMIT; rolls back if the commit itself fails. Ends the write either way.
    Status commit() const;
    void rollback() const;

    /// A user-facing error for the SQLite result code `rc` of an operation on this database.
    Error sqliteError(int rc, const QString& what) const;

private:
    Database() = default;
    /// What the file says about itself, read by one statement (so from one snapshot).
    struct Header {
        qint64 applicationId = 0;
        qint64 schemaVersion = 0;
        qint64 objects = 0; ///< rows of sqlite_master: 0 for a new, empty file
        qint64 bytes = 0; ///< page count × page size
    };
    Result<Header> readHeader();
    Status configure(OpenMode mode);
    Status migrate();
    static int busyHandler(void* self, int attempt);
    static int walHook(void* self, sqlite3* db, const char* name, int pages);
    static constexpr int kCheckpointPages = 8000;
    /// Runs `attempt` (returning an SQLite result code) again, after a short sleep, while it fails with
    /// SQLITE_BUSY and the busy timeout has not passed: for the locks SQLite does not wait for itself.
    template <typename Attempt> int retryWhileBusy(Attempt&& attempt);

    sqlite3* m_db = nullptr;
    QString m_path;
    Options m_options;
    bool m_readOnly = true;
    bool m_snapshot = false;
    bool m_newerSchema = false;
    int m_schemaVersion = 0;
    qint64 m_busyStartNs = 0;
    /// How long the latest wait for a lock lasted before giving up (ns), for the error that reports
    /// it; -1 when no wait gave up since the last such error.
    mutable qint64 m_busyWaitedNs = -1;
    std::shared_ptr<std::timed_mutex> m_writerQueue;
    mutable bool m_writing = false;
    mutable qint64 m_writeStartNs = 0;
    mutable bool m_checkpointDue = false;
    mutable WriteStats m_writeStats;
    void endWrite() const;
};

/// Runs `body` inside a write transaction; commits if it returns success, rolls back otherwise.
template <typename Body> Status inWriteTransaction(const Database& db, Body&& body)
{
    if (db.isWriting())
        return body(); // part of an enclosing transaction, which commits or rolls back the whole
    if (auto st = db.beginWrite(); !st)
        return st;
    Status result = body();
    if (!result) {
        db.rollback();
        return result;
    }
    return db.commit();
}

/// Spacing between the transactions of a long writer (an import, packing a finished run's
/// histories) so that every other writer of the file gets the lock within about a second. Once its
/// transactions have held the lock for 10 ms it leaves the lock free briefly (a writer of this
/// process queued on the file's mutex, or one in another process polling every 0.5 ms as Database
/// does, takes it then), and after every ~0.4 s of writing for longer than SQLite's default busy
/// handler sleeps between tries (100 ms: the Python client and the sqlite3 shell wait that way).
/// A few short transactions (finishing a small run) are not slowed at all.
class WriterPacing {
public:
    explicit WriterPacing(const Database& db);
    /// Call after each commit (outside any transaction).
    void afterCommit();

    static constexpr int kHeldBeforeBreatherMs = 10;
    static constexpr int kBreatherUs = 2000;
    static constexpr int kWriteBetweenPausesMs = 400;
    static constexpr int kPauseMs = 110;

private:
    const Database& m_db;
    qint64 m_heldAtBreatherNs = 0;
    qint64 m_sincePauseNs = 0;
};

/// A read transaction (BEGIN DEFERRED ... COMMIT): every statement run while it is open sees the
/// same snapshot of the database, however many writers commit meanwhile, so the several queries
/// of one read (a run's details, the run table, a history) agree with each other. Inside an open
/// transaction (a write, or another read) it does nothing: the enclosing one holds the snapshot.
/// Statements must be finished (reset or destroyed) before it ends; declare it before them.
class ReadTransaction {
public:
    explicit ReadTransaction(const Database& db);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

    /// Whether the transaction began (or an enclosing one holds the snapshot); the reason if not.
    const Status& status() const { return m_status; }

private:
    const Database& m_db;
    bool m_began = false;
    Status m_status = success();
};

} // namespace reprise
