#include "store/run_table_loader.h"

#include "store/database.h"
#include "store/run_recovery.h"
#include "store/run_store.h"

namespace reprise {

LoadedRunTable loadRunTableAt(const QString& path, bool recoverAbandoned)
{
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

} // namespace reprise
