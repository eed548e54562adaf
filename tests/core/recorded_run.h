#pragma once
// A finished run recorded straight into a database (no `reprise run`), and the reruns of it: what the
// rerun queue and panel tests start from.

#include "launch/git_info.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QTest>

/// Records a finished run of `argv` in `workingDir` (with its git state, if any) into `db`; its id.
inline QString recordFinishedRun(const QString& db, const QStringList& argv, const QString& workingDir)
{
    auto store = reprise::RunStore::open(db, reprise::OpenMode::Create);
    if (!store)
        return {};
    reprise::NewRun run;
    run.project = QStringLiteral("tests");
    run.name = QStringLiteral("original");
    run.launch.argv = argv;
    run.launch.workingDir = workingDir;
    run.code = reprise::captureCodeVersion(workingDir);
    run.startTime = reprise::nowSeconds();
    auto ref = store->createRun(run);
    if (!ref || !store->finishRun(ref->rowId, reprise::RunStatus::Finished, 0, reprise::nowSeconds()))
        return {};
    return ref->uuid;
}

/// The runs of `db` whose parent is `parent`.
inline QList<reprise::RunRecord> rerunsOf(const QString& db, const QString& parent)
{
    QList<reprise::RunRecord> out;
    auto store = reprise::RunStore::open(db, reprise::OpenMode::ReadOnly);
    if (!store)
        return out;
    auto table = reprise::loadRunTable(store->database());
    if (!table)
        return out;
    for (const QString& id : table->uuids) {
        auto run = store->loadRun(id);
        if (run && run->parentUuid == parent)
            out << *run;
    }
    return out;
}

/// Whether SQLite finds `db` intact.
inline bool databaseIntact(const QString& db)
{
    auto store = reprise::RunStore::open(db, reprise::OpenMode::ReadOnly);
    if (!store)
        return false;
    auto check = store->database().prepare("PRAGMA integrity_check");
    return check && check->step() == SQLITE_ROW && check->text(0) == QStringLiteral("ok");
}
