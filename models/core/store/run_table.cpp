#include "store/run_table.h"

#include "store/database.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reprise {

namespace {

    double parseNumber(const QString& text)
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

    std::string_view view(sqlite3_stmt* s, int column)
    {
        return { reinterpret_cast<const char*>(sqlite3_column_text(s, column)),
            size_t(sqlite3_column_bytes(s, column)) };
    }

    QByteArray keyFilter(const char* column, bool all, const QStringList& keys)
    {
        if (all)
            return {};
        QByteArray sql = QByteArrayLiteral(" WHERE ") + column + " IN (";
        for (qsizetype i = 0; i < keys.size(); ++i)
            sql += i ? ",?" : "?";
        return sql + ')';
    }

    template <typename Column>
    const Column* findColumn(const std::vector<Column>& columns, const QString& key)
    {
        auto it = std::lower_bound(
            columns.begin(), columns.end(), key, [](const Column& c, const QString& k) { return c.key < k; });
        return it != columns.end() && it->key == key ? &*it : nullptr;
    }

} // namespace

void TextColumn::append(const QString& value, QHash<QString, std::int32_t>& index)
{
    auto it = index.constFind(value);
    if (it == index.constEnd()) {
        it = index.insert(value, std::int32_t(dict.size()));
        dict.append(value);
    }
    codes.push_back(*it);
}

double RunTable::duration(size_t row, double now) const
{
    const double end = std::isnan(endTimes[row]) ? now : endTimes[row];
    return std::max(0.0, end - startTimes[row]);
}

const ValueColumn* RunTable::param(const QString& key) const
{
    return findColumn(params, key);
}
const NumberColumn* RunTable::metric(const QString& key) const
{
    return findColumn(metrics, key);
}
const ValueColumn* RunTable::tag(const QString& key) const
{
    return findColumn(tags, key);
}

Result<RunTable> loadRunTable(const Database& db, const RunTableColumns& columns)
{
    RunTable t;
    auto runs = db.prepare(
        "SELECT r.id, r.uuid, p.name, r.name, r.status, r.kind, r.user_name, r.host, r.git_commit, r.git_branch, "
        "(SELECT uuid FROM runs q WHERE q.id = r.parent_id), r.start_time, r.end_time, r.git_dirty "
        "FROM runs r JOIN projects p ON p.id = r.project_id ORDER BY r.start_time DESC, r.id DESC");
    if (!runs)
        return runs.error();
    // Row ids are dense in practice; a vector maps them to table rows without hashing.
    std::vector<std::int32_t> rowOfId;
    QHash<QString, std::int32_t> projectIdx, nameIdx, statusIdx, kindIdx, userIdx, hostIdx, commitIdx, branchIdx,
        parentIdx;
    int rc;
    while ((rc = runs->step()) == SQLITE_ROW) {
        const qint64 id = runs->int64(0);
        if (id >= qint64(rowOfId.size()))
            rowOfId.resize(size_t(std::max<qint64>(id + 1, qint64(rowOfId.size()) * 2)), -1);
        rowOfId[size_t(id)] = std::int32_t(t.uuids.size());
        t.uuids.push_back(runs->text(1));
        t.projects.append(runs->text(2), projectIdx);
        t.names.append(runs->text(3), nameIdx);
        t.statuses.append(runs->text(4), statusIdx);
        t.kinds.append(runs->text(5), kindIdx);
        t.users.append(runs->text(6), userIdx);
        t.hosts.append(runs->text(7), hostIdx);
        t.commits.append(runs->text(8), commitIdx);
        t.branches.append(runs->text(9), branchIdx);
        if (runs->isNull(10))
            t.parents.appendMissing();
        else
            t.parents.append(runs->text(10), parentIdx);
        t.startTimes.push_back(runs->real(11));
        t.endTimes.push_back(runs->isNull(12) ? std::numeric_limits<double>::quiet_NaN() : runs->real(12));
        t.dirty.push_back(std::uint8_t(runs->int64(13) != 0));
    }
    if (rc != SQLITE_DONE)
        return db.sqliteError(rc, QStringLiteral("reading runs"));
    runs = Statement();
    const size_t n = t.uuids.size();
    auto rowOf = [&](qint64 id) -> std::int32_t {
        return id >= 0 && id < qint64(rowOfId.size()) ? rowOfId[size_t(id)] : -1;
    };

    auto loadValues = [&](const char* table, bool all, const QStringList& keys) -> Result<std::vector<ValueColumn>> {
        if (!all && keys.isEmpty())
            return std::vector<ValueColumn> {};
        const QByteArray sql
            = QByteArrayLiteral("SELECT run_id, key, value FROM ") + table + keyFilter("key", all, keys);
        auto s = db.prepare(sql.constData());
        if (!s)
            return s.error();
        for (qsizetype i = 0; !all && i < keys.size(); ++i)
            s->bind(int(i + 1), keys[i]);
        ValueColumnBuilder builder(n);
        sqlite3_stmt* stmt = s->handle();
        int rc2;
        while ((rc2 = sqlite3_step(stmt)) == SQLITE_ROW) {
            const auto row = rowOf(sqlite3_column_int64(stmt, 0));
            if (row >= 0)
                builder.add(size_t(row), view(stmt, 1), view(stmt, 2));
        }
        if (rc2 != SQLITE_DONE)
            return db.sqliteError(rc2, QStringLiteral("reading ") + QString::fromLatin1(table));
        return builder.take();
    };

    auto params = loadValues("params", columns.allParams, columns.params);
    if (!params)
        return params.error();
    t.params = std::move(*params);
    auto tags = loadValues("tags", columns.allTags, columns.tags);
    if (!tags)
        return tags.error();
    t.tags = std::move(*tags);

    if (columns.allMetrics || !columns.metrics.isEmpty()) {
        const QByteArray sql = QByteArrayLiteral("SELECT id, name FROM metric_keys")
            + keyFilter("name", columns.allMetrics, columns.metrics) + " ORDER BY name";
        auto keys = db.prepare(sql.constData());
        if (!keys)
            return keys.error();
        for (qsizetype i = 0; !columns.allMetrics && i < columns.metrics.size(); ++i)
            keys->bind(int(i + 1), columns.metrics[i]);
        std::map<qint64, size_t> columnOfKey;
        while (keys->step() == SQLITE_ROW) {
            columnOfKey[keys->int64(0)] = t.metrics.size();
            NumberColumn c;
            c.key = keys->text(1);
            c.values.assign(n, std::numeric_limits<double>::quiet_NaN());
            c.present.assign(n, 0);
            t.metrics.push_back(std::move(c));
        }
        keys = Statement();
        auto latest = db.prepare("SELECT run_id, key_id, value FROM metric_latest");
        if (!latest)
            return latest.error();
        sqlite3_stmt* stmt = latest->handle();
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            const auto row = rowOf(sqlite3_column_int64(stmt, 0));
            auto it = columnOfKey.find(sqlite3_column_int64(stmt, 1));
            if (row < 0 || it == columnOfKey.end())
                continue;
            NumberColumn& c = t.metrics[it->second];
            c.present[size_t(row)] = 1;
            if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
                c.values[size_t(row)] = sqlite3_column_double(stmt, 2);
        }
        if (rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("reading latest metrics"));
        // Metric columns must be sorted by key for lookup; ORDER BY name did that.
    }
    return t;
}

} // namespace reprise
