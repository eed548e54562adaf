#include "store/run_selection.h"

#include "store/database.h"
#include "store/run_store.h"

#include <algorithm>

namespace reprise {

Result<RunSelection> loadRunSelection(const QString& path, const QStringList& ids)
{
    if (ids.isEmpty())
        return Error { QStringLiteral("no run selected"), {} };
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    if (!store)
        return store.error();
    // One snapshot for the whole selection, so the views agree while writers commit.
    ReadTransaction snapshot(store->database());
    if (!snapshot.status())
        return snapshot.status().error();
    auto run = store->loadRun(ids.first());
    if (!run)
        return run.error();
    auto ref = store->resolveRun(ids.first());
    if (!ref)
        return ref.error();
    auto output = store->loadOutput(*ref);
    if (!output)
        return output.error();
    RunSelection selection { *run, *output, { *run } };
    for (qsizetype i = 1; i < std::min<qsizetype>(ids.size(), kMaxSelectedRecords); ++i) {
        auto other = store->loadRun(ids[i]);
        if (!other)
            return other.error();
        selection.all << *other;
    }
    return selection;
}

} // namespace reprise
