#include "analysis/plot_table.h"

#include "analysis/axis_ticks.h"
#include "store/run_table.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace reprise {

namespace {

    void computeRange(PlotField& f)
    {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        bool allPositive = true;
        for (double v : f.values) {
            if (!std::isfinite(v))
                continue;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            allPositive = allPositive && v > 0;
        }
        if (!std::isfinite(lo)) {
            lo = 0;
            hi = 1;
        }
        f.min = lo;
        f.max = hi;
        f.logSuggested = !f.categorical() && allPositive && lo > 0 && hi / lo > 100;
    }

} // namespace

QString PlotField::text(std::size_t row) const
{
    const double v = values[row];
    if (!std::isfinite(v))
        return QStringLiteral("—");
    if (categorical())
        return categories.value(qsizetype(v));
    return compactNumber(v, std::abs(v) / 1e4);
}

double PlotField::fraction(double v, bool log) const
{
    if (!std::isfinite(v))
        return std::numeric_limits<double>::quiet_NaN();
    if (categorical())
        return (v + 0.5) / double(categories.size());
    if (log && min > 0 && v > 0)
        return max > min ? (std::log10(v) - std::log10(min)) / (std::log10(max) - std::log10(min)) : 0.5;
    return max > min ? (v - min) / (max - min) : 0.5;
}

double PlotField::valueAt(double f, bool log) const
{
    if (categorical())
        return f * double(categories.size()) - 0.5;
    if (log && min > 0)
        return std::pow(10, std::log10(min) + f * (std::log10(max) - std::log10(min)));
    return min + f * (max - min);
}

const PlotField* PlotTable::field(const QString& name) const
{
    for (const PlotField& f : fields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

PlotTable plotTable(const RunTable& runs, const std::vector<std::size_t>& rows)
{
    PlotTable table;
    for (std::size_t row : rows) {
        table.runIds.push_back(runs.uuids[row]);
        const QString name = runs.names.at(row);
        table.labels << (name.isEmpty() ? QString() : name + QStringLiteral(" · ")) + runs.uuids[row].left(6);
    }
    for (const ValueColumn& column : runs.params) {
        std::set<QString> distinct;
        bool numeric = true;
        for (std::size_t row : rows) {
            if (!column.text.has(row))
                continue;
            distinct.insert(column.text.at(row));
            numeric = numeric && std::isfinite(column.number(row));
        }
        if (distinct.size() < 2)
            continue; // the same everywhere: nothing to compare along this axis
        PlotField f;
        f.name = column.key;
        f.kind = PlotField::Kind::Param;
        if (!numeric) {
            for (const QString& v : distinct)
                f.categories << v;
        }
        for (std::size_t row : rows) {
            if (!column.text.has(row))
                f.values.push_back(std::numeric_limits<double>::quiet_NaN());
            else if (numeric)
                f.values.push_back(column.number(row));
            else
                f.values.push_back(double(f.categories.indexOf(column.text.at(row))));
        }
        computeRange(f);
        table.fields.push_back(std::move(f));
    }
    for (const NumberColumn& column : runs.metrics) {
        PlotField f;
        f.name = column.key;
        f.kind = PlotField::Kind::Metric;
        bool any = false;
        for (std::size_t row : rows) {
            const bool present = column.present[row] != 0;
            any = any || present;
            f.values.push_back(present ? column.values[row] : std::numeric_limits<double>::quiet_NaN());
        }
        if (!any)
            continue;
        computeRange(f);
        table.fields.push_back(std::move(f));
    }
    return table;
}

} // namespace reprise
