#include "team/team_sync.h"

#include "store/database.h"
#include "store/metric_packing.h"
#include "store/statement.h"
#include "team/pg_connection.h"

#include <cmath>
#include <csignal>
#include <fmt/format.h>
#include <optional>
#include <sqlite3.h>

namespace reprise {

using namespace Qt::StringLiterals;

namespace {

    /// How the kill test reaches every point of a sync deterministically: with
    /// REPRISE_SYNC_KILL_AFTER=N the process kills itself (SIGKILL) before its N-th statement to
    /// the team store. Unset in normal use.
    void faultPoint()
    {
        static const int killAfter = qEnvironmentVariableIntValue("REPRISE_SYNC_KILL_AFTER");
        static int statements = 0;
        if (killAfter > 0 && ++statements >= killAfter)
            ::raise(SIGKILL);
    }

    enum class CellType { Null, Int, Real, Text, Blob };

    /// One value of a row, as SQLite holds it.
    struct Cell {
        CellType type = CellType::Null;
        qint64 integer = 0;
        double real = 0;
        QByteArray bytes; ///< text (UTF-8) or blob
    };

    Cell intCell(qint64 value) { return Cell { CellType::Int, value, 0, {} }; }

    Cell readCell(const Statement& st, int column)
    {
        sqlite3_stmt* stmt = st.handle();
        switch (sqlite3_column_type(stmt, column)) {
        case SQLITE_INTEGER:
            return intCell(sqlite3_column_int64(stmt, column));
        case SQLITE_FLOAT:
            return Cell { CellType::Real, 0, sqlite3_column_double(stmt, column), {} };
        case SQLITE_TEXT:
            return Cell { CellType::Text, 0, 0, st.bytes(column).toByteArray() };
        case SQLITE_BLOB: {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
            return Cell { CellType::Blob, 0, 0, QByteArray(data, sqlite3_column_bytes(stmt, column)) };
        }
        default:
            return {};
        }
    }

    QByteArray realText(double value)
    {
        if (std::isnan(value))
            return QByteArrayLiteral("NaN");
        if (std::isinf(value))
            return value > 0 ? QByteArrayLiteral("Infinity") : QByteArrayLiteral("-Infinity");
        return QByteArray::fromStdString(fmt::format("{}", value)); // shortest text that reads back exactly
    }

    /// The cell as a text parameter of PQexecParams (null QByteArray: NULL).
    QByteArray paramText(const Cell& cell)
    {
        switch (cell.type) {
        case CellType::Null:
            return {};
        case CellType::Int:
            return QByteArray::number(cell.integer);
        case CellType::Real:
            return realText(cell.real);
        case CellType::Text:
            return cell.bytes.isNull() ? QByteArray("") : cell.bytes;
        case CellType::Blob:
            return "\\x" + cell.bytes.toHex();
        }
        return {};
    }

    void appendCopyCell(QByteArray& row, const Cell& cell)
    {
        switch (cell.type) {
        case CellType::Null:
            row.append("\\N");
            break;
        case CellType::Int:
            row.append(QByteArray::number(cell.integer));
            break;
        case CellType::Real:
            row.append(realText(cell.real));
            break;
        case CellType::Text:
            appendCopyText(row, cell.bytes);
            break;
        case CellType::Blob:
            appendCopyBytea(row, cell.bytes);
            break;
        }
    }

    /// A value read back from the team store, typed by the column's declared (SQLite) type.
    Cell remoteCell(const PgResult& result, int row, int column, CellType declared)
    {
        if (result.isNull(row, column))
            return {};
        switch (declared) {
        case CellType::Int:
            return intCell(result.int64(row, column));
        case CellType::Real:
            return Cell { CellType::Real, 0, result.real(row, column), {} };
        case CellType::Blob:
            return Cell { CellType::Blob, 0, 0, decodeBytea(result.bytes(row, column)) };
        default:
            return Cell { CellType::Text, 0, 0, result.bytes(row, column) };
        }
    }

    bool sameCell(const Cell& a, const Cell& b)
    {
        const auto number = [](const Cell& c) { return c.type == CellType::Int ? double(c.integer) : c.real; };
        if ((a.type == CellType::Int || a.type == CellType::Real)
            && (b.type == CellType::Int || b.type == CellType::Real))
            return number(a) == number(b) || (std::isnan(number(a)) && std::isnan(number(b)));
        return a.type == b.type && a.bytes == b.bytes;
    }

    /// A table's columns as the local schema declares them (the team schema has the same).
    struct Columns {
        QStringList names;
        QList<CellType> types;
        QString list() const { return names.join(QStringLiteral(", ")); }
    };

    CellType declaredType(const QString& declared)
    {
        const QString upper = declared.toUpper();
        if (upper.contains(QLatin1String("INT")))
            return CellType::Int;
        if (upper.contains(QLatin1String("REAL")))
            return CellType::Real;
        if (upper.contains(QLatin1String("BLOB")))
            return CellType::Blob;
        return CellType::Text;
    }

    /// How a local id column becomes a team-store id (local ids mean nothing there).
    enum class IdKind { None, Run, Step, Artifact, Dataset, Key };

    IdKind idKind(const QString& table, const QString& column)
    {
        if (column == QLatin1String("run_id"))
            return IdKind::Run;
        if (column == QLatin1String("key_id"))
            return IdKind::Key;
        if (column == QLatin1String("step_id") || column == QLatin1String("from_step")
            || column == QLatin1String("to_step"))
            return IdKind::Step;
        if (column == QLatin1String("artifact_id"))
            return IdKind::Artifact;
        if (column == QLatin1String("dataset_id"))
            return IdKind::Dataset;
        if (column == QLatin1String("id")) {
            if (table == QLatin1String("steps"))
                return IdKind::Step;
            if (table == QLatin1String("artifacts"))
                return IdKind::Artifact;
            if (table == QLatin1String("datasets"))
                return IdKind::Dataset;
        }
        return IdKind::None;
    }

    /// New points of a running run go as rows until there are more of them than this and than the
    /// packed points, then the history is packed again (see the metric histories in sync()).
    constexpr qint64 kRowsBeforeRepacking = 100000;
    /// Longer histories stay as rows after their packed part, as in the local database (each copy
    /// of the store must read them back into one SQLite blob).
    const qint64 kMaxPackedPoints = qint64(PackingLimits {}.maxPackedPoints);

    /// What a run's rows in the team store are, to decide what to push.
    struct MetricState {
        qint64 count = 0; ///< points of the key (metric_latest.count)
        qint64 packed = 0; ///< of which packed (metric_packed.count)
        QList<Cell> latest; ///< step, value, time
    };

} // namespace

/// Everything of one run's sync: both sides' ids, and the maps from local to team-store ids.
struct TeamSync::State {
    qint64 localRun = 0;
    qint64 remoteRun = 0;
    QHash<qint64, qint64> steps, artifacts, datasets, keys;
    bool changed = false;
    qint64 points = 0;
    qint64 bytes = 0;
};

namespace {

    /// The local side: prepared reads of the local database.
    class LocalReader {
    public:
        explicit LocalReader(const Database& db)
            : m_db(db)
        {
        }

        Result<Columns> columns(const QString& table)
        {
            if (auto it = m_columns.find(table); it != m_columns.end())
                return *it;
            auto st = m_db.prepare(QStringLiteral("PRAGMA table_info(%1)").arg(table).toUtf8().constData());
            if (!st)
                return st.error();
            Columns columns;
            const int rc = st->forEachRow([&] {
                columns.names << st->text(1);
                columns.types << declaredType(st->text(2));
            });
            if (rc != SQLITE_DONE || columns.names.isEmpty())
                return m_db.sqliteError(rc, QStringLiteral("reading the columns of %1").arg(table));
            m_columns.insert(table, columns);
            return columns;
        }

        /// Rows of `sql` (which binds the local run id as ?1, then `more`), each as cells.
        Result<QList<QList<Cell>>> rows(const QString& sql, qint64 runId, const QList<qint64>& more = {})
        {
            auto st = m_db.prepare(sql.toUtf8().constData());
            if (!st)
                return st.error();
            st->bind(1, runId);
            for (int i = 0; i < more.size(); ++i)
                st->bind(i + 2, more[i]);
            QList<QList<Cell>> out;
            const int columns = sqlite3_column_count(st->handle());
            const int rc = st->forEachRow([&] {
                QList<Cell> row;
                row.reserve(columns);
                for (int c = 0; c < columns; ++c)
                    row << readCell(*st, c);
                out << row;
            });
            if (rc != SQLITE_DONE)
                return m_db.sqliteError(rc, QStringLiteral("reading run %1").arg(runId));
            return out;
        }

        const Database& db() const { return m_db; }

    private:
        const Database& m_db;
        QHash<QString, Columns> m_columns;
    };

} // namespace

TeamSync::TeamSync(const Database& local, const PgConnection& team)
    : m_local(local)
    , m_team(team)
{
}

TeamSync::~TeamSync() = default;

Result<SyncSummary> TeamSync::sync(const QStringList& uuids, const std::function<bool()>& cancelled)
{
    LocalReader local(m_local);
    // Which local runs: by uuid, parents first so that a child finds its parent's team-store id.
    auto all = local.rows(QStringLiteral("SELECT id, uuid FROM runs WHERE ?1 = ?1 ORDER BY id"), 0);
    if (!all)
        return all.error();
    QList<std::pair<qint64, QByteArray>> runs;
    for (const auto& row : *all)
        if (uuids.isEmpty() || uuids.contains(QString::fromUtf8(row[1].bytes)))
            runs << std::pair { row[0].integer, row[1].bytes };

    // Whether this login may change every run (an administrator, or the tables' owner).
    faultPoint();
    auto editsAll = m_team.query(
        QStringLiteral("SELECT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) "
                       "OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = "
                       "'reprise.runs'::regclass), 'MEMBER')"));
    if (!editsAll)
        return editsAll.error();
    const bool mayEditAll = editsAll->bytes(0, 0) == "t";

    auto runColumns = local.columns(QStringLiteral("runs"));
    if (!runColumns)
        return runColumns.error();

    SyncSummary summary;
    for (const auto& [localId, uuid] : runs) {
        if (cancelled && cancelled())
            break;
        ++summary.runs;
        State state;
        state.localRun = localId;

        // --- helpers over this run's transaction --------------------------------------------------
        const auto remote = [&](const QString& sql, const QList<QByteArray>& params = {}) {
            faultPoint();
            return m_team.query(sql, params);
        };
        const auto mapId = [&](IdKind kind, qint64 local) -> std::optional<qint64> {
            const QHash<qint64, qint64>* map = nullptr;
            switch (kind) {
            case IdKind::Run:
                return state.remoteRun;
            case IdKind::Step:
                map = &state.steps;
                break;
            case IdKind::Artifact:
                map = &state.artifacts;
                break;
            case IdKind::Dataset:
                map = &state.datasets;
                break;
            case IdKind::Key:
                map = &state.keys;
                break;
            case IdKind::None:
                return local;
            }
            auto it = map->find(local);
            if (it == map->end())
                return std::nullopt;
            return *it;
        };
        // COPY of the local rows of `table` selected by `where` (binding ?1 = local run, then `more`).
        const auto copyRows = [&](const QString& table, const QString& where, const QList<qint64>& more = {},
                                  qint64* pointCount = nullptr) -> Status {
            auto columns = local.columns(table);
            if (!columns)
                return columns.error();
            auto st = m_local.prepare(
                QStringLiteral("SELECT %1 FROM %2 WHERE %3").arg(columns->list(), table, where).toUtf8().constData());
            if (!st)
                return st.error();
            st->bind(1, state.localRun);
            for (int i = 0; i < more.size(); ++i)
                st->bind(i + 2, more[i]);
            QList<IdKind> kinds;
            for (const QString& name : columns->names)
                kinds << idKind(table, name);
            const int countColumn
                = table == QLatin1String("metric_packed") ? int(columns->names.indexOf(u"count"_s)) : -1;
            int rc = SQLITE_ROW;
            Status mapped = success();
            qint64 rows = 0;
            // PostgreSQL refuses COPY FROM into a table with row-level security for those it applies
            // to (writers), so rows go by COPY into a temporary twin of the table, then by one
            // INSERT … SELECT, which the policies check. Temporary tables are not WAL-logged.
            const QString staging = u"sync_"_s + table;
            // (Made in the run's transaction, so a rolled-back run takes it along: made each time.)
            if (auto made
                = remote(QStringLiteral("CREATE TEMPORARY TABLE IF NOT EXISTS %1 (LIKE reprise.%2 INCLUDING STORAGE)")
                             .arg(staging, table));
                !made)
                return made.error();
            faultPoint();
            auto copied = m_team.copyIn(
                QStringLiteral("COPY %1 (%2) FROM STDIN").arg(staging, columns->list()), [&](QByteArray& chunk) {
                    // Stepping again after the end would start the query over (SQLite resets it).
                    while (chunk.size() < (1 << 20) && rc == SQLITE_ROW && (rc = st->step()) == SQLITE_ROW) {
                        for (int c = 0; c < kinds.size(); ++c) {
                            if (c)
                                chunk.append('\t');
                            Cell cell = readCell(*st, c);
                            if (kinds[c] != IdKind::None && cell.type == CellType::Int) {
                                auto id = mapId(kinds[c], cell.integer);
                                if (!id) {
                                    mapped = Error { QStringLiteral("run %1: %2.%3 refers to a missing row %4")
                                                         .arg(QString::fromUtf8(uuid), table, columns->names[c])
                                                         .arg(cell.integer),
                                        QStringLiteral("the local database is damaged; check it with "
                                                       "`sqlite3 FILE 'PRAGMA integrity_check'`") };
                                    rc = SQLITE_ERROR;
                                    return false;
                                }
                                cell = intCell(*id);
                            }
                            appendCopyCell(chunk, cell);
                        }
                        chunk.append('\n');
                        ++rows;
                        if (pointCount)
                            *pointCount += countColumn >= 0 ? st->int64(countColumn) : 1;
                    }
                    state.bytes += chunk.size();
                    return !chunk.isEmpty();
                });
            if (!mapped)
                return mapped;
            if (!copied)
                return copied;
            if (rc != SQLITE_DONE)
                return m_local.sqliteError(
                    rc, QStringLiteral("reading %1 of run %2").arg(table, QString::fromUtf8(uuid)));
            if (rows == 0)
                return success();
            if (auto moved = remote(QStringLiteral("INSERT INTO reprise.%1 (%2) SELECT %2 FROM %3; TRUNCATE %3")
                                        .arg(table, columns->list(), staging));
                !moved)
                return moved.error();
            state.changed = true;
            return success();
        };
        // Every point of a local history (its packed part and the rows after it) as the store's
        // packed part, sent as raw blobs in the local database's own layout. Returns the points.
        const auto pushPackedHistory
            = [&](qint64 localKey, const QByteArray& remoteRun, const QByteArray& remoteKey) -> Result<qint64> {
            const QString name = QStringLiteral("run %1: metric key %2").arg(QString::fromUtf8(uuid)).arg(localKey);
            auto packedPart = readPackedHistory(m_local, state.localRun, localKey, true, name);
            if (!packedPart)
                return packedPart.error();
            const qint64 fromSeq = qint64(packedPart->size());
            auto rows = readHistoryRows(m_local, state.localRun, localKey, true, 0, name, fromSeq);
            if (!rows)
                return rows.error();
            MetricHistory all = mergeHistories(std::move(*packedPart), std::move(*rows));
            if (all.times.size() != all.size())
                all.times.assign(all.size(), 0.0); // a history without times packs zeros
            const auto blob = [](const auto& values) {
                return QByteArray::fromRawData(
                    reinterpret_cast<const char*>(values.data()), qsizetype(values.size() * sizeof(values[0])));
            };
            faultPoint();
            if (auto written = m_team.exec(u"INSERT INTO reprise.metric_packed (run_id, key_id, count, steps, vals, "
                                           "times) VALUES ($1, $2, $3, $4, $5, $6)"_s,
                    { remoteRun, remoteKey, QByteArray::number(qint64(all.size())), blob(all.steps), blob(all.values),
                        blob(all.times) },
                    { false, false, false, true, true, true });
                !written)
                return written.error();
            state.bytes += qint64(all.size() * 24);
            state.changed = true;
            return qint64(all.size());
        };
        // Remote ids for the local rows of `table` (steps, artifacts, datasets), drawn from its sequence.
        const auto allocateIds = [&](const QString& table, QHash<qint64, qint64>& map) -> Status {
            auto ids = local.rows(
                QStringLiteral("SELECT id FROM %1 WHERE run_id = ?1 ORDER BY id").arg(table), state.localRun);
            if (!ids)
                return ids.error();
            if (ids->isEmpty())
                return success();
            auto fresh = remote(QStringLiteral("SELECT nextval(pg_get_serial_sequence('reprise.%1', 'id')) "
                                               "FROM generate_series(1, $1)")
                                    .arg(table),
                { QByteArray::number(ids->size()) });
            if (!fresh)
                return fresh.error();
            for (int i = 0; i < ids->size(); ++i)
                map.insert((*ids)[i][0].integer, fresh->int64(i, 0));
            return success();
        };
        const auto remoteDictionaryId = [&](QHash<QString, qint64>& cache, const QString& insert, const QString& select,
                                            const QList<QByteArray>& params) -> Result<qint64> {
            const QString name = QString::fromUtf8(params.first());
            if (auto it = cache.find(name); it != cache.end())
                return *it;
            if (auto added = remote(insert, params); !added)
                return added.error();
            auto id = remote(select, { params.first() });
            if (!id)
                return id.error();
            cache.insert(name, id->int64(0, 0));
            return id->int64(0, 0);
        };

        // Ids of projects and keys this transaction adds are only kept if it commits.
        const QHash<QString, qint64> projectsBefore = m_projectIds;
        const QHash<QString, qint64> keysBefore = m_keyIds;
        bool notOwned = false;
        bool added = false;

        auto body = [&]() -> Status {
            auto localRow = local.rows(
                QStringLiteral("SELECT %1 FROM runs WHERE id = ?1").arg(runColumns->list()), state.localRun);
            if (!localRow)
                return localRow.error();
            if (localRow->isEmpty())
                return success(); // removed since it was listed
            QList<Cell> row = localRow->first();
            auto names = local.rows(
                QStringLiteral("SELECT p.name, p.created_at, (SELECT uuid FROM runs WHERE id = r.parent_id) "
                               "FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?1"),
                state.localRun);
            if (!names)
                return names.error();
            if (names->isEmpty())
                return Error { QStringLiteral("run %1: its project is missing").arg(QString::fromUtf8(uuid)),
                    QStringLiteral(
                        "the local database is damaged; check it with `sqlite3 FILE 'PRAGMA integrity_check'`") };

            if (auto lock = remote(QStringLiteral("SELECT pg_advisory_xact_lock(hashtext($1))"), { uuid }); !lock)
                return lock.error();
            const QStringList& cols = runColumns->names;
            QStringList remoteCols = cols;
            remoteCols.removeAll(QStringLiteral("id"));
            auto existing = remote(
                QStringLiteral("SELECT id, %1 FROM reprise.runs WHERE uuid = $1").arg(remoteCols.join(u", "_s)),
                { uuid });
            if (!existing)
                return existing.error();
            if (existing->rows() > 0) {
                state.remoteRun = existing->int64(0, 0);
                if (!mayEditAll) {
                    auto owner = remote(QStringLiteral("SELECT EXISTS (SELECT 1 FROM reprise_meta.run_owners "
                                                       "WHERE run_id = $1 AND login = session_user)"),
                        { QByteArray::number(state.remoteRun) });
                    if (!owner)
                        return owner.error();
                    if (owner->bytes(0, 0) != "t") {
                        notOwned = true;
                        return success();
                    }
                }
            }

            // The runs row, with the project and parent as the team store numbers them.
            const QList<Cell> project = names->first();
            auto projectId = remoteDictionaryId(m_projectIds,
                QStringLiteral(
                    "INSERT INTO reprise.projects (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"),
                QStringLiteral("SELECT id FROM reprise.projects WHERE name = $1"),
                { project[0].bytes, paramText(project[1]) });
            if (!projectId)
                return projectId.error();
            Cell parent;
            if (project[2].type == CellType::Text) {
                auto parentId
                    = remote(QStringLiteral("SELECT id FROM reprise.runs WHERE uuid = $1"), { project[2].bytes });
                if (!parentId)
                    return parentId.error();
                if (parentId->rows() > 0)
                    parent = intCell(parentId->int64(0, 0));
            }
            QList<QByteArray> values;
            QList<Cell> target;
            for (int c = 0; c < cols.size(); ++c) {
                if (cols[c] == QLatin1String("id"))
                    continue;
                Cell cell = row[c];
                if (cols[c] == QLatin1String("project_id"))
                    cell = intCell(*projectId);
                else if (cols[c] == QLatin1String("parent_id"))
                    cell = parent;
                target << cell;
                values << paramText(cell);
            }
            if (existing->rows() == 0) {
                QStringList placeholders;
                for (int i = 1; i <= values.size(); ++i)
                    placeholders << u'$' + QString::number(i);
                auto inserted = remote(QStringLiteral("INSERT INTO reprise.runs (%1) VALUES (%2) RETURNING id")
                                           .arg(remoteCols.join(u", "_s), placeholders.join(u", "_s)),
                    values);
                if (!inserted)
                    return inserted.error();
                state.remoteRun = inserted->int64(0, 0);
                state.changed = added = true;
            } else {
                bool same = true;
                for (int c = 0; c < target.size() && same; ++c) {
                    const int local = int(cols.indexOf(remoteCols[c]));
                    same = sameCell(target[c], remoteCell(*existing, 0, c + 1, runColumns->types[local]));
                }
                if (!same) {
                    QStringList assignments;
                    for (int i = 0; i < remoteCols.size(); ++i)
                        assignments << QStringLiteral("%1 = $%2").arg(remoteCols[i]).arg(i + 1);
                    values << QByteArray::number(state.remoteRun);
                    auto updated = remote(QStringLiteral("UPDATE reprise.runs SET %1 WHERE id = $%2")
                                              .arg(assignments.join(u", "_s))
                                              .arg(values.size()),
                        values);
                    if (!updated)
                        return updated.error();
                    state.changed = true;
                }
            }
            const QByteArray remoteRun = QByteArray::number(state.remoteRun);

            // Params and tags: small; replaced whole when they differ.
            for (const QString& table : { u"params"_s, u"tags"_s }) {
                auto columns = local.columns(table);
                if (!columns)
                    return columns.error();
                QStringList shown = columns->names;
                shown.removeAll(QStringLiteral("run_id"));
                auto mine = local.rows(
                    QStringLiteral("SELECT %1 FROM %2 WHERE run_id = ?1 ORDER BY key").arg(shown.join(u", "_s), table),
                    state.localRun);
                if (!mine)
                    return mine.error();
                auto theirs
                    = remote(QStringLiteral("SELECT %1 FROM reprise.%2 WHERE run_id = $1 ORDER BY key COLLATE \"C\"")
                                 .arg(shown.join(u", "_s), table),
                        { remoteRun });
                if (!theirs)
                    return theirs.error();
                bool same = theirs->rows() == mine->size();
                for (int r = 0; r < mine->size() && same; ++r)
                    for (int c = 0; c < shown.size() && same; ++c)
                        same = sameCell((*mine)[r][c], remoteCell(*theirs, r, c, CellType::Text));
                if (same)
                    continue;
                if (auto removed
                    = remote(QStringLiteral("DELETE FROM reprise.%1 WHERE run_id = $1").arg(table), { remoteRun });
                    !removed)
                    return removed.error();
                state.changed = true;
                if (auto copied = copyRows(table, QStringLiteral("run_id = ?1")); !copied)
                    return copied;
            }

            // Output: appended in order; new chunks only.
            auto lastChunk
                = remote(QStringLiteral("SELECT coalesce(max(seq), -1) FROM reprise.run_output WHERE run_id = $1"),
                    { remoteRun });
            if (!lastChunk)
                return lastChunk.error();
            if (auto copied = copyRows(QStringLiteral("run_output"), QStringLiteral("run_id = ?1 AND seq > ?2"),
                    { lastChunk->int64(0, 0) });
                !copied)
                return copied;

            // Pipeline steps, artifacts, datasets and profiles: written once by the recorder; the
            // whole set is replaced when the counts differ.
            const QString counts = QStringLiteral(
                "SELECT (SELECT count(*) FROM %1steps WHERE run_id = %2), (SELECT count(*) FROM %1artifacts WHERE "
                "run_id = %2), "
                "(SELECT count(*) FROM %1datasets WHERE run_id = %2), "
                "(SELECT count(*) FROM %1step_io WHERE step_id IN (SELECT id FROM %1steps WHERE run_id = %2)), "
                "(SELECT count(*) FROM %1step_edges WHERE from_step IN (SELECT id FROM %1steps WHERE run_id = %2)), "
                "(SELECT count(*) FROM %1feature_profiles WHERE dataset_id IN (SELECT id FROM %1datasets WHERE run_id "
                "= %2))");
            auto localCounts = local.rows(counts.arg(QString(), u"?1"_s), state.localRun);
            if (!localCounts)
                return localCounts.error();
            auto remoteCounts = remote(counts.arg(u"reprise."_s, u"$1"_s), { remoteRun });
            if (!remoteCounts)
                return remoteCounts.error();
            bool sameStructure = true;
            for (int c = 0; c < 6; ++c)
                sameStructure = sameStructure && localCounts->first()[c].integer == remoteCounts->int64(0, c);
            if (!sameStructure) {
                if (auto removed = remote(QStringLiteral(
                        "DELETE FROM reprise.feature_profiles WHERE dataset_id IN (SELECT id FROM reprise.datasets "
                        "WHERE run_id = $1);"
                        "DELETE FROM reprise.step_io WHERE step_id IN (SELECT id FROM reprise.steps WHERE run_id = $1);"
                        "DELETE FROM reprise.step_edges WHERE from_step IN (SELECT id FROM reprise.steps WHERE run_id "
                        "= $1);"
                        "DELETE FROM reprise.steps WHERE run_id = $1; DELETE FROM reprise.artifacts WHERE run_id = $1;"
                        "DELETE FROM reprise.datasets WHERE run_id = $1")
                                              .replace(u"$1"_s, QString::fromLatin1(remoteRun)));
                    !removed)
                    return removed.error();
                state.changed = true;
                for (auto [table, map] :
                    { std::pair { u"steps"_s, &state.steps }, std::pair { u"artifacts"_s, &state.artifacts },
                        std::pair { u"datasets"_s, &state.datasets } }) {
                    if (auto ids = allocateIds(table, *map); !ids)
                        return ids;
                    if (auto copied = copyRows(table, QStringLiteral("run_id = ?1")); !copied)
                        return copied;
                }
                const QString ofSteps = QStringLiteral("IN (SELECT id FROM steps WHERE run_id = ?1)");
                if (auto copied = copyRows(u"step_io"_s, u"step_id "_s + ofSteps); !copied)
                    return copied;
                if (auto copied = copyRows(u"step_edges"_s, u"from_step "_s + ofSteps); !copied)
                    return copied;
                if (auto copied
                    = copyRows(u"feature_profiles"_s, u"dataset_id IN (SELECT id FROM datasets WHERE run_id = ?1)"_s);
                    !copied)
                    return copied;
            }

            // Metric histories, key by key.
            const QString metricState = QStringLiteral("SELECT k.name, l.key_id, l.count, coalesce(p.count, 0), "
                                                       "l.step, l.value, l.time FROM %1metric_latest l "
                                                       "JOIN %1metric_keys k ON k.id = l.key_id LEFT JOIN "
                                                       "%1metric_packed p ON p.run_id = l.run_id AND p.key_id = "
                                                       "l.key_id WHERE l.run_id = %2");
            auto mine = local.rows(metricState.arg(QString(), u"?1"_s), state.localRun);
            if (!mine)
                return mine.error();
            auto theirs = remote(metricState.arg(u"reprise."_s, u"$1"_s), { remoteRun });
            if (!theirs)
                return theirs.error();
            QHash<QByteArray, MetricState> remoteKeys;
            for (int r = 0; r < theirs->rows(); ++r)
                remoteKeys.insert(theirs->bytes(r, 0),
                    MetricState { theirs->int64(r, 2), theirs->int64(r, 3),
                        { remoteCell(*theirs, r, 4, CellType::Int), remoteCell(*theirs, r, 5, CellType::Real),
                            remoteCell(*theirs, r, 6, CellType::Real) } });
            for (const QList<Cell>& key : *mine) {
                const qint64 localKey = key[1].integer;
                const qint64 count = key[2].integer;
                const qint64 packed = key[3].integer;
                auto keyId = remoteDictionaryId(m_keyIds,
                    QStringLiteral("INSERT INTO reprise.metric_keys (name) VALUES ($1) ON CONFLICT (name) DO NOTHING"),
                    QStringLiteral("SELECT id FROM reprise.metric_keys WHERE name = $1"), { key[0].bytes });
                if (!keyId)
                    return keyId.error();
                state.keys.insert(localKey, *keyId);
                const QByteArray remoteKey = QByteArray::number(*keyId);
                auto known = remoteKeys.constFind(key[0].bytes);
                // The same points, however either side splits them into packed part and rows; but
                // a history the local database packed (its run finished) is packed in the store too.
                const bool packedHere = packed == count;
                const bool same = known != remoteKeys.cend() && known->count == count
                    && (!packedHere || known->packed == count) && sameCell(known->latest[0], key[4])
                    && sameCell(known->latest[1], key[5]) && sameCell(known->latest[2], key[6]);
                if (same)
                    continue;
                const qint64 remoteCount = known != remoteKeys.cend() ? known->count : 0;
                const qint64 remotePacked = known != remoteKeys.cend() ? known->packed : 0;
                // The store keeps a history as its local database does: a packed part (points
                // 0 … packed-1) and rows after it. New points of a running run go as rows while they
                // are few; once the rows outnumber the packed part (and 100,000), the whole history
                // is packed again, in one row of three blobs: a 1,000,000-point history is then
                // 24 MB in one statement instead of a million index insertions, and each point is
                // sent about twice over a run's life, however often it syncs.
                const bool prefix = known != remoteKeys.cend() && remoteCount < count && remoteCount >= packed;
                const bool fewNew = count - remotePacked <= std::max(kRowsBeforeRepacking, remotePacked);
                const bool packable = count <= kMaxPackedPoints;
                qint64 from = 0; // local points from this ordinal on are pushed as rows
                if (prefix && (fewNew || !packable)) {
                    from = remoteCount; // the store has a prefix of this history: append the rest
                } else {
                    if (known != remoteKeys.cend()) {
                        if (auto removed = remote(
                                QStringLiteral("DELETE FROM reprise.metrics WHERE run_id = $1 AND key_id = $2; "
                                               "DELETE FROM reprise.metric_packed WHERE run_id = $1 AND key_id = $2")
                                    .replace(u"$1"_s, QString::fromLatin1(remoteRun))
                                    .replace(u"$2"_s, QString::fromLatin1(remoteKey)));
                            !removed)
                            return removed.error();
                    }
                    if (packable && packed < count) {
                        auto pushed = pushPackedHistory(localKey, remoteRun, remoteKey);
                        if (!pushed)
                            return pushed.error();
                        state.points += *pushed;
                        from = *pushed;
                    } else {
                        if (auto copied = copyRows(
                                u"metric_packed"_s, u"run_id = ?1 AND key_id = ?2"_s, { localKey }, &state.points);
                            !copied)
                            return copied;
                        from = packed;
                    }
                }
                if (from < count) {
                    if (auto copied = copyRows(u"metrics"_s, u"run_id = ?1 AND key_id = ?2 AND seq >= ?3"_s,
                            { localKey, from }, &state.points);
                        !copied)
                        return copied;
                }
                if (auto removed
                    = remote(QStringLiteral("DELETE FROM reprise.metric_latest WHERE run_id = $1 AND key_id = $2"),
                        { remoteRun, remoteKey });
                    !removed)
                    return removed.error();
                if (auto copied = copyRows(u"metric_latest"_s, u"run_id = ?1 AND key_id = ?2"_s, { localKey }); !copied)
                    return copied;
                state.changed = true;
            }
            return success();
        };

        faultPoint();
        if (auto begun = m_team.begin(); !begun)
            return begun.error();
        // The run is read in one read transaction of the local database: a recorder appending
        // meanwhile cannot make its point counts and its rows disagree.
        if (auto reading = m_local.exec("BEGIN"); !reading) {
            m_team.rollback();
            return reading.error();
        }
        Status done = body();
        (void)m_local.exec("COMMIT");
        if (done && state.changed) {
            faultPoint();
            done = m_team.commit();
        } else {
            m_team.rollback(); // nothing to keep (or an error): the store is as it was
        }
        if (!done || !state.changed) {
            m_projectIds = projectsBefore;
            m_keyIds = keysBefore;
        }
        if (!done)
            return done.error();
        if (notOwned) {
            ++summary.notOwned;
            summary.notOwnedRuns << QString::fromUtf8(uuid);
        } else if (!state.changed) {
            ++summary.unchanged;
        } else {
            ++(added ? summary.added : summary.updated);
            summary.points += state.points;
            summary.bytes += state.bytes;
        }
    }
    return summary;
}

} // namespace reprise
