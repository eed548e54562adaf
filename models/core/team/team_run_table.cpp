#include "team/team_run_table.h"

#include "store/column_builders.h"
#include "team/pg_connection.h"
#include "team/pg_copy.h"
#include "team/team_schema.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <chrono>
#include <cstdio>
#include <future>

namespace reprise {

using namespace column_building;

namespace {

    /// REPRISE_TEAM_TRACE=1: when each part of the read ended, on stderr (for benchmarks).
    void trace(const char* what, const QElapsedTimer& t)
    {
        static const bool on = qEnvironmentVariableIsSet("REPRISE_TEAM_TRACE");
        if (on)
            std::fprintf(stderr, "team table: %s %.1f ms (at %lld)\n", what, double(t.nsecsElapsed()) / 1e6,
                qlonglong(std::chrono::steady_clock::now().time_since_epoch().count() / 1000000));
    }

    std::string_view textOf(const CopyField& f)
    {
        return f.size > 0 ? std::string_view(f.data, size_t(f.size)) : std::string_view();
    }

    /// " WHERE <column> IN (the newest runs)" when only the `newest` newest runs are read; else empty.
    QString newestOnly(const char* column, int newest)
    {
        if (newest <= 0)
            return {};
        return QStringLiteral(" WHERE %1 IN (SELECT id FROM reprise.runs ORDER BY start_time DESC NULLS LAST, id "
                              "DESC LIMIT %2)")
            .arg(QLatin1String(column))
            .arg(newest);
    }

    /// Params or tags (`table`) as value columns indexed by run id slot, read with binary COPY.
    Result<std::vector<ValueColumn>> readValues(
        const PgConnection& conn, const char* table, const IdSlots& slots, int newest)
    {
        ValueColumnBuilder builder(slots.size());
        const Status read = copyOutBinary(conn,
            QStringLiteral("COPY (SELECT run_id::bigint, key::text, value::text FROM reprise.%1%2) TO STDOUT "
                           "(FORMAT binary)")
                .arg(QLatin1String(table), newestOnly("run_id", newest)),
            3, [&](const CopyField* f) -> Status {
                const qint64 slot = slots.slot(int8Of(f[0]));
                if (slot >= 0)
                    builder.add(size_t(slot), textOf(f[1]), textOf(f[2]));
                return success();
            });
        if (!read)
            return read.error();
        return builder.take();
    }

    struct Values {
        Result<std::vector<ValueColumn>> params = std::vector<ValueColumn> {};
        Result<std::vector<ValueColumn>> tags = std::vector<ValueColumn> {};
    };

    /// Params and tags on a second connection that shares the first one's snapshot, so the server
    /// produces them on a second core while the runs and metrics are read.
    Values readValuesInSnapshot(const QString& location, const QByteArray& snapshot, const IdSlots& slots, int newest)
    {
        Values out;
        auto second = PgConnection::connect(location);
        if (!second) {
            out.params = second.error();
            return out;
        }
        if (auto begun = second->beginBulkRead(); !begun) {
            out.params = begun.error();
            return out;
        }
        if (auto set = second->exec(QStringLiteral("SET TRANSACTION SNAPSHOT '%1'").arg(QString::fromLatin1(snapshot)));
            !set) {
            out.params = set.error();
            return out;
        }
        QElapsedTimer timer;
        timer.start();
        out.params = readValues(*second, "params", slots, newest);
        trace("params", timer);
        if (out.params)
            out.tags = readValues(*second, "tags", slots, newest);
        trace("tags", timer);
        second->rollback();
        return out;
    }

    /// The runs' id slots: dense from their count and range, else from the ids themselves.
    Result<IdSlots> teamRunSlots(const PgConnection& conn, qint64* runCount)
    {
        auto range = conn.query(
            QStringLiteral("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM reprise.runs"));
        if (!range)
            return range.error();
        const qint64 count = range->int64(0, 0), minId = range->int64(0, 1), maxId = range->int64(0, 2);
        if (runCount)
            *runCount = count;
        if (IdSlots::isDense(count, minId, maxId))
            return IdSlots::dense(maxId);
        std::vector<qint64> ids;
        const Status read = copyOutBinary(conn,
            QStringLiteral("COPY (SELECT id::bigint FROM reprise.runs) TO STDOUT (FORMAT binary)"), 1,
            [&](const CopyField* f) -> Status {
                ids.push_back(int8Of(f[0]));
                return success();
            });
        if (!read)
            return read.error();
        return IdSlots::sparse(std::move(ids));
    }

    Result<RunTable> readInSnapshot(const PgConnection& conn, const QString& location, int newest, qint64* runCount)
    {
        QElapsedTimer timer;
        timer.start();
        auto exported = conn.query(QStringLiteral("SELECT pg_export_snapshot()"));
        if (!exported)
            return exported.error();
        auto idSlots = teamRunSlots(conn, runCount);
        if (!idSlots)
            return idSlots.error();
        const IdSlots& slots = *idSlots;
        trace("slots", timer);
        std::future<Values> values
            = std::async(std::launch::async, readValuesInSnapshot, location, exported->bytes(0, 0), slots, newest);

        RunTable t;
        std::vector<std::int32_t> rowOfSlot(slots.size(), -1);
        std::vector<size_t> slotOfRow;
        TextColumnBuilder projects(t.projects), names(t.names), statuses(t.statuses), kinds(t.kinds), users(t.users),
            hosts(t.hosts), commits(t.commits), branches(t.branches), parents(t.parents);
        // As the SQLite loader reads a database (run_table.cpp): newest first, an interrupted import
        // "incomplete".
        Status read = copyOutBinary(conn,
            QStringLiteral(
                "COPY (SELECT r.id::bigint, r.uuid::text, p.name::text, r.name::text, (CASE WHEN r.status IN "
                "('running', 'killed') AND EXISTS (SELECT 1 FROM reprise.tags t WHERE t.run_id = r.id AND t.key = "
                "'import.incomplete') THEN 'incomplete' ELSE r.status END)::text, r.kind::text, r.user_name::text, "
                "r.host::text, r.git_commit::text, r.git_branch::text, (SELECT q.uuid FROM reprise.runs q WHERE q.id "
                "= r.parent_id)::text, r.start_time::float8, r.end_time::float8, r.git_dirty::bigint, "
                "r.starred::bigint, r.archived::bigint FROM reprise.runs r JOIN reprise.projects p ON p.id = "
                "r.project_id%1 ORDER BY r.start_time DESC NULLS LAST, r.id DESC) TO STDOUT (FORMAT binary)")
                .arg(newestOnly("r.id", newest)),
            16, [&](const CopyField* f) -> Status {
                const qint64 slot = slots.slot(int8Of(f[0]));
                if (slot < 0)
                    return success(); // a run added after the range was read (cannot happen in one snapshot)
                rowOfSlot[size_t(slot)] = std::int32_t(t.uuids.size());
                slotOfRow.push_back(size_t(slot));
                const std::string_view uuid = textOf(f[1]);
                t.uuids.push_back(QString::fromUtf8(uuid.data(), qsizetype(uuid.size())));
                projects.add(textOf(f[2]));
                names.add(textOf(f[3]));
                statuses.add(textOf(f[4]));
                kinds.add(textOf(f[5]));
                users.add(textOf(f[6]));
                hosts.add(textOf(f[7]));
                commits.add(textOf(f[8]));
                branches.add(textOf(f[9]));
                if (f[10].size < 0)
                    t.parents.appendMissing();
                else
                    parents.add(textOf(f[10]));
                t.startTimes.push_back(float8Of(f[11]));
                t.endTimes.push_back(float8Of(f[12])); // NULL while running: NaN
                t.dirty.push_back(std::uint8_t(int8Of(f[13]) != 0));
                t.starred.push_back(std::uint8_t(int8Of(f[14]) != 0));
                t.archived.push_back(std::uint8_t(int8Of(f[15]) != 0));
                return success();
            });
        if (!read) {
            (void)values.get();
            return read.error();
        }

        trace("runs", timer);
        // Latest metric values, one column per key (sorted by key, as lookups expect).
        auto keys = conn.query(QStringLiteral("SELECT id, name FROM reprise.metric_keys"));
        if (!keys) {
            (void)values.get();
            return keys.error();
        }
        // Sorted here, not by the server's collation: lookups compare keys as QString does.
        std::vector<std::pair<QString, qint64>> sortedKeys;
        for (int k = 0; k < keys->rows(); ++k)
            sortedKeys.emplace_back(QString::fromUtf8(keys->bytes(k, 1)), keys->int64(k, 0));
        std::sort(sortedKeys.begin(), sortedKeys.end());
        const size_t n = t.uuids.size();
        QHash<qint64, size_t> columnOfKey;
        for (const auto& [name, id] : sortedKeys) {
            columnOfKey.insert(id, t.metrics.size());
            NumberColumn c;
            c.key = name;
            c.values.assign(n, std::numeric_limits<double>::quiet_NaN());
            c.present.assign(n, 0);
            t.metrics.push_back(std::move(c));
        }
        read = copyOutBinary(conn,
            QStringLiteral(
                "COPY (SELECT run_id::bigint, key_id::bigint, value::float8 FROM reprise.metric_latest%1) TO STDOUT "
                "(FORMAT binary)")
                .arg(newestOnly("run_id", newest)),
            3, [&](const CopyField* f) -> Status {
                const qint64 slot = slots.slot(int8Of(f[0]));
                const auto column = columnOfKey.constFind(int8Of(f[1]));
                if (slot < 0 || rowOfSlot[size_t(slot)] < 0 || column == columnOfKey.constEnd())
                    return success();
                NumberColumn& c = t.metrics[*column];
                const size_t row = size_t(rowOfSlot[size_t(slot)]);
                c.present[row] = 1;
                c.values[row] = float8Of(f[2]);
                return success();
            });
        trace("metrics", timer);
        rankTextColumns(t);
        trace("ranked", timer);
        Values loaded = values.get();
        trace("values joined", timer);
        if (!read)
            return read.error();
        if (!loaded.params)
            return loaded.params.error();
        if (!loaded.tags)
            return loaded.tags.error();
        placeValueColumns(t, std::move(*loaded.params), std::move(*loaded.tags), slotOfRow);
        trace("placed", timer);
        return t;
    }

} // namespace

Result<RunTable> readTeamRunTable(const QString& location, int newest, qint64* runCount)
{
    auto conn = PgConnection::connect(location);
    if (!conn)
        return conn.error();
    if (auto version = checkTeamSchema(*conn); !version)
        return version.error();
    if (auto begun = conn->beginBulkRead(); !begun)
        return begun.error();
    auto table = readInSnapshot(*conn, location, newest, runCount);
    conn->rollback();
    return table;
}

} // namespace reprise
