#pragma once

// The part of a run filter that SQLite can decide, so that `reprise ls --filter` over a large
// database reads only the runs that may match instead of every run's params.

#include "result.h"

#include <QStringList>
#include <optional>
#include <string>
#include <vector>

namespace reprise {

class Database;

/// The ids (runs.id, ascending) of the runs of `db` that the filter `text` (Query syntax) keeps,
/// with `now` (epoch seconds) as the end of running runs, and of project `project` when not empty.
/// SQLite evaluates the filter (each comparison made by the same C++ code Query::filter uses), reading
/// only the fields it compares: a param or tag condition walks that key's entries in the index by key
/// once when the database has it (lookup_indexes.h), else looks each run's value up, as it does for
/// latest metrics.
/// Meant as a preselection: Query::filter on the table loaded for these runs keeps exactly what it
/// keeps on the whole table. From `splitFrom` runs on, the upper half of the ids is evaluated at the
/// same time on a second read-only connection to the same file. Call it off the GUI thread, on a
/// connection no other thread uses.
Result<std::vector<qint64>> matchingRunIds(
    const Database& db, const QString& text, double now, const QString& project, size_t splitFrom = 200000);

/// What `reprise ls` prints of a run a filter keeps.
struct ListedRun {
    std::string id, status, project, name; ///< UTF-8 as stored; the status as the run table reads it
    double startTime = 0;
    double endTime = 0; ///< NaN while running
    std::vector<std::optional<std::string>> params; ///< of the keys asked for; nullopt: not set
    std::vector<std::optional<double>> metrics; ///< latest values; nullopt: never logged, NaN: logged missing
    qint64 rowId = 0; ///< runs.id: the order of runs started at the same time (the newer id first)
};

/// The runs of `db` that the filter `text` keeps (as matchingRunIds finds them), newest first, with
/// the values of `params` and the latest values of `metrics` — in one pass, reading nothing of the
/// runs left out. Exact without Query::filter: each half of the ids is read in one snapshot.
Result<std::vector<ListedRun>> listMatchingRuns(const Database& db, const QString& text, double now,
    const QString& project, const QStringList& params, const QStringList& metrics, size_t splitFrom = 200000);

} // namespace reprise
