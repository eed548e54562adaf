#pragma once

// Builders of a RunTable's dictionary-coded columns, shared by the loaders of a SQLite database
// (run_table.cpp) and of a team store read straight from PostgreSQL (team_run_table.cpp).

#include "store/run_table.h"

#include <QString>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reprise::column_building {

inline double parseNumber(const QString& text)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (ok)
        return v;
    if (text == QLatin1String("true"))
        return 1;
    if (text == QLatin1String("false"))
        return 0;
    return std::numeric_limits<double>::quiet_NaN();
}

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view> {}(s); }
};

/// Builds value columns from (row, key, value) triples without decoding repeated keys or values.
class ValueColumnBuilder {
public:
    explicit ValueColumnBuilder(size_t rows)
        : m_rows(rows)
    {
    }

    void add(size_t row, std::string_view key, std::string_view value)
    {
        Builder* b;
        if (auto it = m_byKey.find(key); it != m_byKey.end()) {
            b = &it->second;
        } else {
            auto [inserted, _] = m_byKey.emplace(std::string(key), Builder {});
            b = &inserted->second;
            b->column.key = QString::fromUtf8(key.data(), qsizetype(key.size()));
            b->column.text.codes.assign(m_rows, -1);
        }
        std::int32_t code;
        if (auto vit = b->values.find(value); vit != b->values.end()) {
            code = vit->second;
        } else {
            code = std::int32_t(b->column.text.dict.size());
            const QString text = QString::fromUtf8(value.data(), qsizetype(value.size()));
            b->column.text.dict.append(text);
            b->column.dictNumbers.push_back(parseNumber(text));
            b->values.emplace(std::string(value), code);
        }
        b->column.text.codes[row] = code;
    }

    std::vector<ValueColumn> take()
    {
        std::vector<ValueColumn> out;
        out.reserve(m_byKey.size());
        for (auto& [_, b] : m_byKey)
            out.push_back(std::move(b.column));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
        return out;
    }

private:
    struct Builder {
        ValueColumn column;
        std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> values;
    };
    size_t m_rows;
    std::unordered_map<std::string, Builder, StringHash, std::equal_to<>> m_byKey;
};

/// Appends dictionary codes to a TextColumn, decoding each distinct value from UTF-8 once.
class TextColumnBuilder {
public:
    explicit TextColumnBuilder(TextColumn& column)
        : m_column(column)
    {
    }
    void add(std::string_view value)
    {
        auto it = m_codes.find(value);
        if (it == m_codes.end()) {
            it = m_codes.emplace(std::string(value), std::int32_t(m_column.dict.size())).first;
            m_column.dict.append(QString::fromUtf8(value.data(), qsizetype(value.size())));
        }
        m_column.codes.push_back(it->second);
    }

private:
    TextColumn& m_column;
    std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> m_codes;
};

/// Where the data of each id goes while a table is assembled: the id itself while ids are dense
/// (the usual case: SQLite numbers rows 1, 2, 3, …), else its position among the sorted ids,
/// found by binary search, so that a damaged or hand-written id (negative, or 2^62) never
/// becomes the size of an array.
class IdSlots {
public:
    /// Slots 0 … maxId (maxId >= -1), for ids known to be dense.
    static IdSlots dense(qint64 maxId)
    {
        IdSlots s;
        s.m_count = size_t(maxId + 1);
        return s;
    }
    /// One slot per distinct id.
    static IdSlots sparse(std::vector<qint64> ids)
    {
        IdSlots s;
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        s.m_sparse = true;
        s.m_count = ids.size();
        s.m_ids = std::move(ids);
        return s;
    }
    /// Dense when the largest id is not far beyond the count (a few rows deleted at most).
    static bool isDense(qint64 count, qint64 minId, qint64 maxId) { return minId >= 0 && maxId <= 4 * count + 65536; }

    size_t size() const { return m_count; }
    /// The slot of `id`, or -1 when it has none.
    qint64 slot(qint64 id) const
    {
        if (!m_sparse)
            return id >= 0 && quint64(id) < m_count ? id : -1;
        const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
        return it != m_ids.end() && *it == id ? qint64(it - m_ids.begin()) : -1;
    }

private:
    bool m_sparse = false;
    size_t m_count = 0;
    std::vector<qint64> m_ids;
};

/// Re-indexes codes from run id slot to table row.
inline void remapToRows(std::vector<ValueColumn>& columns, const std::vector<size_t>& slotOfRow)
{
    for (ValueColumn& c : columns) {
        std::vector<std::int32_t> byRow(slotOfRow.size(), -1);
        for (size_t row = 0; row < slotOfRow.size(); ++row) {
            const size_t slot = slotOfRow[row];
            if (slot < c.text.codes.size())
                byRow[row] = c.text.codes[slot];
        }
        c.text.codes = std::move(byRow);
    }
}

/// Computes the sort ranks of a table's text columns (runs' names, projects, statuses, …).
inline void rankTextColumns(RunTable& t)
{
    for (TextColumn* c :
        { &t.projects, &t.names, &t.statuses, &t.kinds, &t.users, &t.hosts, &t.commits, &t.branches, &t.parents })
        c->computeSortRanks();
}

/// Puts params and tags read by run id slot into `t` by table row, with their sort ranks.
inline void placeValueColumns(
    RunTable& t, std::vector<ValueColumn> params, std::vector<ValueColumn> tags, const std::vector<size_t>& slotOfRow)
{
    t.params = std::move(params);
    t.tags = std::move(tags);
    remapToRows(t.params, slotOfRow);
    remapToRows(t.tags, slotOfRow);
    for (std::vector<ValueColumn>* columns : { &t.params, &t.tags }) {
        for (ValueColumn& c : *columns)
            c.text.computeSortRanks();
    }
}

} // namespace reprise::column_building
