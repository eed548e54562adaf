#include "stats/importance.h"

#include <QHash>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace reprise {

namespace {

    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

    /// One param's column over the used rows.
    struct ParamColumn {
        const ValueColumn* column = nullptr;
        ParamImportance info;
        bool inForest = false;
        /// Categorical: the dictionary codes that get a column of their own, most frequent first.
        std::vector<std::int32_t> oneHot;
        bool otherColumn = false; ///< the rarer values share one more column
    };

} // namespace

Result<ImportanceResult> paramImportance(const RunTable& table, const std::vector<std::int32_t>& rows,
    const QString& metric, const ImportanceOptions& options)
{
    ImportanceResult out;
    out.metric = metric;
    out.forest = options.forest;
    out.runsInScope = int(rows.size());
    out.oobR2 = kNaN;
    const NumberColumn* target = table.metric(metric);
    if (!target) {
        QStringList known;
        for (const NumberColumn& column : table.metrics)
            known << column.key;
        return Error { QStringLiteral("metric '") + metric + QStringLiteral("': no run has it"),
            known.isEmpty() ? QStringLiteral("these runs logged no metrics")
                            : QStringLiteral("metrics: ") + known.mid(0, 20).join(QStringLiteral(", "))
                    + (known.size() > 20 ? QStringLiteral(", …") : QString()) };
    }

    // Runs without a finite value of the metric take no part.
    std::vector<std::int32_t> used;
    std::vector<double> y;
    for (const std::int32_t row : rows) {
        const size_t r = size_t(row);
        if (target->present[r] && std::isfinite(target->values[r])) {
            used.push_back(row);
            y.push_back(target->values[r]);
        } else {
            ++out.missingMetric;
        }
    }
    out.runsWithMetric = int(used.size());
    if (out.missingMetric > 0)
        out.notes << QStringLiteral("%1 of %2 runs have no value of %3 (never logged, or NaN/inf): not used")
                         .arg(out.missingMetric)
                         .arg(out.runsInScope)
                         .arg(metric);
    if (rows.empty())
        return Error { QStringLiteral("no runs to rank params over"), QStringLiteral("widen the filter") };
    if (used.empty())
        return Error { QStringLiteral("metric '") + metric
                + QStringLiteral("': none of the %1 runs has a value of it").arg(out.runsInScope),
            QStringLiteral("choose another metric, or widen the filter") };

    // Each param over the used runs: present where, numeric or not, how many values.
    std::vector<ParamColumn> columns;
    for (const ValueColumn& column : table.params) {
        ParamColumn p;
        p.column = &column;
        p.info.key = column.key;
        QHash<std::int32_t, int> frequency;
        for (const std::int32_t row : used) {
            const std::int32_t code = column.text.codes[size_t(row)];
            if (code < 0)
                continue;
            ++p.info.runs;
            ++frequency[code];
            if (!std::isfinite(column.dictNumbers[size_t(code)]))
                p.info.categorical = true;
        }
        if (p.info.runs == 0)
            continue;
        if (!p.info.categorical) {
            // Distinct numbers, not texts: "0.10" and "0.1" are one value.
            std::vector<double> numbers;
            for (auto it = frequency.begin(); it != frequency.end(); ++it)
                numbers.push_back(column.dictNumbers[size_t(it.key())]);
            std::sort(numbers.begin(), numbers.end());
            p.info.levels = int(std::unique(numbers.begin(), numbers.end()) - numbers.begin());
        } else {
            p.info.levels = int(frequency.size());
            std::vector<std::pair<int, std::int32_t>> byFrequency;
            for (auto it = frequency.begin(); it != frequency.end(); ++it)
                byFrequency.emplace_back(-it.value(), it.key());
            // Most frequent first; ties by the value's text, so the columns do not depend on hashing.
            std::sort(byFrequency.begin(), byFrequency.end(), [&column](const auto& a, const auto& b) {
                return a.first != b.first ? a.first < b.first : column.text.dict[a.second] < column.text.dict[b.second];
            });
            for (const auto& [_, code] : byFrequency) {
                if (int(p.oneHot.size()) >= options.maxLevels) {
                    p.otherColumn = true;
                    break;
                }
                p.oneHot.push_back(code);
            }
        }
        p.info.spearman = kNaN;
        p.info.importance = kNaN;
        if (p.info.levels < 2) {
            p.info.note = QStringLiteral("constant");
        } else if (double(p.info.runs) < options.minPresence * double(used.size())) {
            p.info.note
                = QStringLiteral("in %1 of %2 runs only: left out of the forest").arg(p.info.runs).arg(used.size());
        } else {
            p.inForest = true;
        }
        if (p.info.categorical && p.info.levels >= 2)
            p.info.note = p.info.note.isEmpty()
                ? QStringLiteral("categorical (%1 values, one-hot): no rank correlation").arg(p.info.levels)
                : p.info.note;
        columns.push_back(std::move(p));
    }

    // Spearman over the runs that have the param.
    for (ParamColumn& p : columns) {
        if (p.info.categorical || p.info.levels < 2)
            continue;
        std::vector<double> a, b;
        a.reserve(size_t(p.info.runs));
        b.reserve(size_t(p.info.runs));
        for (size_t k = 0; k < used.size(); ++k) {
            const std::int32_t code = p.column->text.codes[size_t(used[k])];
            if (code < 0)
                continue;
            a.push_back(p.column->dictNumbers[size_t(code)]);
            b.push_back(y[k]);
        }
        p.info.spearman = spearman(a, b);
    }

    // The forest: runs that have every forest param.
    std::vector<size_t> forestParams;
    for (size_t c = 0; c < columns.size(); ++c)
        if (columns[c].inForest)
            forestParams.push_back(c);
    std::vector<size_t> forestRows;
    for (size_t k = 0; k < used.size(); ++k) {
        bool complete = true;
        for (const size_t c : forestParams)
            if (columns[c].column->text.codes[size_t(used[k])] < 0) {
                complete = false;
                ++out.missingParam[columns[c].info.key];
            }
        if (complete)
            forestRows.push_back(k);
        else
            ++out.forestMissingAny;
    }
    out.forestRuns = int(forestRows.size());
    if (out.forestMissingAny > 0) {
        QStringList which;
        for (auto it = out.missingParam.begin(); it != out.missingParam.end(); ++it)
            which << QStringLiteral("%1 (%2)").arg(it.key()).arg(*it);
        out.notes << QStringLiteral("%1 runs lack a param and are left out of the forest: %2")
                         .arg(out.forestMissingAny)
                         .arg(which.join(QStringLiteral(", ")));
    }

    // Feature matrix: a numeric param is one column, a categorical one a 0/1 column per value.
    std::vector<size_t> owner; // feature -> column index
    for (const size_t c : forestParams) {
        const ParamColumn& p = columns[c];
        const size_t width = p.info.categorical ? p.oneHot.size() + (p.otherColumn ? 1 : 0) : 1;
        owner.insert(owner.end(), width, c);
    }
    const size_t features = owner.size();
    ForestOptions forestOptions = options.forest;
    if (options.autoLeaf)
        forestOptions.minSamplesLeaf = std::clamp(int(forestRows.size()) / 50, 1, 5);
    out.forest = forestOptions;
    const int minimumRows = std::max(3, 2 * std::max(1, forestOptions.minSamplesLeaf));
    if (features > 0 && int(forestRows.size()) >= minimumRows) {
        std::vector<double> x(forestRows.size() * features, 0.0), target(forestRows.size());
        for (size_t r = 0; r < forestRows.size(); ++r) {
            const size_t k = forestRows[r];
            target[r] = y[k];
            size_t f = 0;
            for (const size_t c : forestParams) {
                const ParamColumn& p = columns[c];
                const std::int32_t code = p.column->text.codes[size_t(used[k])];
                if (!p.info.categorical) {
                    x[r * features + f++] = p.column->dictNumbers[size_t(code)];
                    continue;
                }
                const auto at = std::find(p.oneHot.begin(), p.oneHot.end(), code);
                if (at != p.oneHot.end())
                    x[r * features + f + size_t(at - p.oneHot.begin())] = 1;
                else
                    x[r * features + f + p.oneHot.size()] = 1; // the shared column of the rarer values
                f += p.oneHot.size() + (p.otherColumn ? 1 : 0);
            }
        }
        const ForestImportance forest = forestImportance(x, forestRows.size(), features, target, forestOptions);
        out.oobR2 = forest.oobR2;
        const double total = std::accumulate(forest.importances.begin(), forest.importances.end(), 0.0);
        if (total > 0) {
            for (const size_t c : forestParams)
                columns[c].info.importance = 0;
            for (size_t f = 0; f < features; ++f)
                columns[owner[f]].info.importance += forest.importances[f];
        } else {
            out.notes << QStringLiteral("the forest found no split that lowers the error: the metric does not vary "
                                        "with these params over these runs");
        }
    } else if (!forestParams.empty()) {
        out.notes << QStringLiteral("too few runs for a forest (%1; at least %2 needed)")
                         .arg(forestRows.size())
                         .arg(minimumRows);
    }

    for (ParamColumn& p : columns)
        out.params << p.info;
    const auto score = [](double v) { return std::isnan(v) ? -1.0 : v; };
    std::stable_sort(out.params.begin(), out.params.end(), [&](const ParamImportance& a, const ParamImportance& b) {
        if (score(a.importance) != score(b.importance))
            return score(a.importance) > score(b.importance);
        const double sa = std::isnan(a.spearman) ? -1 : std::abs(a.spearman);
        const double sb = std::isnan(b.spearman) ? -1 : std::abs(b.spearman);
        if (sa != sb)
            return sa > sb;
        return a.key < b.key;
    });
    return out;
}

Result<ImportanceResult> paramImportance(const PlotTable& plot, const QString& metric, const ImportanceOptions& options)
{
    // The plot's fields as the columns of a run table: a param's values become dictionary codes.
    RunTable table;
    table.uuids = plot.runIds;
    const size_t n = plot.runIds.size();
    for (const PlotField& field : plot.fields) {
        if (field.kind == PlotField::Kind::Metric) {
            NumberColumn column;
            column.key = field.name;
            column.values = field.values;
            column.present.resize(n);
            for (size_t r = 0; r < n; ++r)
                column.present[r] = std::isfinite(field.values[r]) ? 1 : 0;
            table.metrics.push_back(std::move(column));
            continue;
        }
        ValueColumn column;
        column.key = field.name;
        column.text.codes.assign(n, -1);
        QHash<double, std::int32_t> codes;
        for (size_t r = 0; r < n; ++r) {
            const double v = field.values[r];
            if (std::isnan(v))
                continue;
            auto it = codes.find(v);
            if (it == codes.end()) {
                it = codes.insert(v, std::int32_t(column.text.dict.size()));
                column.text.dict << field.text(r);
                // A category is text (its index is not a quantity); a number is itself.
                column.dictNumbers.push_back(field.categorical() ? kNaN : v);
            }
            column.text.codes[r] = *it;
        }
        table.params.push_back(std::move(column));
    }
    // Looked up by binary search: sorted by key, as a loaded table is.
    std::sort(table.params.begin(), table.params.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    std::sort(table.metrics.begin(), table.metrics.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    std::vector<std::int32_t> rows(n);
    std::iota(rows.begin(), rows.end(), 0);
    return paramImportance(table, rows, metric, options);
}

} // namespace reprise
