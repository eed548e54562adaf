// Helpers of the chart tests: a real run database written through RunStore, and waiting for the
// compare view's loads.
#pragma once

#include "compare/compare_view.h"
#include "store/run_store.h"

#include <QTest>
#include <functional>
#include <vector>

namespace reprise::test {

/// Calls `request` and waits (polling: a result can arrive before a wait would start) until the
/// compare view is idle.
inline bool shown(CompareView& view, const std::function<void()>& request)
{
    request();
    for (int i = 0; i < 400 && view.isBusy(); ++i)
        QTest::qWait(50);
    return !view.isBusy();
}

/// One metric of a run to write: its key and values at steps 0, 1, 2… (wall times 1000 + step).
struct MetricSpec {
    QString key;
    std::vector<double> values;
};

/// One run to write: name, params and metrics.
struct RunSpec {
    QString name;
    QMap<QString, QString> params;
    std::vector<MetricSpec> metrics;
};

/// Writes `runs` into a new database at `path` and returns their records, in order.
inline QList<RunRecord> writeRuns(const QString& path, const std::vector<RunSpec>& runs)
{
    QList<RunRecord> out;
    auto store = RunStore::open(path, OpenMode::Create);
    if (!store)
        return out;
    int r = 0;
    for (const RunSpec& spec : runs) {
        NewRun run;
        run.name = spec.name;
        run.project = QStringLiteral("sweep");
        run.startTime = 1000 + r++;
        for (auto it = spec.params.begin(); it != spec.params.end(); ++it)
            run.params.insert(it.key(), ParamValue::infer(it.value()));
        auto ref = store->createRun(run);
        if (!ref)
            return {};
        for (const MetricSpec& m : spec.metrics) {
            std::vector<qint64> steps(m.values.size());
            std::vector<double> times(m.values.size());
            for (std::size_t i = 0; i < steps.size(); ++i) {
                steps[i] = qint64(i);
                times[i] = 1000 + double(i);
            }
            if (!store->logMetric(ref->rowId, m.key, steps, m.values, times))
                return {};
        }
        out << *store->loadRun(*ref);
    }
    return out;
}

} // namespace reprise::test
