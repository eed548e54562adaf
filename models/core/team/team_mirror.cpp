#include "team/team_mirror.h"

#include "store/run_store.h"
#include "store/statement.h"
#include "team/pg_connection.h"
#include "team/team_schema.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <cmath>
#include <sqlite3.h>

namespace reprise {

namespace {

    void removeDatabaseFiles(const QString& path)
    {
        for (const char* suffix : { "", "-wal", "-shm", "-journal" })
            QFile::remove(path + QString::fromLatin1(suffix));
    }

    QString counterPath(const QString& cache) { return cache + QStringLiteral(".changes"); }

    /// What the copy was made at: "<database oid>:<change counter>" (empty when there is no copy).
    QByteArray storedStamp(const QString& cache)
    {
        QFile file(counterPath(cache));
        if (!QFileInfo::exists(cache) || !file.open(QIODevice::ReadOnly))
            return {};
        return file.readAll().trimmed();
    }

    /// Undoes COPY's text escapes of one field (\\, \t, \n, \r, \b, \f, \v; other escapes do not
    /// occur in COPY's output of these column types).
    QByteArray unescapeCopyField(QByteArrayView field)
    {
        if (!field.contains('\\'))
            return field.toByteArray();
        QByteArray out;
        out.reserve(field.size());
        for (qsizetype i = 0; i < field.size(); ++i) {
            const char c = field[i];
            if (c != '\\' || i + 1 == field.size()) {
                out.append(c);
                continue;
            }
            const char next = field[++i];
            switch (next) {
            case 't':
                out.append('\t');
                break;
            case 'n':
                out.append('\n');
                break;
            case 'r':
                out.append('\r');
                break;
            case 'b':
                out.append('\b');
                break;
            case 'f':
                out.append('\f');
                break;
            case 'v':
                out.append('\v');
                break;
            default:
                out.append(next);
            }
        }
        return out;
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

    /// Copies every row of `table` from the store (inside the caller's snapshot) into `db`.
    Status copyTable(const PgConnection& conn, const Database& db, const QString& table)
    {
        auto info = db.prepare(QStringLiteral("PRAGMA table_info(%1)").arg(table).toUtf8().constData());
        if (!info)
            return info.error();
        QStringList names;
        QList<Affinity> types;
        info->forEachRow([&] {
            names << info->text(1);
            types << affinity(info->text(2));
        });
        const QString columns = names.join(QStringLiteral(", "));
        auto data = conn.copyOut(QStringLiteral("COPY (SELECT %1 FROM reprise.%2) TO STDOUT").arg(columns, table));
        if (!data)
            return data.error();
        QStringList marks;
        for (qsizetype i = 0; i < names.size(); ++i)
            marks << QStringLiteral("?");
        auto insert = db.prepare(QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                                     .arg(table, columns, marks.join(u','))
                                     .toUtf8()
                                     .constData());
        if (!insert)
            return insert.error();
        sqlite3_stmt* stmt = insert->handle();
        QByteArrayView rest(*data);
        while (!rest.isEmpty()) {
            qsizetype end = rest.indexOf('\n');
            if (end < 0)
                end = rest.size();
            const QByteArrayView line = rest.first(end);
            rest = rest.sliced(std::min(end + 1, rest.size()));
            qsizetype start = 0;
            for (int c = 0; c < names.size(); ++c) {
                qsizetype tab = line.indexOf('\t', start);
                if (tab < 0)
                    tab = line.size();
                const QByteArrayView raw = line.sliced(start, tab - start);
                start = tab + 1;
                if (raw == "\\N") {
                    sqlite3_bind_null(stmt, c + 1);
                    continue;
                }
                switch (types[c]) {
                case Affinity::Integer:
                    sqlite3_bind_int64(stmt, c + 1, raw.toLongLong());
                    break;
                case Affinity::Real: {
                    double value = raw == "Infinity" ? INFINITY : raw == "-Infinity" ? -INFINITY : raw.toDouble();
                    if (raw == "NaN")
                        sqlite3_bind_null(stmt, c + 1); // SQLite keeps NaN as NULL (see 0001_init.sql)
                    else
                        sqlite3_bind_double(stmt, c + 1, value);
                    break;
                }
                case Affinity::Blob: {
                    const QByteArray bytes = decodeBytea(unescapeCopyField(raw));
                    sqlite3_bind_blob64(stmt, c + 1, bytes.constData(), sqlite3_uint64(bytes.size()), SQLITE_TRANSIENT);
                    break;
                }
                case Affinity::Text: {
                    const QByteArray text = unescapeCopyField(raw);
                    sqlite3_bind_text64(
                        stmt, c + 1, text.constData(), sqlite3_uint64(text.size()), SQLITE_TRANSIENT, SQLITE_UTF8);
                    break;
                }
                }
            }
            const int rc = sqlite3_step(stmt);
            sqlite3_reset(stmt);
            if (rc != SQLITE_DONE)
                return db.sqliteError(rc, QStringLiteral("copying %1 of %2").arg(table, conn.name()));
        }
        return success();
    }

} // namespace

QString teamMirrorPath(const QString& location)
{
    const QByteArray id = QCryptographicHash::hash(location.toUtf8(), QCryptographicHash::Sha1).toHex().left(24);
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) + QStringLiteral("/reprise/team/")
        + QString::fromLatin1(id) + QStringLiteral(".db");
}

Result<TeamMirror> refreshTeamMirror(const QString& location)
{
    TeamMirror mirror;
    mirror.location = location;
    mirror.cache = teamMirrorPath(location);
    auto conn = PgConnection::connect(location);
    if (!conn)
        return conn.error();
    mirror.storeName = conn->name();
    if (auto version = checkTeamSchema(*conn); !version)
        return version.error();
    // One snapshot for the counter and every table: the copy is the store at one moment.
    if (auto begun = conn->exec(QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")); !begun)
        return begun.error();
    auto counter = conn->query(
        QStringLiteral("SELECT CASE WHEN is_called THEN last_value ELSE 0 END, "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()) FROM reprise_meta.changes"));
    if (!counter) {
        conn->rollback();
        return counter.error();
    }
    mirror.changeCounter = counter->int64(0, 0);
    // The database's oid too: a store dropped and made again under the same name counts from the
    // same start, and its copy must not be taken for the old one's.
    const QByteArray stamp = counter->bytes(0, 1) + ':' + QByteArray::number(mirror.changeCounter);
    if (storedStamp(mirror.cache) == stamp) {
        conn->rollback();
        return mirror;
    }
    const QString folder = QFileInfo(mirror.cache).absolutePath();
    if (!QDir().mkpath(folder))
        return Error { folder + QStringLiteral(": cannot create the folder for the copy of ") + conn->name(),
            QStringLiteral("hint: check that the folder is writable (XDG_CACHE_HOME)") };
    const QString partial = mirror.cache + QStringLiteral(".partial");
    removeDatabaseFiles(partial);
    Status copied = success();
    {
        auto store = RunStore::open(partial, OpenMode::Create);
        if (!store) {
            conn->rollback();
            return store.error();
        }
        const Database& db = store->database();
        copied = inWriteTransaction(db, [&]() -> Status {
            for (const QString& table : teamTables())
                if (auto st = copyTable(*conn, db, table); !st)
                    return st;
            return success();
        });
        // Checkpointed into the main file, so the rename carries every page.
        if (copied)
            (void)db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    conn->rollback(); // a read-only snapshot: nothing to commit
    if (!copied) {
        removeDatabaseFiles(partial);
        return copied.error();
    }
    removeDatabaseFiles(mirror.cache);
    QFile::remove(partial + QStringLiteral("-wal"));
    QFile::remove(partial + QStringLiteral("-shm"));
    if (!QFile::rename(partial, mirror.cache))
        return Error { mirror.cache + QStringLiteral(": cannot replace the copy of ") + conn->name(),
            QStringLiteral("hint: check that the folder is writable (XDG_CACHE_HOME)") };
    QFile stampFile(counterPath(mirror.cache));
    if (stampFile.open(QIODevice::WriteOnly | QIODevice::Truncate))
        stampFile.write(stamp);
    mirror.refreshed = true;
    return mirror;
}

} // namespace reprise
