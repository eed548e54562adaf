#pragma once

#include "result.h"
#include "store/run_types.h"

namespace reprise {

class Database;

/// A metric history's points stored as rows of `metrics`, in (step, seq) order, from point `fromSeq`
/// on: the first `count` points of a history with a packed part are in that part, and rows of them
/// that packing has not deleted yet (it deletes in slices) are skipped. `sizeHint` sizes the arrays
/// up front (the point count; capped, the arrays grow past it); `times` stays empty unless
/// `withTimes`. `name` says which history in errors ("run …: the stored history of loss").
Result<MetricHistory> readHistoryRows(const Database& db, qint64 runId, qint64 keyId, bool withTimes, size_t sizeHint,
    const QString& name = {}, qint64 fromSeq = 0);

/// The packed part of a history (schema 4, `metric_packed`), empty when the history has none.
/// A count that does not match its blobs is reported as damage, never read past.
Result<MetricHistory> readPackedHistory(
    const Database& db, qint64 runId, qint64 keyId, bool withTimes, const QString& name = {});

/// The packed points followed by the points logged after packing, as one history in step order
/// (for equal steps the packed, earlier-logged points first).
MetricHistory mergeHistories(MetricHistory packed, MetricHistory rows);

/// Moves every metric history of a run from rows into `metric_packed` (merging with what an earlier
/// packing left), inside the caller's write transaction, however long that takes. A history too
/// long for one SQLite blob stays as rows.
Status packRunHistories(const Database& db, qint64 runId);

/// How long packing may hold the write lock, in points (measured on a 2-core machine under load:
/// writing a blob ~50 ns a point, deleting rows ~0.4 µs a row).
struct PackingLimits {
    /// A longer history stays as rows (readers merge them): its blob would hold the lock too long.
    size_t maxPackedPoints = 1500000;
    /// Rows deleted per transaction once their points are in the blob.
    size_t rowsDeletedPerTransaction = 100000;
};

/// packRunHistories() outside a transaction, in short ones, so that other writers of the database
/// get the lock between them: each history is read and merged in a read snapshot, written as one
/// blob in a transaction of its own, and its rows then deleted in slices (readers skip the rows a
/// blob holds). Histories longer than `limits.maxPackedPoints` stay as rows.
Status packRunHistoriesInSlices(const Database& db, qint64 runId, const PackingLimits& limits = {});

/// Writes `sorted` (every point of a history, in (step, seq) order) as the packed part of (run, key),
/// replacing any. Call inside a write transaction; the caller keeps metric_latest and the rows apt.
/// False (nothing written) when the history is too long for one SQLite blob.
Result<bool> writePackedHistory(const Database& db, qint64 runId, qint64 keyId, const MetricHistory& sorted);

} // namespace reprise
