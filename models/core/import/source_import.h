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
    qint64 points = 0;
    int steps = 0;
    int datasets = 0;
    int runsInSource = 0;
    QList<ImportProblem> problems;
};

/// Reads `path` with the reader of `kind` (detected when Unknown).
Result<ImportedSource> readSource(
    const QString& path, const ReadControl& control, SourceKind kind = SourceKind::Unknown);

/// Writes the runs read from a source into `target` in one transaction: all of them or, on an
/// error or a cancel, none. Runs already present (same id) are skipped, so a second import of the
/// same source adds nothing; parents are written before their children.
Result<ImportSummary> writeImportedRuns(RunStore& target, ImportedSource source, const ImportOptions& options);

/// readSource() then writeImportedRuns().
Result<ImportSummary> importSource(const QString& path, RunStore& target, const ImportOptions& options);

} // namespace reprise
