-- Reprise run database, schema version 1.
-- Portable SQL types only (INTEGER, REAL, TEXT, BLOB) so a PostgreSQL backend stays possible.
-- Times are seconds since the Unix epoch (UTC) as REAL. JSON documents are stored as TEXT.
-- The C++ store embeds this file and the Python client reads it (clients/python/reprise/schema).

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  REAL NOT NULL
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,           -- 32 lowercase hex digits
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'running', -- running | finished | failed | killed
    kind        TEXT NOT NULL DEFAULT 'run',     -- run | rerun | import
    parent_id   INTEGER REFERENCES runs(id),     -- the run this one reproduces or was cloned from
    start_time  REAL NOT NULL,
    end_time    REAL,
    exit_code   INTEGER,
    user_name   TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    pid         INTEGER,                         -- owning process while running (crash recovery)
    argv        TEXT NOT NULL DEFAULT '[]',      -- launch spec: JSON array
    cwd         TEXT NOT NULL DEFAULT '',
    env         TEXT NOT NULL DEFAULT '{}',      -- allow-listed environment: JSON object
    config_files TEXT NOT NULL DEFAULT '{}',     -- config-file snapshots: JSON object path -> text
    git_commit  TEXT NOT NULL DEFAULT '',
    git_branch  TEXT NOT NULL DEFAULT '',
    git_dirty   INTEGER NOT NULL DEFAULT 0,
    git_patch   TEXT NOT NULL DEFAULT '',
    git_root    TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT '',
    starred     INTEGER NOT NULL DEFAULT 0,
    archived    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_project ON runs(project_id, start_time);
CREATE INDEX runs_parent ON runs(parent_id);

-- Typed configuration. vtype: int | float | bool | str | json.
CREATE TABLE params (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    vtype   TEXT NOT NULL DEFAULT 'str',
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

CREATE TABLE tags (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

CREATE TABLE metric_keys (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);

-- One row per logged point. seq is the point's ordinal within (run, key), so repeated steps are
-- kept in logging order. NULL value means NaN (SQLite stores NaN as NULL); +-inf are stored as is.
-- Keyed so that "history of key K of run R ordered by step" is one contiguous range scan.
CREATE TABLE metrics (
    run_id  INTEGER NOT NULL,
    key_id  INTEGER NOT NULL,
    step    INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    value   REAL,
    time    REAL NOT NULL,
    PRIMARY KEY (run_id, key_id, step, seq)
) WITHOUT ROWID;

-- The run browser's small table: the latest point (largest step, last logged) and the count.
CREATE TABLE metric_latest (
    run_id  INTEGER NOT NULL,
    key_id  INTEGER NOT NULL,
    step    INTEGER NOT NULL,
    value   REAL,
    time    REAL NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (run_id, key_id)
) WITHOUT ROWID;

-- Captured stdout/stderr of a run, in chunks appended while it runs.
CREATE TABLE run_output (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    seq     INTEGER NOT NULL,
    stream  TEXT NOT NULL,                       -- stdout | stderr
    time    REAL NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE steps (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    name        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'running', -- running | finished | failed | skipped
    start_time  REAL,
    end_time    REAL,
    cached      INTEGER NOT NULL DEFAULT 0,
    command     TEXT NOT NULL DEFAULT '',
    params      TEXT NOT NULL DEFAULT '{}',
    log         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX steps_run ON steps(run_id);

CREATE TABLE artifacts (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs(id),
    path      TEXT NOT NULL,                     -- path or URI
    hash      TEXT NOT NULL DEFAULT '',          -- "sha256:<hex>" when known
    size      INTEGER,
    created_at REAL NOT NULL
);
CREATE INDEX artifacts_run ON artifacts(run_id);

-- Step inputs and outputs. An output of one step that is an input of another is a DAG edge.
CREATE TABLE step_io (
    step_id     INTEGER NOT NULL REFERENCES steps(id),
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    direction   TEXT NOT NULL,                   -- in | out
    PRIMARY KEY (step_id, artifact_id, direction)
) WITHOUT ROWID;

-- Explicit step dependencies, in addition to the ones derived from artifacts.
CREATE TABLE step_edges (
    from_step  INTEGER NOT NULL REFERENCES steps(id),
    to_step    INTEGER NOT NULL REFERENCES steps(id),
    PRIMARY KEY (from_step, to_step)
) WITHOUT ROWID;

CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    name        TEXT NOT NULL,
    uri         TEXT NOT NULL DEFAULT '',
    hash        TEXT NOT NULL DEFAULT '',
    rows        INTEGER NOT NULL DEFAULT 0,
    role        TEXT NOT NULL DEFAULT '',        -- train | validation | test | production | ...
    created_at  REAL NOT NULL
);
CREATE INDEX datasets_run ON datasets(run_id);

-- Per-feature profile: summary statistics (JSON) and a bounded sample (JSON array, at most
-- 10,000 values, exact values when the data is smaller) from which drift is computed later.
CREATE TABLE feature_profiles (
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    feature     TEXT NOT NULL,
    ftype       TEXT NOT NULL,                   -- numeric | categorical
    count       INTEGER NOT NULL,
    missing     INTEGER NOT NULL,
    stats       TEXT NOT NULL DEFAULT '{}',
    sample      TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (dataset_id, feature)
) WITHOUT ROWID;
