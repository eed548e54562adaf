#include "store/run_table_union.h"

#include <QHash>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <map>

namespace reprise {

namespace {

    /// Builds one text column of the union: each source's dictionary is translated once into the
    /// union's, so copying a row is an index lookup, not a string hash.
    class TextUnion {
    public:
        explicit TextUnion(TextColumn& out, std::vector<double>* numbers = nullptr)
            : m_out(out)
            , m_numbers(numbers)
        {
        }
        std::int32_t code(const QString& value, double number = 0)
        {
            auto it = m_index.constFind(value);
            if (it != m_index.constEnd())
                return *it;
            const auto code = std::int32_t(m_out.dict.size());
            m_index.insert(value, code);
            m_out.dict << value;
            if (m_numbers)
                m_numbers->push_back(number);
            return code;
        }
        /// Union codes of `in`'s dictionary entries.
        std::vector<std::int32_t> translate(const TextColumn& in, const std::vector<double>* numbers = nullptr)
        {
            std::vector<std::int32_t> out(size_t(in.dict.size()));
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = code(in.dict[qsizetype(i)], numbers ? (*numbers)[i] : 0);
            return out;
        }

    private:
        TextColumn& m_out;
        std::vector<double>* m_numbers;
        QHash<QString, std::int32_t> m_index;
    };

    /// Where a row of the union comes from.
    struct Origin {
        std::uint32_t source;
        std::uint32_t row;
    };

    using TextMember = TextColumn RunTable::*;
    constexpr TextMember kTextMembers[]
        = { &RunTable::projects, &RunTable::names, &RunTable::statuses, &RunTable::kinds, &RunTable::users,
              &RunTable::hosts, &RunTable::commits, &RunTable::branches, &RunTable::parents };

    /// One column in `out` per key any source has (params, tags or metrics), sorted by key; returns
    /// each key's index in `out`.
    template <typename Column>
    std::map<QString, size_t> keyedColumns(
        const std::vector<SourceRuns>& sources, std::vector<Column> RunTable::*member, std::vector<Column>& out)
    {
        std::map<QString, size_t> byKey;
        for (const SourceRuns& s : sources) {
            for (const Column& c : (*s.runs).*member)
                byKey.emplace(c.key, 0);
        }
        out.resize(byKey.size());
        size_t i = 0;
        for (auto& [key, index] : byKey) {
            index = i;
            out[i++].key = key;
        }
        return byKey;
    }

    /// Copies the keyed columns (params or tags) of every source into `out`, sorted by key.
    void unionValueColumns(const std::vector<SourceRuns>& sources, std::vector<ValueColumn> RunTable::*member,
        const std::vector<std::vector<std::int32_t>>& rowsOf, size_t rowCount, std::vector<ValueColumn>& out)
    {
        std::map<QString, size_t> byKey = keyedColumns(sources, member, out);
        for (ValueColumn& c : out)
            c.text.codes.assign(rowCount, -1);
        std::vector<TextUnion> unions;
        unions.reserve(out.size());
        for (ValueColumn& c : out)
            unions.emplace_back(c.text, &c.dictNumbers);
        for (size_t s = 0; s < sources.size(); ++s) {
            for (const ValueColumn& c : (*sources[s].runs).*member) {
                const size_t target = byKey[c.key];
                const std::vector<std::int32_t> codes = unions[target].translate(c.text, &c.dictNumbers);
                std::vector<std::int32_t>& into = out[target].text.codes;
                const std::vector<std::int32_t>& rows = rowsOf[s];
                for (size_t r = 0; r < rows.size(); ++r) {
                    if (rows[r] >= 0 && c.text.codes[r] >= 0)
                        into[size_t(rows[r])] = codes[size_t(c.text.codes[r])];
                }
            }
        }
        for (ValueColumn& c : out)
            c.text.computeSortRanks();
    }

    void unionMetricColumns(const std::vector<SourceRuns>& sources,
        const std::vector<std::vector<std::int32_t>>& rowsOf, size_t rowCount, std::vector<NumberColumn>& out)
    {
        std::map<QString, size_t> byKey = keyedColumns(sources, &RunTable::metrics, out);
        for (NumberColumn& c : out) {
            c.values.assign(rowCount, std::nan(""));
            c.present.assign(rowCount, 0);
        }
        for (size_t s = 0; s < sources.size(); ++s) {
            for (const NumberColumn& c : sources[s].runs->metrics) {
                NumberColumn& into = out[byKey[c.key]];
                const std::vector<std::int32_t>& rows = rowsOf[s];
                for (size_t r = 0; r < rows.size(); ++r) {
                    if (rows[r] >= 0 && c.present[r]) {
                        into.values[size_t(rows[r])] = c.values[r];
                        into.present[size_t(rows[r])] = 1;
                    }
                }
            }
        }
    }

} // namespace

RunTable unionRunTables(const std::vector<SourceRuns>& sources)
{
    // Names tell sources apart in the Source column and the filter: two "runs.db" in different
    // folders become "runs.db" and "runs.db (2)".
    QStringList shown;
    for (const SourceRuns& s : sources) {
        QString name = s.name;
        for (int k = 2; shown.contains(name); ++k)
            name = QStringLiteral("%1 (%2)").arg(s.name).arg(k);
        shown << name;
    }
    // Each run once, from the first source holding it; the sources holding it, by index.
    std::vector<Origin> origins;
    std::vector<std::vector<std::uint32_t>> holders;
    QHash<QString, std::uint32_t> rowOf;
    for (size_t s = 0; s < sources.size(); ++s) {
        const RunTable& t = *sources[s].runs;
        for (size_t r = 0; r < t.rowCount(); ++r) {
            const auto it = rowOf.constFind(t.uuids[r]);
            if (it != rowOf.constEnd()) {
                std::vector<std::uint32_t>& held = holders[*it];
                if (held.back() != s)
                    held.push_back(std::uint32_t(s));
                continue;
            }
            rowOf.insert(t.uuids[r], std::uint32_t(origins.size()));
            origins.push_back({ std::uint32_t(s), std::uint32_t(r) });
            holders.push_back({ std::uint32_t(s) });
        }
    }
    // Newest first, as one database's table is; ties keep the sources' order.
    std::vector<std::uint32_t> order(origins.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = std::uint32_t(i);
    auto startOf = [&](std::uint32_t i) { return sources[origins[i].source].runs->startTimes[origins[i].row]; };
    std::stable_sort(
        order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return startOf(a) > startOf(b); });

    // Per source, its rows' places in the union (-1: held by an earlier source, read from there).
    std::vector<std::vector<std::int32_t>> rowsOf(sources.size());
    for (size_t s = 0; s < sources.size(); ++s)
        rowsOf[s].assign(sources[s].runs->rowCount(), -1);
    for (size_t place = 0; place < order.size(); ++place) {
        const Origin& o = origins[order[place]];
        rowsOf[o.source][o.row] = std::int32_t(place);
    }

    RunTable out;
    const size_t n = order.size();
    out.uuids.resize(n);
    out.startTimes.resize(n);
    out.endTimes.resize(n);
    out.dirty.resize(n);
    out.starred.resize(n);
    out.archived.resize(n);
    for (TextMember member : kTextMembers)
        (out.*member).codes.assign(n, -1);
    out.sources.codes.assign(n, -1);
    for (TextMember member : kTextMembers) {
        TextUnion text(out.*member);
        for (size_t s = 0; s < sources.size(); ++s) {
            const TextColumn& in = (*sources[s].runs).*member;
            const std::vector<std::int32_t> codes = text.translate(in);
            const std::vector<std::int32_t>& rows = rowsOf[s];
            for (size_t r = 0; r < rows.size(); ++r) {
                if (rows[r] >= 0 && in.codes[r] >= 0)
                    (out.*member).codes[size_t(rows[r])] = codes[size_t(in.codes[r])];
            }
        }
        (out.*member).computeSortRanks();
    }
    // One dictionary entry per set of holders (not per joined text: a source may be named "a, b").
    std::map<std::vector<std::uint32_t>, std::int32_t> entryOfHolders;
    for (size_t place = 0; place < n; ++place) {
        const std::uint32_t i = order[place];
        const Origin& o = origins[i];
        const RunTable& t = *sources[o.source].runs;
        out.uuids[place] = t.uuids[o.row];
        out.startTimes[place] = t.startTimes[o.row];
        out.endTimes[place] = t.endTimes[o.row];
        out.dirty[place] = t.dirty[o.row];
        out.starred[place] = t.starred[o.row];
        out.archived[place] = t.archived[o.row];
        auto [entry, added] = entryOfHolders.try_emplace(holders[i], std::int32_t(out.sources.dict.size()));
        if (added) {
            QStringList names;
            for (std::uint32_t s : holders[i])
                names << shown[qsizetype(s)];
            out.sources.dict << names.join(QStringLiteral(", "));
            out.sourceNames.push_back(names);
            out.sourcePaths.push_back(sources[o.source].path);
        }
        out.sources.codes[place] = entry->second;
    }
    out.sources.computeSortRanks();
    unionValueColumns(sources, &RunTable::params, rowsOf, n, out.params);
    unionValueColumns(sources, &RunTable::tags, rowsOf, n, out.tags);
    unionMetricColumns(sources, rowsOf, n, out.metrics);
    return out;
}

std::optional<RunTable> patchRunTable(const std::shared_ptr<const RunTable>& table,
    const std::shared_ptr<const RunTable>& fresh, const QStringList& changed)
{
    const QSet<QString> now(fresh->uuids.begin(), fresh->uuids.end());
    for (const QString& uuid : changed) {
        if (!now.contains(uuid))
            return std::nullopt; // removed (or not readable): only a whole read drops its row
    }
    // The fresh rows first: a run held by both is read from there.
    RunTable patched = unionRunTables({ { QString(), QString(), fresh }, { QString(), QString(), table } });
    patched.sources = TextColumn {};
    patched.sourceNames.clear();
    patched.sourcePaths.clear();
    return patched;
}

} // namespace reprise
