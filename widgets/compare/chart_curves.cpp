#include "compare/chart_curves.h"

#include "analysis/group_stats.h"
#include "compute_pool.h"
#include "store/run_store.h"

#include <QtConcurrent>
#include <numeric>

namespace reprise {

namespace {

    /// One run's histories of `keys` with the step and wall time of every point, x chosen by `axis`
    /// and sorted; nothing for a key the run did not log. Its own read-only connection: any thread.
    Result<std::vector<std::optional<ChartCurve>>> readRun(
        const QString& database, const RunRecord& run, const QStringList& keys, CurveAxis axis)
    {
        std::vector<std::optional<ChartCurve>> out(std::size_t(keys.size()));
        auto store = RunStore::open(database, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        (void)store->database().exec("PRAGMA mmap_size=1073741824;"); // long histories through the page cache
        auto ref = store->resolveRun(run.uuid);
        if (!ref)
            return out; // gone from the database: nothing to chart
        for (qsizetype k = 0; k < keys.size(); ++k) {
            const bool logged = std::any_of(
                run.metrics.begin(), run.metrics.end(), [&](const MetricSummary& m) { return m.key == keys[k]; });
            if (!logged)
                continue;
            // Wall times too, whatever x is: the hover readout says when each point was logged.
            auto history = store->loadMetric(*ref, keys[k], RunStore::PointTimes::Load);
            if (!history)
                return history.error();
            const std::size_t n = history->size();
            const bool timed = history->times.size() == n;
            std::vector<double> x(n), steps(n), wall(timed ? n : 0);
            for (std::size_t i = 0; i < n; ++i) {
                steps[i] = double(history->steps[i]);
                if (timed)
                    wall[i] = history->times[i];
                x[i] = axis == CurveAxis::Step || !timed ? steps[i]
                    : axis == CurveAxis::WallTime        ? wall[i]
                                                         : wall[i] - run.startTime;
            }
            std::vector<double> y = std::move(history->values);
            if (!std::is_sorted(x.begin(), x.end())) {
                // Wall times can go back (clock changes); x stays sorted for the binary search.
                std::vector<std::size_t> order(n);
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
                auto permuted = [&](const std::vector<double>& v) {
                    std::vector<double> p;
                    p.reserve(v.size());
                    for (std::size_t i : order)
                        p.push_back(v[i]);
                    return p;
                };
                x = permuted(x);
                y = permuted(y);
                steps = permuted(steps);
                if (timed)
                    wall = permuted(wall);
            }
            ChartCurve c;
            c.label = curveLabel(run);
            c.runId = run.uuid;
            auto xs = std::make_shared<const std::vector<double>>(std::move(x));
            c.steps = axis == CurveAxis::Step ? nullptr : std::make_shared<const std::vector<double>>(std::move(steps));
            c.x = std::move(xs);
            if (timed)
                c.wall = std::make_shared<const std::vector<double>>(std::move(wall));
            c.y = std::make_shared<const std::vector<double>>(std::move(y));
            c.pyramid = std::make_shared<const MinMaxPyramid>(*c.y);
            out[std::size_t(k)] = std::move(c);
        }
        return out;
    }

    ChartCurve groupChartCurve(const GroupCurve& group, std::size_t index)
    {
        ChartCurve g;
        g.label = group.label;
        g.runId = group.id;
        g.colour = RunPalette::slotColour(int(index)); // groups side by side: distinct colours
        g.x = std::make_shared<const std::vector<double>>(group.x);
        g.y = std::make_shared<const std::vector<double>>(group.mean);
        auto low = std::make_shared<const std::vector<double>>(group.low);
        auto high = std::make_shared<const std::vector<double>>(group.high);
        g.pyramid = std::make_shared<const MinMaxPyramid>(*g.y);
        g.bandLowPyramid = std::make_shared<const MinMaxPyramid>(*low);
        g.bandHighPyramid = std::make_shared<const MinMaxPyramid>(*high);
        g.bandLow = std::move(low);
        g.bandHigh = std::move(high);
        return g;
    }

} // namespace

void smoothCurve(ChartCurve& c, double weight)
{
    c.smoothed.reset();
    c.smoothedPyramid.reset();
    if (weight <= 0 || !c.y)
        return;
    auto smoothed = std::make_shared<const std::vector<double>>(debiasedEma(*c.y, weight));
    c.smoothed = smoothed;
    c.smoothedPyramid = std::make_shared<const MinMaxPyramid>(*smoothed);
}

Result<CurvesPerKey> loadChartCurves(const QString& database, const QList<RunRecord>& runs, const QStringList& keys,
    CurveAxis axis, double smoothing, const std::atomic_bool& cancelled)
{
    // Per run, in parallel: read, then build the pyramids and the smoothing (the costly part for long
    // histories) while other runs are still being read.
    using PerRun = Result<std::vector<std::optional<ChartCurve>>>;
    auto perRun
        = QtConcurrent::blockingMapped<std::vector<PerRun>>(computePool(), runs, [&](const RunRecord& run) -> PerRun {
              if (cancelled)
                  return Error { QObject::tr("Cancelled."), {} };
              auto read = readRun(run.source.isEmpty() ? database : run.source, run, keys, axis);
              if (!read)
                  return read.error();
              for (std::optional<ChartCurve>& c : *read) {
                  if (c)
                      smoothCurve(*c, smoothing);
              }
              return std::move(*read);
          });
    return curvesPerKey(std::move(perRun), keys.size());
}

CurvesPerKey deriveChartCurves(const CurvesPerKey& loaded, const QList<RunRecord>& runs, const QString& grouping,
    BandKind band, double smoothing, bool reuseSmoothing)
{
    CurvesPerKey out;
    for (const std::vector<ChartCurve>& curves : loaded) {
        std::vector<ChartCurve> shown;
        if (grouping.isEmpty()) {
            shown = curves;
        } else {
            QStringList ids, labels;
            for (const ChartCurve& c : curves) {
                ids << c.runId;
                labels << c.label;
            }
            for (const CurveGroup& group : groupCurves(ids, labels, runs, grouping)) {
                std::vector<CurvePoints> points;
                for (std::size_t i : group.members)
                    points.push_back({ *curves[i].x, *curves[i].y });
                shown.push_back(groupChartCurve(groupCurve(group.label, points, band), shown.size()));
            }
        }
        // Smoothing is the costly part for long histories: the curves in parallel.
        if (!grouping.isEmpty() || !reuseSmoothing)
            QtConcurrent::blockingMap(computePool(), shown, [&](ChartCurve& c) { smoothCurve(c, smoothing); });
        out.push_back(std::move(shown));
    }
    return out;
}

std::vector<MetricCurve> metricCurves(const std::vector<ChartCurve>& curves)
{
    std::vector<MetricCurve> out;
    out.reserve(curves.size());
    for (const ChartCurve& c : curves)
        out.push_back({ c.runId, c.label, c.x, c.y });
    return out;
}

} // namespace reprise
