#pragma once

#include <vector>

namespace reprise {

/// One numbered migration file of resources/schema, embedded at build time.
struct Migration {
    int version;
    const char* sql;
};

/// All migrations, ascending by version. Generated from resources/schema/NNNN_*.sql by CMake.
const std::vector<Migration>& schemaMigrations();

/// The lookup indexes (resources/schema/lookup_indexes.sql, see lookup_indexes.h): statements of
/// the form CREATE INDEX IF NOT EXISTS name ON table(...), with comments.
const char* lookupIndexesSql();

/// PRAGMA application_id of a Reprise database ("RPRS"), so foreign SQLite files are never migrated.
constexpr int kApplicationId = 0x52505253;

} // namespace reprise
