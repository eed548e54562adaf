#pragma once

#include "result.h"

#include <QString>

namespace reprise {

/// Marks the runs of this host whose owning process is gone as killed (RunStore::recoverAbandonedRuns),
/// when the database at `path` may be written here: a writable file in a writable local folder, a
/// Reprise database of this build's schema. Anything else (a missing or empty file, another program's
/// database, an older or newer schema, a read-only file or folder, a network file system) is left
/// exactly as it was and gives 0. Returns how many runs were marked. Opens its own connections:
/// call it on a worker thread, never the GUI thread.
Result<int> recoverAbandonedRunsIfWritable(const QString& path);

} // namespace reprise
