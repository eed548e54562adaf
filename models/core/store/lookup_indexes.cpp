#include "store/lookup_indexes.h"

#include "store/database.h"

#include <sqlite3.h>

namespace reprise {

namespace {

    struct LookupIndex {
        const char* name;
        const char* sql;
        bool byKey; ///< as large as the params table: made unasked only for small databases
    };

    // params(key, value) also holds run_id (the table's key): a filter on one key walks that key's
    // entries and finds the runs without touching the table.
    constexpr LookupIndex kLookupIndexes[] = {
        { "runs_running", "CREATE INDEX IF NOT EXISTS runs_running ON runs(host, pid) WHERE status = 'running'",
            false },
        { "params_by_key", "CREATE INDEX IF NOT EXISTS params_by_key ON params(key, value)", true },
        { "tags_by_key", "CREATE INDEX IF NOT EXISTS tags_by_key ON tags(key, value)", true },
    };

    bool hasIndex(const Database& db, const char* name)
    {
        auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
        if (!s)
            return false;
        s->bind(1, QString::fromLatin1(name));
        return s->step() == SQLITE_ROW;
    }

} // namespace

bool hasKeyLookupIndexes(const Database& db)
{
    for (const LookupIndex& index : kLookupIndexes) {
        if (index.byKey && !hasIndex(db, index.name))
            return false;
    }
    return true;
}

Status makeLookupIndexes(const Database& db, bool evenIfLarge)
{
    std::vector<const LookupIndex*> missing;
    for (const LookupIndex& index : kLookupIndexes) {
        if (!hasIndex(db, index.name))
            missing.push_back(&index);
    }
    if (missing.empty())
        return success();
    bool small = evenIfLarge;
    if (!small) {
        // The highest id bounds the count from above and is found at once (a count walks an index).
        auto last = db.prepare("SELECT coalesce(max(id), 0) FROM runs");
        if (!last)
            return last.error();
        if (int rc = last->step(); rc != SQLITE_ROW)
            return db.sqliteError(rc, QStringLiteral("counting runs"));
        small = last->int64(0) <= kLookupIndexesMadeUnaskedUpTo;
    }
    return inWriteTransaction(db, [&]() -> Status {
        for (const LookupIndex* index : missing) {
            if (index->byKey && !small)
                continue;
            if (auto st = db.exec(index->sql); !st)
                return st;
        }
        return success();
    });
}

} // namespace reprise
