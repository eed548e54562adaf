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
    /// Compared by division: `count * sizeof(T)` of a damaged count can wrap around to the size.
    template <typename T> bool unpack(sqlite3_stmt* stmt, int column, qint64 count, std::vector<T>& out)
    {
        const int bytes = sqlite3_column_bytes(stmt, column);
        if (count < 0 || bytes < 0 || size_t(bytes) % sizeof(T) != 0 || quint64(bytes) / sizeof(T) != quint64(count))
            return false;
        out.resize(size_t(count));
        if (count > 0)
            std::memcpy(out.data(), sqlite3_column_blob(stmt, column), size_t(bytes));
        return true;
    }

    QString historyName(const QString& name, qint64 runId, qint64 keyId)
    {
        return !name.isEmpty() ? name
                               : QStringLiteral("run #%1: the stored history of metric key #%2").arg(runId).arg(keyId);
    }

    /// A size hint beyond this many points (~400 MB of arrays) is not trusted: the arrays grow instead.
    constexpr size_t kMaxSizeHint = size_t(1) << 24;

} // namespace

Result<MetricHistory> readHistoryRows(
    const Database& db, qint64 runId, qint64 keyId, bool withTimes, size_t sizeHint, const QString& name)
{
    sizeHint = std::min(sizeHint, kMaxSizeHint);
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
        return db.sqliteError(rc, QStringLiteral("reading ") + historyName(name, runId, keyId));
    h.steps.resize(n);
    h.values.resize(n);
    if (withTimes)
        h.times.resize(n);
    return h;
}

Result<MetricHistory> readPackedHistory(
    const Database& db, qint64 runId, qint64 keyId, bool withTimes, const QString& name)
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
        return db.sqliteError(rc, QStringLiteral("reading ") + historyName(name, runId, keyId));
    sqlite3_stmt* stmt = s->handle();
    const qint64 count = s->int64(0);
    // The first blob whose size does not match the count, if any (1 steps, 2 values, 3 times).
    const int bad = !unpack(stmt, 1, count, h.steps)    ? 1
        : !unpack(stmt, 2, count, h.values)             ? 2
        : withTimes && !unpack(stmt, 3, count, h.times) ? 3
                                                        : 0;
    if (bad != 0) {
        static const char* const columns[] = { "", "steps", "values", "times" };
        return Error { db.path() + QStringLiteral(": ") + historyName(name, runId, keyId)
                + QStringLiteral(" is damaged (count %1 does not match its %2-byte blob of %3)")
                      .arg(count)
                      .arg(sqlite3_column_bytes(stmt, bad))
                      .arg(QLatin1String(columns[bad])),
            QStringLiteral("restore the database from a backup; its other metrics and runs read normally") };
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
    if (int rc = keys->forEachRow([&] { keyIds.push_back(keys->int64(0)); }); rc != SQLITE_DONE)
        return db.sqliteError(rc, QStringLiteral("packing the metric histories of run #%1").arg(runId));
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
        int bound = SQLITE_OK;
        for (const auto& [index, blob] :
            { std::pair { 4, &steps }, std::pair { 5, &values }, std::pair { 6, &times } }) {
            if (bound == SQLITE_OK)
                bound = sqlite3_bind_blob64(
                    write->handle(), index, blob->constData(), sqlite3_uint64(blob->size()), SQLITE_STATIC);
        }
        if (bound == SQLITE_TOOBIG)
            continue; // longer than a blob may be (~125 M points): its points stay rows, read as before
        if (bound != SQLITE_OK)
            return db.sqliteError(bound, QStringLiteral("packing a metric history"));
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
