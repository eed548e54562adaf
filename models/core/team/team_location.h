#pragma once

#include <QString>

namespace reprise {

/// Whether `location` names a PostgreSQL server rather than a file: a libpq connection URI
/// (postgresql://…, postgres://…) or a key/value connection string (`host=… dbname=…`, `service=team`).
/// Apart from the libpq code so that readers of files (and their fuzz harnesses) can ask it.
bool isTeamStoreLocation(const QString& location);

/// Whether a team store location carries a password (`postgresql://user:secret@…`, `?password=…`,
/// `password=…`): such a location is used, never remembered (settings, recent files, tags).
bool teamLocationHasPassword(const QString& location);

} // namespace reprise
