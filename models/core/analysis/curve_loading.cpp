#include "analysis/curve_loading.h"

#include "store/run_store.h"

#include <algorithm>
#include <numeric>

namespace reprise {

QString curveLabel(const RunRecord& run)
{
    return (run.name.isEmpty() ? QString() : run.name + QStringLiteral(" · ")) + run.uuid.left(6);
}

Result<std::vector<std::optional<MetricCurve>>> loadRunCurves(
    const QString& database, const RunRecord& run, const QStringList& keys, CurveAxis axis)
{
    std::vector<std::optional<MetricCurve>> out(std::size_t(keys.size()));
    auto store = RunStore::open(database, OpenMode::ReadOnly);
    if (!store)
        return store.error();
    // Long histories read through the OS page cache directly instead of being copied page by
    // page into SQLite's cache. Only here: mapped pages count as the process's memory, and
    // the run browser's snapshot load gains nothing from them.
    (void)store->database().exec("PRAGMA mmap_size=1073741824;");
    auto ref = store->resolveRun(run.uuid);
    if (!ref)
        return out;
    for (qsizetype k = 0; k < keys.size(); ++k) {
        const bool logged = std::any_of(
            run.metrics.begin(), run.metrics.end(), [&](const MetricSummary& m) { return m.key == keys[k]; });
        if (!logged)
            continue;
        auto history = store->loadMetric(
            *ref, keys[k], axis == CurveAxis::Step ? RunStore::PointTimes::Skip : RunStore::PointTimes::Load);
        if (!history)
            return history.error();
        auto x = std::make_shared<std::vector<double>>(history->size());
        auto y = std::make_shared<std::vector<double>>(std::move(history->values));
        for (std::size_t i = 0; i < x->size(); ++i) {
            (*x)[i] = axis == CurveAxis::Step ? double(history->steps[i])
                : axis == CurveAxis::WallTime ? history->times[i]
                                              : history->times[i] - run.startTime;
        }
        if (axis != CurveAxis::Step && !std::is_sorted(x->begin(), x->end())) {
            // Wall times can go back (clock changes); keep x sorted for the binary search.
            std::vector<std::size_t> order(x->size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(
                order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return (*x)[a] < (*x)[b]; });
            auto sx = std::make_shared<std::vector<double>>(), sy = std::make_shared<std::vector<double>>();
            sx->reserve(order.size());
            sy->reserve(order.size());
            for (std::size_t i : order) {
                sx->push_back((*x)[i]);
                sy->push_back((*y)[i]);
            }
            x = sx;
            y = sy;
        }
        out[std::size_t(k)] = MetricCurve { run.uuid, curveLabel(run), std::move(x), std::move(y) };
    }
    return out;
}

} // namespace reprise
