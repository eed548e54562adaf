#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QStringList>
#include <atomic>
#include <functional>

namespace reprise {

/// The kinds of run data Reprise opens, told apart by content (not only by name).
enum class SourceKind {
    Unknown,
    Reprise, ///< a Reprise run database
    MlflowDatabase, ///< MLflow's SQLite tracking store (mlflow.db), any schema from 1.x to 3.x
    MlflowFileStore, ///< an mlruns/ folder
    TensorBoard, ///< a log dir of events.out.tfevents.* files (one run per folder), or one such file
    Dvc, ///< a DVC project: dvc.yaml (+ dvc.lock, params.yaml, dvclive output)
    LightningCsv, ///< PyTorch Lightning CSVLogger: metrics.csv (+ hparams.yaml), or a folder of them
    KerasCsv, ///< a Keras CSVLogger file
    Wandb, ///< Weights & Biases run folders (wandb/run-*/, offline-run-*/ with a .wandb log), or one .wandb file
    TeamStore, ///< a PostgreSQL team store (a libpq location, not a path), read through a local copy
};
QString toString(SourceKind kind);
/// `path` as every reader takes it, whatever the user typed (`mlruns`, `./mlruns/`, `..`): absolute,
/// cleaned, links resolved (canonical) when it exists, else absolute and cleaned; a team store's
/// location as it is. The entries (readSource(), detectSource(), refreshSourceCache()) call it once,
/// so the readers never see a relative path.
QString canonicalSourcePath(const QString& path);
/// What `path` holds; Unknown when it is none of the kinds (or cannot be read).
SourceKind detectSource(const QString& path);

/// One run read from a source, ready to be written: ids are stable (the source's own where it has
/// one, else derived from the path), so importing the same source twice adds nothing.
struct ImportedRun {
    NewRun run; ///< uuid set; kind "import"
    RunStatus status = RunStatus::Finished;
    std::optional<double> endTime;
    std::optional<int> exitCode;
    QString notes;
    bool archived = false; ///< deleted in the source (kept, hidden like an archived run)
    QList<MetricHistory> metrics; ///< ordered by step then logging order
    QList<StepRecord> steps;
    QList<DatasetRecord> datasets;
    QList<OutputChunk> output; ///< captured output, in the order it was written
    QMap<QString, QString> runtime; ///< python, executable, platform (see RunRecord::runtime)
    QMap<QString, QString> packages; ///< distribution -> version
};

/// A file of the source that could not be read entirely: the valid part is kept.
struct ImportProblem {
    QString file;
    QString message;
};

struct ImportedSource {
    SourceKind kind = SourceKind::Unknown;
    bool summaryOnly = false; ///< latest metric values only (see ReadControl::summaryOnly)
    QList<ImportedRun> runs;
    QList<ImportProblem> problems;
};

/// Cancel and progress of a long read. `progress` gets 0..1 of the reading.
struct ReadControl {
    const std::atomic<bool>* cancel = nullptr;
    /// Runs, params, tags and each metric's latest value only, where the source keeps those apart
    /// (MLflow's latest_metrics): enough for the run table in a fraction of the time.
    bool summaryOnly = false;
    std::function<void(double)> progress;
    bool cancelled() const { return cancel && cancel->load(); }
    void report(double fraction) const
    {
        if (progress)
            progress(fraction);
    }
};

/// The readers: each returns the runs it found (an error only when nothing could be read).
Result<ImportedSource> readMlflowDatabase(const QString& path, const ReadControl& control);
Result<ImportedSource> readMlflowFileStore(const QString& path, const ReadControl& control);
Result<ImportedSource> readTensorBoard(const QString& path, const ReadControl& control);
Result<ImportedSource> readDvcProject(const QString& path, const ReadControl& control);
Result<ImportedSource> readCsvLogs(const QString& path, const ReadControl& control);
Result<ImportedSource> readWandb(const QString& path, const ReadControl& control);

/// The whole file, or empty when it cannot be read (the readers then report what is missing).
QByteArray readWholeFile(const QString& path);

/// 32 hex digits derived from `text` (an MD5), for runs whose source has no id of its own.
QString stableRunId(const QString& text);
/// A history's points in the order the store keeps them: by step, ties in the given order.
void sortHistory(MetricHistory& history);

} // namespace reprise
