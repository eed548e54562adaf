#pragma once

#include "result.h"

#include <QString>
#include <QStringList>

namespace reprise {

class PgConnection;

/// The SQLite migration text (resources/schema/NNNN_*.sql, one source of truth) in PostgreSQL's
/// dialect: INTEGER PRIMARY KEY becomes an identity column, INTEGER bigint, REAL double precision,
/// BLOB bytea, and WITHOUT ROWID goes. Tables keep their names and columns.
QString postgresDialect(const QString& sqliteSql);

/// What `reprise team init` did.
struct TeamInitSummary {
    int fromVersion = 0; ///< 0: the store was created
    int toVersion = 0;
};

/// Creates or migrates the team schema (tables in schema `reprise`, bookkeeping in `reprise_meta`),
/// the group roles `reprise_reader` (reads) and `reprise_writer` (adds runs, edits its own), their
/// grants and row-level security; all in one transaction, safe to run again and concurrently.
/// Needs a login that may create schemas and roles (an administrator's).
Result<TeamInitSummary> initTeamStore(const PgConnection& conn);

/// The team store's schema version, refused with a clear message when the store is missing, older
/// than this Reprise (an administrator migrates it with `reprise team init`) or newer.
Result<int> checkTeamSchema(const PgConnection& conn);

/// The tables of the run schema (schema `reprise`), in migration order.
QStringList teamTables();

} // namespace reprise
