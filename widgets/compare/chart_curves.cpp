#include "compare/chart_curves.h"

#include "analysis/group_stats.h"
#include "compute_pool.h"

#include <QtConcurrent>

namespace reprise {

namespace {

    ChartCurve runCurve(MetricCurve curve)
    {
        ChartCurve c;
        c.label = std::move(curve.label);
        c.runId = std::move(curve.runId);
        c.x = std::move(curve.x);
        c.y = std::move(curve.y);
        c.pyramid = std::make_shared<const MinMaxPyramid>(*c.y);
        return c;
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
              auto read = loadRunCurves(run.source.isEmpty() ? database : run.source, run, keys, axis);
              if (!read)
                  return read.error();
              std::vector<std::optional<ChartCurve>> prepared(read->size());
              for (std::size_t k = 0; k < read->size(); ++k) {
                  if (!(*read)[k])
                      continue;
                  ChartCurve c = runCurve(std::move(*(*read)[k]));
                  smoothCurve(c, smoothing);
                  prepared[k] = std::move(c);
              }
              return prepared;
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
