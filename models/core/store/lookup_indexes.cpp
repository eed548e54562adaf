#include "store/lookup_indexes.h"

#include "store/database.h"
#include "store/schema.h"

#include <QRegularExpression>
#include <sqlite3.h>

namespace reprise {

namespace {

    struct LookupIndex {
        QString name;
        QByteArray sql;
        bool byKey; ///< on params or tags, as large as they are: made unasked only for small databases
    };

    /// The statements of lookup_indexes.sql, read once.
    const std::vector<LookupIndex>& lookupIndexes()
    {
        static const std::vector<LookupIndex> indexes = [] {
            std::vector<LookupIndex> out;
            static const QRegularExpression create(
                QStringLiteral(R"(CREATE\s+INDEX\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+ON\s+(\w+)[^;]*;)"));
            auto it = create.globalMatch(QString::fromUtf8(lookupIndexesSql()));
            while (it.hasNext()) {
                const auto match = it.next();
                out.push_back({ match.captured(1), match.captured(0).toUtf8(), match.captured(2) != u"runs" });
            }
            return out;
        }();
        return indexes;
    }

    bool hasIndex(const Database& db, const QString& name)
    {
        auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
        if (!s)
            return false;
        s->bind(1, name);
        return s->step() == SQLITE_ROW;
    }

} // namespace

bool hasKeyLookupIndexes(const Database& db)
{
    for (const LookupIndex& index : lookupIndexes()) {
        if (index.byKey && !hasIndex(db, index.name))
            return false;
    }
    return true;
}

Status makeLookupIndexes(const Database& db, bool evenIfLarge)
{
    std::vector<const LookupIndex*> missing;
    for (const LookupIndex& index : lookupIndexes()) {
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
    if (!small)
        std::erase_if(missing, [](const LookupIndex* index) { return index->byKey; });
    if (missing.empty())
        return success(); // no write lock taken for nothing on each opening
    return inWriteTransaction(db, [&]() -> Status {
        for (const LookupIndex* index : missing) {
            if (auto st = db.exec(index->sql.constData()); !st)
                return st;
        }
        return success();
    });
}

} // namespace reprise
