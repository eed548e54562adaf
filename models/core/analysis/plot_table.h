#pragma once

#include <QString>
#include <QStringList>
#include <vector>

namespace reprise {

struct RunTable;

/// One field of the runs as a plot axis: a param or a metric's latest value per run.
struct PlotField {
    enum class Kind { Param, Metric };
    QString name;
    Kind kind = Kind::Param;
    /// Per run: the number, or the index into `categories` for a text field; NaN where missing.
    std::vector<double> values;
    QStringList categories; ///< non-empty for a text field (sorted), empty for a numeric one
    double min = 0, max = 0; ///< of the finite values (category indices for text)
    /// Positive values spanning more than two decades (learning rates): a log axis reads better.
    bool logSuggested = false;

    bool categorical() const { return !categories.isEmpty(); }
    /// The value of run `row` as shown to a person ("0.001", "adam", "—").
    QString text(std::size_t row) const;
    /// Where `v` sits between min (0) and max (1), on a log scale if asked and possible; NaN
    /// stays NaN. Categories are spread evenly with a half-step margin.
    double fraction(double v, bool log) const;
    /// The value at fraction `f` (the inverse of fraction()).
    double valueAt(double f, bool log) const;
};

/// The runs and fields that parallel coordinates and scatter plots draw, in the runs' order.
struct PlotTable {
    std::vector<QString> runIds;
    QStringList labels; ///< run name · short id
    std::vector<PlotField> fields; ///< params first (those with ≥ 2 distinct values), then metrics

    const PlotField* field(const QString& name) const;
};

/// Fields of the rows `rows` of `runs`: params that vary across those rows and every metric at
/// least one of them logged. Pure; fine off the GUI thread.
PlotTable plotTable(const RunTable& runs, const std::vector<std::size_t>& rows);

} // namespace reprise
