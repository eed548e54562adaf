#pragma once

#include "store/run_table.h"

#include <QString>
#include <memory>
#include <optional>
#include <vector>

namespace reprise {

/// One source's runs, for a table over several sources.
struct SourceRuns {
    QString path; ///< the database the runs are read from
    QString name; ///< for people: the Source column, and what the filter's `source` matches
    std::shared_ptr<const RunTable> runs;
};

/// The runs of several sources in one table, newest first, with RunTable::sources filled. A run
/// held by several sources (a local run synced to a team store) is one row, read from the first
/// source holding it in the order given (put the ones the user may write first), its Source cell
/// naming every source that holds it (a name used twice gets " (2)"). Pure: any thread; O(rows × columns).
RunTable unionRunTables(const std::vector<SourceRuns>& sources);

/// One database's `table` with the runs `changed` as `fresh` holds them (`fresh` loaded with
/// RunTableColumns::onlyRuns = `changed`): their rows replaced, new runs added in start-time order.
/// Nothing when one of them is no longer in the database (then the table is read again whole).
/// Pure: any thread; O(rows × columns), without reading the database again.
std::optional<RunTable> patchRunTable(const std::shared_ptr<const RunTable>& table,
    const std::shared_ptr<const RunTable>& fresh, const QStringList& changed);

} // namespace reprise
