#include "analysis/plot_field_order.h"

#include <QRegularExpression>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <set>

namespace reprise {

QStringList metricsByRelevance(const PlotTable& table)
{
    QSet<QString> params;
    for (const PlotField& f : table.fields) {
        if (f.kind == PlotField::Kind::Param)
            params.insert(f.name);
    }
    static const QRegularExpression evaluation(QStringLiteral("val|eval|test|acc|f1|auc"));
    std::vector<std::pair<int, QString>> ranked;
    for (const PlotField& f : table.fields) {
        if (f.kind != PlotField::Kind::Metric)
            continue;
        const int coverage
            = int(std::count_if(f.values.begin(), f.values.end(), [](double v) { return std::isfinite(v); }));
        const int rank = coverage * 4 + (params.contains(f.name) ? 0 : 1) + (f.name.contains(evaluation) ? 2 : 0);
        ranked.emplace_back(-rank, f.name);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    QStringList out;
    for (const auto& [_, name] : ranked)
        out << name;
    return out;
}

QStringList paramsBySpread(const PlotTable& table)
{
    std::vector<std::pair<int, QString>> ranked;
    for (const PlotField& f : table.fields) {
        if (f.kind != PlotField::Kind::Param)
            continue;
        // A run without the param (NaN) is no value of the sweep; NaN has no place in an ordered set either.
        std::set<double> distinct;
        for (double v : f.values) {
            if (!std::isnan(v))
                distinct.insert(v);
        }
        ranked.emplace_back(-int(distinct.size()), f.name);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    QStringList out;
    for (const auto& [_, name] : ranked)
        out << name;
    return out;
}

} // namespace reprise
