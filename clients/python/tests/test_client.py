"""Tests of the Python client against real SQLite files (and the real `reprise` binary when
REPRISE_BIN is set, as CTest does)."""

import contextlib
import json
import math
import os
import re
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import reprise  # noqa: E402
from reprise import _database, _profile  # noqa: E402


def query(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def history(db, key):
    """[(step, value)] of a metric: the packed points (schema 4) then the rows, decoded here from the
    layout the schema describes (little-endian int64 steps, float64 values), merged by step."""
    points = []
    for count, steps, vals in query(db, "SELECT p.count, p.steps, p.vals FROM metric_packed p "
                                        "JOIN metric_keys k ON k.id = p.key_id WHERE k.name = ?", key):
        points += list(zip(struct.unpack(f"<{count}q", steps), struct.unpack(f"<{count}d", vals)))
    rows = query(db, "SELECT m.step, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id "
                     "WHERE k.name = ? ORDER BY step, seq", key)
    rows = [(step, math.nan if value is None else value) for step, value in rows]
    return sorted(points + rows, key=lambda p: p[0])  # stable: packed (logged first) before rows


class ClientTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "runs.db")
        self.saved_env = {k: os.environ.pop(k) for k in ("REPRISE_RUN_ID", "REPRISE_DB", "REPRISE_PARAMS",
                                                         "REPRISE_RUN_NAME", "REPRISE_RUN_PROJECT",
                                                         "REPRISE_BUSY_TIMEOUT_MS", "REPRISE_MAX_BUFFERED_POINTS")
                          if k in os.environ}

    def tearDown(self):
        os.environ.update(self.saved_env)
        self.tmp.cleanup()


class TestRecording(ClientTestCase):
    def test_round_trip(self):
        with reprise.start_run(project="digits", name="sgd", params={"lr": 0.01, "seed": 1, "layers": [64, 32],
                                                                      "nesterov": True}, db=self.db) as run:
            self.assertEqual(run.params["lr"], 0.01)
            run.log_metric("loss", 0.5, step=0)
            run.log_metric("loss", 0.4)  # auto step 1
            run.log_metric("loss", float("nan"), step=2)
            run.log_metric("loss", float("inf"), step=2)  # repeated step kept
            run.log_metrics({"acc": 0.9, "f1": 0.8}, step=3)
            run.set_tag("team", "vision")
            run.set_notes("plain <b>text</b>")
        rows = query(self.db, "SELECT uuid, status, exit_code, name, end_time >= start_time FROM runs")
        self.assertEqual(rows, [(run.id, "finished", 0, "sgd", 1)])
        params = dict((k, (v, t)) for k, v, t in query(self.db, "SELECT key, value, vtype FROM params"))
        self.assertEqual(params["lr"], ("0.01", "float"))
        self.assertEqual(params["seed"], ("1", "int"))
        self.assertEqual(params["layers"], ("[64, 32]", "json"))
        self.assertEqual(params["nesterov"], ("true", "bool"))
        # The run finished, so its points were packed (no rows left); NaN and the repeated step kept.
        self.assertEqual(query(self.db, "SELECT count(*) FROM metrics"), [(0,)])
        loss = history(self.db, "loss")
        self.assertEqual(len(loss), 4)
        self.assertEqual(loss[:2], [(0, 0.5), (1, 0.4)])
        self.assertTrue(math.isnan(loss[2][1]))
        self.assertEqual(loss[3], (2, math.inf))
        latest = query(self.db, "SELECT l.step, l.count FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id "
                                "WHERE k.name = 'loss'")
        self.assertEqual(latest, [(2, 4)])
        self.assertEqual(query(self.db, "SELECT value FROM tags WHERE key='team'"), [("vision",)])
        self.assertEqual(query(self.db, "SELECT notes FROM runs"), [("plain <b>text</b>",)])

    def test_exception_marks_failed_and_reraises(self):
        with self.assertRaises(ZeroDivisionError):
            with reprise.start_run(db=self.db) as run:
                run.log_metric("x", 1.0)
                1 / 0
        self.assertEqual(query(self.db, "SELECT status, exit_code FROM runs"), [("failed", 1)])
        self.assertEqual(history(self.db, "x"), [(0, 1.0)])

    def test_keyboard_interrupt_marks_killed(self):
        with self.assertRaises(KeyboardInterrupt):
            with reprise.start_run(db=self.db):
                raise KeyboardInterrupt
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("killed",)])

    def test_steps_artifacts_and_edges(self):
        cwd = os.getcwd()
        os.chdir(self.tmp.name)
        try:
            with reprise.start_run(db=self.db) as run:
                with run.step("prepare", outputs=["clean.csv"], params={"drop": 0.1}):
                    with open("clean.csv", "w") as f:
                        f.write("a\n1\n")
                with run.step("train", inputs=["clean.csv"], outputs=["model.pkl"], after=["prepare"]):
                    with open("model.pkl", "wb") as f:
                        f.write(b"weights")
                with self.assertRaises(RuntimeError):
                    with run.step("export", inputs=["model.pkl", "missing.bin"]):
                        raise RuntimeError("disk full")
                run.log_artifact("model.pkl")
        finally:
            os.chdir(cwd)
        steps = query(self.db, "SELECT name, status, params FROM steps ORDER BY id")
        self.assertEqual([(n, s) for n, s, _ in steps], [("prepare", "finished"), ("train", "finished"),
                                                         ("export", "failed")])
        self.assertEqual(json.loads(steps[0][2]), {"drop": 0.1})
        # clean.csv output of prepare is the same artifact as the input of train: a DAG edge.
        edges = query(self.db, "SELECT a.name, b.name FROM step_io o JOIN step_io i ON o.artifact_id = i.artifact_id "
                               "JOIN steps a ON a.id = o.step_id JOIN steps b ON b.id = i.step_id "
                               "WHERE o.direction = 'out' AND i.direction = 'in' ORDER BY a.id")
        self.assertEqual(edges, [("prepare", "train"), ("train", "export")])
        self.assertEqual(query(self.db, "SELECT count(*) FROM step_edges"), [(1,)])
        artifacts = query(self.db, "SELECT path, hash, size FROM artifacts ORDER BY id")
        self.assertIn(("missing.bin", "", None), artifacts)
        model = [a for a in artifacts if a[0] == "model.pkl"]
        self.assertEqual(len(model), 1)  # log_artifact of the same content reuses the row
        import hashlib
        self.assertEqual(model[0][1], "sha256:" + hashlib.sha256(b"weights").hexdigest())
        self.assertEqual(model[0][2], 7)

    def test_dataset_profiles(self):
        ages = list(range(20_000)) + [None, float("nan")]
        with reprise.start_run(db=self.db) as run:
            run.log_dataset("train", {"age": ages, "city": ["Oslo", "Lima"] * 10_001}, role="train", uri="s3://x")
            run.log_dataset("batch", [{"age": 3, "city": "Oslo"}, {"age": 5}], role="production")
        datasets = query(self.db, "SELECT id, name, rows, role, uri, hash FROM datasets ORDER BY id")
        self.assertEqual([(n, r, ro) for _, n, r, ro, _, _ in datasets], [("train", 20_002, "train"),
                                                                          ("batch", 2, "production")])
        self.assertTrue(datasets[0][5].startswith("sha256:"))
        def sample(text, blob):
            return list(struct.unpack("<%dd" % (len(blob) // 8), blob)) if blob is not None else json.loads(text)
        profiles = {f: (t, c, m, json.loads(st), sample(sa, sv)) for f, t, c, m, st, sa, sv in query(
            self.db, "SELECT feature, ftype, count, missing, stats, sample, sample_values FROM feature_profiles "
                     "WHERE dataset_id = ?", datasets[0][0])}
        ftype, count, missing, stats, sample = profiles["age"]
        self.assertEqual((ftype, count, missing), ("numeric", 20_002, 2))
        self.assertAlmostEqual(stats["mean"], 9999.5)
        self.assertEqual((stats["min"], stats["max"]), (0, 19_999))
        self.assertEqual(len(sample), _profile.SAMPLE_LIMIT)  # bounded reservoir
        self.assertEqual(sample, sorted(sample))
        ftype, count, missing, stats, sample = profiles["city"]
        self.assertEqual(ftype, "categorical")
        self.assertEqual(stats["counts"], {"Oslo": 10_001, "Lima": 10_001})
        small = query(self.db, "SELECT feature, missing, sample, sample_values FROM feature_profiles "
                               "WHERE dataset_id = ? ORDER BY feature", datasets[1][0])
        # Exact for small data: numbers in binary, categories as JSON.
        self.assertEqual(small, [("age", 0, "[]", struct.pack("<2d", 3.0, 5.0)), ("city", 1, '["Oslo"]', None)])

    def test_batches_from_threads_are_all_kept(self):
        with reprise.start_run(db=self.db) as run:
            def work(key):
                for i in range(5000):
                    run.log_metric(key, float(i), step=i)
            threads = [threading.Thread(target=work, args=(f"k{n}",)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        # Finished: every point packed, none left as rows; the C++ store reads them back (CLI below).
        self.assertEqual(query(self.db, "SELECT count(*) FROM metrics"), [(0,)])
        self.assertEqual(query(self.db, "SELECT sum(count), count(*) FROM metric_packed"), [(20_000, 4)])
        self.assertEqual(query(self.db, "SELECT min(count), max(count) FROM metric_latest"), [(5000, 5000)])

    def test_packing_deletes_rows_in_short_transactions_and_keeps_every_point(self):
        saved = reprise._packing.ROWS_DELETED_PER_TRANSACTION
        reprise._packing.ROWS_DELETED_PER_TRANSACTION = 1000
        self.addCleanup(setattr, reprise._packing, "ROWS_DELETED_PER_TRANSACTION", saved)
        run = reprise.start_run(db=self.db)
        for i in range(10_000):
            run.log_metric("loss", float(i), step=i // 3)  # repeated steps: a slice ends between two steps
        run.log_metric("acc", 0.5, step=0)
        run.flush()
        began = []
        run._conn.set_trace_callback(lambda sql: began.append(sql) if sql.startswith("BEGIN IMMEDIATE") else None)
        run.finish()
        run._conn.set_trace_callback(None)
        # The end, one blob per history, then ten slices of deleted rows for loss and one for acc.
        self.assertGreaterEqual(len(began), 1 + 2 + 10 + 1)
        self.assertEqual(query(self.db, "SELECT count(*) FROM metrics"), [(0,)])
        self.assertEqual(history(self.db, "loss"), [(i // 3, float(i)) for i in range(10_000)])
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("finished",)])

    def test_an_interrupted_packing_reads_the_same_and_is_completed_later(self):
        run = reprise.start_run(db=self.db)
        for i in range(3000):
            run.log_metric("loss", float(i), step=i)

        def interrupted(_pacing):
            raise sqlite3.OperationalError("disk I/O error")  # right after the blob landed, before any delete
        original = reprise._packing._Pacing.after_commit
        reprise._packing._Pacing.after_commit = interrupted
        try:
            run.finish()  # packing only speeds reading: its failure does not fail finish()
        finally:
            reprise._packing._Pacing.after_commit = original
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("finished",)])
        self.assertEqual(query(self.db, "SELECT count FROM metric_packed"), [(3000,)])
        self.assertEqual(query(self.db, "SELECT count(*) FROM metrics"), [(3000,)])  # rows the blob holds
        if os.environ.get("REPRISE_BIN"):  # readers skip them: every point once
            done = subprocess.run([os.environ["REPRISE_BIN"], "metrics", run.id[:8], "loss", "--db", self.db,
                                   "--json"], capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(json.loads(done.stdout)["steps"], list(range(3000)))
        conn = sqlite3.connect(self.db, isolation_level=None)
        try:
            reprise._packing.pack_run_histories(conn, run._row)
        finally:
            conn.close()
        self.assertEqual(query(self.db, "SELECT count(*) FROM metrics"), [(0,)])
        self.assertEqual(history(self.db, "loss"), [(i, float(i)) for i in range(3000)])

    def test_environment_allow_list(self):
        env = reprise._run.recordable_environment({"PATH": "/bin", "PYTHONHASHSEED": "0", "HF_TOKEN": "x",
                                                   "MY_API_KEY": "x", "DB_PASSWORD": "x", "HOME": "/root",
                                                   "OMP_NUM_THREADS": "4", "REPRISE_DB": "x"})
        self.assertEqual(env, {"PATH": "/bin", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "4"})

    def test_runtime_names_interpreter_and_imported_packages(self):
        import platform
        import unittest as imported  # a stdlib module: not a distribution, so not listed
        self.assertTrue(imported)
        with reprise.start_run(db=self.db) as run:
            run.log_metric("loss", 1.0)
        (text,) = query(self.db, "SELECT runtime FROM runs")[0]
        runtime = json.loads(text)
        self.assertEqual(runtime["python"], platform.python_version())
        self.assertEqual(runtime["executable"], sys.executable)
        self.assertIsInstance(runtime["packages"], dict)
        self.assertNotIn("unittest", runtime["packages"])

    def test_params_from_a_rerun_keep_their_types(self):
        # What a rerun hands over (see paramsAsJson in the C++ launcher): floats stay floats.
        os.environ["REPRISE_PARAMS"] = '{"factor":10.0,"epochs":20,"big":1e+300,"worst":-Infinity}'
        with reprise.start_run(db=self.db, params={"factor": 5.0, "epochs": 1}) as run:
            self.assertEqual(run.params, {"factor": 10.0, "epochs": 20, "big": 1e300, "worst": -math.inf})
        rows = dict((k, (v, t)) for k, v, t in query(self.db, "SELECT key, value, vtype FROM params"))
        self.assertEqual(rows["factor"], ("10.0", "float"))
        self.assertEqual(rows["epochs"], ("20", "int"))


@contextlib.contextmanager
def write_lock(db):
    """Another connection holding the database's write lock (BEGIN IMMEDIATE), as a long import does."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def rows_in_order(db, key):
    """[(step, value)] of a metric's unpacked rows in logging order (seq)."""
    return query(db, "SELECT m.step, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE k.name = ? "
                     "ORDER BY m.seq", key)


def wait_for(condition, what):
    # Waits for something another thread does; the limit only keeps a broken build from hanging.
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class TestWriteFailures(ClientTestCase):
    """A write SQLite refuses (locked, full) loses nothing and is reported with SQLite's reason."""

    def setUp(self):
        super().setUp()
        os.environ["REPRISE_BUSY_TIMEOUT_MS"] = "100"  # each write waits 100 ms for another writer
        self.addCleanup(os.environ.pop, "REPRISE_BUSY_TIMEOUT_MS", None)
        self.addCleanup(os.environ.pop, "REPRISE_MAX_BUFFERED_POINTS", None)
        # The background flusher warns (WriteWarning) while the database is locked: expected here.
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        self.addCleanup(catcher.__exit__, None, None, None)
        warnings.simplefilter("ignore", reprise.WriteWarning)

    def start(self, **kwargs):
        run = reprise.start_run(db=self.db, **kwargs)

        def end():
            with contextlib.suppress(Exception):
                run.finish()
        self.addCleanup(end)
        return run

    def test_flush_under_a_held_write_lock_keeps_every_point_in_order(self):
        run = self.start()
        run.log_metric("loss", 0.0, step=0)
        run.flush()
        # Another process holds the write lock, as `reprise import` does for the length of an import.
        holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, self.db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(holder.wait)
        self.addCleanup(holder.stdout.close)
        self.addCleanup(holder.stdin.close)
        self.assertEqual(holder.stdout.readline(), "locked\n")
        for i in range(1, 1000):
            run.log_metric("loss", float(i), step=i)
        with self.assertRaisesRegex(reprise.WriteError, "database is locked") as caught:
            run.flush()
        self.assertNotIn("cannot rollback", str(caught.exception))
        self.assertIn(self.db, str(caught.exception))
        self.assertEqual((caught.exception.reason, caught.exception.pending), ("database is locked", 999))
        self.assertIsInstance(caught.exception, sqlite3.OperationalError)  # what the client raised before
        self.assertEqual(run.pending_points, 999)
        for i in range(1000, 2000):  # newer points queue behind the kept batch
            run.log_metric("loss", float(i), step=i)
        with self.assertRaisesRegex(reprise.WriteError, "database is locked"):
            run.flush()
        self.assertEqual(rows_in_order(self.db, "loss"), [(0, 0.0)])
        holder.stdin.write("\n")
        holder.stdin.flush()
        self.assertEqual(holder.wait(), 0)
        run.flush()
        self.assertIsNone(run.write_error)
        self.assertEqual(run.pending_points, 0)
        self.assertEqual(rows_in_order(self.db, "loss"), [(i, float(i)) for i in range(2000)])
        run.finish()
        self.assertEqual(history(self.db, "loss"), [(i, float(i)) for i in range(2000)])
        self.assertEqual(query(self.db, "SELECT count, step FROM metric_latest"), [(2000, 1999)])
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("finished",)])

    def test_full_disk_is_reported_and_nothing_is_lost(self):
        run = self.start()
        run.log_metric("loss", 0.0, step=0)
        run.flush()
        with run._lock:  # the database may not grow any more: SQLITE_FULL, as on a full disk
            pages = run._conn.execute("PRAGMA page_count").fetchone()[0]
            run._conn.execute(f"PRAGMA max_page_count = {pages}")
        for i in range(1, 20_000):
            run.log_metric("loss", float(i), step=i)
        for _ in range(2):  # and again: the connection is not left inside a transaction
            with self.assertRaisesRegex(reprise.WriteError, "database or disk is full") as caught:
                run.flush()
            self.assertNotIn("cannot rollback", str(caught.exception))
            self.assertEqual(run.pending_points, 19_999)
        # The other writes say it as well, and store nothing.
        with self.assertRaisesRegex(reprise.WriteError, "recording notes failed: database or disk is full"):
            run.set_notes("n" * 200_000)
        with self.assertRaisesRegex(reprise.WriteError, "run .* not ended: 19,999 metric points are not stored "
                                                        r"\(database or disk is full\)"):
            run.finish()
        self.assertEqual(query(self.db, "SELECT status, notes FROM runs"), [("running", "")])
        with run._lock:
            run._conn.execute("PRAGMA max_page_count = 1073741823")
        run.finish()
        self.assertEqual(history(self.db, "loss"), [(i, float(i)) for i in range(20_000)])
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("finished",)])

    def test_the_buffer_bound_refuses_new_points_and_keeps_the_buffered_ones(self):
        for how in ("argument", "environment"):
            with self.subTest(how=how):
                self.db = os.path.join(self.tmp.name, f"{how}.db")
                if how == "argument":
                    run = self.start(max_buffered_points=1000)
                else:
                    os.environ["REPRISE_MAX_BUFFERED_POINTS"] = "1000"
                    run = self.start()
                with write_lock(self.db):
                    for i in range(1000):  # the 1000th point's flush fails: kept, no error here
                        run.log_metric("loss", float(i))
                    self.assertIsNotNone(run.write_error)
                    with self.assertRaises(reprise.BufferFullError) as caught:
                        run.log_metric("loss", -1.0)
                    message = str(caught.exception)
                    self.assertIn(self.db, message)
                    self.assertIn("database is locked", message)
                    self.assertIn("1,000 points", message)
                    self.assertIsInstance(caught.exception, reprise.WriteError)
                    with self.assertRaises(reprise.BufferFullError):
                        run.log_metrics({"loss": -1.0, "acc": -1.0})
                    self.assertEqual(run.pending_points, 1000)
                run.flush()
                run.log_metric("loss", 1000.0)  # refused points did not advance the step
                run.finish()
                self.assertEqual(history(self.db, "loss"), [(i, float(i)) for i in range(1001)])
                self.assertEqual(history(self.db, "acc"), [])

    def test_background_flush_failure_is_surfaced_by_flush_and_finish(self):
        saved = reprise._run.FLUSH_INTERVAL_S
        reprise._run.FLUSH_INTERVAL_S = 0.05
        self.addCleanup(setattr, reprise._run, "FLUSH_INTERVAL_S", saved)
        run = self.start()
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            with write_lock(self.db):
                for i in range(100):
                    run.log_metric("loss", float(i), step=i)
                wait_for(lambda: run.write_error is not None and warned, "the background flush to fail")
                self.assertIn("database is locked", str(run.write_error))
                self.assertIn("database is locked", str(warned[0].message))
                self.assertTrue(issubclass(warned[0].category, reprise.WriteWarning))
                self.assertEqual(run.pending_points, 100)
                with self.assertRaisesRegex(reprise.WriteError, "database is locked"):
                    run.flush()
                with self.assertRaisesRegex(reprise.WriteError, r"not ended: 100 metric points are not stored "
                                                                r"\(database is locked\)"):
                    run.finish()
                self.assertEqual(query(self.db, "SELECT status FROM runs"), [("running",)])
            # The background flusher keeps trying and, the lock gone, stores them.
            wait_for(lambda: run.pending_points == 0, "the background flush to succeed")
            self.assertIsNone(run.write_error)
        self.assertEqual(rows_in_order(self.db, "loss"), [(i, float(i)) for i in range(100)])
        run.finish()
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("finished",)])

    def test_leaving_the_with_block_reports_unstored_points(self):
        run = self.start()
        with self.assertRaisesRegex(reprise.WriteError, "not ended: 10 metric points are not stored"):
            with write_lock(self.db), run:
                for i in range(10):
                    run.log_metric("loss", float(i))
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("running",)])
        run.finish()
        self.assertEqual(query(self.db, "SELECT status FROM runs"), [("finished",)])
        self.assertEqual(len(history(self.db, "loss")), 10)

    def test_an_exception_in_the_with_block_wins_and_the_loss_is_warned(self):
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            run = self.start()
            with self.assertRaises(ZeroDivisionError):
                with write_lock(self.db), run:
                    run.log_metric("loss", 1.0)
                    1 / 0
        messages = [str(w.message) for w in warned if issubclass(w.category, reprise.WriteWarning)]
        self.assertTrue(any("1 metric points are not stored" in m and "ZeroDivisionError" in m for m in messages),
                        messages)
        run.finish()  # the status the with block asked for
        self.assertEqual(query(self.db, "SELECT status, exit_code FROM runs"), [("failed", 1)])
        self.assertEqual(history(self.db, "loss"), [(0, 1.0)])

    def test_other_writes_raise_while_the_database_is_locked(self):
        run = self.start()
        open(os.path.join(self.tmp.name, "model.pkl"), "wb").close()
        with write_lock(self.db):
            with self.assertRaisesRegex(reprise.WriteError, "recording tags failed: database is locked"):
                run.set_tag("team", "vision")
            with self.assertRaisesRegex(reprise.WriteError, "recording params failed: database is locked"):
                run.log_params({"lr": 0.1})
            with self.assertRaisesRegex(reprise.WriteError, "database is locked"):
                run.log_artifact(os.path.join(self.tmp.name, "model.pkl"))
            with self.assertRaisesRegex(reprise.WriteError, "recording dataset 'd' failed: database is locked"):
                run.log_dataset("d", {"x": [1, 2]})
            with self.assertRaisesRegex(reprise.WriteError, "recording step 'train' failed: database is locked"):
                with run.step("train"):
                    pass
        run.set_tag("team", "vision")
        with run.step("train"):
            pass
        self.assertEqual(query(self.db, "SELECT key, value FROM tags"), [("team", "vision")])
        self.assertEqual(query(self.db, "SELECT name, status FROM steps"), [("train", "finished")])


CHILD = """
import os, signal, sys, time
sys.path.insert(0, sys.argv[1])
import reprise
run = reprise.start_run(db=sys.argv[2])
print(run.id, flush=True)
sys.stdin.readline()
for i in range(500):
    run.log_metric("loss", float(i), step=i)
if sys.argv[3] == "wait":
    print("logged", flush=True)
    sys.stdin.readline()
"""


class TestEndingProcesses(ClientTestCase):
    def child(self, mode):
        env = dict(os.environ, REPRISE_BUSY_TIMEOUT_MS="100")
        return subprocess.Popen([sys.executable, "-c", CHILD, os.path.dirname(HERE), self.db, mode], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_exit_with_unstored_points_says_so(self):
        child = self.child("exit")
        run_id = child.stdout.readline().strip()
        with write_lock(self.db):
            _, err = child.communicate("\n", timeout=120)
        self.assertEqual(child.returncode, 0, err)
        self.assertIn(f"500 metric points of run {run_id} are lost as the process exits: database is locked", err)
        self.assertEqual(query(self.db, "SELECT status FROM runs WHERE uuid = ?", run_id), [("running",)])

    def test_sigterm_stores_every_point_and_records_the_kill(self):
        import signal
        child = self.child("wait")
        run_id = child.stdout.readline().strip()
        child.stdin.write("\n")
        child.stdin.flush()
        self.assertEqual(child.stdout.readline(), "logged\n")
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=120)
        self.assertEqual(child.returncode, -signal.SIGTERM, err)
        self.assertEqual(query(self.db, "SELECT status, exit_code FROM runs WHERE uuid = ?", run_id),
                         [("killed", 128 + signal.SIGTERM)])
        self.assertEqual(history(self.db, "loss"), [(i, float(i)) for i in range(500)])


class TestDatabase(ClientTestCase):
    def test_refuses_newer_schema(self):
        reprise.start_run(db=self.db).finish()
        conn = sqlite3.connect(self.db)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
        with self.assertRaisesRegex(reprise.DatabaseError, "newer Reprise"):
            reprise.start_run(db=self.db)

    def test_refuses_foreign_and_garbage_files(self):
        foreign = os.path.join(self.tmp.name, "mlflow.db")
        conn = sqlite3.connect(foreign)
        conn.execute("CREATE TABLE experiments(id INTEGER)")
        conn.close()
        with self.assertRaisesRegex(reprise.DatabaseError, "not a Reprise run database"):
            reprise.start_run(db=foreign)
        garbage = os.path.join(self.tmp.name, "notes.txt")
        with open(garbage, "w") as f:
            f.write("hello\n" * 1000)
        with self.assertRaisesRegex(reprise.DatabaseError, "not a usable SQLite database"):
            reprise.start_run(db=garbage)
        with open(garbage) as f:
            self.assertEqual(f.read(), "hello\n" * 1000)

    def test_attach_without_run_fails_clearly(self):
        os.environ["REPRISE_RUN_ID"] = "0" * 32
        os.environ["REPRISE_DB"] = self.db
        try:
            with self.assertRaisesRegex(reprise.DatabaseError, "no run 0+ to attach to"):
                reprise.start_run()
        finally:
            del os.environ["REPRISE_RUN_ID"], os.environ["REPRISE_DB"]

    def test_bad_param_overrides(self):
        os.environ["REPRISE_PARAMS"] = "{not json"
        try:
            with self.assertRaisesRegex(reprise.DatabaseError, "REPRISE_PARAMS"):
                reprise.start_run(db=self.db)
        finally:
            del os.environ["REPRISE_PARAMS"]


@unittest.skipUnless(os.environ.get("REPRISE_BIN"), "needs the reprise binary (REPRISE_BIN)")
class TestInterop(ClientTestCase):
    def schema(self, path):
        conn = sqlite3.connect(path)
        try:
            master = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
            return (master, conn.execute("PRAGMA user_version").fetchone(),
                    conn.execute("PRAGMA application_id").fetchone())
        finally:
            conn.close()

    def test_same_schema_from_either_side(self):
        from_cpp = os.path.join(self.tmp.name, "cpp.db")
        done = subprocess.run([os.environ["REPRISE_BIN"], "run", "--db", from_cpp, "--", "true"], capture_output=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        from_python = os.path.join(self.tmp.name, "py.db")
        reprise.start_run(db=from_python).finish()
        self.assertEqual(self.schema(from_python), self.schema(from_cpp))
        self.assertGreater(len(self.schema(from_cpp)[0]), 10)

    def test_cpp_reads_what_python_wrote(self):
        with reprise.start_run(project="p", name="n", params={"lr": 0.5}, db=self.db) as run:
            for i in range(100):
                run.log_metric("loss", 1.0 / (i + 1), step=i)
        done = subprocess.run([os.environ["REPRISE_BIN"], "ls", "--db", self.db, "--json", "--filter",
                               "lr = 0.5 and metric.loss < 0.011"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        runs = json.loads(done.stdout)
        self.assertEqual([r["id"] for r in runs], [run.id])
        self.assertEqual(runs[0]["status"], "finished")
        done = subprocess.run([os.environ["REPRISE_BIN"], "metrics", run.id[:8], "loss", "--db", self.db, "--json"],
                              capture_output=True, text=True)
        history = json.loads(done.stdout)
        self.assertEqual(history["steps"], list(range(100)))


CREATOR = """
import sys
sys.path.insert(0, sys.argv[1])
import reprise
sys.stdin.readline()
reprise.start_run(db=sys.argv[2]).finish()
"""


class TestCreationRaces(ClientTestCase):
    """Several processes creating the same new database at the same moment all succeed."""

    def start_creators(self, path, clients, programs=2):
        """`clients` Python clients waiting for a line on stdin, and (with REPRISE_BIN) `programs`
        `reprise run` processes, all creating and recording a run into `path`."""
        env = {k: v for k, v in os.environ.items() if k not in ("REPRISE_RUN_ID", "REPRISE_DB", "REPRISE_PARAMS")}
        env.pop("REPRISE_BUSY_TIMEOUT_MS", None)
        creators = [subprocess.Popen([sys.executable, "-c", CREATOR, os.path.dirname(HERE), path], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True) for _ in range(clients)]
        if os.environ.get("REPRISE_BIN"):
            creators += [subprocess.Popen([os.environ["REPRISE_BIN"], "run", "--db", path, "--", "true"], env=env,
                                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                          text=True) for _ in range(programs)]
        for creator in creators:  # let them go at once
            creator.stdin.write("\n")
            creator.stdin.close()
        return creators

    def assert_all_recorded(self, creators, path):
        for creator in creators:
            err = creator.stderr.read()
            creator.wait(timeout=120)
            creator.stderr.close()
            self.assertEqual(creator.returncode, 0, f"{creator.args[0]}: {err}")
        self.assertEqual(query(path, "SELECT count(*) FROM runs"), [(len(creators),)])
        self.assertEqual(query(path, "PRAGMA user_version"), [(_database.latest_version(),)])

    def test_processes_creating_one_new_database_at_once(self):
        for round in range(3):
            with self.subTest(round=round):
                path = os.path.join(self.tmp.name, f"new{round}", "runs.db")
                os.makedirs(os.path.dirname(path))
                self.assert_all_recorded(self.start_creators(path, 5), path)

    def test_creators_wait_for_another_creators_write_lock(self):
        # Another creator (an import into the new file, a migration) holds its write lock as they start.
        # SQLite gives up on that lock at once when switching the file to WAL: the client waits for it.
        path = os.path.join(self.tmp.name, "new", "runs.db")
        os.makedirs(os.path.dirname(path))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        creators = self.start_creators(path, 3)
        # Held until they have all given up (what they did before) or for at most a second.
        deadline = time.monotonic() + 1.0
        for creator in creators:
            with contextlib.suppress(subprocess.TimeoutExpired):
                creator.wait(timeout=max(0.0, deadline - time.monotonic()))
        holder.execute("ROLLBACK")
        holder.close()
        self.assert_all_recorded(creators, path)

    def test_the_header_is_read_from_one_snapshot(self):
        # Another process creates the same new database (schema, application id, version) between two
        # statements of this client's opening: the header read before must not be taken for another
        # program's database, and the migration finds the schema there.
        from unittest import mock
        real_connect = sqlite3.connect
        for statement in (2, 3, 4):
            with self.subTest(statement=statement):
                path = os.path.join(self.tmp.name, f"s{statement}", "runs.db")
                os.makedirs(os.path.dirname(path))
                fired = []

                class Interrupted(sqlite3.Connection):
                    seen = 0

                    def execute(self, *args):
                        # Counted outside transactions only, where this connection holds no lock.
                        if not fired and not self.in_transaction:
                            Interrupted.seen += 1
                            if Interrupted.seen == statement:
                                fired.append(True)
                                done = subprocess.run([sys.executable, "-c", CREATOR, os.path.dirname(HERE), path],
                                                      input="\n", capture_output=True, text=True, timeout=120)
                                if done.returncode != 0:
                                    fired.append(done.stderr)
                        return super().execute(*args)

                def connect(*args, **kwargs):
                    return real_connect(*args, factory=Interrupted, **kwargs)

                with mock.patch.object(_database.sqlite3, "connect", connect):
                    run = reprise.start_run(db=path)
                self.assertEqual(fired, [True])
                run.finish()
                self.assertEqual(query(path, "SELECT count(*) FROM runs WHERE status = 'finished'"), [(2,)])

    def test_a_held_lock_on_a_new_database_says_how_long_it_waited(self):
        with write_lock(self.db):
            started = time.monotonic()
            with self.assertRaises(reprise.WriteError) as raised:
                reprise.open_database(self.db, timeout=0.3)
            elapsed_ms = round((time.monotonic() - started) * 1000)
        message = str(raised.exception)
        self.assertIn("database is locked", message)
        waited = re.search(r"gave up after waiting (\d+) ms", message)
        self.assertIsNotNone(waited, message)
        self.assertGreaterEqual(int(waited.group(1)), 300, message)  # the whole timeout
        self.assertLessEqual(int(waited.group(1)), elapsed_ms, message)  # and no more than really passed
        reprise.open_database(self.db, timeout=0.3).close()  # the lock is free: it opens


class TestRecovery(ClientTestCase):
    def test_a_killed_client_run_is_marked_killed_by_the_next_start_run(self):
        import signal
        child = subprocess.Popen([sys.executable, "-c", CHILD, os.path.dirname(HERE), self.db, "wait"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        run_id = child.stdout.readline().strip()
        child.stdin.write("\n")
        child.stdin.flush()
        self.assertEqual(child.stdout.readline(), "logged\n")
        # Its points are flushed within a second; the newest one's time is its last sign of life.
        deadline = time.monotonic() + 60
        while query(self.db, "SELECT count(*) FROM metrics")[0][0] < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=120)
        self.assertEqual(child.returncode, -signal.SIGKILL)
        self.assertEqual(query(self.db, "SELECT status FROM runs WHERE uuid = ?", run_id), [("running",)])
        last_point = query(self.db, "SELECT max(time) FROM metric_latest")[0][0]

        with reprise.start_run(db=self.db) as run:
            self.assertEqual(query(self.db, "SELECT status, exit_code, end_time FROM runs WHERE uuid = ?", run_id),
                             [("killed", None, last_point)])
            self.assertEqual(query(self.db, "SELECT status FROM runs WHERE uuid = ?", run.id), [("running",)])
        self.assertEqual(history(self.db, "loss")[:500], [(i, float(i)) for i in range(500)])

    def test_runs_of_live_processes_and_other_hosts_stay_running(self):
        import socket
        reprise.start_run(db=self.db).finish()
        ended = subprocess.Popen(["true"])
        ended.wait()  # its pid is free now
        dead_pid = ended.pid
        conn = sqlite3.connect(self.db, isolation_level=None)
        rows = [("a" * 32, socket.gethostname(), os.getpid()), ("b" * 32, "some-other-host", dead_pid),
                ("c" * 32, socket.gethostname(), None), ("d" * 32, socket.gethostname(), 2**40)]
        conn.executemany("INSERT INTO runs(uuid, project_id, name, status, start_time, host, pid) "
                         "VALUES(?, 1, 'r', 'running', 5, ?, ?)", rows)
        conn.close()
        reprise.start_run(db=self.db).finish()
        self.assertEqual(query(self.db, "SELECT uuid, status FROM runs WHERE name = 'r' ORDER BY uuid"),
                         [("a" * 32, "running"), ("b" * 32, "running"), ("c" * 32, "killed"), ("d" * 32, "killed")])
        # A run without any point or output ends "now", never before it started.
        self.assertEqual(query(self.db, "SELECT count(*) FROM runs WHERE uuid = ? AND end_time > 5", "c" * 32), [(1,)])



if __name__ == "__main__":
    unittest.main()
