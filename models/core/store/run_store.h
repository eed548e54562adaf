#pragma once

#include "result.h"
#include "store/database.h"
#include "store/run_types.h"

#include <QHash>
#include <memory>
#include <span>

namespace reprise {

/// One logged metric point, for batches that mix keys.
struct MetricPoint {
    QString key;
    qint64 step = 0;
    double value = 0;
    double time = 0;
};

/// Reads and writes runs in one database through one connection (one thread).
/// Every write is its own transaction, so a process killed between calls leaves a valid database
/// holding everything written before.
class RunStore {
public:
    static Result<RunStore> open(const QString& path, OpenMode mode, Database::Options options = {});
    explicit RunStore(std::unique_ptr<Database> db);
    RunStore(RunStore&&) noexcept;
    RunStore& operator=(RunStore&&) noexcept;
    ~RunStore();

    Database& database() const { return *m_db; }

    // --- writing ---------------------------------------------------------------------------------
    Result<RunRef> createRun(const NewRun& run);
    Status setParams(qint64 runId, const QMap<QString, ParamValue>& params);
    Status setTags(qint64 runId, const QMap<QString, QString>& tags);
    Status setNotes(qint64 runId, const QString& notes);
    /// The interpreter and packages a run executed with (what the Python client records; importers and
    /// bundles write it for runs they bring in). Replaces what was there.
    Status setRuntime(qint64 runId, const QMap<QString, QString>& runtime, const QMap<QString, QString>& packages);
    /// Run management from the GUI: each in its own transaction.
    Status setName(qint64 runId, const QString& name);
    Status setStarred(qint64 runId, bool starred);
    Status setArchived(qint64 runId, bool archived);
    Status removeTag(qint64 runId, const QString& key);
    /// Records the end (status, exit code, end time) and packs the run's metric histories. Outside a
    /// transaction the end is one short transaction and the packing others, each holding the write
    /// lock briefly (see packRunHistoriesInSlices()); inside the caller's, all of it lands there.
    Status finishRun(qint64 runId, RunStatus status, std::optional<int> exitCode, double endTime);
    /// Records the end only, in one transaction: the histories stay as they are (rows or packed).
    Status recordEnd(qint64 runId, RunStatus status, std::optional<int> exitCode, double endTime);
    /// Appends captured output; chunks keep their order.
    Status appendOutput(qint64 runId, const QList<OutputChunk>& chunks);
    /// Appends one key's points (arrays of equal length) in one transaction.
    Status logMetric(qint64 runId, const QString& key, std::span<const qint64> steps, std::span<const double> values,
        std::span<const double> times);
    /// Stores a whole history of a key the run has no points of yet, in one transaction, packed as
    /// finishing the run would leave it (no rows to write and delete again); appended as rows like
    /// logMetric() when the key has points already. One transaction holds the write lock ~25 ns a
    /// point: callers keep histories they store this way short enough (importers).
    Status storeHistory(qint64 runId, const QString& key, std::span<const qint64> steps, std::span<const double> values,
        std::span<const double> times);
    /// Appends points of any keys in one transaction.
    Status logMetrics(qint64 runId, const QList<MetricPoint>& points);
    /// Records pipeline steps with their artifacts; steps refer to each other by name in `after`.
    Status addSteps(qint64 runId, const QList<StepRecord>& steps);
    Status addDataset(qint64 runId, const DatasetRecord& dataset);

    /// Marks runs of this host whose owning process is gone as killed. Returns how many.
    Result<int> recoverAbandonedRuns(const QString& localHost);

    // --- reading ---------------------------------------------------------------------------------
    /// Resolves a full uuid or a unique prefix of at least 6 characters.
    Result<RunRef> resolveRun(const QString& idOrPrefix) const;
    Result<RunRecord> loadRun(const RunRef& run) const;
    /// resolveRun() then loadRun(): a run named by full id or unique prefix.
    Result<RunRecord> loadRun(const QString& idOrPrefix) const;
    /// Whether loadMetric() reads the wall time of each point (a chart over steps does not need it,
    /// and skipping the column reads a long history ~10% faster).
    enum class PointTimes { Load, Skip };
    /// Every point of one metric, ordered by step then logging order; `times` stays empty with Skip.
    Result<MetricHistory> loadMetric(const RunRef& run, const QString& key, PointTimes times = PointTimes::Load) const;
    Result<QList<MetricSummary>> metricSummaries(const RunRef& run) const;
    Result<QList<OutputChunk>> loadOutput(const RunRef& run) const;

private:
    Result<qint64> metricKeyId(const QString& key);
    Status prepareMetricStatements();
    /// metric_latest's point count of (run, key), 0 when it has none; inside a write transaction.
    Result<qint64> pointCount(qint64 runId, qint64 keyId);
    Status appendPoints(qint64 runId, const QString& key, qint64 keyId, std::span<const qint64> steps,
        std::span<const double> values, std::span<const double> times);
    Result<qint64> projectId(const QString& name, double now);
    Result<qint64> insertArtifact(qint64 runId, const ArtifactRecord& artifact, double now);

    std::unique_ptr<Database> m_db;
    /// Metric key name -> id. On the heap so SQLite's rollback hook can empty it wherever the store
    /// moves: an id cached inside a transaction that rolled back may not exist, or may be reused.
    std::unique_ptr<QHash<QString, qint64>> m_keyIds;
    static constexpr size_t kPointsPerInsert = 64;
    Statement m_insertPoint;
    Statement m_insertBlock;
    Statement m_readCount;
    Statement m_upsertLatest;
};

/// Current time in seconds since the epoch, with sub-millisecond resolution.
double nowSeconds();
/// Host name of this machine as recorded in runs.
QString localHostName();
/// A new random run id: 32 lowercase hex digits.
QString newRunUuid();

} // namespace reprise
