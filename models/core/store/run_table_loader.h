#pragma once

#include "result.h"
#include "store/run_table.h"

#include <memory>

namespace reprise {

/// The run table of a database as the window shows it.
struct LoadedRunTable {
    Result<RunTable> runs;
    QString warning; ///< readable, but with a caveat (written by a newer Reprise: shown read-only)
    /// > 0: `runs` are only the newest of this many runs in the source, the rest being read (a very
    /// large database being opened, a team store's runs being read from its server).
    qint64 partOf = 0;
};

/// Reads the run table of the database at `path`, read-only. With `recoverAbandoned`, runs of this
/// host whose process died (a killed client) are first marked killed, where the database is
/// writable, as every opening of a database does (not for another tracker's data read into a cache).
LoadedRunTable loadRunTableAt(const QString& path, bool recoverAbandoned);

/// What the window shows first of a database: the whole table, or for one of more than `wholeUpTo`
/// runs only the `newest` newest of them (by start time; table.partOf says of how many), so a
/// million runs are on screen at once while the rest is read (loadRunTableAt() then, merged in).
struct FirstRunTable {
    LoadedRunTable table;
    bool whole = true; ///< as much as can be read now: loadRunTableAt() would read the same
};
FirstRunTable loadFirstRunTableAt(const QString& path, bool recoverAbandoned, int newest, qint64 wholeUpTo);

/// `shown` (the table of the database at `path` as last read) with the runs `changed` read again
/// from it: a few runs of a large table are brought up to date without reading every run. The whole
/// table is read when one of them was removed. Read-only; any thread.
LoadedRunTable loadChangedRunsAt(
    const QString& path, const std::shared_ptr<const RunTable>& shown, const QStringList& changed);

} // namespace reprise
