// Any bytes as an MLflow SQLite database. Input starting with SQLite's header is the file itself
// (SQLite reads the bytes; our reader meets whatever schema and values come out). Any other input is
// SQL that builds the database first, so that the fuzzer reaches the reader with tables it can read
// and values of every type and size: only CREATE TABLE, INSERT and SELECT are allowed, no function
// calls, and the functions a column default could still reach (random, the clock) give NULL, so the
// same SQL builds the same database every time; no ATTACH, PRAGMA or VACUUM, so no other file.
#include "fuzz_support.h"
#include "import/source_reader.h"

#include <sqlite3.h>

namespace {

int allowOnly(void*, int action, const char*, const char*, const char*, const char*)
{
    switch (action) {
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_INDEX: // a PRIMARY KEY's
    case SQLITE_INSERT:
    case SQLITE_SELECT: // INSERT ... VALUES (..), (..) is a compound SELECT
    case SQLITE_READ:
    case SQLITE_UPDATE: // sqlite_master, written by CREATE TABLE
    case SQLITE_TRANSACTION:
        return SQLITE_OK;
    default:
        return SQLITE_DENY;
    }
}

void null(sqlite3_context* context, int, sqlite3_value**) { sqlite3_result_null(context); }

int stop(void* steps) { return ++*static_cast<int*>(steps) > 100000 ? 1 : 0; }

/// The database `sql` builds, as file bytes (built in memory: files would make this slower tenfold).
QByteArray build(const QByteArray& sql)
{
    QByteArray file;
    sqlite3* db = nullptr;
    if (sqlite3_open(":memory:", &db) == SQLITE_OK) {
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
        int steps = 0;
        sqlite3_progress_handler(db, 100, stop, &steps);
        for (const char* name : { "random", "randomblob", "date", "time", "datetime", "julianday", "unixepoch",
                 "strftime", "timediff", "current_date", "current_time", "current_timestamp" })
            sqlite3_create_function(db, name, -1, SQLITE_UTF8, nullptr, null, nullptr, nullptr);
        sqlite3_set_authorizer(db, allowOnly, nullptr);
        // Statement by statement, past the ones that fail (a mutation breaks one, not the rest).
        const char* next = sql.constData();
        for (int statements = 0; *next && statements < 1000; ++statements) {
            sqlite3_stmt* statement = nullptr;
            const char* after = nullptr;
            sqlite3_prepare_v2(db, next, -1, &statement, &after);
            if (statement)
                while (sqlite3_step(statement) == SQLITE_ROW) { }
            sqlite3_finalize(statement);
            if (!after || after <= next)
                break;
            next = after;
        }
        sqlite3_set_authorizer(db, nullptr, nullptr); // serializing runs a PRAGMA of its own
        sqlite3_progress_handler(db, 0, nullptr, nullptr);
        sqlite3_int64 size = 0;
        if (unsigned char* bytes = sqlite3_serialize(db, "main", &size, 0)) {
            file = QByteArray(reinterpret_cast<const char*>(bytes), qsizetype(size));
            sqlite3_free(bytes);
        }
    }
    sqlite3_close(db);
    return file;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString path = fuzz::scratch() + QStringLiteral("/mlflow.db");
    QFile::remove(path + QStringLiteral("-journal"));
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    // A NUL ends the SQL, as it would any C string.
    fuzz::write(path, bytes.startsWith(QByteArrayLiteral("SQLite format 3")) ? bytes : build(bytes));
    (void)reprise::readMlflowDatabase(path, {});
    return 0;
}
