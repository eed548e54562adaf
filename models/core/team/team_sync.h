#pragma once

#include "result.h"

#include <QHash>
#include <QStringList>
#include <functional>

namespace reprise {

class Database;
class PgConnection;

/// What one sync did.
struct SyncSummary {
    int runs = 0; ///< runs looked at
    int added = 0; ///< new in the team store
    int updated = 0; ///< already there, something new pushed
    int unchanged = 0;
    int notOwned = 0; ///< there already, owned by another login: left as they are
    qint64 points = 0; ///< metric points pushed
    qint64 bytes = 0; ///< COPY data sent
    QStringList notOwnedRuns; ///< uuids of those runs
};

/// Pushes runs of a local database into a team store, each run in one PostgreSQL transaction (a
/// run is never half-visible, and a sync killed anywhere is completed by the next one).
///
/// Idempotent: run ids (uuids) are kept; what the store already has is compared, not rewritten,
/// so a second sync adds nothing. Incremental: a running run's new points and output chunks are
/// appended; a history the local database packed since is replaced by its packed form; edits
/// (name, tags, notes, star, archive, status, end) update the row. Bulk: rows go by COPY.
/// Table-driven: columns are read from the local schema, which the team schema mirrors, so a new
/// column of a migration travels without changes here.
class TeamSync {
public:
    TeamSync(const Database& local, const PgConnection& team);
    ~TeamSync();

    /// Syncs the runs with these uuids (all runs of the local database when empty).
    /// `cancelled` is polled between runs.
    Result<SyncSummary> sync(const QStringList& uuids = {}, const std::function<bool()>& cancelled = {});

private:
    struct State;
    const Database& m_local;
    const PgConnection& m_team;
    QHash<QString, qint64> m_projectIds; ///< committed remote ids only
    QHash<QString, qint64> m_keyIds;
};

} // namespace reprise
