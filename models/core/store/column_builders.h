#pragma once

// Builders of a RunTable's dictionary-coded columns, shared by the loaders of a SQLite database
// (run_table.cpp) and of a team store read straight from PostgreSQL (team_run_table.cpp).

#include "store/run_table.h"

#include <QHash>
#include <QString>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
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
/// Rows are numbered from `firstRow` (a builder for one range of rows holds codes for those only).
class ValueColumnBuilder {
public:
    explicit ValueColumnBuilder(size_t rows, size_t firstRow = 0)
        : m_rows(rows)
        , m_firstRow(firstRow)
    {
    }

    void add(size_t row, std::string_view key, std::string_view value)
    {
        // Rows come run by run, each run's keys in the same order: the key after the previous one
        // is tried first, so most rows cost one short comparison instead of a hash lookup.
        Builder* b = nullptr;
        if (m_cursor < m_ordered.size() && m_ordered[m_cursor]->keyBytes == key) {
            b = m_ordered[m_cursor];
        } else if (auto it = m_byKey.find(key); it != m_byKey.end()) {
            b = &it->second;
        } else {
            auto [inserted, _] = m_byKey.emplace(std::string(key), Builder {});
            b = &inserted->second;
            b->keyBytes = std::string(key);
            b->position = m_ordered.size();
            b->column.key = QString::fromUtf8(key.data(), qsizetype(key.size()));
            b->column.text.codes.assign(m_rows, -1);
            m_ordered.push_back(b);
        }
        m_cursor = b->position + 1 < m_ordered.size() ? b->position + 1 : 0;
        row -= m_firstRow;
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
        std::string keyBytes;
        size_t position = 0; ///< in m_ordered
        std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> values;
    };
    size_t m_rows;
    size_t m_firstRow;
    // Node-based: pointers to its values stay valid as keys are added.
    std::unordered_map<std::string, Builder, StringHash, std::equal_to<>> m_byKey;
    std::vector<Builder*> m_ordered; ///< keys in the order first seen
    size_t m_cursor = 0; ///< the key expected next
};

/// Joins value columns built for consecutive ranges of rows (`parts[i]` holding rows from
/// `firstRows[i]` on, each sorted by key) into columns over `rows` rows, sorted by key: one column
/// per key, its dictionary the first part's extended by the entries the others add.
inline std::vector<ValueColumn> joinRowRanges(
    std::vector<std::vector<ValueColumn>> parts, const std::vector<size_t>& firstRows, size_t rows)
{
    std::map<QString, ValueColumn> byKey;
    for (size_t p = 0; p < parts.size(); ++p) {
        for (ValueColumn& part : parts[p]) {
            auto [it, added] = byKey.try_emplace(part.key);
            ValueColumn& into = it->second;
            if (added && firstRows[p] == 0 && part.text.codes.size() == rows) {
                into = std::move(part); // already over every row: the others are copied into it
                continue;
            }
            if (added) {
                into.key = part.key;
                into.text.codes.assign(rows, -1);
            }
            // This part's codes in the joined dictionary.
            QHash<QString, std::int32_t> known;
            for (qsizetype i = 0; i < into.text.dict.size(); ++i)
                known.insert(into.text.dict[i], std::int32_t(i));
            std::vector<std::int32_t> translated(size_t(part.text.dict.size()));
            for (qsizetype i = 0; i < part.text.dict.size(); ++i) {
                auto found = known.constFind(part.text.dict[i]);
                if (found == known.constEnd()) {
                    found = known.insert(part.text.dict[i], std::int32_t(into.text.dict.size()));
                    into.text.dict.append(part.text.dict[i]);
                    into.dictNumbers.push_back(part.dictNumbers[size_t(i)]);
                }
                translated[size_t(i)] = *found;
            }
            const size_t first = firstRows[p];
            for (size_t r = 0; r < part.text.codes.size() && first + r < rows; ++r) {
                if (const std::int32_t c = part.text.codes[r]; c >= 0)
                    into.text.codes[first + r] = translated[size_t(c)];
            }
        }
        parts[p].clear();
        parts[p].shrink_to_fit();
    }
    std::vector<ValueColumn> out;
    out.reserve(byKey.size());
    for (auto& [_, column] : byKey)
        out.push_back(std::move(column));
    return out;
}

/// Appends dictionary codes to a TextColumn, decoding each distinct value from UTF-8 once. A column
/// whose values are nearly all different (run names) stops looking values up once that is clear:
/// each row then gets a dictionary entry of its own (a value may then be in the dictionary twice;
/// computeSortRanks gives equal entries equal ranks), which saves a hash table as large as the
/// column and a lookup per row.
class TextColumnBuilder {
public:
    /// Rows looked at before deciding, and the share of them that must be distinct.
    static constexpr size_t kSampleRows = 65536;

    explicit TextColumnBuilder(TextColumn& column)
        : m_column(column)
    {
    }
    void add(std::string_view value)
    {
        if (m_unique) {
            m_column.codes.push_back(std::int32_t(m_column.dict.size()));
            m_column.dict.append(QString::fromUtf8(value.data(), qsizetype(value.size())));
            return;
        }
        auto it = m_codes.find(value);
        if (it == m_codes.end()) {
            it = m_codes.emplace(std::string(value), std::int32_t(m_column.dict.size())).first;
            m_column.dict.append(QString::fromUtf8(value.data(), qsizetype(value.size())));
        }
        m_column.codes.push_back(it->second);
        if (m_column.codes.size() == kSampleRows && m_codes.size() > kSampleRows / 2) {
            m_unique = true;
            m_codes = {};
        }
    }

private:
    TextColumn& m_column;
    std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> m_codes;
    bool m_unique = false;
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
    /// The id of `slot` (< size()); for dense slots the slot itself, used or not.
    qint64 idAt(size_t slot) const { return m_sparse ? m_ids[slot] : qint64(slot); }
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

/// Puts params and tags read by run id slot into `t` by table row, with their sort ranks (unless
/// `ranks` is false).
inline void placeValueColumns(RunTable& t, std::vector<ValueColumn> params, std::vector<ValueColumn> tags,
    const std::vector<size_t>& slotOfRow, bool ranks = true)
{
    t.params = std::move(params);
    t.tags = std::move(tags);
    remapToRows(t.params, slotOfRow);
    remapToRows(t.tags, slotOfRow);
    for (std::vector<ValueColumn>* columns : { &t.params, &t.tags }) {
        if (!ranks)
            break;
        for (ValueColumn& c : *columns)
            c.text.computeSortRanks();
    }
}

} // namespace reprise::column_building
