#pragma once

#include "result.h"
#include "store/run_edits.h"

namespace reprise {

/// Writes `edits` (rename, star, archive, notes, tags) to the runs of the team store at `location`
/// in one transaction, as the login of the location. The store decides who may: a writer changes
/// only the runs it added (row-level security), a reader nothing; either refusal is an error naming
/// the store and the run, and nothing is written. Blocking I/O: call it off the GUI thread.
Status applyTeamRunEdits(const QString& location, const QList<RunEdit>& edits);

} // namespace reprise
