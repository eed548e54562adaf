"""Tests of the Python client against real SQLite files (and the real `reprise` binary when
REPRISE_BIN is set, as CTest does)."""

import json
import math
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

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
                                                         "REPRISE_RUN_NAME", "REPRISE_RUN_PROJECT") if k in os.environ}

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


if __name__ == "__main__":
    unittest.main()
