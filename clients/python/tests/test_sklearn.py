"""reprise.sklearn with the real scikit-learn (Debian's python3-sklearn, run with /usr/bin/python3):
a pipeline's params, steps and scores; a GridSearchCV over the digits as child runs, read back by the
`reprise` program when REPRISE_BIN is set (as CTest does). Deterministic: SVC and unshuffled folds."""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import reprise  # noqa: E402

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402


def query(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def latest(db, run_uuid):
    """{metric: latest value} of a run."""
    return dict(query(db, "SELECT k.name, l.value FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id "
                          "JOIN runs r ON r.id = l.run_id WHERE r.uuid = ?", run_uuid))


def reprise_json(*args):
    done = subprocess.run([os.environ["REPRISE_BIN"], *args, "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"reprise {' '.join(args)}: {done.stderr}")
    return json.loads(done.stdout)


class SklearnTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        X, y = load_digits(return_X_y=True)
        # The first 1,200 digits to fit, the rest to validate: fixed, no shuffling.
        cls.X_train, cls.y_train, cls.X_val, cls.y_val = X[:1200], y[:1200], X[1200:], y[1200:]

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "runs.db")
        self.saved = {k: os.environ.pop(k) for k in ("REPRISE_RUN_ID", "REPRISE_DB", "REPRISE_PARAMS")
                      if k in os.environ}

    def tearDown(self):
        os.environ.update(self.saved)
        self.tmp.cleanup()


class TestLogEstimator(SklearnTestCase):
    def test_pipeline_params_steps_and_scores(self):
        model = make_pipeline(StandardScaler(), SVC(C=10, gamma=0.01)).fit(self.X_train, self.y_train)
        with reprise.start_run(project="digits", name="svc", db=self.db) as run:
            scores = reprise.sklearn.log_estimator(run, model, self.X_val, self.y_val, scoring=["f1_macro"])
        self.assertEqual(set(scores), {"val_accuracy", "val_f1_macro"})
        self.assertEqual(scores["val_accuracy"], model.score(self.X_val, self.y_val))

        params = {k: (v, t) for k, v, t in query(self.db, "SELECT key, value, vtype FROM params")}
        # get_params(deep=True), flattened by scikit-learn's own "__".
        self.assertEqual(params["svc__C"], ("10", "int"))
        self.assertEqual(params["svc__gamma"], ("0.01", "float"))
        self.assertEqual(params["svc__kernel"], ("rbf", "str"))
        self.assertEqual(params["standardscaler__with_mean"], ("true", "bool"))
        self.assertEqual(params["svc__random_state"], ("None", "str"))
        self.assertEqual(params["estimator"], ("Pipeline", "str"))
        self.assertEqual(params["svc"], ("SVC", "str"))  # an estimator-valued param: its class
        self.assertEqual(params["steps"], ('["standardscaler", "svc"]', "json"))
        self.assertEqual(len(params), len(model.get_params(deep=True)) + 1)

        # The fitted pipeline's steps as pipeline steps, in order, each after the previous one.
        steps = query(self.db, "SELECT id, name, status, command, params FROM steps ORDER BY id")
        self.assertEqual([(s[1], s[2]) for s in steps], [("standardscaler", "finished"), ("svc", "finished")])
        self.assertEqual(steps[1][3], "sklearn.svm._classes.SVC")
        self.assertEqual(json.loads(steps[1][4])["C"], 10)
        self.assertEqual(query(self.db, "SELECT from_step, to_step FROM step_edges"), [(steps[0][0], steps[1][0])])
        # Each fitted step's state as an output artifact; refitting the same data gives the same hash.
        outputs = dict(query(self.db, "SELECT a.path, a.hash FROM step_io io JOIN artifacts a ON a.id = io.artifact_id "
                                      "WHERE io.direction = 'out'"))
        self.assertEqual(set(outputs), {"sklearn:standardscaler", "sklearn:svc"})
        again = make_pipeline(StandardScaler(), SVC(C=10, gamma=0.01)).fit(self.X_train, self.y_train)
        self.assertEqual(outputs["sklearn:svc"], reprise.sklearn.fitted_digest(again.named_steps["svc"]))
        other = make_pipeline(StandardScaler(), SVC(C=1, gamma=0.01)).fit(self.X_train, self.y_train)
        self.assertNotEqual(outputs["sklearn:svc"], reprise.sklearn.fitted_digest(other.named_steps["svc"]))

        self.assertEqual(latest(self.db, run.id), scores)

    def test_single_estimator_and_passthrough(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a few iterations are enough here
            model = make_pipeline("passthrough", LogisticRegression(max_iter=50)).fit(self.X_train[:300],
                                                                                     self.y_train[:300])
        with reprise.start_run(db=self.db) as run:
            reprise.sklearn.log_estimator(run, model)  # no validation data: no scores
            reprise.sklearn.log_estimator(run, SVC(), prefix="unfitted.")
        steps = query(self.db, "SELECT name, status, command FROM steps ORDER BY id")
        self.assertEqual(steps, [("passthrough", "skipped", "passthrough"),
                                 ("logisticregression", "finished", "sklearn.linear_model._logistic.LogisticRegression"),
                                 ("unfitted.SVC", "finished", "sklearn.svm._classes.SVC")])
        self.assertEqual(query(self.db, "SELECT count(*) FROM metric_latest"), [(0,)])
        # An unfitted estimator has no fitted state to hash.
        self.assertIsNone(reprise.sklearn.fitted_digest(SVC()))
        keys = [k for (k,) in query(self.db, "SELECT key FROM params")]
        self.assertIn("unfitted.C", keys)
        self.assertIn("logisticregression__max_iter", keys)


class TestLogSearch(SklearnTestCase):
    GRID = {"svc__C": [1, 10], "svc__gamma": [0.001, 0.01, 0.1]}

    def test_grid_search_over_digits_as_child_runs(self):
        search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), self.GRID, cv=3)
        search.fit(self.X_train, self.y_train)
        with reprise.start_run(project="digits", name="svc-grid", db=self.db) as run:
            ids = reprise.sklearn.log_search(run, search)
        results = search.cv_results_
        self.assertEqual(len(ids), 6)

        children = query(self.db, "SELECT c.uuid, c.name, c.status, p.uuid, c.project_id = p.project_id FROM runs c "
                                  "JOIN runs p ON p.id = c.parent_id ORDER BY c.id")
        self.assertEqual([c[0] for c in children], ids)
        for (uuid, name, status, parent, same_project), params in zip(children, results["params"]):
            self.assertEqual((status, parent, same_project), ("finished", run.id, 1))
            self.assertEqual(name, f"svc__C={params['svc__C']}, svc__gamma={params['svc__gamma']}")
        for index, uuid in enumerate(ids):
            params = dict(query(self.db, "SELECT p.key, p.value || ':' || p.vtype FROM params p JOIN runs r "
                                         "ON r.id = p.run_id WHERE r.uuid = ?", uuid))
            self.assertEqual(params, {"svc__C": f"{results['params'][index]['svc__C']}:int",
                                      "svc__gamma": f"{results['params'][index]['svc__gamma']!r}:float"})
            metrics = latest(self.db, uuid)
            self.assertEqual(metrics["mean_test_score"], float(results["mean_test_score"][index]))
            self.assertEqual(metrics["std_test_score"], float(results["std_test_score"][index]))
            self.assertEqual(metrics["rank_test_score"], int(results["rank_test_score"][index]))
            self.assertIn("mean_fit_time", metrics)
            folds = query(self.db, "SELECT count FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id "
                                   "JOIN runs r ON r.id = l.run_id WHERE r.uuid = ? AND k.name = "
                                   "'split_test_score'", uuid)
            self.assertEqual(folds, [(3,)])
            tags = dict(query(self.db, "SELECT t.key, t.value FROM tags t JOIN runs r ON r.id = t.run_id "
                                       "WHERE r.uuid = ?", uuid))
            self.assertEqual(tags["sklearn.search"], "GridSearchCV")
            self.assertEqual(tags["sklearn.candidate"], str(index))
            self.assertEqual(tags.get("sklearn.best") == "true", index == search.best_index_)

        parent = dict(query(self.db, "SELECT key, value FROM params WHERE run_id = (SELECT id FROM runs WHERE uuid = ?)",
                            run.id))
        self.assertEqual(parent, {"search.class": "GridSearchCV", "search.estimator": "Pipeline", "search.cv": "3",
                                  "search.scoring": "None", "search.candidates": "6"})
        self.assertEqual(latest(self.db, run.id), {"best_score": float(search.best_score_)})
        best = query(self.db, "SELECT value FROM tags WHERE key = 'sklearn.best_run'")
        self.assertEqual(best, [(ids[search.best_index_],)])

        if not os.environ.get("REPRISE_BIN"):
            return
        # The program sees a sweep: the children of the run, each with the swept params and its scores
        # (what Parallel coordinates and the scatter draw).
        runs = reprise_json("ls", "--db", self.db, "--filter", f"parent = {run.id}")
        self.assertEqual(sorted(r["id"] for r in runs), sorted(ids))
        for r in runs:
            self.assertEqual(set(r["params"]), {"svc__C", "svc__gamma"})
            self.assertIn("mean_test_score", r["metrics"])
            self.assertEqual(r["parent"], run.id)
        by_id = {r["id"]: r for r in runs}
        self.assertEqual(by_id[ids[search.best_index_]]["metrics"]["rank_test_score"], 1)
        self.assertEqual(by_id[ids[search.best_index_]]["metrics"]["mean_test_score"], float(search.best_score_))
        shown = reprise_json("show", ids[0], "--db", self.db)
        self.assertEqual(shown["params"]["svc__gamma"], 0.001)

    def test_randomized_search_and_multi_metric(self):
        search = RandomizedSearchCV(SVC(), {"C": [0.5, 1, 2, 4], "gamma": [0.0005, 0.001]}, n_iter=3, cv=2,
                                    random_state=0, scoring=["accuracy", "f1_macro"], refit="accuracy",
                                    return_train_score=True)
        search.fit(self.X_train[:400], self.y_train[:400])
        with reprise.start_run(db=self.db) as run:
            ids = reprise.sklearn.log_search(run, search)
        self.assertEqual(len(ids), 3)
        metrics = latest(self.db, ids[0])
        for key in ("mean_test_accuracy", "std_test_f1_macro", "rank_test_f1_macro", "mean_train_accuracy"):
            self.assertEqual(metrics[key], float(search.cv_results_[key][0]), key)
        self.assertIn("split_train_accuracy", metrics)
        self.assertEqual(query(self.db, "SELECT value FROM params WHERE key = 'search.scoring'"),
                         [('["accuracy", "f1_macro"]',)])

    def test_unfitted_search_is_refused(self):
        with reprise.start_run(db=self.db) as run:
            with self.assertRaisesRegex(ValueError, "fit it before logging it"):
                reprise.sklearn.log_search(run, GridSearchCV(SVC(), {"C": [1]}))
        self.assertEqual(query(self.db, "SELECT count(*) FROM runs"), [(1,)])

    def test_many_candidates_do_not_hold_connections(self):
        # 300 children, each with its own connection while it is recorded, closed when it ends.
        with reprise.start_run(db=self.db) as run:
            for i in range(300):
                with run.start_child(name=f"c{i}", params={"i": i}) as child:
                    child.log_metric("m", float(i))
            self.assertLess(len(os.listdir("/proc/self/fd")), 100)
        self.assertEqual(query(self.db, "SELECT count(*), min(status), max(status) FROM runs WHERE parent_id = 1"),
                         [(300, "finished", "finished")])


if __name__ == "__main__":
    unittest.main()
