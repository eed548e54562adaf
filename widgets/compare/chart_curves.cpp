#include "compare/chart_curves.h"

#include "analysis/group_stats.h"
#include "compute_pool.h"
#include "store/run_store.h"

#include <QScopeGuard>
#include <QtConcurrent>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>

namespace reprise {

namespace {

    /// Step arrays shared by the runs that logged the same steps (the seeds of a sweep usually do):
    /// one copy of 8 bytes a point instead of one per run. Any thread.
    class SharedSteps {
    public:
        template <typename T> std::shared_ptr<const std::vector<double>> intern(std::span<const T> steps)
        {
            // A digest outside the lock; a full comparison only where digests agree.
            std::uint64_t digest = steps.size();
            for (T v : steps)
                digest = (digest ^ std::bit_cast<std::uint64_t>(double(v))) * 0x100000001b3ULL;
            {
                std::lock_guard lock(m_mutex);
                for (const auto& [known, array] : m_arrays) {
                    if (known == digest && std::equal(steps.begin(), steps.end(), array->begin(), array->end()))
                        return array;
                }
            }
            auto shared = std::make_shared<const std::vector<double>>(steps.begin(), steps.end());
            std::lock_guard lock(m_mutex);
            m_arrays.emplace_back(digest, shared);
            return shared;
        }

    private:
        std::mutex m_mutex;
        std::vector<std::pair<std::uint64_t, std::shared_ptr<const std::vector<double>>>> m_arrays;
    };

    /// Reading buffers handed from one run to the next on the load's threads, freed with the load.
    class ScratchPool {
    public:
        std::unique_ptr<CurveScratch> take()
        {
            std::lock_guard lock(m_mutex);
            if (m_free.empty())
                return std::make_unique<CurveScratch>();
            auto scratch = std::move(m_free.back());
            m_free.pop_back();
            return scratch;
        }
        void giveBack(std::unique_ptr<CurveScratch> scratch)
        {
            std::lock_guard lock(m_mutex);
            m_free.push_back(std::move(scratch));
        }

    private:
        std::mutex m_mutex;
        std::vector<std::unique_ptr<CurveScratch>> m_free;
    };

    /// The state one load shares between its threads.
    struct LoadShared {
        SharedSteps steps;
        ScratchPool scratch;
    };

    /// One run's histories of `keys` with the step and wall time of every point, x chosen by `axis`
    /// and sorted; nothing for a key the run did not log. Its own read-only connection: any thread.
    Result<std::vector<std::optional<ChartCurve>>> readRun(
        const QString& database, const RunRecord& run, const QStringList& keys, CurveAxis axis, LoadShared& shared)
    {
        std::vector<std::optional<ChartCurve>> out(std::size_t(keys.size()));
        auto store = RunStore::open(database, OpenMode::ReadOnly);
        if (!store)
            return store.error();
        (void)store->database().exec("PRAGMA mmap_size=1073741824;"); // long histories through the page cache
        auto ref = store->resolveRun(run.uuid);
        if (!ref)
            return out; // gone from the database: nothing to chart
        std::unique_ptr<CurveScratch> scratch = shared.scratch.take();
        const auto giveBack = qScopeGuard([&] { shared.scratch.giveBack(std::move(scratch)); });
        for (qsizetype k = 0; k < keys.size(); ++k) {
            const bool logged = std::any_of(
                run.metrics.begin(), run.metrics.end(), [&](const MetricSummary& m) { return m.key == keys[k]; });
            if (!logged)
                continue;
            // Wall times too, whatever x is: the hover readout says when each point was logged.
            std::vector<double> y;
            if (auto read = readCurveArrays(*store, *ref, keys[k], true, y, *scratch); !read)
                return read.error();
            const std::size_t n = y.size();
            const bool timed = scratch->times.size() == n;
            ChartCurve c;
            c.label = curveLabel(run);
            c.runId = run.uuid;
            if (axis == CurveAxis::Step || !timed) {
                // x is the step; the steps and times were read into reused buffers, and only what is
                // kept is allocated: the steps once for every run that logged the same, the times compact.
                c.x = shared.steps.intern(std::span<const qint64>(scratch->steps));
                if (timed)
                    c.wall = std::make_shared<const WallTimes>(scratch->times);
            } else {
                std::vector<double> steps(scratch->steps.begin(), scratch->steps.end());
                std::vector<double> wall(scratch->times.begin(), scratch->times.end());
                std::vector<double> x = wall;
                if (axis == CurveAxis::RelativeTime) {
                    for (double& v : x)
                        v -= run.startTime;
                }
                if (!std::is_sorted(x.begin(), x.end())) {
                    // Wall times can go back (clock changes); x stays sorted for the binary search.
                    std::vector<std::size_t> order(n);
                    std::iota(order.begin(), order.end(), 0);
                    std::stable_sort(
                        order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
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
                    wall = permuted(wall);
                }
                c.x = std::make_shared<const std::vector<double>>(std::move(x));
                c.steps = shared.steps.intern(std::span<const double>(steps));
                c.wall = std::make_shared<const WallTimes>(wall);
            }
            c.y = std::make_shared<const std::vector<double>>(std::move(y));
            c.pyramid = std::make_shared<const MinMaxPyramid>(*c.y);
            out[std::size_t(k)] = std::move(c);
        }
        return out;
    }

    /// A group of runs as one curve: the mean at every step of their union, the band (± std or
    /// min–max) only where at least two runs have a value, clipped at 0 when `nonNegative` (the metric
    /// never went below 0), and how many runs each step's mean is over. The label says the group's
    /// size (a range when runs end at different steps) and any clipping.
    ChartCurve groupChartCurve(const QString& label, const std::vector<CurvePoints>& members, BandKind kind,
        bool nonNegative, std::size_t index)
    {
        const GroupBand band = groupBand(members);
        const std::size_t n = band.mean.size();
        std::vector<double> low(n), high(n);
        auto runs = std::make_shared<std::vector<int>>(band.count);
        bool clipped = false;
        int fewest = std::numeric_limits<int>::max(), most = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double m = band.mean[i];
            const bool spread = band.count[i] >= 2; // one run has no spread to show
            low[i] = !spread ? m : kind == BandKind::MinMax ? band.min[i] : m - band.std[i];
            high[i] = !spread ? m : kind == BandKind::MinMax ? band.max[i] : m + band.std[i];
            if (nonNegative && low[i] < 0) {
                low[i] = 0;
                clipped = true;
            }
            if (band.count[i] > 0) {
                fewest = std::min(fewest, band.count[i]);
                most = std::max(most, band.count[i]);
            }
        }
        QString size = most == 0 ? QStringLiteral("n=0")
            : fewest == most     ? QStringLiteral("n=%1").arg(most)
                                 : QStringLiteral("n=%1–%2").arg(fewest).arg(most);
        if (clipped)
            size += QObject::tr(", band clipped at 0");
        ChartCurve g;
        g.label = QStringLiteral("%1 (%2)").arg(label, size);
        g.runId = QStringLiteral("group:") + label;
        g.colour = RunPalette::slotColour(int(index)); // groups side by side: distinct colours
        g.x = std::make_shared<const std::vector<double>>(band.steps);
        g.y = std::make_shared<const std::vector<double>>(band.mean);
        g.runs = std::move(runs);
        auto lowShared = std::make_shared<const std::vector<double>>(std::move(low));
        auto highShared = std::make_shared<const std::vector<double>>(std::move(high));
        g.pyramid = std::make_shared<const MinMaxPyramid>(*g.y);
        g.bandLowPyramid = std::make_shared<const MinMaxPyramid>(*lowShared);
        g.bandHighPyramid = std::make_shared<const MinMaxPyramid>(*highShared);
        g.bandLow = std::move(lowShared);
        g.bandHigh = std::move(highShared);
        return g;
    }

} // namespace

void smoothCurve(ChartCurve& c, double weight)
{
    c.smoothed.reset();
    c.smoothedWide.reset();
    c.smoothedPyramid.reset();
    if (weight <= 0 || !c.y)
        return;
    // As float unless a value would not fit.
    if (std::optional<std::vector<float>> ema = debiasedEmaAsFloat(*c.y, weight)) {
        auto smoothed = std::make_shared<const std::vector<float>>(std::move(*ema));
        c.smoothedPyramid = std::make_shared<const MinMaxPyramid>(std::span<const float>(*smoothed));
        c.smoothed = std::move(smoothed);
    } else {
        auto smoothed = std::make_shared<const std::vector<double>>(debiasedEma(*c.y, weight));
        c.smoothedPyramid = std::make_shared<const MinMaxPyramid>(*smoothed);
        c.smoothedWide = std::move(smoothed);
    }
}

Result<CurvesPerKey> loadChartCurves(const QString& database, const QList<RunRecord>& runs, const QStringList& keys,
    CurveAxis axis, double smoothing, const std::atomic_bool& cancelled)
{
    // Per run, in parallel: read, then build the pyramids and the smoothing (the costly part for long
    // histories) while other runs are still being read.
    using PerRun = Result<std::vector<std::optional<ChartCurve>>>;
    LoadShared shared;
    auto perRun
        = QtConcurrent::blockingMapped<std::vector<PerRun>>(computePool(), runs, [&](const RunRecord& run) -> PerRun {
              if (cancelled)
                  return Error { QObject::tr("Cancelled."), {} };
              auto read = readRun(run.source.isEmpty() ? database : run.source, run, keys, axis, shared);
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
            // A metric that never went below 0 (a loss, an accuracy) cannot: its band stops at 0.
            bool nonNegative = true;
            for (const ChartCurve& c : curves) {
                nonNegative = nonNegative
                    && std::none_of(c.y->begin(), c.y->end(), [](double v) { return std::isfinite(v) && v < 0; });
            }
            for (const CurveGroup& group : groupCurves(ids, labels, runs, grouping)) {
                std::vector<CurvePoints> points;
                for (std::size_t i : group.members)
                    points.push_back({ *curves[i].x, *curves[i].y });
                shown.push_back(groupChartCurve(group.label, points, band, nonNegative, shown.size()));
            }
        }
        // Smoothing is the costly part for long histories: the curves in parallel.
        if (!grouping.isEmpty() || !reuseSmoothing)
            QtConcurrent::blockingMap(computePool(), shown, [&](ChartCurve& c) { smoothCurve(c, smoothing); });
        out.push_back(std::move(shown));
    }
    return out;
}

QList<RunRecord> groupMembers(const QList<RunRecord>& selected, const QList<RunRecord>& pool, const QString& grouping)
{
    QList<RunRecord> all = selected;
    QSet<QString> seen;
    for (const RunRecord& r : selected)
        seen.insert(r.uuid);
    for (const RunRecord& r : pool) {
        if (!seen.contains(r.uuid))
            all << r;
    }
    const QStringList varying = varyingParams(all);
    QSet<QString> wanted;
    for (const RunRecord& r : selected)
        wanted.insert(groupLabel(r, grouping, varying));
    QList<RunRecord> out = selected;
    for (qsizetype i = selected.size(); i < all.size(); ++i) {
        if (wanted.contains(groupLabel(all[i], grouping, varying)))
            out << all[i];
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
