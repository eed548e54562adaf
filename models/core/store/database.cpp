#include "store/database.h"

#include "store/lookup_indexes.h"
#include "store/offered_run_table.h"
#include "store/open_database_files.h"
#include "store/schema.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <QUrl>
#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <sqlite3.h>
#include <sys/statfs.h>

namespace reprise {

namespace {

    qint64 monotonicNs()
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    /// One mutex per database file for the writers of this process.
    std::shared_ptr<std::timed_mutex> writerQueueFor(const QString& path)
    {
        static std::mutex registryMutex;
        static std::map<QString, std::weak_ptr<std::timed_mutex>> registry;
        const QString key = QFileInfo(path).canonicalFilePath();
        std::lock_guard guard(registryMutex);
        auto& slot = registry[key.isEmpty() ? QFileInfo(path).absoluteFilePath() : key];
        auto queue = slot.lock();
        if (!queue) {
            queue = std::make_shared<std::timed_mutex>();
            slot = queue;
        }
        return queue;
    }

    Error notARunDatabase(const QString& path)
    {
        return { path + QStringLiteral(": a SQLite database, but not a Reprise run database"),
            QStringLiteral("give the path of a database written by Reprise; other trackers' stores are read by their "
                           "importers") };
    }

} // namespace

int latestSchemaVersion() { return schemaMigrations().empty() ? 0 : schemaMigrations().back().version; }

int Database::defaultBusyTimeoutMs()
{
    bool ok = false;
    const int fromEnvironment = qEnvironmentVariableIntValue("REPRISE_BUSY_TIMEOUT_MS", &ok);
    return ok && fromEnvironment >= 0 ? fromEnvironment : 5000;
}

Database::~Database()
{
    if (m_writing)
        rollback();
    unregisterOpenDatabase(this);
    sqlite3_close_v2(m_db);
}

Error Database::sqliteError(int rc, const QString& what) const
{
    const int primary = rc & 0xff;
    const QString detail = m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QString::fromUtf8(sqlite3_errstr(rc));
    switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: {
        // The time this connection really waited: SQLite gives up at once on some locks (it does not
        // call the busy handler where waiting could deadlock), and those are retried until the timeout.
        const qint64 waitedNs = std::max<qint64>(std::exchange(m_busyWaitedNs, -1), 0);
        return { m_path
                + QStringLiteral(": the database is locked by another process (waited %1 ms)").arg(waitedNs / 1000000),
            QStringLiteral("wait for the other writer to finish or close it, then try again") };
    }
    case SQLITE_NOTADB:
        return { m_path + QStringLiteral(": not a SQLite database"),
            QStringLiteral("check the path: Reprise opens run databases it wrote (see `reprise --help`)") };
    case SQLITE_CORRUPT:
        return { m_path + QStringLiteral(": the database is damaged (truncated or corrupt)"),
            QStringLiteral("restore it from a backup; Reprise will not write to a damaged database") };
    case SQLITE_READONLY:
        return { m_path + QStringLiteral(": cannot write: ") + detail,
            QStringLiteral("check the file's permissions, or open it read-only") };
    case SQLITE_FULL:
        return { m_path + QStringLiteral(": the disk is full"), QStringLiteral("free some space and try again") };
    case SQLITE_CANTOPEN:
        return { m_path + QStringLiteral(": cannot open: ") + detail,
            QStringLiteral("check that the path exists and is readable") };
    default:
        return { m_path + QStringLiteral(": ") + what + QStringLiteral(" failed: ") + detail, {} };
    }
}

int Database::busyHandler(void* self, int attempt)
{
    // SQLite's default handler sleeps up to 100 ms between tries, which starves many concurrent
    // writers; short sleeps hand the lock over quickly while still giving up at the timeout.
    auto* db = static_cast<Database*>(self);
    const qint64 now = monotonicNs();
    if (attempt == 0) {
        db->m_busyStartNs = now;
        db->m_busyWaitedNs = -1;
    }
    if (now - db->m_busyStartNs > qint64(db->m_options.busyTimeoutMs) * 1000000) {
        db->m_busyWaitedNs = now - db->m_busyStartNs;
        return 0;
    }
    QThread::usleep(attempt < 10 ? 50 : 500);
    return 1;
}

template <typename Attempt> int Database::retryWhileBusy(Attempt&& attempt)
{
    const qint64 start = monotonicNs();
    for (int tries = 0;; ++tries) {
        const int rc = attempt();
        if ((rc & 0xff) != SQLITE_BUSY)
            return rc;
        // Measured from the first try, so a wait the busy handler already spent counts too.
        const qint64 waited = monotonicNs() - start;
        if (waited > qint64(m_options.busyTimeoutMs) * 1000000) {
            m_busyWaitedNs = waited;
            return rc;
        }
        QThread::usleep(tries < 10 ? 50 : 500);
    }
}

bool Database::isOnNetworkFileSystem(const QString& path)
{
    struct statfs fs = {};
    if (::statfs(QFile::encodeName(path).constData(), &fs) != 0)
        return false;
    const auto type = static_cast<unsigned long>(fs.f_type);
    for (unsigned long network : { 0x6969ul, 0x517Bul, 0xFF534D42ul, 0xFE534D42ul, 0x5346414Ful, 0x01021997ul,
             0x00C36400ul, 0x0BD00BD0ul, 0x65735546ul })
        if (type == network)
            return true;
    return false;
}

Result<std::unique_ptr<Database>> Database::open(const QString& path, OpenMode mode, Options options)
{
    std::unique_ptr<Database> db(new Database);
    db->m_path = path;
    db->m_options = options;
    db->m_readOnly = mode == OpenMode::ReadOnly;

    const QFileInfo info(path);
    if (!info.exists() && mode != OpenMode::Create) {
        if (offeredRunTable(path))
            return Error { QStringLiteral("the local copy of this team store is still being made"),
                QStringLiteral("its runs are listed already; details, charts and pipelines follow when the copy is "
                               "there (in a few seconds)") };
        return Error { path + QStringLiteral(": no such database"),
            QStringLiteral("record a run with `reprise run -- CMD`, or create a demo with `reprise demo --out PATH`") };
    }
    if (info.exists() && !info.isFile())
        return Error { path + QStringLiteral(": not a file"), QStringLiteral("give the path of a run database") };

    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= db->m_readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (mode == OpenMode::Create)
        flags |= SQLITE_OPEN_CREATE;
    QByteArray native = path.toUtf8();
    // A reader must not try to create -shm/-wal files where it cannot (or should not) keep them.
    if (db->m_readOnly && !QFileInfo::exists(path + QStringLiteral("-shm"))
        && (!QFileInfo(info.absolutePath()).isWritable() || isOnNetworkFileSystem(path))) {
        db->m_snapshot = true;
        flags |= SQLITE_OPEN_URI;
        native = QByteArrayLiteral("file:")
            + QUrl::fromLocalFile(info.absoluteFilePath()).path(QUrl::FullyEncoded).toUtf8()
            + QByteArrayLiteral("?immutable=1");
    }
    const int rc = sqlite3_open_v2(native.constData(), &db->m_db, flags, nullptr);
    if (rc != SQLITE_OK)
        return db->sqliteError(rc, QStringLiteral("open"));
    sqlite3_extended_result_codes(db->m_db, 1);
    db->m_writerQueue = writerQueueFor(path);
    sqlite3_busy_handler(db->m_db, &Database::busyHandler, db.get());

    if (auto st = db->configure(mode); !st)
        return st.error();
    registerOpenDatabase(db.get(), path);
    return db;
}

Result<Database::Header> Database::readHeader()
{
    // One statement, so one snapshot: another process creating the file at the same moment is seen
    // entirely (its schema, application id and version) or not at all, never half.
    Header header;
    const int rc = retryWhileBusy([&] {
        sqlite3_stmt* raw = nullptr;
        int result = sqlite3_prepare_v2(m_db,
            "SELECT a.application_id, v.user_version, (SELECT count(*) FROM sqlite_master), "
            "c.page_count * s.page_size FROM pragma_application_id() a, pragma_user_version() v, "
            "pragma_page_count() c, pragma_page_size() s",
            -1, &raw, nullptr);
        Statement statement(raw);
        if (result != SQLITE_OK)
            return result;
        result = statement.step();
        if (result != SQLITE_ROW)
            return result == SQLITE_DONE ? SQLITE_CORRUPT : result;
        header = { statement.int64(0), statement.int64(1), statement.int64(2), statement.int64(3) };
        return SQLITE_OK;
    });
    if (rc != SQLITE_OK)
        return sqliteError(rc, QStringLiteral("reading the header"));
    return header;
}

Status Database::configure(OpenMode mode)
{
    // Reading the header is also what makes SQLite notice a file that is not a database.
    auto header = readHeader();
    if (!header)
        return header.error();
    m_schemaVersion = int(std::clamp<qint64>(header->schemaVersion, 0, std::numeric_limits<int>::max()));
    const bool empty = header->objects == 0;

    if (!empty && header->applicationId != kApplicationId)
        return notARunDatabase(m_path);
    if (empty && mode == OpenMode::ReadOnly) {
        return Error { m_path + QStringLiteral(": an empty file, not a run database yet"),
            QStringLiteral("record a run into it with `reprise run --db PATH -- CMD`") };
    }
    // A file shorter than the page count its header announces was truncated: never write to it.
    if (!empty && QFileInfo(m_path).size() < header->bytes && !QFileInfo::exists(m_path + QStringLiteral("-wal")))
        return sqliteError(SQLITE_CORRUPT, QStringLiteral("open"));

    m_newerSchema = m_schemaVersion > latestSchemaVersion();
    if (m_readOnly)
        return success();
    if (m_newerSchema) {
        // Opened for reading only: a newer Reprise may have changed what the tables mean.
        m_readOnly = true;
        return success();
    }
    // Switching a new file to WAL takes its write lock for a moment. While another connection holds
    // that lock (another process creating the same file), SQLite answers SQLITE_BUSY at once instead of
    // calling the busy handler (this connection holds a read lock by then: waiting could deadlock), so
    // it is tried again here until the busy timeout. The other pragmas only set this connection up.
    const int rc = retryWhileBusy([this] {
        return sqlite3_exec(m_db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
            nullptr, nullptr, nullptr);
    });
    if (rc != SQLITE_OK)
        return sqliteError(rc, QStringLiteral("switching to WAL"));
    // Checkpoints once the WAL holds 8000 pages (~32 MB), like PRAGMA wal_autocheckpoint=8000, but
    // after a commit has handed the write lock on, not before: copying 32 MB back into the database
    // takes a while and blocks no writer (a passive checkpoint runs beside them).
    sqlite3_wal_hook(m_db, &Database::walHook, this);
    if (auto st = migrate(); !st)
        return st;
    // Best effort: without them every read still works, only slower; a full disk or a damaged file
    // that stops them is said by the next write that needs it. Another writer holding the lock delays
    // this opening by 0.2 s at most (they are made at a later opening), not the whole busy timeout.
    const int busyTimeoutMs = m_options.busyTimeoutMs;
    m_options.busyTimeoutMs = std::min(busyTimeoutMs, 200);
    (void)makeLookupIndexes(*this, false);
    m_options.busyTimeoutMs = busyTimeoutMs;
    m_busyWaitedNs = -1; // a wait given up here is no later error's
    return success();
}

Status Database::migrate()
{
    if (m_schemaVersion >= latestSchemaVersion())
        return success();
    return inWriteTransaction(*this, [this]() -> Status {
        // Read again under the write lock: another process may have created, migrated or (another
        // program) filled the file since. Whoever takes the lock second finds the schema there.
        auto header = readHeader();
        if (!header)
            return header.error();
        if (header->objects != 0 && header->applicationId != kApplicationId)
            return notARunDatabase(m_path);
        const qint64 current = header->schemaVersion;
        if (current >= latestSchemaVersion()) {
            m_schemaVersion = int(std::min<qint64>(current, std::numeric_limits<int>::max()));
            m_newerSchema = current > latestSchemaVersion();
            m_readOnly = m_newerSchema;
            return success(); // nothing to write: the lock is handed back untouched
        }
        for (const Migration& migration : schemaMigrations()) {
            if (migration.version <= current)
                continue;
            if (auto st = exec(migration.sql); !st)
                return st;
        }
        const QByteArray pragmas = QByteArrayLiteral("PRAGMA application_id=") + QByteArray::number(kApplicationId)
            + QByteArrayLiteral("; PRAGMA user_version=") + QByteArray::number(latestSchemaVersion()) + ';';
        if (auto st = exec(pragmas.constData()); !st)
            return st;
        m_schemaVersion = latestSchemaVersion();
        return success();
    });
}

Result<Statement> Database::prepare(const char* sql) const
{
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK)
        return sqliteError(rc, QStringLiteral("preparing a query"));
    return Statement(stmt);
}

Status Database::exec(const char* sql) const
{
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK)
        return sqliteError(rc, QStringLiteral("a statement"));
    return success();
}

Status Database::checkWritable() const
{
    if (m_newerSchema) {
        return Error { m_path
                + QStringLiteral(": written by a newer Reprise (schema version %1; this build knows up to %2)")
                      .arg(m_schemaVersion)
                      .arg(latestSchemaVersion()),
            QStringLiteral("upgrade Reprise to write to it; this version only reads it") };
    }
    if (m_readOnly)
        return Error { m_path + QStringLiteral(": opened read-only"), QStringLiteral("open it writable to change it") };
    return success();
}

Status Database::beginWrite() const
{
    if (auto st = checkWritable(); !st)
        return st;
    if (!m_writerQueue->try_lock_for(std::chrono::milliseconds(m_options.busyTimeoutMs))) {
        m_busyWaitedNs = qint64(m_options.busyTimeoutMs) * 1000000;
        return sqliteError(SQLITE_BUSY, QStringLiteral("begin"));
    }
    if (auto st = exec("BEGIN IMMEDIATE"); !st) {
        m_writerQueue->unlock();
        return st;
    }
    m_writing = true;
    m_writeStartNs = monotonicNs();
    return success();
}

void Database::endWrite() const
{
    if (!std::exchange(m_writing, false))
        return;
    const qint64 held = monotonicNs() - m_writeStartNs;
    ++m_writeStats.transactions;
    m_writeStats.totalNs += held;
    m_writeStats.longestNs = std::max(m_writeStats.longestNs, held);
    m_writerQueue->unlock();
}

Status Database::commit() const
{
    auto st = exec("COMMIT");
    if (!st) {
        rollback();
        return st;
    }
    endWrite();
    if (std::exchange(m_checkpointDue, false))
        sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return st;
}

int Database::walHook(void* self, sqlite3*, const char*, int pages)
{
    if (pages >= kCheckpointPages)
        static_cast<Database*>(self)->m_checkpointDue = true;
    return SQLITE_OK;
}

void Database::rollback() const
{
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    endWrite();
}

WriterPacing::WriterPacing(const Database& db)
    : m_db(db)
    , m_heldAtBreatherNs(db.writeStats().totalNs)
    , m_sincePauseNs(monotonicNs())
{
}

void WriterPacing::afterCommit()
{
    const qint64 held = m_db.writeStats().totalNs;
    if (held - m_heldAtBreatherNs < qint64(kHeldBeforeBreatherMs) * 1000000)
        return;
    m_heldAtBreatherNs = held;
    if (monotonicNs() - m_sincePauseNs >= qint64(kWriteBetweenPausesMs) * 1000000) {
        QThread::msleep(kPauseMs);
        m_sincePauseNs = monotonicNs();
    } else {
        QThread::usleep(kBreatherUs);
    }
}

ReadTransaction::ReadTransaction(const Database& db)
    : m_db(db)
{
    if (!sqlite3_get_autocommit(db.handle()))
        return; // an enclosing transaction holds the snapshot
    m_status = db.exec("BEGIN DEFERRED");
    m_began = m_status.ok();
}

ReadTransaction::~ReadTransaction()
{
    // An error may have rolled the transaction back already (SQLite does on I/O errors).
    if (m_began && !sqlite3_get_autocommit(m_db.handle())
        && sqlite3_exec(m_db.handle(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
        sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

} // namespace reprise
