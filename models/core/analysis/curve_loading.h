#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QStringList>
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

namespace reprise {

/// What x is on a metric chart: the step, the wall time of the point (seconds since the epoch), or
/// the seconds since the run started.
enum class CurveAxis { Step, WallTime, RelativeTime };

/// One run's history of one metric as read: x sorted ascending (a stable sort, so repeated steps
/// keep their logging order), y the logged values (NaN and ±inf kept). Shared, immutable arrays.
struct MetricCurve {
    QString runId;
    QString label; ///< "name · 1a2b3c", or the id prefix alone for a run without a name
    std::shared_ptr<const std::vector<double>> x;
    std::shared_ptr<const std::vector<double>> y;
};

/// The label a run's curves carry: names repeat across runs (seeds), so the id prefix tells them apart.
QString curveLabel(const RunRecord& run);

/// One run's curves for `keys`, in the order of `keys`: nothing for a key the run did not log (per its
/// record's metric summaries) and nothing at all when the database no longer has the run. Opens its own
/// read-only connection to `database`, so any thread may call it, several at once.
Result<std::vector<std::optional<MetricCurve>>> loadRunCurves(
    const QString& database, const RunRecord& run, const QStringList& keys, CurveAxis axis);

/// Per-run results (in run order, each as loadRunCurves() returns it for `keyCount` keys, or curves
/// prepared from those) regrouped as one list of curves per key, runs in their order. The first failed
/// run's error is the result.
template <typename Curve>
Result<std::vector<std::vector<Curve>>> curvesPerKey(
    std::vector<Result<std::vector<std::optional<Curve>>>> perRun, qsizetype keyCount)
{
    std::vector<std::vector<Curve>> perKey(std::size_t(std::max<qsizetype>(0, keyCount)));
    for (auto& result : perRun) {
        if (!result)
            return result.error();
        for (std::size_t k = 0; k < result->size() && k < perKey.size(); ++k) {
            if ((*result)[k])
                perKey[k].push_back(std::move(*(*result)[k]));
        }
    }
    return perKey;
}

} // namespace reprise
