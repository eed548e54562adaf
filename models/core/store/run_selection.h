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

/// One selected run: the database to read it from, and its id (full or a unique prefix).
struct RunLocation {
    QString path;
    QString id;
};

/// Reads the selection `ids` (full ids or unique prefixes, at least one) from the database at `path`,
/// read-only.
Result<RunSelection> loadRunSelection(const QString& path, const QStringList& ids);
/// The same for runs of several databases (a selection in the table over all sources), each
/// database read in one snapshot; records keep the selection's order.
Result<RunSelection> loadRunSelection(const QList<RunLocation>& runs);

} // namespace reprise
