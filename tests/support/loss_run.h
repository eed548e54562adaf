#pragma once
// A finished run with a loss history that depends on its learning rate only: two runs of the same lr
// reproduce each other, bit for bit, whatever database or store they are read from.

#include "store/run_store.h"

namespace reprise::test {

/// Records `run` (its uuid, user, host, start time as given; param lr set) into the database at
/// `path` (made if missing), with `steps` points of loss = 1 / (1 + lr·step), then finishes it.
inline bool recordLossRun(const QString& path, NewRun run, double lr, int steps = 50)
{
    auto store = RunStore::open(path, OpenMode::Create);
    if (!store)
        return false;
    run.params.insert(QStringLiteral("lr"), ParamValue { QString::number(lr), QStringLiteral("float") });
    auto ref = store->createRun(run);
    if (!ref)
        return false;
    QList<MetricPoint> points;
    for (int step = 0; step < steps; ++step)
        points << MetricPoint { QStringLiteral("loss"), step, 1.0 / (1.0 + lr * step), run.startTime + step };
    return store->logMetrics(ref->rowId, points)
        && store->finishRun(ref->rowId, RunStatus::Finished, 0, run.startTime + steps + 10);
}

} // namespace reprise::test
