#pragma once

// The part of a run filter that SQLite can decide, so that `reprise ls --filter` over a large
// database reads only the runs that may match instead of every run's params.

#include "result.h"

#include <QString>
#include <vector>

namespace reprise {

class Database;

/// The ids (runs.id, ascending) of the runs of `db` that the filter `text` (Query syntax) keeps,
/// with `now` (epoch seconds) as the end of running runs, and of project `project` when not empty.
/// SQLite evaluates the filter run by run (params, tags and latest metrics looked up by key, each
/// comparison made by the same C++ code Query::filter uses), so it reads only those fields.
/// Meant as a preselection: Query::filter on the table loaded for these runs keeps exactly what it
/// keeps on the whole table. From `splitFrom` runs on, the upper half of the ids is evaluated at the
/// same time on a second read-only connection to the same file. Call it off the GUI thread, on a
/// connection no other thread uses.
Result<std::vector<qint64>> matchingRunIds(
    const Database& db, const QString& text, double now, const QString& project, size_t splitFrom = 200000);

} // namespace reprise
