"""A run being recorded: params, batched metrics, steps, artifacts, datasets, tags."""

import atexit
import contextlib
import getpass
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import warnings

from ._database import (BufferFullError, DatabaseError, WriteError, WriteWarning, busy_timeout_seconds,
                        default_database_path, open_database, rollback, write_advice)
from ._packing import pack_run_histories
from ._profile import encode_sample_values, file_digest, profile_dataset

FLUSH_INTERVAL_S = 1.0
FLUSH_POINTS = 100_000
# The default bound of unstored points (start_run(max_buffered_points=...), $REPRISE_MAX_BUFFERED_POINTS).
# A buffered point takes ~160 bytes in CPython (measured), so 2 M points are ~320 MB: minutes of a
# database that cannot be written (the 49 s of a 30 M-point `reprise import` several times over at
# 10,000 points/s) before log_metric refuses points.
MAX_BUFFERED_POINTS = 2_000_000

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


@contextlib.contextmanager
def _transact(conn, path, what):
    """BEGIN IMMEDIATE ... COMMIT. A failure rolls back what SQLite still has open and raises WriteError with
    SQLite's own reason (never a secondary "cannot rollback - no transaction is active")."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException as e:
        rollback(conn)
        if isinstance(e, sqlite3.Error) and not isinstance(e, WriteError):
            raise WriteError.from_sqlite(path, what, e, kept="nothing of it was stored") from e
        raise


def _warn(message):
    # Not raised even under `-W error`: a warning must not kill the flusher or hide the user's exception.
    with contextlib.suppress(Exception):
        warnings.warn(message, WriteWarning, stacklevel=3)


def _max_buffered_points(given):
    if given is None:
        text = os.environ.get("REPRISE_MAX_BUFFERED_POINTS", "").strip()
        if not text:
            return MAX_BUFFERED_POINTS
        try:
            given = int(text)
        except ValueError:
            raise DatabaseError(f"REPRISE_MAX_BUFFERED_POINTS: not a whole number ({text[:60]!r})") from None
    if int(given) < 1:
        raise ValueError(f"max_buffered_points must be at least 1 (got {given})")
    return int(given)


class Run:
    """One run. Create it with start_run(); use it as a context manager.

    Thread-safe: metrics may be logged from several threads. Points are buffered and written in one
    transaction every FLUSH_INTERVAL_S seconds (by a background thread), every FLUSH_POINTS points,
    on flush(), and when the run ends.

    Nothing logged is dropped when a write fails (the database locked by another writer for longer than
    the busy timeout, a full disk, ...): the points stay buffered, in order and ahead of newer ones, and
    the next flush writes them (the background one retries every FLUSH_INTERVAL_S). flush() and finish()
    raise WriteError with SQLite's reason; log_metric() and log_metrics() go on buffering (the first
    failure of a streak is reported as a WriteWarning; `write_error` holds the latest) until
    `max_buffered_points` points wait, and then raise BufferFullError instead of holding more.
    The other writes (params, tags, notes, steps, artifacts, datasets) are written at once and raise
    WriteError when SQLite refuses them; nothing of such a write is stored then, so it can be repeated.
    """

    def __init__(self, conn, db_path, run_row, run_id, params, owner, max_buffered_points=None,
                 busy_timeout=None, child=False):
        self._conn = conn
        # A child run (start_child) closes its connection once ended, so that a search of hundreds of
        # candidates does not hold hundreds of open databases; its parent handles SIGTERM.
        self._child = child
        # What children record as their runtime: described once (reading every installed distribution's
        # metadata takes ~0.1 s), then the same for each child of this run.
        self._children_runtime = None
        self._parent = None
        self.db_path = db_path
        self._row = run_row
        self.id = run_id
        self.params = params
        self._owner = owner  # False when attached to a run that `reprise run` owns
        self._busy_timeout = busy_timeout_seconds() if busy_timeout is None else busy_timeout
        # Two locks, always taken in this order. _lock guards the connection (every statement and
        # transaction, however long SQLite waits for another writer); _buffer_lock guards the buffer
        # and is held only briefly, so logging goes on while a write waits. Both are re-entrant for
        # the SIGTERM handler, which runs on the main thread wherever it was interrupted.
        self._lock = threading.RLock()
        self._lock_owner = None  # the thread holding _lock, to defer SIGTERM until its write is done
        self._lock_depth = 0
        self._deferred_signal = None
        self._buffer_lock = threading.RLock()
        self._buffer = []
        self._in_flight = 0  # points taken out of the buffer by the write in progress
        self._max_buffered = _max_buffered_points(max_buffered_points)
        self._flush_threshold = min(FLUSH_POINTS, self._max_buffered)
        # log_* append without further checks while the buffer stays below the flush threshold and
        # writes succeed; 0 while they fail, so that every point is checked against the bound.
        self._hot_limit = self._flush_threshold - 1
        self._write_error = None
        self._auto_step = {}
        self._key_ids = {}
        self._finished = False
        self._ending = None  # (status, exit_code) of the first finish() asked for
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically, name="reprise-flush", daemon=True)
        self._flusher.start()
        self._previous_sigterm = None
        atexit.register(self._at_exit)
        if not child and threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, OSError):
                self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)

    # -- context manager ---------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        """Finishes the run: "finished", or "failed" (exit code 1) on an exception, "killed" (130) on
        KeyboardInterrupt. When points cannot be stored, a clean exit raises finish()'s WriteError; after
        an exception in the block that exception goes on and the WriteError is given as a WriteWarning."""
        if exc_type is None:
            self.finish("finished")
            return False
        status, code = ("killed", 130) if issubclass(exc_type, KeyboardInterrupt) else ("failed", 1)
        try:
            self.finish(status, exit_code=code)
        except Exception as error:
            _warn(f"{error} (while ending the run after {exc_type.__name__})")
        return False  # re-raise

    # -- metrics -----------------------------------------------------------------------------------
    @property
    def write_error(self):
        """The WriteError of the latest failed write of metric points, or None when the latest succeeded."""
        return self._write_error

    @property
    def pending_points(self):
        """Metric points logged and not stored yet (buffered, being written, or kept after a failed write)."""
        return len(self._buffer) + self._in_flight

    def log_metric(self, key, value, step=None, timestamp=None):
        """Logs one point. `step` defaults to the key's previous step + 1 (0 first). NaN/inf are kept.

        Buffered, so a failed write does not raise here (see Run); raises BufferFullError, without
        recording the point, when writes fail and `max_buffered_points` points already wait.
        """
        with self._buffer_lock:
            if step is None:
                step = self._auto_step.get(key, -1) + 1
            point = (key, int(step), float(value), time.time() if timestamp is None else float(timestamp))
            buffer = self._buffer
            if len(buffer) < self._hot_limit:  # the hot path: nothing else to decide
                self._auto_step[key] = step
                buffer.append(point)
                return
            flush, refusal = self._admit_locked(((key, step),), (point,))
        self._after_admit(flush, refusal)

    def log_metrics(self, values, step=None, timestamp=None):
        """Logs several keys at the same step (all of them, or none when the buffer is full)."""
        now = time.time() if timestamp is None else float(timestamp)
        with self._buffer_lock:
            auto = self._auto_step
            pairs = list(values.items())
            steps = [(key, step if step is not None else auto.get(key, -1) + 1) for key, _ in pairs]
            points = [(key, int(s), float(value), now) for (key, s), (_, value) in zip(steps, pairs)]
            buffer = self._buffer
            if len(buffer) + len(points) <= self._hot_limit:
                auto.update(steps)
                buffer.extend(points)
                return
            flush, refusal = self._admit_locked(steps, points)
        self._after_admit(flush, refusal)

    def _admit_locked(self, steps, points):
        """log_* off the hot path (holding _buffer_lock). Returns (flush, refusal): the points are buffered
        and `flush` says whether the buffer reached the flush threshold with writes succeeding; or, when
        writes fail and the points would take more than max_buffered_points, nothing is buffered and
        `refusal` is the WriteError of the last failed write."""
        error = self._write_error
        if error is not None and len(self._buffer) + self._in_flight + len(points) > self._max_buffered:
            return False, error
        self._auto_step.update(steps)
        self._buffer.extend(points)
        return error is None and len(self._buffer) >= self._flush_threshold, None

    def _after_admit(self, flush, refusal):
        if flush:
            # Written here (blocking, which keeps memory in step with the writer). While writes fail,
            # the background flusher retries instead and logging goes on without waiting.
            self._flush(raise_error=False, after_failure=False)
        if refusal is None:
            return
        error = refusal
        waiting = self.pending_points
        advice = write_advice(error.reason)
        raise BufferFullError(
            f"{self.db_path}: metric point not recorded: {waiting:,} points of run {self.id} wait to be stored, "
            f"the most this client holds (max_buffered_points, $REPRISE_MAX_BUFFERED_POINTS), because writing "
            f"them fails: {error.reason}; they are kept and written by the next flush that succeeds"
            + (f" ({advice})" if advice else ""), self.db_path, error.reason, waiting, error.__cause__)

    def flush(self):
        """Writes the buffered points now, in one transaction (waiting up to the busy timeout for another
        writer, $REPRISE_BUSY_TIMEOUT_MS, 30 s by default).

        Raises WriteError with SQLite's reason (e.g. "database is locked", "database or disk is full")
        when they cannot be written; they are kept then, in order, and written by the next flush.
        """
        self._flush()

    @contextlib.contextmanager
    def _connection(self, timeout=-1):
        """Holds the connection (_lock) for one thread; a SIGTERM arriving meanwhile on this thread is
        handled once it is released. `timeout` (s) bounds the wait for another thread's write."""
        if not self._lock.acquire(timeout=timeout):
            raise WriteError(f"{self.db_path}: another thread kept writing for {timeout:.0f} s", self.db_path,
                             "timed out waiting for another thread", self.pending_points)
        self._lock_owner = threading.get_ident()
        self._lock_depth += 1
        try:
            yield self._conn
        finally:
            self._lock_depth -= 1
            outermost = self._lock_depth == 0
            if outermost:
                self._lock_owner = None
            self._lock.release()
            signo = self._deferred_signal
            if outermost and signo is not None and threading.current_thread() is threading.main_thread():
                self._deferred_signal = None
                self._on_sigterm(signo, None)

    @contextlib.contextmanager
    def _transaction(self, what, lock_timeout=-1):
        """A write transaction on the held connection; WriteError (nothing stored) when SQLite refuses."""
        with self._connection(lock_timeout) as conn, _transact(conn, self.db_path, what):
            yield conn

    def _flush(self, raise_error=True, after_failure=True, lock_timeout=-1):
        """Writes the buffered points in one transaction. On failure they go back to the front of the
        buffer and the error is kept in write_error and raised, or (raise_error=False) warned about when
        it starts a streak of failures. after_failure=False: nothing is tried while writes are failing
        (log_* leave the retries to the background flusher)."""
        with self._connection(lock_timeout):
            points = None
            try:
                with self._buffer_lock:
                    if not self._buffer or (not after_failure and self._write_error is not None):
                        return
                    points, self._buffer = self._buffer, []
                    self._in_flight = len(points)
                self._write_points(points)
            except BaseException as e:
                with self._buffer_lock:
                    if points is not None and points is not self._buffer:  # (an interrupt may come first)
                        points.extend(self._buffer)  # points logged meanwhile stay behind the failed batch
                        self._buffer = points
                    points = self._buffer
                    self._in_flight = 0
                    if not isinstance(e, sqlite3.Error):
                        raise
                    error = WriteError.from_sqlite(
                        self.db_path, f"writing metric points of run {self.id}", e, pending=len(points),
                        kept=f"{len(points):,} points not stored yet are kept and written by the next flush")
                    error.__cause__ = e
                    first = self._write_error is None
                    self._write_error = error
                    self._hot_limit = 0  # every point is checked against the bound while writes fail
                if raise_error:
                    raise error from e
                if first:
                    _warn(str(error))
                return
            with self._buffer_lock:
                self._in_flight = 0
                self._write_error = None
                self._hot_limit = self._flush_threshold - 1

    def _key_id(self, key):
        key_id = self._key_ids.get(key)
        if key_id is None:
            name = key if isinstance(key, str) else str(key)
            self._conn.execute("INSERT INTO metric_keys(name) VALUES(?) ON CONFLICT(name) DO NOTHING", (name,))
            key_id = self._conn.execute("SELECT id FROM metric_keys WHERE name = ?", (name,)).fetchone()[0]
            self._key_ids[key] = key_id
        return key_id

    def _write_points(self, points):
        """One transaction; raises SQLite's error as it is, after rolling back."""
        conn = self._conn
        run = self._row
        try:
            conn.execute("BEGIN IMMEDIATE")
            seqs = {}
            last = {}
            # In slices, so a large backlog (after failed writes) does not need its rows in memory twice.
            for start in range(0, len(points), FLUSH_POINTS):
                rows = []
                append = rows.append
                for key, step, value, stamp in points if len(points) <= FLUSH_POINTS else \
                        points[start:start + FLUSH_POINTS]:
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
                conn.executemany("INSERT INTO metrics(run_id, key_id, step, seq, value, time) VALUES(?,?,?,?,?,?)",
                                 rows)
            conn.executemany(
                "INSERT INTO metric_latest(run_id, key_id, step, value, time, count) VALUES(?,?,?,?,?,?) "
                "ON CONFLICT(run_id, key_id) DO UPDATE SET count = excluded.count, "
                "value = CASE WHEN excluded.step >= step THEN excluded.value ELSE value END, "
                "time = CASE WHEN excluded.step >= step THEN excluded.time ELSE time END, "
                "step = CASE WHEN excluded.step >= step THEN excluded.step ELSE step END",
                [(run, seqs[k][0], s, v, t, seqs[k][1]) for k, (s, v, t) in last.items()])
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            self._key_ids.clear()  # ids created in the rolled-back transaction are gone
            raise

    def _flush_periodically(self):
        while not self._stop.wait(FLUSH_INTERVAL_S):
            try:
                self._flush(raise_error=False)
            except Exception as error:  # not SQLite's: still said, and retried
                _warn(f"{self.db_path}: the background flush of run {self.id} failed: {error!r}")

    # -- params, tags, notes -----------------------------------------------------------------------
    def _write(self, what, sql, rows):
        with self._transaction(what) as conn:
            conn.executemany(sql, rows)

    def log_params(self, params):
        """Records params (and adds them to run.params). Raises WriteError when SQLite refuses."""
        self.params.update(params)
        self._write("recording params", "INSERT OR REPLACE INTO params(run_id, key, value, vtype) VALUES(?,?,?,?)",
                    [(self._row, k, *reversed(_param_type(v))) for k, v in params.items()])

    def set_tag(self, key, value):
        self.set_tags({key: value})

    def set_tags(self, tags):
        """Records tags. Raises WriteError when SQLite refuses."""
        self._write("recording tags", "INSERT OR REPLACE INTO tags(run_id, key, value) VALUES(?,?,?)",
                    [(self._row, str(k), str(v)) for k, v in tags.items()])

    def set_notes(self, text):
        """Records the run's notes. Raises WriteError when SQLite refuses."""
        self._write("recording notes", "UPDATE runs SET notes = ? WHERE id = ?", [(str(text), self._row)])

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

    def log_artifact(self, path, digest=None, size=None):
        """Records a file or folder produced by the run, with its sha256 content hash and size.

        With `digest` ("sha256:<hex>", or another "<algorithm>:<hex>"), records that content hash for
        `path` as given, without reading a file: an artifact that lives in memory or elsewhere (a model's
        state dict, an object in a bucket), named by `path`. Raises WriteError when SQLite refuses.
        """
        what = f"recording artifact {os.fspath(path)}"
        if digest is None:
            with self._transaction(what):
                self._artifact(os.fspath(path))
            return
        if not isinstance(digest, str) or ":" not in digest:
            raise ValueError(f"log_artifact: digest must read '<algorithm>:<hex>', e.g. 'sha256:...' (got {digest!r})")
        self._write(what, "INSERT INTO artifacts(run_id, path, hash, size, created_at) VALUES(?,?,?,?,?)",
                    [(self._row, os.fspath(path), digest, None if size is None else int(size), time.time())])

    def start_child(self, name=None, params=None, tags=None):
        """Starts a child run of this run (e.g. one candidate of a hyper-parameter search) and returns it.

        The child is a run of its own in the same database and project, with this run as its parent, the
        same code version, command and environment, and its own params, metrics and tags; use it as a
        context manager (or call finish()). Once it has ended its connection is closed. Raises WriteError
        when SQLite refuses.
        """
        return _start_child(self, name, params, tags)

    @contextlib.contextmanager
    def step(self, name, inputs=(), outputs=(), params=None, command="", after=()):
        """A pipeline step: inputs are hashed on entry, outputs on exit; status and times recorded.

        An output of one step that is an input of a later one (same path and content) becomes a DAG
        edge; `after` names steps this one depends on explicitly. When the step cannot be recorded,
        WriteError is raised on exit (chained to the step's own exception, if any).
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
        with self._transaction(f"recording step {name!r}") as conn:
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
                    if isinstance(path, tuple):  # (name, digest, size): content known without a file
                        name, digest, size = path
                        artifact = conn.execute(
                            "INSERT INTO artifacts(run_id, path, hash, size, created_at) VALUES(?,?,?,?,?)",
                            (self._row, name, digest, size, ended)).lastrowid
                    else:
                        artifact = self._artifact(path, reuse=False)
                    conn.execute("INSERT OR IGNORE INTO step_io(step_id, artifact_id, direction) "
                                 "VALUES(?,?,'out')", (step_id, artifact))
            for before in after:
                found = conn.execute("SELECT id FROM steps WHERE run_id = ? AND name = ? ORDER BY id DESC "
                                     "LIMIT 1", (self._row, before)).fetchone()
                if found:
                    conn.execute("INSERT OR IGNORE INTO step_edges(from_step, to_step) VALUES(?,?)",
                                 (found[0], step_id))

    def log_dataset(self, name, data, role="", uri=""):
        """Profiles `data` (columns: {feature: [values]}, or rows: [{feature: value}]) for drift.

        Each feature gets a type (numeric or categorical), count, missing count, summary statistics
        and a sample of at most 10,000 values (all values when there are fewer). Raises WriteError when
        SQLite refuses.
        """
        rows, digest, profiles = profile_dataset(data)
        with self._transaction(f"recording dataset {name!r}") as conn:
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

    # -- ending ------------------------------------------------------------------------------------
    def finish(self, status=None, exit_code=None):
        """Stores every buffered point and, if this client created the run, records its end (status,
        exit code, end time; histories packed) in one transaction. Idempotent once it succeeded (later
        calls only store points logged since). `status`: "finished", "failed" or "killed"; None is the
        status a failed earlier finish() (or the `with` block) asked for, else "finished".

        When the points cannot be stored (database locked past the busy timeout, disk full, ...) or the
        end cannot be recorded, raises WriteError naming the database, SQLite's reason and the number of
        points not stored; the run is then not marked ended (it stays "running"), the points stay buffered
        and the background flusher keeps retrying, so calling finish() again once the database can be
        written stores everything. At process exit (or SIGTERM) an unfinished run is finished with the
        status first asked for; points that cannot be stored then are reported on stderr with their count.
        """
        self._finish(status, exit_code)

    def _finish(self, status, exit_code, lock_timeout=-1):
        if self._child and self._finished:
            if self._buffer:
                raise WriteError(f"{self.db_path}: child run {self.id} has ended; {len(self._buffer):,} metric points "
                                 "logged after its end are not stored (log everything before it ends)",
                                 self.db_path, "the run has ended", len(self._buffer))
            return
        if status is None:
            status, exit_code = self._ending or ("finished", exit_code)
        if self._ending is None:
            self._ending = (status, exit_code)
        runtime = None if self._finished else self._runtime_json()
        with self._connection(lock_timeout):
            if self._finished:
                self._flush()
                return
            try:
                self._flush()
            except WriteError as error:
                raise WriteError(
                    f"{self.db_path}: run {self.id} not ended: {error.pending:,} metric points are not stored "
                    f"({error.reason}); they stay buffered: call finish() again once the database can be "
                    "written, or they are lost when the process exits"
                    + (f" ({write_advice(error.reason)})" if write_advice(error.reason) else ""),
                    self.db_path, error.reason, error.pending, error.__cause__) from error
            with self._transaction(f"recording the end of run {self.id}") as conn:
                if conn.execute("PRAGMA user_version").fetchone()[0] >= 5:
                    conn.execute("UPDATE runs SET runtime = ? WHERE id = ?", (runtime, self._row))
                if self._owner:
                    conn.execute("UPDATE runs SET status = ?, exit_code = ?, end_time = ? WHERE id = ?",
                                 (status, 0 if status == "finished" and exit_code is None else exit_code,
                                  time.time(), self._row))
            self._finished = True
            self._stop.set()
            if self._owner:
                # The histories are complete: packed, they read in one step each instead of a row a point.
                # In short transactions (a run logging into this database meanwhile is never held up for
                # long). Packing only speeds reading: when the database refuses, the histories stay rows,
                # read the same, and the next packing (`reprise` or another finish) merges them.
                with contextlib.suppress(sqlite3.Error):
                    try:
                        pack_run_histories(self._conn, self._row)
                    finally:
                        rollback(self._conn)
        if self._previous_sigterm is not None and threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None
        if self._child:
            atexit.unregister(self._at_exit)
            with self._connection(lock_timeout):
                self._conn.close()

    def _runtime_json(self):
        parent = self._parent
        if parent is None:
            return json.dumps(runtime_description(), sort_keys=True)
        if parent._children_runtime is None:
            parent._children_runtime = json.dumps(runtime_description(), sort_keys=True)
        return parent._children_runtime

    def _report_loss(self, error, when):
        with contextlib.suppress(Exception):
            pending = self.pending_points
            lost = (f"{pending:,} metric points of run {self.id} are lost" if pending
                    else f"the end of run {self.id} is not recorded")
            reason = error.reason if isinstance(error, WriteError) and error.reason else str(error)
            advice = write_advice(reason)
            sys.stderr.write(f"reprise: {self.db_path}: {lost} as {when}: {reason}"
                             + (f" ({advice})" if advice else "") + "\n")
            sys.stderr.flush()

    def _at_exit(self):
        if self._finished and not self._buffer:
            return
        try:
            self._finish(None, None)
        except Exception as error:
            self._report_loss(error, "the process exits")

    def _on_sigterm(self, signo, frame):
        # Keep every point logged so far, record the kill, then die of the signal as expected.
        if self._lock_owner == threading.get_ident():
            self._deferred_signal = signo  # interrupted inside a write of this thread: end after it
            return
        try:
            # Bounded: another thread's write may wait for the lock this thread was interrupted in.
            self._finish("killed", 128 + signo, lock_timeout=self._busy_timeout + 10.0)
        except Exception as error:
            self._report_loss(error, "the process is terminated")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _process_alive(pid):
    """Whether process `pid` of this host still exists (as the C++ store decides: kill(pid, 0) succeeds
    or is refused for permission). A pid outside pid_t (a damaged row) or none is no process."""
    if not isinstance(pid, int) or pid <= 0 or pid > 2**31 - 1:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def recover_abandoned_runs(conn, db_path, host=None):
    """Marks the runs of this host whose process is gone (a client or `reprise run` that was killed) as
    killed, ending at their last sign of life (newest point or output, else now), as the reprise program
    does whenever it opens the database. Returns how many. Takes the write lock only when there are some,
    in one short transaction; raises WriteError when SQLite refuses it."""
    if os.name != "posix":
        return 0  # os.kill(pid, 0) would send a Ctrl+C to that process on Windows
    host = socket.gethostname() if host is None else host
    running = conn.execute("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", (host,)).fetchall()
    dead = [row for row, pid in running if not _process_alive(pid)]
    if not dead:
        return 0
    now = time.time()
    with _transact(conn, db_path, "marking runs of ended processes killed"):
        conn.executemany(
            "UPDATE runs SET status = 'killed', end_time = max(start_time, coalesce((SELECT max(time) FROM "
            "metric_latest WHERE run_id = ?1), (SELECT max(time) FROM run_output WHERE run_id = ?1), ?2)) "
            "WHERE id = ?1 AND status = 'running'", [(row, now) for row in dead])
    return len(dead)


def _project_id(conn, name):
    conn.execute("INSERT INTO projects(name, created_at) VALUES(?, ?) ON CONFLICT(name) DO NOTHING",
                 (name, time.time()))
    return conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()[0]


def _start_child(parent, name, params, tags):
    conn = open_database(parent.db_path, timeout=parent._busy_timeout)
    run_id = uuid.uuid4().hex
    try:
        with _transact(conn, parent.db_path, f"creating a child run of {parent.id}"):
            row = conn.execute(
                "INSERT INTO runs(uuid, project_id, name, status, kind, parent_id, start_time, user_name, host, pid, "
                "argv, cwd, env, config_files, git_commit, git_branch, git_dirty, git_patch, git_root) "
                "SELECT ?, project_id, ?, 'running', 'run', id, ?, ?, ?, ?, argv, cwd, env, config_files, git_commit, "
                "git_branch, git_dirty, git_patch, git_root FROM runs WHERE id = ?",
                (run_id, "" if name is None else str(name), time.time(), getpass.getuser(), socket.gethostname(),
                 os.getpid(), parent._row)).lastrowid
    except BaseException:
        conn.close()
        raise
    child = Run(conn, parent.db_path, row, run_id, {}, owner=True, max_buffered_points=parent._max_buffered,
                busy_timeout=parent._busy_timeout, child=True)
    child._parent = parent
    try:
        if params:
            child.log_params(params)
        if tags:
            child.set_tags(tags)
    except BaseException:
        child.finish("failed", exit_code=1)
        raise
    return child


def start_run(project="default", name=None, params=None, tags=None, db=None, max_buffered_points=None):
    """Starts (or, under `reprise run`, attaches to) a run and returns it.

    `params` are the defaults written in the code; values from REPRISE_PARAMS (set by `reprise run
    --param` and by reruns with edited params) override them. The effective params are recorded and
    available as `run.params`.

    `max_buffered_points`: how many metric points the client holds while writes fail before
    log_metric() raises BufferFullError (default $REPRISE_MAX_BUFFERED_POINTS, else MAX_BUFFERED_POINTS,
    2,000,000, ~320 MB). Each write waits $REPRISE_BUSY_TIMEOUT_MS (default 30 s) for another writer.
    """
    effective = dict(params or {})
    overrides = os.environ.get("REPRISE_PARAMS")
    if overrides:
        try:
            effective.update(json.loads(overrides))
        except ValueError:
            raise DatabaseError(f"REPRISE_PARAMS: not a JSON object ({overrides[:60]!r})") from None
    max_buffered_points = _max_buffered_points(max_buffered_points)
    attached_id = os.environ.get("REPRISE_RUN_ID")
    db_path = os.environ.get("REPRISE_DB") if attached_id else None
    db_path = db_path or db or default_database_path()
    busy_timeout = busy_timeout_seconds()
    conn = open_database(db_path, timeout=busy_timeout)
    try:
        # The runs of processes of this host that died without ending them (a SIGKILLed client) are
        # marked killed now, as the reprise program and window do whenever they open the database.
        recover_abandoned_runs(conn, db_path)
    except WriteError as error:
        _warn(f"{error} (runs of ended processes stay 'running' for now)")
    except BaseException:
        conn.close()
        raise

    if attached_id:
        found = conn.execute("SELECT id FROM runs WHERE uuid = ?", (attached_id,)).fetchone()
        if not found:
            conn.close()
            raise DatabaseError(f"{db_path}: no run {attached_id} to attach to (REPRISE_RUN_ID); "
                                "start the program with `reprise run`, or unset REPRISE_RUN_ID")
        run = Run(conn, db_path, found[0], attached_id, effective, owner=False,
                  max_buffered_points=max_buffered_points, busy_timeout=busy_timeout)
        # The name and project given in code win over what `reprise run` defaulted to, not over its
        # --name and --project.
        if name and not os.environ.get("REPRISE_RUN_NAME"):
            run._write("recording the run's name", "UPDATE runs SET name = ? WHERE id = ?", [(name, found[0])])
        if project != "default" and not os.environ.get("REPRISE_RUN_PROJECT"):
            with run._transaction("recording the run's project"):
                conn.execute("UPDATE runs SET project_id = ? WHERE id = ?", (_project_id(conn, project), found[0]))
    else:
        cwd = os.getcwd()
        code = _code_version(cwd)
        run_id = uuid.uuid4().hex
        try:
            with _transact(conn, db_path, "creating the run"):
                project_id = _project_id(conn, project)
                row = conn.execute(
                    "INSERT INTO runs(uuid, project_id, name, status, kind, start_time, user_name, host, pid, argv, "
                    "cwd, env, git_commit, git_branch, git_dirty, git_patch, git_root) "
                    "VALUES(?,?,?,'running','run',?,?,?,?,?,?,?,?,?,?,?,?)",
                    (run_id, project_id, name or os.path.basename(sys.argv[0] or "python"), time.time(),
                     getpass.getuser(), socket.gethostname(), os.getpid(),
                     json.dumps([sys.executable, *sys.argv]), cwd, json.dumps(recordable_environment()),
                     code["commit"], code["branch"], code["dirty"], code["patch"], code["root"])).lastrowid
        except BaseException:
            conn.close()
            raise
        run = Run(conn, db_path, row, run_id, effective, owner=True, max_buffered_points=max_buffered_points,
                  busy_timeout=busy_timeout)
    if effective:
        run.log_params(effective)
    if tags:
        run.set_tags(tags)
    return run
