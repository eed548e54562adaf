-- Reprise run database, schema version 2: the run browser lists runs newest first; this index lets
-- SQLite walk them in that order instead of sorting every run on each load.
CREATE INDEX runs_start ON runs(start_time DESC, id DESC);
