#pragma once

#include "result.h"

#include <QMap>
#include <QString>

namespace reprise {

/// What the sources panel says about a database: its projects with their run counts, and whether
/// we may write to it.
struct SourceSummary {
    QMap<QString, int> projects;
    bool readOnly = false; ///< not writable by us, or written by a newer Reprise
    int runs() const;
};

/// Reads the summary of the database at `path` (read-only: never creates or migrates it).
Result<SourceSummary> loadSourceSummary(const QString& path);

} // namespace reprise
