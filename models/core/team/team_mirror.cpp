#include "team/team_mirror.h"

#include "store/run_store.h"
#include "store/statement.h"
#include "team/pg_connection.h"
#include "team/pg_copy.h"
#include "team/team_schema.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScopeGuard>
#include <QStandardPaths>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

namespace reprise {

using namespace Qt::StringLiterals;

namespace {

    void removeDatabaseFiles(const QString& path)
    {
        for (const char* suffix : { "", "-wal", "-shm", "-journal" })
            QFile::remove(path + QString::fromLatin1(suffix));
    }

    QString stampPath(const QString& cache) { return cache + QStringLiteral(".changes"); }

    /// What the copy was made from, kept beside it: "2 <database oid> <change counter> <snapshot>
    /// <full|runs>". Written after the copy is committed: a stamp older than the copy only makes the
    /// next refresh fetch again runs it already has (replacing a run's rows is idempotent); a copy
    /// made anew removes the stamp first.
    struct Stamp {
        QByteArray oid;
        qint64 counter = -1;
        QByteArray snapshot; ///< pg_snapshot text (xmin:xmax:xip,…), empty when unknown
        bool runTableOnly = false;
        bool valid = false;
        QByteArray text() const
        {
            return "2 " + oid + ' ' + QByteArray::number(counter) + ' ' + (snapshot.isEmpty() ? "-" : snapshot) + ' '
                + (runTableOnly ? "runs" : "full");
        }
    };

    Stamp readStamp(const QString& cache)
    {
        Stamp stamp;
        QFile file(stampPath(cache));
        if (!QFileInfo::exists(cache) || !file.open(QIODevice::ReadOnly))
            return stamp;
        const QList<QByteArray> parts = file.readAll().trimmed().split(' ');
        if (parts.size() != 5 || parts[0] != "2")
            return stamp; // an older Reprise's stamp: the copy is made anew
        static const QRegularExpression snapshotText(QStringLiteral("^[0-9]+:[0-9]+:[0-9,]*$"));
        bool ok = false;
        stamp.oid = parts[1];
        stamp.counter = parts[2].toLongLong(&ok);
        // Only what a snapshot looks like goes into a query (the file could have been edited).
        if (parts[3] != "-" && snapshotText.match(QString::fromLatin1(parts[3])).hasMatch())
            stamp.snapshot = parts[3];
        stamp.runTableOnly = parts[4] == "runs";
        stamp.valid = ok && (parts[4] == "runs" || parts[4] == "full");
        return stamp;
    }

    bool writeStamp(const QString& cache, const Stamp& stamp)
    {
        QSaveFile file(stampPath(cache));
        return file.open(QIODevice::WriteOnly) && file.write(stamp.text()) >= 0 && file.commit();
    }

    enum class Affinity { Integer, Real, Text, Blob };

    Affinity affinity(const QString& declared)
    {
        const QString upper = declared.toUpper();
        if (upper.contains(QLatin1String("INT")))
            return Affinity::Integer;
        if (upper.contains(QLatin1String("REAL")))
            return Affinity::Real;
        if (upper.contains(QLatin1String("BLOB")))
            return Affinity::Blob;
        return Affinity::Text;
    }

    /// A table's columns as the copy (the local schema) declares them; the store has the same.
    struct Table {
        QString name;
        QStringList columns;
        QList<Affinity> types;
        /// Which run a row belongs to, as a condition on a set of run ids `%1` (a subquery), with
        /// `%2` the schema prefix ("reprise." in the store, empty in the copy). Empty: a dictionary.
        QString ofRuns;
        bool history = false; ///< not part of the run table (left for the second step of a first copy)
    };

    /// The condition selecting the rows of the runs `runs` (a subquery) in `table`.
    QString rowsOfRuns(const Table& table, const QString& runs, const QString& prefix)
    {
        return QString(table.ofRuns).replace(u"%2"_s, prefix).replace(u"%1"_s, runs);
    }

    /// The run table's tables: what the window needs to list runs.
    bool inRunTable(const QString& table)
    {
        static const QStringList tables
            = { u"projects"_s, u"metric_keys"_s, u"runs"_s, u"params"_s, u"tags"_s, u"metric_latest"_s };
        return tables.contains(table);
    }

    Result<QList<Table>> describeTables(const Database& db)
    {
        QList<Table> tables;
        for (const QString& name : teamTables()) {
            auto info = db.prepare(QStringLiteral("PRAGMA table_info(%1)").arg(name).toUtf8().constData());
            if (!info)
                return info.error();
            Table table;
            table.name = name;
            info->forEachRow([&] {
                table.columns << info->text(1);
                table.types << affinity(info->text(2));
            });
            if (name == QLatin1String("runs"))
                table.ofRuns = QStringLiteral("id IN (%1)");
            else if (table.columns.contains(u"run_id"_s))
                table.ofRuns = QStringLiteral("run_id IN (%1)");
            else if (table.columns.contains(u"step_id"_s))
                table.ofRuns = QStringLiteral("step_id IN (SELECT id FROM %2steps WHERE run_id IN (%1))");
            else if (table.columns.contains(u"from_step"_s))
                table.ofRuns = QStringLiteral("from_step IN (SELECT id FROM %2steps WHERE run_id IN (%1))");
            else if (table.columns.contains(u"dataset_id"_s))
                table.ofRuns = QStringLiteral("dataset_id IN (SELECT id FROM %2datasets WHERE run_id IN (%1))");
            table.history = !inRunTable(name);
            tables << table;
        }
        return tables;
    }

    /// How the kill test reaches every point of a refresh: with REPRISE_TEAM_COPY_KILL_AFTER=N the
    /// process kills itself (SIGKILL) once it has copied N tables into the copy. Unset in normal use.
    void faultPoint()
    {
        static const int killAfter = qEnvironmentVariableIntValue("REPRISE_TEAM_COPY_KILL_AFTER");
        static int tables = 0;
        if (killAfter > 0 && ++tables >= killAfter)
            ::raise(SIGKILL);
    }

    /// REPRISE_TEAM_TRACE=1: how long each step of a refresh took, on stderr (for benchmarks).
    void trace(const char* what, const QString& table, const QElapsedTimer& t)
    {
        static const bool on = qEnvironmentVariableIsSet("REPRISE_TEAM_TRACE");
        if (on)
            std::fprintf(stderr, "team copy: %s %s %.1f ms (at %lld)\n", what, qPrintable(table),
                double(t.nsecsElapsed()) / 1e6,
                qlonglong(std::chrono::steady_clock::now().time_since_epoch().count() / 1000000));
    }

    /// Copies the rows of `table` the store holds (inside the caller's snapshot) that pass `where`
    /// (SQL over the store; empty: every row) into the copy `db`, in the caller's SQLite transaction.
    Status copyTable(const PgConnection& conn, const Database& db, const Table& table, const QString& where)
    {
        QStringList selected, marks;
        for (qsizetype i = 0; i < table.columns.size(); ++i) {
            // Cast to the binary types read below (bigint and double precision already, but a store
            // migrated by hand may differ).
            const QString& c = table.columns[i];
            switch (table.types[i]) {
            case Affinity::Integer:
                selected << c + QStringLiteral("::bigint");
                break;
            case Affinity::Real:
                selected << c + QStringLiteral("::float8");
                break;
            case Affinity::Text:
                selected << c + QStringLiteral("::text");
                break;
            case Affinity::Blob:
                selected << c + QStringLiteral("::bytea");
                break;
            }
            marks << QStringLiteral("?");
        }
        auto insert = db.prepare(QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                                     .arg(table.name, table.columns.join(u", "_s), marks.join(u','))
                                     .toUtf8()
                                     .constData());
        if (!insert)
            return insert.error();
        sqlite3_stmt* stmt = insert->handle();
        const QList<Affinity> types = table.types;
        const QString sql = QStringLiteral("COPY (SELECT %1 FROM reprise.%2%3) TO STDOUT (FORMAT binary)")
                                .arg(selected.join(u", "_s), table.name,
                                    where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where);
        QElapsedTimer timer;
        timer.start();
        const auto traced = qScopeGuard([&] {
            trace("copied", table.name, timer);
            faultPoint();
        });
        return copyOutBinary(conn, sql, int(types.size()), [&](const CopyField* fields) -> Status {
            for (int c = 0; c < types.size(); ++c) {
                const CopyField& f = fields[c];
                if (f.size < 0) {
                    sqlite3_bind_null(stmt, c + 1);
                    continue;
                }
                switch (types[c]) {
                case Affinity::Integer:
                    if (f.size != 8)
                        return Error { conn.name()
                                + QStringLiteral(": %1.%2 is not a bigint").arg(table.name, table.columns[c]),
                            {} };
                    sqlite3_bind_int64(stmt, c + 1, qint64(be64(f.data)));
                    break;
                case Affinity::Real: {
                    if (f.size != 8)
                        return Error { conn.name()
                                + QStringLiteral(": %1.%2 is not a double").arg(table.name, table.columns[c]),
                            {} };
                    const quint64 bits = be64(f.data);
                    double value = 0;
                    std::memcpy(&value, &bits, sizeof value);
                    if (std::isnan(value))
                        sqlite3_bind_null(stmt, c + 1); // SQLite keeps NaN as NULL (see 0001_init.sql)
                    else
                        sqlite3_bind_double(stmt, c + 1, value);
                    break;
                }
                case Affinity::Text:
                    // Bound without a copy: the row is stepped before its buffer goes.
                    sqlite3_bind_text64(stmt, c + 1, f.data, sqlite3_uint64(f.size), SQLITE_STATIC, SQLITE_UTF8);
                    break;
                case Affinity::Blob:
                    sqlite3_bind_blob64(stmt, c + 1, f.size ? f.data : "", sqlite3_uint64(f.size), SQLITE_STATIC);
                    break;
                }
            }
            const int rc = sqlite3_step(stmt);
            sqlite3_reset(stmt);
            if (rc != SQLITE_DONE)
                return db.sqliteError(rc, QStringLiteral("copying %1 of %2").arg(table.name, conn.name()));
            return success();
        });
    }

    /// The store as this refresh's snapshot sees it.
    struct StoreState {
        QByteArray oid;
        qint64 counter = 0;
        QByteArray snapshot;
        bool hasChangeLog = false;
    };

    /// The runs changed since `snapshot` (as a subquery over the store, in the current snapshot).
    QString changedSince(const QByteArray& snapshot)
    {
        const QString s = QString::fromLatin1(snapshot);
        return QStringLiteral("SELECT run_id FROM reprise_meta.run_changes WHERE xid >= pg_snapshot_xmin('%1') "
                              "AND NOT pg_visible_in_snapshot(xid, '%1')")
            .arg(s);
    }

    /// Makes the copy anew beside it (`partial`), then renames it over the old one.
    Status remake(const PgConnection& conn, TeamMirror& mirror, const Stamp& stamp)
    {
        const QString folder = QFileInfo(mirror.cache).absolutePath();
        if (!QDir().mkpath(folder))
            return Error { folder + QStringLiteral(": cannot create the folder for the copy of ") + conn.name(),
                QStringLiteral("check that the folder is writable (XDG_CACHE_HOME)") };
        const QString partial = mirror.cache + QStringLiteral(".partial");
        removeDatabaseFiles(partial);
        Status copied = success();
        {
            auto store = RunStore::open(partial, OpenMode::Create);
            if (!store)
                return store.error();
            const Database& db = store->database();
            // A file nobody else has open, discarded when anything fails: no journal, no syncs
            // while it fills (it is synced once, whole, before the rename).
            (void)db.exec("PRAGMA journal_mode=DELETE; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
                          "PRAGMA cache_size=-65536");
            auto tables = describeTables(db);
            if (!tables)
                return tables.error();
            copied = inWriteTransaction(db, [&]() -> Status {
                for (const Table& table : *tables) {
                    if (table.history && stamp.runTableOnly)
                        continue;
                    if (auto st = copyTable(conn, db, table, {}); !st)
                        return st;
                }
                return success();
            });
            // Readers and later in-place refreshes share it in WAL mode, as any Reprise database.
            if (copied)
                copied = db.exec("PRAGMA journal_mode=WAL");
        }
        if (copied) {
            const int fd = ::open(QFile::encodeName(partial).constData(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                (void)::fsync(fd);
                ::close(fd);
            }
        }
        if (!copied) {
            removeDatabaseFiles(partial);
            return copied;
        }
        QFile::remove(partial + QStringLiteral("-wal"));
        QFile::remove(partial + QStringLiteral("-shm"));
        // The stamp goes first: a copy without its stamp is made anew, never taken for another.
        QFile::remove(stampPath(mirror.cache));
        QFile::remove(mirror.cache + QStringLiteral("-wal"));
        QFile::remove(mirror.cache + QStringLiteral("-shm"));
        // rename(2) replaces the old copy in one step: a reader opening it meanwhile finds one or the other.
        if (std::rename(QFile::encodeName(partial).constData(), QFile::encodeName(mirror.cache).constData()) != 0)
            return Error { mirror.cache + QStringLiteral(": cannot replace the copy of ") + conn.name(),
                QStringLiteral("check that the folder is writable (XDG_CACHE_HOME)") };
        faultPoint(); // renamed, its stamp not yet written
        if (!writeStamp(mirror.cache, stamp))
            return Error { stampPath(mirror.cache)
                    + QStringLiteral(": cannot record what the copy of %1 holds").arg(conn.name()),
                QStringLiteral("check that the folder is writable (XDG_CACHE_HOME)") };
        mirror.remade = true;
        mirror.runTableOnly = stamp.runTableOnly;
        return success();
    }

    /// Brings the existing copy from `old`'s snapshot to this one's, in place, in one SQLite
    /// transaction: the changed runs' rows replaced by the store's (a removed run's dropped), the
    /// dictionaries replaced whole, and, when the copy held the run table only and `stamp` asks for
    /// everything, every history table filled.
    Status update(const PgConnection& conn, TeamMirror& mirror, const Stamp& old, const Stamp& stamp,
        const QList<qint64>& changed)
    {
        auto store = RunStore::open(mirror.cache, OpenMode::ReadWrite);
        if (!store)
            return store.error();
        const Database& db = store->database();
        auto tables = describeTables(db);
        if (!tables)
            return tables.error();
        const bool fillHistories = old.runTableOnly && !stamp.runTableOnly;
        const QString remoteRuns = changedSince(old.snapshot);
        Status st = inWriteTransaction(db, [&]() -> Status {
            if (auto made = db.exec("CREATE TEMP TABLE IF NOT EXISTS changed_runs (id INTEGER PRIMARY KEY); "
                                    "DELETE FROM temp.changed_runs");
                !made)
                return made;
            auto add = db.prepare("INSERT OR IGNORE INTO temp.changed_runs (id) VALUES (?)");
            if (!add)
                return add.error();
            for (qint64 id : changed) {
                add->bind(1, id);
                if (const int rc = add->step(); rc != SQLITE_DONE)
                    return db.sqliteError(rc, QStringLiteral("listing the changed runs"));
                add->reset();
            }
            // The changed runs' uuids as the copy had them (a removed run's is only there) and, below,
            // as it has them now.
            const auto listUuids = [&]() -> Status {
                auto uuids = db.prepare("SELECT uuid FROM runs WHERE id IN (SELECT id FROM temp.changed_runs)");
                if (!uuids)
                    return uuids.error();
                if (const int rc = uuids->forEachRow([&] { mirror.changedUuids << uuids->text(0); }); rc != SQLITE_DONE)
                    return db.sqliteError(rc, QStringLiteral("listing the changed runs"));
                return success();
            };
            if (auto listed = listUuids(); !listed)
                return listed;
            // Removed children first (their condition goes through steps and datasets), runs last.
            for (auto it = tables->crbegin(); it != tables->crend(); ++it) {
                const Table& table = *it;
                const bool whole = table.ofRuns.isEmpty() || (fillHistories && table.history);
                if (table.history && stamp.runTableOnly)
                    continue;
                const QString sql = whole
                    ? QStringLiteral("DELETE FROM %1").arg(table.name)
                    : QStringLiteral("DELETE FROM %1 WHERE %2")
                          .arg(table.name, rowsOfRuns(table, u"SELECT id FROM temp.changed_runs"_s, QString()));
                if (auto removed = db.exec(sql.toUtf8().constData()); !removed)
                    return removed;
            }
            for (const Table& table : *tables) {
                if (table.history && stamp.runTableOnly)
                    continue;
                const bool whole = table.ofRuns.isEmpty() || (fillHistories && table.history);
                if (!whole && changed.isEmpty())
                    continue;
                const QString where = whole ? QString() : rowsOfRuns(table, remoteRuns, u"reprise."_s);
                if (auto copied = copyTable(conn, db, table, where); !copied)
                    return copied;
            }
            if (auto listed = listUuids(); !listed)
                return listed;
            return db.exec("DELETE FROM temp.changed_runs");
        });
        if (!st)
            return st;
        faultPoint(); // committed, its stamp not yet written
        if (!writeStamp(mirror.cache, stamp))
            return Error { stampPath(mirror.cache)
                    + QStringLiteral(": cannot record what the copy of %1 holds").arg(conn.name()),
                QStringLiteral("check that the folder is writable (XDG_CACHE_HOME)") };
        mirror.changedRuns = changed.size();
        mirror.changedUuids.removeDuplicates();
        mirror.runTableOnly = stamp.runTableOnly;
        return success();
    }

} // namespace

QString teamMirrorPath(const QString& location)
{
    const QByteArray id = QCryptographicHash::hash(location.toUtf8(), QCryptographicHash::Sha1).toHex().left(24);
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) + QStringLiteral("/reprise/team/")
        + QString::fromLatin1(id) + QStringLiteral(".db");
}

Result<TeamMirror> refreshTeamMirror(const QString& location, TeamCopyDepth depth)
{
    QElapsedTimer timer;
    timer.start();
    const auto traced = qScopeGuard([&] { trace("refresh", location.left(0), timer); });
    TeamMirror mirror;
    mirror.location = location;
    mirror.cache = teamMirrorPath(location);
    auto conn = PgConnection::connect(location);
    if (!conn)
        return conn.error();
    mirror.storeName = conn->name();
    trace("connected", {}, timer);
    if (auto version = checkTeamSchema(*conn); !version)
        return version.error();
    // One snapshot for the counter, the change log and every table: the copy is the store at one moment.
    if (auto begun = conn->beginBulkRead(); !begun)
        return begun.error();
    const auto finish = [&](Result<TeamMirror> out) {
        conn->rollback(); // a read-only snapshot: nothing to commit
        return out;
    };
    auto state = conn->query(
        QStringLiteral("SELECT CASE WHEN is_called THEN last_value ELSE 0 END, "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()), pg_current_snapshot(), "
                       "to_regclass('reprise_meta.run_changes') IS NOT NULL FROM reprise_meta.changes"));
    if (!state)
        return finish(state.error());
    mirror.changeCounter = state->int64(0, 0);
    // The database's oid too: a store dropped and made again under the same name counts from the
    // same start, and its copy must not be taken for the old one's.
    Stamp stamp;
    stamp.oid = state->bytes(0, 1);
    stamp.counter = mirror.changeCounter;
    const bool hasChangeLog = state->bytes(0, 3) == "t";
    if (hasChangeLog)
        stamp.snapshot = state->bytes(0, 2);
    stamp.valid = true;

    trace("snapshot", {}, timer);
    const Stamp old = readStamp(mirror.cache);
    const bool sameStore = old.valid && old.oid == stamp.oid;
    // What the copy holds decides how deep this refresh goes: a copy with every history keeps them,
    // a first copy for the window holds the run table only.
    stamp.runTableOnly = depth == TeamCopyDepth::RunTableFirst && (!sameStore || old.runTableOnly);
    mirror.runTableOnly = old.runTableOnly;

    if (sameStore && hasChangeLog && !old.snapshot.isEmpty()) {
        auto changed = conn->query(changedSince(old.snapshot));
        if (!changed)
            return finish(changed.error());
        trace("changed runs", QString::number(changed->rows()), timer);
        QList<qint64> runs;
        bool truncated = false;
        for (int r = 0; r < changed->rows(); ++r) {
            const qint64 id = changed->int64(r, 0);
            truncated = truncated || id < 0;
            runs << id;
        }
        if (!truncated) {
            if (runs.isEmpty() && old.runTableOnly == stamp.runTableOnly) {
                // Up to date. The newer snapshot is kept when the counter moved (writes that did not
                // touch a run), so the next look starts from it.
                if (old.counter != stamp.counter)
                    (void)writeStamp(mirror.cache, stamp);
                return finish(mirror);
            }
            if (auto st = update(*conn, mirror, old, stamp, runs); !st)
                return finish(st.error());
            mirror.refreshed = true;
            return finish(mirror);
        }
    } else if (sameStore && !hasChangeLog && old.counter == stamp.counter
        && (!old.runTableOnly || stamp.runTableOnly)) {
        return finish(mirror); // a store without the change log: the counter says whether it moved
    }
    if (!hasChangeLog)
        stamp.runTableOnly = false; // without the log the histories could not follow in place
    if (auto st = remake(*conn, mirror, stamp); !st)
        return finish(st.error());
    mirror.refreshed = true;
    return finish(mirror);
}

} // namespace reprise
