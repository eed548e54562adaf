"""A run being recorded: params, batched metrics, steps, artifacts, datasets, tags."""

import atexit
import contextlib
import getpass
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

from ._database import DatabaseError, default_database_path, open_database
from ._packing import pack_run_histories
from ._profile import encode_sample_values, file_digest, profile_dataset

FLUSH_INTERVAL_S = 1.0
FLUSH_POINTS = 100_000

_SECRET_MARKS = ("TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE")
_EXACT = {"PATH", "PYTHONPATH", "PYTHONHASHSEED", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
          "LANG", "LC_ALL", "TZ", "CUDA_VISIBLE_DEVICES"}
_PREFIXES = ("PYTHON", "CUDA_", "CUBLAS_", "CUDNN_", "NCCL_", "OMP_", "MKL_", "OPENBLAS_", "TORCH_", "TF_",
             "XLA_", "JAX_", "HF_", "SLURM_")


def recordable_environment(environ=None):
    """The allow-listed environment, as `reprise run` records it (see launch/environment.h)."""
    out = {}
    for name, value in (environ if environ is not None else os.environ).items():
        upper = name.upper()
        if any(mark in upper for mark in _SECRET_MARKS) or upper.startswith("REPRISE_"):
            continue
        if name in _EXACT or name.startswith(_PREFIXES):
            out[name] = value
    return out


def _git(cwd, *args):
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _code_version(cwd):
    root = _git(cwd, "rev-parse", "--show-toplevel")
    if root is None:
        return {"commit": "", "branch": "", "root": "", "dirty": 0, "patch": ""}
    commit = (_git(cwd, "rev-parse", "--verify", "HEAD") or "").strip()
    branch = (_git(cwd, "symbolic-ref", "--short", "-q", "HEAD") or "").strip()
    dirty = bool((_git(cwd, "status", "--porcelain") or "").strip())
    patch = (_git(cwd, "diff", "HEAD", "--binary") or "") if dirty and commit else ""
    return {"commit": commit, "branch": branch, "root": root.strip(), "dirty": int(dirty), "patch": patch}


def runtime_description():
    """The interpreter and the installed versions of the distributions whose modules are imported now.

    Stored in runs.runtime (schema 5) so a reproduction report can name a changed package.
    """
    import platform
    info = {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "executable": sys.executable, "platform": platform.platform()}
    packages = {}
    try:
        from importlib import metadata
        by_module = metadata.packages_distributions()
        for module in {name.partition(".")[0] for name in list(sys.modules)}:
            for dist in by_module.get(module, ()):
                with contextlib.suppress(Exception):
                    packages[dist] = metadata.version(dist)
    except Exception:  # an old Python or a broken installation: the interpreter alone still helps
        pass
    info["packages"] = dict(sorted(packages.items()))
    return info


def _param_type(value):
    if isinstance(value, bool):
        return "bool", "true" if value else "false"
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, float):
        return "float", repr(value)
    if isinstance(value, (list, dict, tuple)):
        return "json", json.dumps(value, sort_keys=True)
    return "str", str(value)


class Run:
    """One run. Create it with start_run(); use it as a context manager.

    Thread-safe: metrics may be logged from several threads. Points are buffered and written in one
    transaction every FLUSH_INTERVAL_S seconds (by a background thread), every FLUSH_POINTS points,
    on flush(), and when the run ends.
    """

    def __init__(self, conn, db_path, run_row, run_id, params, owner):
        self._conn = conn
        self.db_path = db_path
        self._row = run_row
        self.id = run_id
        self.params = params
        self._owner = owner  # False when attached to a run that `reprise run` owns
        self._lock = threading.RLock()
        self._buffer = []
        self._auto_step = {}
        self._key_ids = {}
        self._finished = False
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically, name="reprise-flush", daemon=True)
        self._flusher.start()
        self._previous_sigterm = None
        atexit.register(self._at_exit)
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, OSError):
                self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)

    # -- context manager ---------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.finish("finished")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.finish("killed", exit_code=130)
        else:
            self.finish("failed", exit_code=1)
        return False  # re-raise

    # -- metrics -----------------------------------------------------------------------------------
    def log_metric(self, key, value, step=None, timestamp=None):
        """Logs one point. `step` defaults to the key's previous step + 1 (0 first). NaN/inf are kept."""
        with self._lock:
            if step is None:
                step = self._auto_step.get(key, -1) + 1
            self._auto_step[key] = step
            self._buffer.append((key, int(step), float(value), time.time() if timestamp is None else timestamp))
            if len(self._buffer) >= FLUSH_POINTS:
                self._flush_locked()

    def log_metrics(self, values, step=None, timestamp=None):
        """Logs several keys at the same step."""
        now = time.time() if timestamp is None else timestamp
        with self._lock:
            for key, value in values.items():
                s = step if step is not None else self._auto_step.get(key, -1) + 1
                self._auto_step[key] = s
                self._buffer.append((key, int(s), float(value), now))
            if len(self._buffer) >= FLUSH_POINTS:
                self._flush_locked()

    def flush(self):
        """Writes buffered points now."""
        with self._lock:
            self._flush_locked()

    def _key_id(self, key):
        key_id = self._key_ids.get(key)
        if key_id is None:
            self._conn.execute("INSERT INTO metric_keys(name) VALUES(?) ON CONFLICT(name) DO NOTHING", (key,))
            key_id = self._conn.execute("SELECT id FROM metric_keys WHERE name = ?", (key,)).fetchone()[0]
            self._key_ids[key] = key_id
        return key_id

    def _flush_locked(self):
        if not self._buffer:
            return
        points, self._buffer = self._buffer, []
        conn = self._conn
        run = self._row
        conn.execute("BEGIN IMMEDIATE")
        try:
            seqs = {}
            last = {}
            rows = []
            append = rows.append
            for key, step, value, stamp in points:
                state = seqs.get(key)
                if state is None:
                    key_id = self._key_id(key)
                    found = conn.execute("SELECT count FROM metric_latest WHERE run_id = ? AND key_id = ?",
                                         (run, key_id)).fetchone()
                    state = seqs[key] = [key_id, found[0] if found else 0]
                append((run, state[0], step, state[1], value, stamp))
                state[1] += 1
                previous = last.get(key)
                if previous is None or step >= previous[0]:
                    last[key] = (step, value, stamp)
            conn.executemany("INSERT INTO metrics(run_id, key_id, step, seq, value, time) VALUES(?,?,?,?,?,?)", rows)
            conn.executemany(
                "INSERT INTO metric_latest(run_id, key_id, step, value, time, count) VALUES(?,?,?,?,?,?) "
                "ON CONFLICT(run_id, key_id) DO UPDATE SET count = excluded.count, "
                "value = CASE WHEN excluded.step >= step THEN excluded.value ELSE value END, "
                "time = CASE WHEN excluded.step >= step THEN excluded.time ELSE time END, "
                "step = CASE WHEN excluded.step >= step THEN excluded.step ELSE step END",
                [(run, seqs[k][0], s, v, t, seqs[k][1]) for k, (s, v, t) in last.items()])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self._key_ids.clear()  # ids created in the rolled-back transaction are gone
            self._buffer[:0] = points  # keep them for the next try
            raise

    def _flush_periodically(self):
        while not self._stop.wait(FLUSH_INTERVAL_S):
            with contextlib.suppress(Exception):
                self.flush()

    # -- params, tags, notes -----------------------------------------------------------------------
    def _write(self, sql, rows):
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def log_params(self, params):
        self.params.update(params)
        self._write("INSERT OR REPLACE INTO params(run_id, key, value, vtype) VALUES(?,?,?,?)",
                    [(self._row, k, *reversed(_param_type(v))) for k, v in params.items()])

    def set_tag(self, key, value):
        self.set_tags({key: value})

    def set_tags(self, tags):
        self._write("INSERT OR REPLACE INTO tags(run_id, key, value) VALUES(?,?,?)",
                    [(self._row, str(k), str(v)) for k, v in tags.items()])

    def set_notes(self, text):
        self._write("UPDATE runs SET notes = ? WHERE id = ?", [(str(text), self._row)])

    # -- artifacts, steps, datasets ----------------------------------------------------------------
    def _artifact(self, path, reuse=True):
        """Row id of an artifact of this run for `path` as it is now (same path and hash reuse a row)."""
        digest, size = file_digest(path)
        conn = self._conn
        if reuse:
            found = conn.execute("SELECT id FROM artifacts WHERE run_id = ? AND path = ? AND hash = ? "
                                 "ORDER BY id DESC LIMIT 1", (self._row, str(path), digest)).fetchone()
            if found:
                return found[0]
        cur = conn.execute("INSERT INTO artifacts(run_id, path, hash, size, created_at) VALUES(?,?,?,?,?)",
                           (self._row, str(path), digest, size, time.time()))
        return cur.lastrowid

    def log_artifact(self, path):
        """Records a file or folder produced by the run, with its sha256 content hash and size."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._artifact(os.fspath(path))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def step(self, name, inputs=(), outputs=(), params=None, command="", after=()):
        """A pipeline step: inputs are hashed on entry, outputs on exit; status and times recorded.

        An output of one step that is an input of a later one (same path and content) becomes a DAG
        edge; `after` names steps this one depends on explicitly.
        """
        started = time.time()
        input_hashes = [(os.fspath(p), file_digest(p)) for p in inputs]
        status = "finished"
        try:
            yield self
        except BaseException:
            status = "failed"
            raise
        finally:
            self._record_step(name, status, started, time.time(), input_hashes, [os.fspath(p) for p in outputs],
                              params or {}, command, after)

    def _record_step(self, name, status, started, ended, input_hashes, outputs, params, command, after):
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO steps(run_id, name, status, start_time, end_time, cached, command, params, log) "
                    "VALUES(?,?,?,?,?,0,?,?,'')",
                    (self._row, name, status, started, ended, command, json.dumps(params, sort_keys=True)))
                step_id = cur.lastrowid
                for path, (digest, size) in input_hashes:
                    found = conn.execute("SELECT id FROM artifacts WHERE run_id = ? AND path = ? AND hash = ? "
                                         "ORDER BY id DESC LIMIT 1", (self._row, path, digest)).fetchone()
                    artifact = found[0] if found else conn.execute(
                        "INSERT INTO artifacts(run_id, path, hash, size, created_at) VALUES(?,?,?,?,?)",
                        (self._row, path, digest, size, started)).lastrowid
                    conn.execute("INSERT OR IGNORE INTO step_io(step_id, artifact_id, direction) VALUES(?,?,'in')",
                                 (step_id, artifact))
                if status == "finished":
                    for path in outputs:
                        conn.execute("INSERT OR IGNORE INTO step_io(step_id, artifact_id, direction) "
                                     "VALUES(?,?,'out')", (step_id, self._artifact(path, reuse=False)))
                for before in after:
                    found = conn.execute("SELECT id FROM steps WHERE run_id = ? AND name = ? ORDER BY id DESC "
                                         "LIMIT 1", (self._row, before)).fetchone()
                    if found:
                        conn.execute("INSERT OR IGNORE INTO step_edges(from_step, to_step) VALUES(?,?)",
                                     (found[0], step_id))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def log_dataset(self, name, data, role="", uri=""):
        """Profiles `data` (columns: {feature: [values]}, or rows: [{feature: value}]) for drift.

        Each feature gets a type (numeric or categorical), count, missing count, summary statistics
        and a sample of at most 10,000 values (all values when there are fewer).
        """
        rows, digest, profiles = profile_dataset(data)
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                dataset = conn.execute(
                    "INSERT INTO datasets(run_id, name, uri, hash, rows, role, created_at) VALUES(?,?,?,?,?,?,?)",
                    (self._row, name, uri, digest, rows, role, time.time())).lastrowid
                # Numeric samples go in binary (sample_values), categorical ones as JSON text.
                conn.executemany(
                    "INSERT OR REPLACE INTO feature_profiles(dataset_id, feature, ftype, count, missing, stats, "
                    "sample, sample_values) VALUES(?,?,?,?,?,?,?,?)",
                    [(dataset, p["feature"], p["type"], p["count"], p["missing"], json.dumps(p["stats"]),
                      "[]" if p["type"] == "numeric" else json.dumps(p["sample"]),
                      encode_sample_values(p["sample"]) if p["type"] == "numeric" else None) for p in profiles])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # -- ending ------------------------------------------------------------------------------------
    def finish(self, status="finished", exit_code=None):
        """Flushes and, if this client created the run, records its end. Idempotent."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._stop.set()
            self._flush_locked()
            runtime = json.dumps(runtime_description(), sort_keys=True)
            # The end and the packed histories land together (as the C++ store does it).
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self._conn.execute("PRAGMA user_version").fetchone()[0] >= 5:
                    self._conn.execute("UPDATE runs SET runtime = ? WHERE id = ?", (runtime, self._row))
                if self._owner:
                    self._conn.execute("UPDATE runs SET status = ?, exit_code = ?, end_time = ? WHERE id = ?",
                                       (status, 0 if status == "finished" and exit_code is None else exit_code,
                                        time.time(), self._row))
                    pack_run_histories(self._conn, self._row)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        if self._previous_sigterm is not None and threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None

    def _at_exit(self):
        with contextlib.suppress(Exception):
            self.finish("finished")

    def _on_sigterm(self, signo, frame):
        # Keep every point logged so far, record the kill, then die of the signal as expected.
        with contextlib.suppress(Exception):
            self.finish("killed", exit_code=128 + signo)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _project_id(conn, name):
    conn.execute("INSERT INTO projects(name, created_at) VALUES(?, ?) ON CONFLICT(name) DO NOTHING",
                 (name, time.time()))
    return conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()[0]


def start_run(project="default", name=None, params=None, tags=None, db=None):
    """Starts (or, under `reprise run`, attaches to) a run and returns it.

    `params` are the defaults written in the code; values from REPRISE_PARAMS (set by `reprise run
    --param` and by reruns with edited params) override them. The effective params are recorded and
    available as `run.params`.
    """
    effective = dict(params or {})
    overrides = os.environ.get("REPRISE_PARAMS")
    if overrides:
        try:
            effective.update(json.loads(overrides))
        except ValueError:
            raise DatabaseError(f"REPRISE_PARAMS: not a JSON object ({overrides[:60]!r})") from None
    attached_id = os.environ.get("REPRISE_RUN_ID")
    db_path = os.environ.get("REPRISE_DB") if attached_id else None
    db_path = db_path or db or default_database_path()
    conn = open_database(db_path)

    if attached_id:
        found = conn.execute("SELECT id FROM runs WHERE uuid = ?", (attached_id,)).fetchone()
        if not found:
            raise DatabaseError(f"{db_path}: no run {attached_id} to attach to (REPRISE_RUN_ID); "
                                "start the program with `reprise run`, or unset REPRISE_RUN_ID")
        run = Run(conn, db_path, found[0], attached_id, effective, owner=False)
        # The name and project given in code win over what `reprise run` defaulted to, not over its
        # --name and --project.
        if name and not os.environ.get("REPRISE_RUN_NAME"):
            run._write("UPDATE runs SET name = ? WHERE id = ?", [(name, found[0])])
        if project != "default" and not os.environ.get("REPRISE_RUN_PROJECT"):
            with run._lock:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute("UPDATE runs SET project_id = ? WHERE id = ?", (_project_id(conn, project), found[0]))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
    else:
        cwd = os.getcwd()
        code = _code_version(cwd)
        run_id = uuid.uuid4().hex
        conn.execute("BEGIN IMMEDIATE")
        try:
            project_id = _project_id(conn, project)
            row = conn.execute(
                "INSERT INTO runs(uuid, project_id, name, status, kind, start_time, user_name, host, pid, argv, cwd, "
                "env, git_commit, git_branch, git_dirty, git_patch, git_root) "
                "VALUES(?,?,?,'running','run',?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, project_id, name or os.path.basename(sys.argv[0] or "python"), time.time(),
                 getpass.getuser(), socket.gethostname(), os.getpid(),
                 json.dumps([sys.executable, *sys.argv]), cwd, json.dumps(recordable_environment()),
                 code["commit"], code["branch"], code["dirty"], code["patch"], code["root"])).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        run = Run(conn, db_path, row, run_id, effective, owner=True)
    if effective:
        run.log_params(effective)
    if tags:
        run.set_tags(tags)
    return run
