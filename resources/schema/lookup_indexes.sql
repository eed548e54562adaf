-- Lookup indexes: not part of the numbered, versioned schema. Every version of Reprise reads a
-- database with or without them and SQLite keeps them up to date whoever writes, so adding them
-- changes no format and needs no migration of a team store (models/core/store/lookup_indexes.h).
-- A new database gets them at once; an index on runs is made whenever one is missing; those on
-- params and tags (as large as those tables) unasked only for a database of few runs, else by
-- `reprise optimize`.

-- Finding the runs whose recording process may have died reads only running runs.
CREATE INDEX IF NOT EXISTS runs_running ON runs(host, pid) WHERE status = 'running';
-- A filter on one key walks that key's entries (run_id is part of each entry: the tables' key).
CREATE INDEX IF NOT EXISTS params_by_key ON params(key, value);
CREATE INDEX IF NOT EXISTS tags_by_key ON tags(key, value);
