#pragma once

#include "result.h"

#include <QString>
#include <QStringList>

namespace reprise {

/// How much of the store a refresh brings into the copy.
enum class TeamCopyDepth {
    Full, ///< everything: the run table and every history, pipeline, dataset and output
    RunTableFirst, ///< a first copy with the run table only (runs, params, tags, latest metric
                   ///< values), when there is no copy yet; a Full refresh brings the rest in place
};

/// A team store read through a local copy: a Reprise database (same schema) that every reader of
/// files — the CLI's ls/show/metrics/dag/drift/verify, the window's views — reads as it reads any
/// database. The copy lives in ~/.cache/reprise/team/<hash of the location>.db ($XDG_CACHE_HOME
/// respected) and is always the store as one snapshot (a REPEATABLE READ transaction) saw it.
///
/// The first copy is made beside and renamed over (never half there). After that, a refresh asks
/// the store's change log (reprise_meta.run_changes) which runs changed since the snapshot the copy
/// was made from, and replaces only those runs' rows, in place, in one SQLite transaction: readers
/// see the copy before or after, never between, and a refresh killed midway leaves the copy as it
/// was. The copy is made anew when it cannot be brought up to date that way: the store was dropped
/// and made again (its database oid), a table was truncated, or the store predates the change log
/// (then any change remakes the copy).
struct TeamMirror {
    QString location; ///< the store, as the user named it
    QString cache; ///< the local copy
    QString storeName; ///< "team store user@host/db", for messages and titles
    bool refreshed = false; ///< false when the copy was already up to date
    bool remade = false; ///< the copy was made anew (a new file) rather than updated in place
    bool runTableOnly = false; ///< the copy holds the run table only (TeamCopyDepth::RunTableFirst)
    qint64 changedRuns = 0; ///< runs an in-place refresh brought again (new, changed or removed)
    QStringList changedUuids; ///< their uuids (a removed run's too), for a table shown to follow
                              ///< without reading every run; empty when the copy was made anew
    qint64 changeCounter = 0; ///< the store's counter the copy was made at
};

/// Where the copy of `location` lives (whether or not it exists yet).
QString teamMirrorPath(const QString& location);

/// Brings the copy of the team store at `location` up to date. An unreachable store is an error
/// naming it; the previous copy stays as it was.
Result<TeamMirror> refreshTeamMirror(const QString& location, TeamCopyDepth depth = TeamCopyDepth::Full);

} // namespace reprise
