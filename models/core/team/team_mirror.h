#pragma once

#include "result.h"

#include <QString>

namespace reprise {

/// A team store read through a local copy: a Reprise database (same schema) that every reader of
/// files — the CLI's ls/show/metrics/dag/drift/verify, the window's views — reads as it reads any
/// database. The copy lives in ~/.cache/reprise/team/<hash of the location>.db ($XDG_CACHE_HOME
/// respected), is made from one consistent snapshot of the store (a REPEATABLE READ transaction),
/// and replaces the previous copy atomically, so a reader never sees half of it. It is remade only
/// when the store's change counter moved since (every write to the store moves it).
struct TeamMirror {
    QString location; ///< the store, as the user named it
    QString cache; ///< the local copy
    QString storeName; ///< "team store user@host/db", for messages and titles
    bool refreshed = false; ///< false when the copy was already up to date
    qint64 changeCounter = 0; ///< the store's counter the copy was made at
};

/// Where the copy of `location` lives (whether or not it exists yet).
QString teamMirrorPath(const QString& location);

/// Brings the copy of the team store at `location` up to date. An unreachable store is an error
/// naming it; the previous copy stays as it was.
Result<TeamMirror> refreshTeamMirror(const QString& location);

} // namespace reprise
