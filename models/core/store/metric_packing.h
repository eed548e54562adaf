#pragma once

#include "result.h"
#include "store/run_types.h"

namespace reprise {

class Database;

/// A metric history's points stored as rows of `metrics`, in (step, seq) order. `sizeHint` sizes
/// the arrays up front (the point count; capped, the arrays grow past it); `times` stays empty
/// unless `withTimes`. `name` says which history in errors ("run …: the stored history of loss").
Result<MetricHistory> readHistoryRows(
    const Database& db, qint64 runId, qint64 keyId, bool withTimes, size_t sizeHint, const QString& name = {});

/// The packed part of a history (schema 4, `metric_packed`), empty when the history has none.
/// A count that does not match its blobs is reported as damage, never read past.
Result<MetricHistory> readPackedHistory(
    const Database& db, qint64 runId, qint64 keyId, bool withTimes, const QString& name = {});

/// The packed points followed by the points logged after packing, as one history in step order
/// (for equal steps the packed, earlier-logged points first).
MetricHistory mergeHistories(MetricHistory packed, MetricHistory rows);

/// Moves every metric history of a run from rows into `metric_packed` (merging with what an earlier
/// packing left). Call inside a write transaction, e.g. when the run finishes. A history too long
/// for one SQLite blob stays as rows.
Status packRunHistories(const Database& db, qint64 runId);

} // namespace reprise
