-- Reprise run database, schema version 4: finished runs' metric histories packed. Reading a history
-- row by row costs ~130 ns a point in sqlite3_step, which kept 20 runs × 1 M points over the compare
-- view's 1.5 s budget. When a run finishes, each of its histories moves into one row here: every
-- point in (step, seq) order as little-endian int64 steps and float64 values (NaN as NaN) and times.
-- `count` points are packed; points logged after that (seq >= count) are rows in `metrics` again,
-- and readers merge the two.
CREATE TABLE metric_packed (
    run_id  INTEGER NOT NULL,
    key_id  INTEGER NOT NULL,
    count   INTEGER NOT NULL,
    steps   BLOB NOT NULL,
    vals    BLOB NOT NULL,
    times   BLOB NOT NULL,
    PRIMARY KEY (run_id, key_id)
);
