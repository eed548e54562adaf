#include "store/run_recovery.h"

#include "store/database.h"
#include "store/run_store.h"

#include <QFileInfo>

namespace reprise {

Result<int> recoverAbandonedRunsIfWritable(const QString& path)
{
    const QFileInfo info(path);
    if (!info.isFile() || !info.isWritable() || !QFileInfo(info.absolutePath()).isWritable()
        || Database::isOnNetworkFileSystem(path))
        return 0;
    {
        // Checked read-only first, so that an empty file, another program's database or an older
        // schema is never created, filled or migrated by looking at it.
        auto reader = Database::open(path, OpenMode::ReadOnly);
        if (!reader)
            return reader.error();
        if ((*reader)->schemaVersion() != latestSchemaVersion())
            return 0;
    }
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    if (!store)
        return store.error();
    return store->recoverAbandonedRuns(localHostName());
}

} // namespace reprise
