#include "store/metric_packing.h"

#include "store/database.h"
#include "store/statement.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <sqlite3.h>

namespace reprise {

namespace {

    static_assert(std::endian::native == std::endian::little, "packed histories are little-endian on disk");

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

Result<MetricHistory> readHistoryRows(const Database& db, qint64 runId, qint64 keyId, bool withTimes, size_t sizeHint,
    const QString& name, qint64 fromSeq)
{
    sizeHint = std::min(sizeHint, kMaxSizeHint);
    MetricHistory h;
    h.steps.resize(sizeHint);
    h.values.resize(sizeHint);
    if (withTimes)
        h.times.resize(sizeHint);
    auto s = db.prepare(withTimes
            ? "SELECT step, value, time FROM metrics WHERE run_id = ? AND key_id = ? AND seq >= ? ORDER BY step, seq"
            : "SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? AND seq >= ? ORDER BY step, seq");
    if (!s)
        return s.error();
    s->bind(1, runId);
    s->bind(2, keyId);
    s->bind(3, fromSeq);
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

Result<bool> writePackedHistory(const Database& db, qint64 runId, qint64 keyId, const MetricHistory& sorted)
{
    auto write = db.prepare(
        "INSERT OR REPLACE INTO metric_packed(run_id, key_id, count, steps, vals, times) VALUES(?,?,?,?,?,?)");
    if (!write)
        return write.error();
    write->bind(1, runId);
    write->bind(2, keyId);
    write->bind(3, qint64(sorted.size()));
    // A history without its times packs zeros, never a blob shorter than the count.
    std::vector<double> zeros;
    if (sorted.times.size() != sorted.size())
        zeros.assign(sorted.size(), 0.0);
    const std::vector<double>& times = zeros.empty() ? sorted.times : zeros;
    int bound = SQLITE_OK;
    const std::pair<int, std::pair<const void*, size_t>> blobs[] = {
        { 4, { sorted.steps.data(), sorted.steps.size() * sizeof(qint64) } },
        { 5, { sorted.values.data(), sorted.values.size() * sizeof(double) } },
        { 6, { times.data(), times.size() * sizeof(double) } },
    };
    for (const auto& [index, blob] : blobs) {
        if (bound == SQLITE_OK)
            bound = blob.second == 0
                ? sqlite3_bind_zeroblob(write->handle(), index, 0)
                : sqlite3_bind_blob64(write->handle(), index, blob.first, sqlite3_uint64(blob.second), SQLITE_STATIC);
    }
    if (bound == SQLITE_TOOBIG)
        return false;
    if (bound != SQLITE_OK)
        return db.sqliteError(bound, QStringLiteral("packing a metric history"));
    if (int rc = write->step(); rc != SQLITE_DONE)
        return rc == SQLITE_TOOBIG ? Result<bool>(false)
                                   : db.sqliteError(rc, QStringLiteral("packing a metric history"));
    return true;
}

namespace {

    Result<std::vector<qint64>> historyKeys(const Database& db, qint64 runId)
    {
        auto keys = db.prepare("SELECT key_id FROM metric_latest WHERE run_id = ?");
        if (!keys)
            return keys.error();
        keys->bind(1, runId);
        std::vector<qint64> keyIds;
        if (int rc = keys->forEachRow([&] { keyIds.push_back(keys->int64(0)); }); rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("packing the metric histories of run #%1").arg(runId));
        return keyIds;
    }

    /// Deletes the rows of (run, key) whose points are packed (seq < count) with steps in [low, high].
    Status deletePackedRows(const Database& db, qint64 runId, qint64 keyId, qint64 count, qint64 low, qint64 high)
    {
        auto remove
            = db.prepare("DELETE FROM metrics WHERE run_id = ? AND key_id = ? AND step >= ? AND step <= ? AND seq < ?");
        if (!remove)
            return remove.error();
        remove->bind(1, runId);
        remove->bind(2, keyId);
        remove->bind(3, low);
        remove->bind(4, high);
        remove->bind(5, count);
        if (int rc = remove->step(); rc != SQLITE_DONE)
            return db.sqliteError(rc, QStringLiteral("packing a metric history"));
        return success();
    }

    /// The `count` column that `sql` selects for (run, key) (metric_latest or metric_packed), `missing` when
    /// the table has no row for it.
    Result<qint64> countIn(const Database& db, const char* sql, qint64 runId, qint64 keyId, qint64 missing)
    {
        auto s = db.prepare(sql);
        if (!s)
            return s.error();
        s->bind(1, runId);
        s->bind(2, keyId);
        const int rc = s->step();
        if (rc == SQLITE_DONE)
            return missing;
        if (rc != SQLITE_ROW)
            return db.sqliteError(rc, QStringLiteral("packing a metric history"));
        return s->int64(0);
    }

    /// The point count metric_latest holds for (run, key), -1 when it has none.
    Result<qint64> latestCount(const Database& db, qint64 runId, qint64 keyId)
    {
        return countIn(db, "SELECT count FROM metric_latest WHERE run_id = ? AND key_id = ?", runId, keyId, -1);
    }

    /// How many points the packed part of (run, key) holds, 0 when it has none.
    Result<qint64> packedCount(const Database& db, qint64 runId, qint64 keyId)
    {
        return countIn(db, "SELECT count FROM metric_packed WHERE run_id = ? AND key_id = ?", runId, keyId, 0);
    }

    /// Whether rows of points already packed are left (a packing interrupted between its slices).
    Result<bool> hasPackedRows(const Database& db, qint64 runId, qint64 keyId, qint64 count)
    {
        auto s = db.prepare("SELECT EXISTS(SELECT 1 FROM metrics WHERE run_id = ? AND key_id = ? AND seq < ?)");
        if (!s)
            return s.error();
        s->bind(1, runId);
        s->bind(2, keyId);
        s->bind(3, count);
        if (int rc = s->step(); rc != SQLITE_ROW)
            return db.sqliteError(rc, QStringLiteral("packing a metric history"));
        return s->int64(0) != 0;
    }

} // namespace

Status packRunHistories(const Database& db, qint64 runId)
{
    if (db.schemaVersion() < 4)
        return success();
    auto keyIds = historyKeys(db, runId);
    if (!keyIds)
        return keyIds.error();
    for (qint64 keyId : *keyIds) {
        auto packed = readPackedHistory(db, runId, keyId, true);
        if (!packed)
            return packed.error();
        const auto count = qint64(packed->size());
        auto rows = readHistoryRows(db, runId, keyId, true, 0, {}, count);
        if (!rows)
            return rows.error();
        if (rows->steps.empty()) {
            // Packed already, nothing logged since; rows an interrupted packing left go now.
            if (auto st = deletePackedRows(
                    db, runId, keyId, count, std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max());
                !st)
                return st;
            continue;
        }
        const MetricHistory all = mergeHistories(std::move(*packed), std::move(*rows));
        auto written = writePackedHistory(db, runId, keyId, all);
        if (!written)
            return written.error();
        if (!*written)
            continue; // longer than a blob may be (~125 M points): its points stay rows, read as before
        if (auto st = deletePackedRows(db, runId, keyId, qint64(all.size()), std::numeric_limits<qint64>::min(),
                std::numeric_limits<qint64>::max());
            !st)
            return st;
    }
    return success();
}

Status packRunHistoriesInSlices(const Database& db, qint64 runId, const PackingLimits& limits)
{
    if (db.isWriting())
        return packRunHistories(db, runId);
    if (db.schemaVersion() < 4)
        return success();
    WriterPacing pacing(db);
    std::vector<qint64> keyIds;
    {
        ReadTransaction snapshot(db);
        if (!snapshot.status())
            return snapshot.status().error();
        auto keys = historyKeys(db, runId);
        if (!keys)
            return keys.error();
        keyIds = std::move(*keys);
    }
    const size_t slice = std::max<size_t>(limits.rowsDeletedPerTransaction, 1);
    for (qint64 keyId : keyIds) {
        // Read and merged without the write lock, from one snapshot.
        MetricHistory all;
        qint64 before = 0;
        bool leftover = false;
        {
            ReadTransaction snapshot(db);
            if (!snapshot.status())
                return snapshot.status().error();
            auto packed = readPackedHistory(db, runId, keyId, true);
            if (!packed)
                return packed.error();
            before = qint64(packed->size());
            auto rows = readHistoryRows(db, runId, keyId, true, 0, {}, before);
            if (!rows)
                return rows.error();
            if (before > 0) { // (without a packed part no row is one of its points)
                auto stale = hasPackedRows(db, runId, keyId, before);
                if (!stale)
                    return stale.error();
                leftover = *stale;
            }
            if (rows->steps.empty() && !leftover)
                continue; // packed already, nothing logged since
            auto latest = latestCount(db, runId, keyId);
            if (!latest)
                return latest.error();
            const qint64 total = before + qint64(rows->size());
            // Points are numbered 0, 1, 2, … by their logging order: a count that disagrees would
            // make the blob and the rows overlap. Such a history is left as it is.
            if (!rows->steps.empty() && (*latest != total || size_t(total) > limits.maxPackedPoints)) {
                if (!leftover)
                    continue;
                rows->steps.clear(); // only the rows an interrupted packing left are deleted
            }
            all = rows->steps.empty() ? std::move(*packed) : mergeHistories(std::move(*packed), std::move(*rows));
        }
        const auto count = qint64(all.size());
        if (count != before) {
            bool packed = false;
            Status written = inWriteTransaction(db, [&]() -> Status {
                // Another connection may have packed this history meanwhile: then it stays as it is.
                auto current = packedCount(db, runId, keyId);
                if (!current)
                    return current.error();
                if (*current != before)
                    return success();
                auto blob = writePackedHistory(db, runId, keyId, all);
                if (!blob)
                    return blob.error();
                packed = *blob;
                return success();
            });
            if (!written)
                return written;
            pacing.afterCommit();
            if (!packed)
                continue;
        }
        // The blob holds points 0 … count-1: their rows go, a slice of steps per transaction (a
        // reader skips them meanwhile). The slices cover every step, so rows an interrupted packing
        // left go too.
        qint64 low = std::numeric_limits<qint64>::min();
        for (size_t end = slice;; end += slice) {
            while (end < all.size() && all.steps[end] == all.steps[end - 1])
                ++end; // a slice ends between two steps
            const bool last = end >= all.size();
            const qint64 high = last ? std::numeric_limits<qint64>::max() : all.steps[end] - 1;
            Status removed = inWriteTransaction(
                db, [&]() -> Status { return deletePackedRows(db, runId, keyId, count, low, high); });
            if (!removed)
                return removed;
            pacing.afterCommit();
            if (last)
                break;
            low = all.steps[end];
        }
    }
    return success();
}

} // namespace reprise
