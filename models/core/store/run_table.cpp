#include "store/run_table.h"

#include "store/column_builders.h"
#include "store/database.h"
#include "store/run_table_rows.h"

#include <QHash>
#include <algorithm>
#include <cmath>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reprise {

using namespace column_building;

namespace {

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

    template <typename Column> const Column* findColumn(const std::vector<Column>& columns, const QString& key)
    {
        auto it = std::lower_bound(
            columns.begin(), columns.end(), key, [](const Column& c, const QString& k) { return c.key < k; });
        return it != columns.end() && it->key == key ? &*it : nullptr;
    }

} // namespace

void TextColumn::computeSortRanks()
{
    std::vector<std::int32_t> order(size_t(dict.size()));
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = std::int32_t(i);
    // Folding case once per entry keeps each comparison a plain binary compare.
    std::vector<QString> folded(order.size());
    for (size_t i = 0; i < order.size(); ++i)
        folded[i] = dict[qsizetype(i)].toCaseFolded();
    auto compare = [&](std::int32_t a, std::int32_t b) {
        const int c = QString::compare(folded[size_t(a)], folded[size_t(b)], Qt::CaseSensitive);
        return c != 0 ? c : QString::compare(dict[a], dict[b], Qt::CaseSensitive);
    };
    // Most comparisons are decided by the four characters after what every entry starts with
    // ("run-" of run-1 … run-999999), packed into one integer held next to the others: a million
    // names sort without chasing a million strings for each comparison. An equal prefix (or one
    // holding a NUL) falls back to comparing the strings.
    qsizetype common = folded.empty() ? 0 : folded.front().size();
    for (const QString& f : folded) {
        qsizetype same = 0;
        while (same < common && same < f.size() && f[same] == folded.front()[same])
            ++same;
        common = same;
    }
    std::vector<std::uint64_t> prefix(folded.size());
    for (size_t i = 0; i < folded.size(); ++i) {
        std::uint64_t key = 0;
        for (qsizetype c = common; c < common + 4; ++c)
            key = (key << 16) | (c < folded[i].size() ? folded[i][c].unicode() : 0u);
        prefix[i] = key;
    }
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        const std::uint64_t ka = prefix[size_t(a)], kb = prefix[size_t(b)];
        return ka != kb ? ka < kb : compare(a, b) < 0;
    });
    // A value in the dictionary twice (a column of nearly unique values, see TextColumnBuilder)
    // ranks once, so that rows with equal values keep their order when sorted.
    sortRanks.assign(order.size(), 0);
    for (size_t r = 0; r < order.size(); ++r) {
        const bool same = r > 0 && compare(order[r - 1], order[r]) == 0;
        sortRanks[size_t(order[r])] = same ? sortRanks[size_t(order[r - 1])] : std::int32_t(r);
    }
}

double RunTable::duration(size_t row, double now) const
{
    const double end = std::isnan(endTimes[row]) ? now : endTimes[row];
    return std::max(0.0, end - startTimes[row]);
}

QString RunTable::sourcePath(size_t row) const
{
    return spansSources() && sources.codes[row] >= 0 ? sourcePaths[size_t(sources.codes[row])] : QString();
}

QStringList RunTable::sourcePathsOf(const QStringList& ids) const
{
    QHash<QString, qsizetype> wanted;
    for (qsizetype i = 0; i < ids.size(); ++i)
        wanted.insert(ids[i], i);
    QStringList paths(ids.size());
    for (size_t row = 0; row < rowCount() && spansSources(); ++row) {
        if (const auto it = wanted.constFind(uuids[row]); it != wanted.constEnd())
            paths[*it] = sourcePath(row);
    }
    return paths;
}

const ValueColumn* RunTable::param(const QString& key) const { return findColumn(params, key); }
const NumberColumn* RunTable::metric(const QString& key) const { return findColumn(metrics, key); }
const ValueColumn* RunTable::tag(const QString& key) const { return findColumn(tags, key); }

namespace {

    /// Which runs of the slots a read of params or tags covers: " IN (…)" or a range of ids such as
    /// " >= 500001" (SQL after "run_id"; empty: all), and the slots [first, first + count) it fills.
    struct RunRange {
        QByteArray filter;
        size_t first = 0;
        size_t count = 0;
    };

    /// Params or tags as value columns whose codes are indexed by run id slot (not yet by table row),
    /// from range.first on.
    Result<std::vector<ValueColumn>> loadValuesById(const Database& db, const char* table, bool all,
        const QStringList& keys, const IdSlots& slots, const RunRange& range)
    {
        if (!all && keys.isEmpty())
            return std::vector<ValueColumn> {};
        QByteArray sql = QByteArrayLiteral("SELECT run_id, key, value FROM ") + table + keyFilter("key", all, keys);
        if (!range.filter.isEmpty())
            sql += (all ? " WHERE run_id" : " AND run_id") + range.filter;
        auto s = db.prepare(sql.constData());
        if (!s)
            return s.error();
        for (qsizetype i = 0; !all && i < keys.size(); ++i)
            s->bind(int(i + 1), keys[i]);
        ValueColumnBuilder builder(range.count, range.first);
        sqlite3_stmt* stmt = s->handle();
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            const qint64 slot = slots.slot(sqlite3_column_int64(stmt, 0));
            if (slot >= 0 && size_t(slot) >= range.first && size_t(slot) - range.first < range.count)
                builder.add(size_t(slot), view(stmt, 1), view(stmt, 2));
        }
        if (rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("reading ") + QString::fromLatin1(table));
        return builder.take();
    }

    struct ValuesById {
        Result<std::vector<ValueColumn>> params = std::vector<ValueColumn> {};
        Result<std::vector<ValueColumn>> tags = std::vector<ValueColumn> {};
    };

    /// The params of `params` and the tags of `tags` (nullptr: none), in one snapshot of `db`.
    ValuesById loadParamsAndTags(const Database& db, const RunTableColumns& columns, const IdSlots& slots,
        const RunRange* params, const RunRange* tags)
    {
        ValuesById out;
        ReadTransaction snapshot(db);
        if (!snapshot.status()) {
            out.params = snapshot.status().error();
            return out;
        }
        if (params)
            out.params = loadValuesById(db, "params", columns.allParams, columns.params, slots, *params);
        if (out.params && tags)
            out.tags = loadValuesById(db, "tags", columns.allTags, columns.tags, slots, *tags);
        return out;
    }

    /// The slots of the runs' ids, from their count and range (and, when sparse, the ids themselves).
    Result<IdSlots> runIdSlots(const Database& db)
    {
        auto range = db.prepare("SELECT (SELECT count(*) FROM runs), (SELECT coalesce(min(id), 0) FROM runs), "
                                "(SELECT coalesce(max(id), 0) FROM runs)");
        if (!range)
            return range.error();
        if (int rc = range->step(); rc != SQLITE_ROW)
            return db.sqliteError(rc, QStringLiteral("reading runs"));
        const qint64 count = range->int64(0), minId = range->int64(1), maxId = range->int64(2);
        if (IdSlots::isDense(count, minId, maxId))
            return IdSlots::dense(maxId);
        range = Statement();
        auto ids = db.prepare("SELECT id FROM runs");
        if (!ids)
            return ids.error();
        std::vector<qint64> all;
        if (int rc = ids->forEachRow([&] { all.push_back(ids->int64(0)); }); rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("reading runs"));
        return IdSlots::sparse(std::move(all));
    }

    /// From this many ids on, a read of some runs lists them as JSON (see loadSnapshot).
    constexpr qsizetype kIdsAsJsonFrom = 1000;

    /// From this many runs on, params are read in two halves at once.
    constexpr size_t kSplitParamsFrom = 200000;

    /// The run table from one snapshot of `db`. With `parallel`, params and tags are read meanwhile
    /// on a second connection, in a snapshot of its own: the caller checks that they are the same.
    /// Which runs a load reads: those of RunTableColumns::onlyRuns, or these row ids; and whether
    /// it ranks the text columns for sorting.
    struct RowSubset {
        const std::vector<qint64>* ids = nullptr;
        bool ranks = true;
    };

    Result<RunTable> loadSnapshot(const Database& db, const RunTableColumns& columns, bool parallel, RowSubset subset)
    {
        ReadTransaction snapshot(db);
        if (!snapshot.status())
            return snapshot.status().error();
        RunTable t;
        auto idSlots = runIdSlots(db);
        if (!idSlots)
            return idSlots.error();
        const IdSlots& slots = *idSlots;
        // Only some runs: " IN (ids)", the ids (integers) looked up here and written into the SQL,
        // so the second connection reading the params uses the same filter.
        QByteArray runFilter;
        if (subset.ids) {
            QByteArrayList ids;
            ids.reserve(qsizetype(subset.ids->size()));
            for (const qint64 id : *subset.ids)
                ids << QByteArray::number(id);
            // SQLite compiles each listed value into its program: many ids go in as one JSON text,
            // which it reads into a set at run time (a hundred thousand ids: 0.2 s instead of 0.4 s a
            // statement).
            if (ids.size() >= kIdsAsJsonFrom)
                runFilter = " IN (SELECT value FROM json_each('[" + ids.join(',') + "]'))";
            else
                runFilter = " IN (" + (ids.isEmpty() ? QByteArray("NULL") : ids.join(',')) + ')';
        } else if (!columns.onlyRuns.isEmpty()) {
            auto find = db.prepare("SELECT id FROM runs WHERE uuid = ?");
            if (!find)
                return find.error();
            QByteArrayList ids;
            for (const QString& uuid : columns.onlyRuns) {
                find->bind(1, uuid);
                if (find->step() == SQLITE_ROW)
                    ids << QByteArray::number(find->int64(0));
                sqlite3_reset(find->handle());
            }
            runFilter = " IN (" + (ids.isEmpty() ? QByteArray("NULL") : ids.join(',')) + ')';
        }

        const bool wantValues
            = columns.allParams || columns.allTags || !columns.params.isEmpty() || !columns.tags.isEmpty();
        // Params are the biggest table (20 rows a run is common): a large one is read in two
        // halves of the run ids, on two connections of their own, while this one reads the runs and
        // metrics. The tags go with the second half.
        const RunRange all { runFilter, 0, slots.size() };
        std::vector<RunRange> paramRanges { all };
        const bool wantParams = columns.allParams || !columns.params.isEmpty();
        if (parallel && wantParams && runFilter.isEmpty() && slots.size() >= kSplitParamsFrom) {
            const size_t mid = slots.size() / 2;
            const QByteArray split = QByteArray::number(slots.idAt(mid));
            // The first half's columns span every slot, so the second half is copied into them.
            paramRanges = { { " < " + split, 0, slots.size() }, { " >= " + split, mid, slots.size() - mid } };
        }
        std::vector<std::future<ValuesById>> values;
        if (wantValues && parallel) {
            for (size_t part = 0; part < paramRanges.size(); ++part) {
                const bool last = part + 1 == paramRanges.size();
                values.push_back(std::async(std::launch::async,
                    [path = db.path(), columns, slots, range = paramRanges[part], all, last]() -> ValuesById {
                        auto other = Database::open(path, OpenMode::ReadOnly);
                        if (!other) {
                            ValuesById failed;
                            failed.params = other.error();
                            return failed;
                        }
                        return loadParamsAndTags(**other, columns, slots, &range, last ? &all : nullptr);
                    }));
            }
        }

        // A run whose import was interrupted (still tagged import.incomplete) reads as "incomplete".
        QByteArray runsSql = QByteArrayLiteral(
            "SELECT r.id, r.uuid, p.name, r.name, CASE WHEN r.status IN ('running', 'killed') AND EXISTS (SELECT 1 "
            "FROM tags t WHERE t.run_id = r.id AND t.key = 'import.incomplete') THEN 'incomplete' ELSE r.status END, "
            "r.kind, r.user_name, r.host, r.git_commit, r.git_branch, "
            "(SELECT uuid FROM runs q WHERE q.id = r.parent_id), r.start_time, r.end_time, r.git_dirty, "
            "r.starred, r.archived "
            "FROM runs r JOIN projects p ON p.id = r.project_id");
        if (!runFilter.isEmpty())
            runsSql += " WHERE r.id" + runFilter;
        // Some runs of many: looked up by id and sorted, rather than walking the whole start-time
        // index for them (the expressions keep SQLite from choosing it; same order).
        runsSql += runFilter.isEmpty() ? " ORDER BY r.start_time DESC, r.id DESC" : " ORDER BY -r.start_time, -r.id";
        auto runs = db.prepare(runsSql.constData());
        if (!runs)
            return runs.error();
        std::vector<std::int32_t> rowOfSlot(slots.size(), -1);
        std::vector<size_t> slotOfRow;
        slotOfRow.reserve(slots.size());
        TextColumnBuilder projects(t.projects), names(t.names), statuses(t.statuses), kinds(t.kinds), users(t.users),
            hosts(t.hosts), commits(t.commits), branches(t.branches), parents(t.parents);
        sqlite3_stmt* stmt = runs->handle();
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            const qint64 slot = slots.slot(sqlite3_column_int64(stmt, 0));
            if (slot < 0)
                continue; // cannot happen within one snapshot; a row without a slot is skipped
            rowOfSlot[size_t(slot)] = std::int32_t(t.uuids.size());
            slotOfRow.push_back(size_t(slot));
            t.uuids.push_back(runs->text(1));
            projects.add(view(stmt, 2));
            names.add(view(stmt, 3));
            statuses.add(view(stmt, 4));
            kinds.add(view(stmt, 5));
            users.add(view(stmt, 6));
            hosts.add(view(stmt, 7));
            commits.add(view(stmt, 8));
            branches.add(view(stmt, 9));
            if (sqlite3_column_type(stmt, 10) == SQLITE_NULL)
                t.parents.appendMissing();
            else
                parents.add(view(stmt, 10));
            t.startTimes.push_back(sqlite3_column_double(stmt, 11));
            t.endTimes.push_back(sqlite3_column_type(stmt, 12) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN()
                                                                              : sqlite3_column_double(stmt, 12));
            t.dirty.push_back(std::uint8_t(sqlite3_column_int64(stmt, 13) != 0));
            t.starred.push_back(std::uint8_t(sqlite3_column_int64(stmt, 14) != 0));
            t.archived.push_back(std::uint8_t(sqlite3_column_int64(stmt, 15) != 0));
        }
        if (rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("reading runs"));
        runs = Statement();
        const size_t n = t.uuids.size();
        auto rowOf = [&](qint64 id) -> std::int32_t {
            const qint64 slot = slots.slot(id);
            return slot >= 0 ? rowOfSlot[size_t(slot)] : -1;
        };

        if (columns.allMetrics || !columns.metrics.isEmpty()) {
            const QByteArray sql = QByteArrayLiteral("SELECT id, name FROM metric_keys")
                + keyFilter("name", columns.allMetrics, columns.metrics) + " ORDER BY name";
            auto keys = db.prepare(sql.constData());
            if (!keys)
                return keys.error();
            for (qsizetype i = 0; !columns.allMetrics && i < columns.metrics.size(); ++i)
                keys->bind(int(i + 1), columns.metrics[i]);
            std::vector<qint64> keyIds;
            rc = keys->forEachRow([&] {
                keyIds.push_back(keys->int64(0));
                NumberColumn c;
                c.key = keys->text(1);
                c.values.assign(n, std::numeric_limits<double>::quiet_NaN());
                c.present.assign(n, 0);
                t.metrics.push_back(std::move(c));
            });
            if (rc != SQLITE_DONE)
                return db.sqliteError(rc, QStringLiteral("reading metric keys"));
            keys = Statement();
            const auto [minKey, maxKey] = keyIds.empty() ? std::pair<qint64, qint64> { 0, -1 }
                                                         : std::pair { *std::min_element(keyIds.begin(), keyIds.end()),
                                                               *std::max_element(keyIds.begin(), keyIds.end()) };
            const IdSlots keySlots = IdSlots::isDense(qint64(keyIds.size()), minKey, maxKey) ? IdSlots::dense(maxKey)
                                                                                             : IdSlots::sparse(keyIds);
            std::vector<std::int32_t> columnOfKey(keySlots.size(), -1);
            for (size_t c = 0; c < keyIds.size(); ++c)
                columnOfKey[size_t(keySlots.slot(keyIds[c]))] = std::int32_t(c);
            QByteArray latestSql = QByteArrayLiteral("SELECT run_id, key_id, value FROM metric_latest");
            if (!runFilter.isEmpty())
                latestSql += " WHERE run_id" + runFilter;
            auto latest = db.prepare(latestSql.constData());
            if (!latest)
                return latest.error();
            stmt = latest->handle();
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                const auto row = rowOf(sqlite3_column_int64(stmt, 0));
                const qint64 keySlot = keySlots.slot(sqlite3_column_int64(stmt, 1));
                const std::int32_t column = keySlot >= 0 ? columnOfKey[size_t(keySlot)] : -1;
                if (row < 0 || column < 0)
                    continue;
                NumberColumn& c = t.metrics[size_t(column)];
                c.present[size_t(row)] = 1;
                if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
                    c.values[size_t(row)] = sqlite3_column_double(stmt, 2);
            }
            if (rc != SQLITE_DONE)
                return db.sqliteError(rc, QStringLiteral("reading latest metrics"));
            // Metric columns must be sorted by key for lookup; ORDER BY name did that.
        }
        // Sort keys for the text columns, while the params are still loading on the other thread.
        if (subset.ranks)
            rankTextColumns(t);
        if (wantValues) {
            std::vector<ValuesById> loaded;
            if (parallel) {
                for (auto& part : values)
                    loaded.push_back(part.get());
            } else {
                loaded.push_back(loadParamsAndTags(db, columns, slots, &all, &all));
            }
            std::vector<std::vector<ValueColumn>> params;
            std::vector<size_t> firstSlots;
            for (size_t part = 0; part < loaded.size(); ++part) {
                if (!loaded[part].params)
                    return loaded[part].params.error();
                if (!loaded[part].tags)
                    return loaded[part].tags.error();
                params.push_back(std::move(*loaded[part].params));
                firstSlots.push_back(parallel ? paramRanges[part].first : 0);
            }
            std::vector<ValueColumn> joined = params.size() == 1
                ? std::move(params.front())
                : joinRowRanges(std::move(params), firstSlots, slots.size());
            placeValueColumns(t, std::move(joined), std::move(*loaded.back().tags), slotOfRow, subset.ranks);
        }
        return t;
    }

    /// PRAGMA data_version: changes when another connection commits.
    std::optional<qint64> dataVersion(const Database& db)
    {
        auto s = db.prepare("PRAGMA data_version");
        if (!s || s->step() != SQLITE_ROW)
            return std::nullopt;
        return s->int64(0);
    }

} // namespace

namespace {

    Result<RunTable> loadConsistent(const Database& db, const RunTableColumns& columns, RowSubset subset)
    {
        // Params are the biggest table: they load on a second connection while this one reads the
        // runs and metrics. Two connections cannot share one snapshot (SQLite's snapshot API is not
        // built in), so that load is kept only when no other connection committed from before it began
        // until after it ended; otherwise the table is read again on this connection alone, in one
        // transaction. Inside a transaction of the caller's, it is read that way at once.
        const bool wantValues
            = columns.allParams || columns.allTags || !columns.params.isEmpty() || !columns.tags.isEmpty();
        if (wantValues && sqlite3_get_autocommit(db.handle())) {
            const auto before = dataVersion(db);
            auto table = loadSnapshot(db, columns, true, subset);
            const auto after = dataVersion(db);
            if (!table || (before && after && *before == *after))
                return table;
        }
        return loadSnapshot(db, columns, false, subset);
    }

} // namespace

Result<RunTable> loadRunTable(const Database& db, const RunTableColumns& columns)
{
    return loadConsistent(db, columns, {});
}

Result<RunTable> loadRunTableRows(const Database& db, const RunTableColumns& columns, const std::vector<qint64>& ids)
{
    RunTableColumns only = columns;
    only.onlyRuns.clear();
    return loadConsistent(db, only, { &ids, false });
}

Result<RunTable> loadNewestRuns(const Database& db, int count)
{
    // The start-time index gives them without reading the rest; the table is then read for these
    // ids only, ranked, so the first screenful can be sorted and filtered like any table.
    auto newest = db.prepare("SELECT id FROM runs ORDER BY start_time DESC, id DESC LIMIT ?");
    if (!newest)
        return newest.error();
    newest->bind(1, qint64(count));
    std::vector<qint64> ids;
    if (int rc = newest->forEachRow([&] { ids.push_back(newest->int64(0)); }); rc != SQLITE_DONE)
        return db.sqliteError(rc, QStringLiteral("reading runs"));
    newest = Statement();
    return loadConsistent(db, {}, { &ids, true });
}

} // namespace reprise
