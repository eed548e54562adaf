#pragma once

#include "result.h"
#include "store/run_edits.h"

namespace reprise {

/// Writes `edits` (rename, star, archive, notes, tags) to the runs of the team store at `location`
/// in one transaction, as the login of the location. The store decides who may: a writer changes
/// only the runs it added (row-level security), a reader nothing; either refusal is an error naming
/// the store and the run, and nothing is written. Blocking I/O: call it off the GUI thread.
Status applyTeamRunEdits(const QString& location, const QList<RunEdit>& edits);

/// Whether the run `runUuid` of the team store at `location` was added by the location's own login,
/// as the store records it (reprise_meta.run_owners), never as the run's recorded user and host say:
/// those are written by whoever synced the run. Blocking I/O: call it off the GUI thread.
Result<bool> ownsTeamRun(const QString& location, const QString& runUuid);

} // namespace reprise
