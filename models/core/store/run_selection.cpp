#include "store/run_selection.h"

#include "store/database.h"
#include "store/run_store.h"

#include <algorithm>
#include <map>
#include <memory>

namespace reprise {

Result<RunSelection> loadRunSelection(const QString& path, const QStringList& ids)
{
    QList<RunLocation> runs;
    for (const QString& id : ids)
        runs << RunLocation { path, id };
    return loadRunSelection(runs);
}

Result<RunSelection> loadRunSelection(const QList<RunLocation>& runs)
{
    if (runs.isEmpty())
        return Error { QStringLiteral("no run selected"), {} };
    // One snapshot per database for the whole selection, so the views agree while writers commit.
    struct Opened {
        explicit Opened(RunStore s)
            : store(std::move(s))
            , snapshot(store.database())
        {
        }
        RunStore store;
        ReadTransaction snapshot;
    };
    std::map<QString, std::unique_ptr<Opened>> opened;
    auto storeFor = [&opened](const QString& path) -> Result<RunStore*> {
        auto it = opened.find(path);
        if (it == opened.end()) {
            auto store = RunStore::open(path, OpenMode::ReadOnly);
            if (!store)
                return store.error();
            it = opened.emplace(path, std::make_unique<Opened>(std::move(*store))).first;
            if (!it->second->snapshot.status())
                return it->second->snapshot.status().error();
        }
        return &it->second->store;
    };
    RunSelection selection;
    for (qsizetype i = 0; i < std::min<qsizetype>(runs.size(), kMaxSelectedRecords); ++i) {
        auto store = storeFor(runs[i].path);
        if (!store)
            return store.error();
        auto run = (*store)->loadRun(runs[i].id);
        if (!run)
            return run.error();
        run->source = runs[i].path;
        if (i == 0) {
            auto ref = (*store)->resolveRun(runs[i].id);
            if (!ref)
                return ref.error();
            auto output = (*store)->loadOutput(*ref);
            if (!output)
                return output.error();
            selection.run = *run;
            selection.output = std::move(*output);
        }
        selection.all << std::move(*run);
    }
    return selection;
}

} // namespace reprise
