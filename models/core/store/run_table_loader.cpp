#include "store/run_table_loader.h"

#include "store/database.h"
#include "store/offered_run_table.h"
#include "store/run_recovery.h"
#include "store/run_store.h"
#include "store/run_table_rows.h"
#include "store/run_table_union.h"

namespace reprise {

LoadedRunTable loadRunTableAt(const QString& path, bool recoverAbandoned)
{
    qint64 partOf = 0;
    if (auto table = offeredRunTable(path, &partOf))
        return { RunTable(*table), {}, partOf };
    if (recoverAbandoned)
        (void)recoverAbandonedRunsIfWritable(path);
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return { store.error(), {} };
    QString warning;
    if (store->database().schemaVersion() > latestSchemaVersion()) {
        const Error refusal = store->database().checkWritable().error();
        warning = refusal.message + QStringLiteral("; shown read-only.\n") + refusal.hint;
    }
    return { loadRunTable(store->database()), warning };
}

FirstRunTable loadFirstRunTableAt(const QString& path, bool recoverAbandoned, int newest, qint64 wholeUpTo)
{
    if (offeredRunTable(path))
        return { loadRunTableAt(path, false), true };
    // Recovered first, as every opening does, and before this reading begins: its write (and the
    // checkpoint as its connection closes) then never overlaps the reads below.
    if (recoverAbandoned)
        (void)recoverAbandonedRunsIfWritable(path);
    if (auto db = Database::open(path, OpenMode::ReadOnly); db && (*db)->schemaVersion() <= latestSchemaVersion()) {
        auto count = (*db)->prepare("SELECT count(*) FROM runs");
        const qint64 total = count && count->step() == SQLITE_ROW ? count->int64(0) : 0;
        count = Statement();
        if (total > wholeUpTo) {
            FirstRunTable first { { loadNewestRuns(**db, newest), {}, total }, false };
            if (first.table.runs)
                return first;
        }
    }
    // A small table, or anything unusual (no such file, not a database, a newer schema): read whole,
    // where every problem is reported as it always is.
    return { loadRunTableAt(path, false), true };
}

LoadedRunTable loadChangedRunsAt(
    const QString& path, const std::shared_ptr<const RunTable>& shown, const QStringList& changed)
{
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return { store.error(), {} };
    RunTableColumns only;
    only.onlyRuns = changed;
    auto fresh = loadRunTable(store->database(), only);
    if (!fresh)
        return { fresh.error(), {} };
    if (auto patched = patchRunTable(shown, std::make_shared<const RunTable>(std::move(*fresh)), changed))
        return { std::move(*patched), {} };
    return { loadRunTable(store->database()), {} };
}

} // namespace reprise
