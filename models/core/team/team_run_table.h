#pragma once

#include "result.h"
#include "store/run_table.h"

#include <QString>

namespace reprise {

/// The run table of the team store at `location` read straight from the server, as one snapshot,
/// without the local copy: what the window shows first when a store is opened with no copy yet
/// (the copy, which every other view reads, follows). The same table loadRunTable() reads from the
/// copy. Params and tags come over a second connection sharing the snapshot. With `newest` > 0 only
/// that many runs, the newest by start time (what a large store shows first). `runCount`: the runs
/// in the store. Blocking I/O: call it off the GUI thread.
Result<RunTable> readTeamRunTable(const QString& location, int newest = 0, qint64* runCount = nullptr);

} // namespace reprise
