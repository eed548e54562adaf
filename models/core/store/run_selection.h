#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QList>
#include <QStringList>

namespace reprise {

/// What the window shows for the runs selected in the browser: the first run in full (with its
/// captured output) for the details pane, and every selected run's record for the compare, pipeline
/// and drift views.
struct RunSelection {
    RunRecord run;
    QList<OutputChunk> output;
    QList<RunRecord> all; ///< every selected run, up to kMaxSelectedRecords, the first first
};

/// The most runs whose records a selection reads (the views compare at most that many).
constexpr int kMaxSelectedRecords = 200;

/// Reads the selection `ids` (full ids or unique prefixes, at least one) from the database at `path`,
/// read-only.
Result<RunSelection> loadRunSelection(const QString& path, const QStringList& ids);

} // namespace reprise
