#pragma once

#include "analysis/plot_table.h"

namespace reprise {

/// The metrics of a plot table in the order a chooser offers them: those most runs logged (finite
/// values) first; among equals, evaluation metrics (val, eval, test, acc, f1, auc: what a sweep is judged
/// by) before others, and metrics that merely echo a param of the same name (a logged lr) last.
QStringList metricsByRelevance(const PlotTable& table);

/// The params of a plot table, the one with the most distinct values (the swept one) first; runs without
/// the param do not count; ties keep the table's order.
QStringList paramsBySpread(const PlotTable& table);

} // namespace reprise
