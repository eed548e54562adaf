#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QStringList>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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

/// The wall times of a curve's points (seconds since the epoch) to the millisecond — what the hover
/// readout shows — in ~1–2 bytes a point where doubles take 8: whole milliseconds, each the
/// zigzag-varint difference from the point before, with the first of every 256 points in full so a
/// lookup decodes at most 255. Times that are not finite or beyond ±2^53 ms are kept as doubles
/// (the whole curve's). Immutable once built; any thread may read it.
class WallTimes {
public:
    WallTimes() = default;
    explicit WallTimes(std::span<const double> seconds);
    std::size_t size() const { return m_size; }
    /// Point i's wall time, seconds since the epoch to the millisecond.
    double operator[](std::size_t i) const;
    /// Bytes held.
    std::size_t bytes() const;

private:
    static constexpr std::size_t kBlock = 256;
    std::size_t m_size = 0;
    std::vector<std::int64_t> m_first; ///< per block: its first point's milliseconds
    std::vector<std::uint32_t> m_offset; ///< per block: where its differences start in m_bytes
    std::vector<std::uint8_t> m_bytes;
    std::vector<double> m_seconds; ///< instead of all the above when some time is no whole millisecond count
};

class RunStore;

/// Buffers reused from one history to the next while a chart's curves are read: their pages stay
/// mapped, where a fresh 8 MB array costs ~2,000 page faults to fill (most of the time a load took).
struct CurveScratch {
    std::vector<qint64> steps;
    std::vector<double> times;
};

/// The history of `key` of `run` as a chart reads it: its values into `values`, its steps into
/// `scratch.steps` and, when `withTimes`, its wall times into `scratch.times` (empty when the store has
/// none). A history all packed (a finished run's) is read from its blobs straight into these arrays
/// (incremental blob I/O: no intermediate copy); any other through RunStore::loadMetric. Reads from
/// one snapshot, on the store's connection (its thread).
Status readCurveArrays(const RunStore& store, const RunRef& run, const QString& key, bool withTimes,
    std::vector<double>& values, CurveScratch& scratch);

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
