#include "analysis/run_grouping.h"

#include "analysis/group_stats.h"

#include <QCoreApplication>
#include <QHash>
#include <set>

namespace reprise {

QString paramText(const RunRecord& run, const QString& name)
{
    const auto it = run.params.find(name);
    return it == run.params.end() ? QStringLiteral("—") : it->value;
}

QStringList paramNames(const QList<RunRecord>& runs)
{
    std::set<QString> names;
    for (const RunRecord& r : runs) {
        for (auto it = r.params.begin(); it != r.params.end(); ++it)
            names.insert(it.key());
    }
    return QStringList(names.begin(), names.end());
}

QStringList varyingParams(const QList<RunRecord>& runs)
{
    QStringList varying;
    for (const QString& n : paramNames(runs)) {
        for (const RunRecord& r : runs) {
            if (paramText(r, n) != paramText(runs.first(), n)) {
                varying << n;
                break;
            }
        }
    }
    return varying;
}

QStringList groupingChoices(const QList<RunRecord>& runs)
{
    const QStringList varying = varyingParams(runs);
    QStringList out;
    for (const QString& p : varying) {
        if (p.contains(QStringLiteral("seed"), Qt::CaseInsensitive))
            out << QStringLiteral("except:") + p;
    }
    for (const QString& p : varying)
        out << QStringLiteral("param:") + p;
    return out;
}

QString groupLabel(const RunRecord& run, const QString& grouping, const QStringList& varying)
{
    const QString name = grouping.section(u':', 1);
    if (grouping.startsWith(QStringLiteral("param:")))
        return name + u'=' + paramText(run, name);
    QStringList parts;
    for (const QString& p : varying) {
        if (p != name)
            parts << p + u'=' + paramText(run, p);
    }
    return parts.isEmpty() ? QCoreApplication::translate("reprise::RunGrouping", "all runs")
                           : parts.join(QStringLiteral(", "));
}

std::vector<CurveGroup> groupCurves(const QStringList& curveRunIds, const QStringList& curveLabels,
    const QList<RunRecord>& runs, const QString& grouping)
{
    const QStringList varying = varyingParams(runs);
    QHash<QString, const RunRecord*> byId;
    for (const RunRecord& r : runs)
        byId.insert(r.uuid, &r);
    std::vector<CurveGroup> groups;
    QHash<QString, std::size_t> index;
    for (qsizetype i = 0; i < curveRunIds.size(); ++i) {
        const RunRecord* run = byId.value(curveRunIds[i]);
        const QString label = run ? groupLabel(*run, grouping, varying) : curveLabels.value(i);
        auto it = index.find(label);
        if (it == index.end()) {
            it = index.insert(label, groups.size());
            groups.push_back({ label, {} });
        }
        groups[*it].members.push_back(std::size_t(i));
    }
    return groups;
}

GroupCurve groupCurve(const QString& label, const std::vector<CurvePoints>& members, BandKind kind)
{
    const GroupBand band = groupBand(members);
    GroupCurve g;
    g.label = QStringLiteral("%1 (n=%2)").arg(label).arg(members.size());
    g.id = QStringLiteral("group:") + label;
    g.x = band.steps;
    g.mean = band.mean;
    g.low.resize(band.mean.size());
    g.high.resize(band.mean.size());
    for (std::size_t i = 0; i < band.mean.size(); ++i) {
        g.low[i] = kind == BandKind::MinMax ? band.min[i] : band.mean[i] - band.std[i];
        g.high[i] = kind == BandKind::MinMax ? band.max[i] : band.mean[i] + band.std[i];
    }
    return g;
}

} // namespace reprise
