#pragma once

#include "result.h"
#include "store/run_table.h"

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

} // namespace reprise
