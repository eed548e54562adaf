#pragma once

// A run table of some runs only: for `reprise ls --filter` once SQLite has found the runs that match,
// and the newest runs of a very large database, shown first.

#include "result.h"
#include "store/run_table.h"

#include <vector>

namespace reprise {

/// loadRunTable() restricted to the runs whose row id (runs.id) is in `ids`, newest first, with the
/// columns `columns` asks for (its onlyRuns ignored). Text columns come without sort ranks (nothing
/// sorts these rows again); TextColumn::computeSortRanks() adds them. Pure I/O; off the GUI thread.
Result<RunTable> loadRunTableRows(const Database& db, const RunTableColumns& columns, const std::vector<qint64>& ids);

/// The `count` newest runs (by start time) with every column, text columns ranked: what the window
/// shows of a very large database while the rest is read. Pure I/O; off the GUI thread.
Result<RunTable> loadNewestRuns(const Database& db, int count);

} // namespace reprise
