#pragma once

#include "result.h"
#include "store/run_table.h"

#include <memory>

namespace reprise {

/// The run table of a database as the window shows it.
struct LoadedRunTable {
    Result<RunTable> runs;
    QString warning; ///< readable, but with a caveat (written by a newer Reprise: shown read-only)
};

/// Reads the run table of the database at `path`, read-only. With `recoverAbandoned`, runs of this
/// host whose process died (a killed client) are first marked killed, where the database is
/// writable, as every opening of a database does (not for another tracker's data read into a cache).
LoadedRunTable loadRunTableAt(const QString& path, bool recoverAbandoned);

/// `shown` (the table of the database at `path` as last read) with the runs `changed` read again
/// from it: a few runs of a large table are brought up to date without reading every run. The whole
/// table is read when one of them was removed. Read-only; any thread.
LoadedRunTable loadChangedRunsAt(
    const QString& path, const std::shared_ptr<const RunTable>& shown, const QStringList& changed);

} // namespace reprise
