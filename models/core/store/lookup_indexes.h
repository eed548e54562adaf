#pragma once

#include "result.h"

namespace reprise {

class Database;

/// Indexes that make lookups by key fast (a filter on a param or tag over a million runs reads one
/// key's entries instead of every run's params) and the search for abandoned runs (only running
/// runs). They are not part of the versioned schema: every version of Reprise reads a database with
/// or without them, and SQLite keeps them up to date whoever writes, so adding them changes no
/// format and needs no migration of a team store.
///
/// Made when a database is opened for writing and is still small (a new one always is); a larger one
/// gets them from `reprise optimize` (building them for a million runs takes ~25 s and holds the
/// write lock meanwhile, too long to do unasked when opening).
constexpr qint64 kLookupIndexesMadeUnaskedUpTo = 20000; // runs

/// Whether params and tags can be looked up by key through an index.
bool hasKeyLookupIndexes(const Database& db);

/// Makes the indexes that are missing: the cheap one always; those by key when `evenIfLarge` or
/// the database has at most kLookupIndexesMadeUnaskedUpTo runs. One write transaction.
Status makeLookupIndexes(const Database& db, bool evenIfLarge);

} // namespace reprise
