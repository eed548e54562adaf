#pragma once

#include "analysis/plot_table.h"
#include "result.h"
#include "stats/random_forest.h"
#include "store/run_table.h"

#include <QMap>
#include <QStringList>
#include <vector>

namespace reprise {

/// One param's effect on a metric.
struct ParamImportance {
    QString key;
    bool categorical = false; ///< some value is not a number: one-hot encoded for the forest, no Spearman
    int levels = 0; ///< distinct values among the runs that have it
    int runs = 0; ///< runs (with the metric) that have this param
    double spearman = 0; ///< rank correlation with the metric over those runs; NaN when not defined
    double importance = 0; ///< the forest's share (0..1, summing to 1 over the forest's params); NaN when left out
    QString note; ///< why a figure is missing ("constant", "categorical", "in 3 of 120 runs only")
};

/// Which params matter for a metric, over a set of runs.
struct ImportanceResult {
    QString metric;
    int runsInScope = 0; ///< the runs asked about
    int missingMetric = 0; ///< of those, without the metric (never logged, or NaN/±inf): not used at all
    int runsWithMetric = 0;
    int forestRuns = 0; ///< runs the forest was fitted on: every forest param present
    /// Runs with the metric left out of the forest because they lack a forest param, per param.
    QMap<QString, int> missingParam;
    int forestMissingAny = 0; ///< runs left out of the forest for lacking one or more params
    double oobR2 = 0; ///< the forest's out-of-bag R² (NaN when there was no forest)
    ForestOptions forest;
    QList<ParamImportance> params; ///< ranked: importance, then |Spearman|, then key
    QStringList notes; ///< sentences for the user about what was left out and why
};

/// Options of importance().
struct ImportanceOptions {
    ForestOptions forest;
    /// A param present in fewer than this share of the runs with the metric is left out of the
    /// forest (its Spearman is still given), so that one rare param does not drop most runs.
    double minPresence = 0.5;
    int maxLevels = 32; ///< a categorical param with more values: the rarer ones share one column
    /// min_samples_leaf from the number of runs (runs / 50, between 1 and 5), so a 9-run sweep can
    /// still split; false: `forest.minSamplesLeaf` as given.
    bool autoLeaf = true;
};

/// Spearman correlation per param and a random-forest regressor's impurity-based importance, for
/// the latest value of `metric` over rows `rows` of `table`.
/// Numeric params (every value a number; bool true/false read as 1/0) enter the forest as they are,
/// categorical ones one-hot encoded (one 0/1 column per value, most frequent `maxLevels`), their
/// columns' importances summed back into the param. Runs missing the metric, and runs missing a
/// forest param, are counted in the result, never dropped silently. Pure; any thread.
Result<ImportanceResult> paramImportance(const RunTable& table, const std::vector<std::int32_t>& rows,
    const QString& metric, const ImportanceOptions& options = {});

/// The same over the runs of a plot table (the compare view's Parallel coordinates: params that
/// vary, metrics' latest values; NaN where a run has none). `metric` names a metric field.
Result<ImportanceResult> paramImportance(
    const PlotTable& table, const QString& metric, const ImportanceOptions& options = {});

} // namespace reprise
