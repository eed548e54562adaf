#include "store/metric_packing.h"

#include "store/database.h"
#include "store/statement.h"

#include <bit>
#include <cstring>
#include <limits>
#include <sqlite3.h>

namespace reprise {

namespace {

    static_assert(std::endian::native == std::endian::little, "packed histories are little-endian on disk");

    template <typename T> QByteArray pack(const std::vector<T>& values)
    {
        return QByteArray(reinterpret_cast<const char*>(values.data()), qsizetype(values.size() * sizeof(T)));
    }

    /// Copies a blob column of `count` elements into `out`; false when its size does not match.
    template <typename T> bool unpack(sqlite3_stmt* stmt, int column, size_t count, std::vector<T>& out)
    {
        const auto bytes = size_t(sqlite3_column_bytes(stmt, column));
        if (bytes != count * sizeof(T))
            return false;
        out.resize(count);
        if (count > 0)
            std::memcpy(out.data(), sqlite3_column_blob(stmt, column), bytes);
        return true;
    }

} // namespace

Result<MetricHistory> readHistoryRows(const Database& db, qint64 runId, qint64 keyId, bool withTimes, size_t sizeHint)
{
    MetricHistory h;
    h.steps.resize(sizeHint);
    h.values.resize(sizeHint);
    if (withTimes)
        h.times.resize(sizeHint);
    auto s = db.prepare(withTimes
            ? "SELECT step, value, time FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, seq"
            : "SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, seq");
    if (!s)
        return s.error();
    s->bind(1, runId);
    s->bind(2, keyId);
    sqlite3_stmt* stmt = s->handle();
    int rc;
    size_t n = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == h.steps.size()) {
            h.steps.resize(n * 2 + 16);
            h.values.resize(n * 2 + 16);
            if (withTimes)
                h.times.resize(n * 2 + 16);
        }
        h.steps[n] = sqlite3_column_int64(stmt, 0);
        double v = sqlite3_column_double(stmt, 1);
        // NULL is how SQLite stores NaN; it reads as 0.0, so only zeros need the type check.
        if (v == 0.0 && sqlite3_column_type(stmt, 1) == SQLITE_NULL)
            v = std::numeric_limits<double>::quiet_NaN();
        h.values[n] = v;
        if (withTimes)
            h.times[n] = sqlite3_column_double(stmt, 2);
        ++n;
    }
    if (rc != SQLITE_DONE)
        return db.sqliteError(rc, QStringLiteral("reading metric points"));
    h.steps.resize(n);
    h.values.resize(n);
    if (withTimes)
        h.times.resize(n);
    return h;
}

Result<MetricHistory> readPackedHistory(const Database& db, qint64 runId, qint64 keyId, bool withTimes)
{
    MetricHistory h;
    if (db.schemaVersion() < 4)
        return h; // written before packing existed: every point is a row
    auto s
        = db.prepare(withTimes ? "SELECT count, steps, vals, times FROM metric_packed WHERE run_id = ? AND key_id = ?"
                               : "SELECT count, steps, vals FROM metric_packed WHERE run_id = ? AND key_id = ?");
    if (!s)
        return s.error();
    s->bind(1, runId);
    s->bind(2, keyId);
    const int rc = s->step();
    if (rc == SQLITE_DONE)
        return h;
    if (rc != SQLITE_ROW)
        return db.sqliteError(rc, QStringLiteral("reading a packed metric history"));
    sqlite3_stmt* stmt = s->handle();
    const auto count = size_t(std::max<qint64>(0, s->int64(0)));
    if (!unpack(stmt, 1, count, h.steps) || !unpack(stmt, 2, count, h.values)
        || (withTimes && !unpack(stmt, 3, count, h.times))) {
        return Error { db.path() + QStringLiteral(": a packed metric history of run #%1 is damaged").arg(runId),
            QStringLiteral("restore the database from a backup; its other runs read normally") };
    }
    return h;
}

MetricHistory mergeHistories(MetricHistory packed, MetricHistory rows)
{
    if (rows.steps.empty())
        return packed;
    if (packed.steps.empty())
        return rows;
    const bool withTimes = !packed.times.empty() && !rows.times.empty();
    MetricHistory out;
    out.key = packed.key;
    const size_t n = packed.size() + rows.size();
    out.steps.reserve(n);
    out.values.reserve(n);
    if (withTimes)
        out.times.reserve(n);
    size_t a = 0, b = 0;
    while (a < packed.size() || b < rows.size()) {
        // Equal steps: the packed point was logged first (its seq is lower).
        const bool fromPacked = b == rows.size() || (a < packed.size() && packed.steps[a] <= rows.steps[b]);
        const MetricHistory& from = fromPacked ? packed : rows;
        size_t& i = fromPacked ? a : b;
        out.steps.push_back(from.steps[i]);
        out.values.push_back(from.values[i]);
        if (withTimes)
            out.times.push_back(from.times[i]);
        ++i;
    }
    return out;
}

Status packRunHistories(const Database& db, qint64 runId)
{
    if (db.schemaVersion() < 4)
        return success();
    auto keys = db.prepare("SELECT key_id FROM metric_latest WHERE run_id = ?");
    if (!keys)
        return keys.error();
    keys->bind(1, runId);
    std::vector<qint64> keyIds;
    while (keys->step() == SQLITE_ROW)
        keyIds.push_back(keys->int64(0));
    keys = Statement();
    for (qint64 keyId : keyIds) {
        auto rows = readHistoryRows(db, runId, keyId, true, 0);
        if (!rows)
            return rows.error();
        if (rows->steps.empty())
            continue; // packed already, nothing logged since
        auto packed = readPackedHistory(db, runId, keyId, true);
        if (!packed)
            return packed.error();
        const MetricHistory all = mergeHistories(std::move(*packed), std::move(*rows));
        auto write = db.prepare(
            "INSERT OR REPLACE INTO metric_packed(run_id, key_id, count, steps, vals, times) VALUES(?,?,?,?,?,?)");
        if (!write)
            return write.error();
        write->bind(1, runId);
        write->bind(2, keyId);
        write->bind(3, qint64(all.size()));
        const QByteArray steps = pack(all.steps), values = pack(all.values), times = pack(all.times);
        sqlite3_bind_blob64(write->handle(), 4, steps.constData(), sqlite3_uint64(steps.size()), SQLITE_STATIC);
        sqlite3_bind_blob64(write->handle(), 5, values.constData(), sqlite3_uint64(values.size()), SQLITE_STATIC);
        sqlite3_bind_blob64(write->handle(), 6, times.constData(), sqlite3_uint64(times.size()), SQLITE_STATIC);
        if (int rc = write->step(); rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("packing a metric history"));
        auto remove = db.prepare("DELETE FROM metrics WHERE run_id = ? AND key_id = ?");
        if (!remove)
            return remove.error();
        remove->bind(1, runId);
        remove->bind(2, keyId);
        if (int rc = remove->step(); rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("packing a metric history"));
    }
    return success();
}

} // namespace reprise
