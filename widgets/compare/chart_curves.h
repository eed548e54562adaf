#pragma once

#include "analysis/curve_loading.h"
#include "analysis/run_grouping.h"
#include "charts/metric_chart.h"

#include <atomic>

namespace reprise {

/// Per metric key, the curves of its chart.
using CurvesPerKey = std::vector<std::vector<ChartCurve>>;

/// Adds the debiased EMA (and its pyramid) to a curve, or removes it when `weight` is 0.
void smoothCurve(ChartCurve& curve, double weight);

/// Histories of `keys` for `runs` as chart curves (the run's colour, the min/max pyramid, smoothed
/// with `smoothing`): runs read in parallel, each with its own connection, then curves prepared in
/// parallel. On a worker thread. Runs not started when `cancelled` is set are skipped and the result
/// is an error (a newer load or the user's Cancel: the result is dropped anyway).
Result<CurvesPerKey> loadChartCurves(const QString& database, const QList<RunRecord>& runs, const QStringList& keys,
    CurveAxis axis, double smoothing, const std::atomic_bool& cancelled);

/// What the charts show, from the histories as read: runs grouped under `grouping` ("" for none) into
/// mean ± band curves with distinct colours, and smoothed (the curves as read already carry the smoothing
/// of the load: kept when `reuseSmoothing`). Pure; on a worker thread.
CurvesPerKey deriveChartCurves(const CurvesPerKey& loaded, const QList<RunRecord>& runs, const QString& grouping,
    BandKind band, double smoothing, bool reuseSmoothing);

/// The runs a grouping draws: the selected runs, and every run of `pool` (the browser's filtered runs)
/// that falls in the group of a selected run under `grouping` (group labels computed over all of them),
/// selected runs first, each once. Pure.
QList<RunRecord> groupMembers(const QList<RunRecord>& selected, const QList<RunRecord>& pool, const QString& grouping);

/// A chart's curves as the core's exports take them (the same arrays, shared).
std::vector<MetricCurve> metricCurves(const std::vector<ChartCurve>& curves);

} // namespace reprise
