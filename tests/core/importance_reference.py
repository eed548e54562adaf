"""Reference values for `reprise importance`: SciPy's Spearman correlation and scikit-learn's
random-forest impurity importances on the runs tst_importance generated.

Usage: importance_reference.py RUNS.csv MIN_SAMPLES_LEAF
RUNS.csv has a header: metric, then the params; an empty cell is a missing value. Columns whose
name starts with "cat_" are categorical (one-hot encoded, their columns' importances summed back).
Prints one JSON document: {"spearman": {param: rho}, "importance": {param: share},
"runs_missing_metric": n, "forest_runs": n}. Run with Debian's python3 (python3-sklearn)."""
import csv
import json
import sys

import numpy as np
from scipy import stats
from sklearn.ensemble import RandomForestRegressor

path, min_leaf = sys.argv[1], int(sys.argv[2])
with open(path, newline="") as f:
    rows = list(csv.DictReader(f))
params = [name for name in rows[0].keys() if name != "metric"]
with_metric = [r for r in rows if r["metric"] != ""]

spearman = {}
for p in params:
    if p.startswith("cat_"):
        continue
    pairs = [(float(r[p]), float(r["metric"])) for r in with_metric if r[p] != ""]
    a, b = zip(*pairs)
    spearman[p] = float(stats.spearmanr(a, b).correlation)

complete = [r for r in with_metric if all(r[p] != "" for p in params)]
columns, owner = [], []
for p in params:
    if p.startswith("cat_"):
        for level in sorted({r[p] for r in complete}):
            columns.append([1.0 if r[p] == level else 0.0 for r in complete])
            owner.append(p)
    else:
        columns.append([float(r[p]) for r in complete])
        owner.append(p)
x = np.array(columns).T
y = np.array([float(r["metric"]) for r in complete])
forest = RandomForestRegressor(n_estimators=100, min_samples_leaf=min_leaf, max_features=1.0, bootstrap=True,
                               random_state=0, n_jobs=1).fit(x, y)
importance = {p: 0.0 for p in params}
for share, p in zip(forest.feature_importances_, owner):
    importance[p] += float(share)
json.dump({"spearman": spearman, "importance": importance, "runs_missing_metric": len(rows) - len(with_metric),
           "forest_runs": len(complete)}, sys.stdout)
