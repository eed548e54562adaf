#include "store/run_table_loader.h"

#include "store/database.h"
#include "store/offered_run_table.h"
#include "store/run_recovery.h"
#include "store/run_store.h"
#include "store/run_table_union.h"

namespace reprise {

LoadedRunTable loadRunTableAt(const QString& path, bool recoverAbandoned)
{
    if (auto table = offeredRunTable(path))
        return { RunTable(*table), {} };
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
