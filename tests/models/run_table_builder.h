// Builds RunTable snapshots in memory (as the loader would), for model and browser tests.
#pragma once

#include "store/run_table.h"

#include <QHash>
#include <QMap>
#include <cmath>
#include <limits>
#include <memory>

namespace reprise::test {

struct RunSpec {
    QString id;
    QString name;
    QString status = QStringLiteral("finished");
    double start = 0;
    double end = std::numeric_limits<double>::quiet_NaN(); ///< NaN while running
    QMap<QString, QString> params;
    QMap<QString, double> metrics;
    QString team; ///< tag "team"
    bool archived = false;
    bool starred = false;
};

class TextColumnBuilder {
public:
    explicit TextColumnBuilder(TextColumn& column)
        : m_column(column)
    {
    }
    void add(const QString& value)
    {
        if (value.isNull()) {
            m_column.appendMissing();
            return;
        }
        auto it = m_codes.constFind(value);
        if (it == m_codes.constEnd()) {
            it = m_codes.insert(value, std::int32_t(m_column.dict.size()));
            m_column.dict << value;
        }
        m_column.codes.push_back(*it);
    }

private:
    TextColumn& m_column;
    QHash<QString, std::int32_t> m_codes;
};

/// A snapshot of `runs` in the given order (the loader's order is newest first).
inline std::shared_ptr<const RunTable> makeTable(const QList<RunSpec>& runs)
{
    auto t = std::make_shared<RunTable>();
    QMap<QString, int> paramKeys, metricKeys;
    for (const RunSpec& r : runs) {
        for (auto it = r.params.begin(); it != r.params.end(); ++it)
            paramKeys.insert(it.key(), 0);
        for (auto it = r.metrics.begin(); it != r.metrics.end(); ++it)
            metricKeys.insert(it.key(), 0);
    }
    for (const QString& key : paramKeys.keys())
        t->params.push_back(ValueColumn { key, {}, {} });
    for (const QString& key : metricKeys.keys())
        t->metrics.push_back(NumberColumn { key, {}, {} });
    bool anyTeam = false;
    for (const RunSpec& r : runs)
        anyTeam = anyTeam || !r.team.isNull();
    if (anyTeam)
        t->tags.push_back(ValueColumn { QStringLiteral("team"), {}, {} });

    TextColumnBuilder projects(t->projects), names(t->names), statuses(t->statuses), kinds(t->kinds), users(t->users),
        hosts(t->hosts), commits(t->commits), branches(t->branches), parents(t->parents);
    std::vector<TextColumnBuilder> params, tags;
    for (ValueColumn& c : t->params)
        params.emplace_back(c.text);
    for (ValueColumn& c : t->tags)
        tags.emplace_back(c.text);
    for (const RunSpec& r : runs) {
        t->uuids.push_back(r.id);
        projects.add(QStringLiteral("p"));
        names.add(r.name);
        statuses.add(r.status);
        kinds.add(QStringLiteral("run"));
        users.add(QStringLiteral("me"));
        hosts.add(QString());
        commits.add(QString());
        branches.add(QString());
        parents.add(QString());
        t->startTimes.push_back(r.start);
        t->endTimes.push_back(r.end);
        t->dirty.push_back(0);
        t->starred.push_back(r.starred);
        t->archived.push_back(r.archived);
        for (size_t i = 0; i < t->params.size(); ++i)
            params[i].add(r.params.value(t->params[i].key));
        for (NumberColumn& c : t->metrics) {
            const bool present = r.metrics.contains(c.key);
            c.present.push_back(present);
            c.values.push_back(present ? r.metrics.value(c.key) : 0.0);
        }
        if (anyTeam)
            tags[0].add(r.team);
    }
    auto numbers = [](ValueColumn& c) {
        for (const QString& text : std::as_const(c.text.dict)) {
            bool ok = false;
            const double v = text.toDouble(&ok);
            c.dictNumbers.push_back(ok ? v : std::numeric_limits<double>::quiet_NaN());
        }
        c.text.computeSortRanks();
    };
    for (ValueColumn& c : t->params)
        numbers(c);
    for (ValueColumn& c : t->tags)
        numbers(c);
    for (TextColumn* c : { &t->projects, &t->names, &t->statuses, &t->kinds, &t->users })
        c->computeSortRanks();
    return t;
}

} // namespace reprise::test
