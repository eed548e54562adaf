#pragma once

#include "import/source_reader.h"

namespace reprise {

class RunStore;

struct ImportOptions {
    QString project; ///< files every run under this project instead of the source's own
    ReadControl control;
    SourceKind kind = SourceKind::Unknown; ///< what the source is, when known (Unknown: detect it)
};

/// What an import did.
struct ImportSummary {
    SourceKind kind = SourceKind::Unknown;
    int runsAdded = 0;
    int runsSkipped = 0; ///< already in the database (imported before)
    int runsRepaired = 0; ///< there from an import that was interrupted: removed and imported again
    qint64 points = 0;
    int steps = 0;
    int datasets = 0;
    int runsInSource = 0;
    QList<ImportProblem> problems;
};

/// " (2 of them completing an interrupted import)" after the count of runs imported, when some were
/// repaired; empty otherwise.
QString repairedRunsText(const ImportSummary& summary);
/// importSource() into the existing database at `target` (opened for writing).
Result<ImportSummary> importSourceInto(const QString& path, const QString& target, const ImportOptions& options);

/// One line on what an import of `source` did: "mlruns (MLflow file store): 26 runs imported, 0 already
/// there, 404 metric points, 20 steps, 1 datasets".
QString importSummaryLine(const QString& source, const ImportSummary& summary);

/// Reads `path` with the reader of `kind` (detected when Unknown).
Result<ImportedSource> readSource(
    const QString& path, const ReadControl& control, SourceKind kind = SourceKind::Unknown);

/// Writes the runs read from a source into `target` in short transactions (each holds the write lock
/// ≲ 100 ms, so other writers of the database go on meanwhile): small runs whole, several to a
/// transaction; a larger run in several, tagged `import.incomplete` until its last one commits. On
/// an error or a cancel the runs written so far are removed again: the database holds none of the
/// source's runs. Runs already present (same id) are skipped, so a second import of the same source
/// adds nothing, except runs still tagged incomplete by an import that was interrupted (killed):
/// those are removed and imported again. Parents are written before their children. Call it
/// outside any transaction.
Result<ImportSummary> writeImportedRuns(RunStore& target, ImportedSource source, const ImportOptions& options);

/// readSource() then writeImportedRuns().
Result<ImportSummary> importSource(const QString& path, RunStore& target, const ImportOptions& options);

} // namespace reprise
