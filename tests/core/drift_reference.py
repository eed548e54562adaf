"""Reference values for the drift statistics, computed by SciPy/NumPy on generated samples.

Prints one JSON document: a list of cases, each with its inputs and SciPy's answer. Run by
tst_drift_stats with Debian's python3 (python3-scipy, python3-numpy)."""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance

rng = np.random.RandomState(20261126)
cases = []


def ks_case(name, a, b):
    r = stats.ks_2samp(a, b)  # method="auto", as Evidently calls it
    cases.append({"kind": "ks", "name": name, "a": list(map(float, a)), "b": list(map(float, b)),
                  "statistic": float(r.statistic), "pvalue": float(r.pvalue)})


ks_case("same distribution", rng.normal(0, 1, 200), rng.normal(0, 1, 300))
ks_case("shifted, equal sizes", rng.normal(0, 1, 500), rng.normal(0.3, 1, 500))
ks_case("scaled", rng.normal(0, 1, 1000), rng.normal(0, 1.5, 1200))
ks_case("ties", rng.randint(0, 8, 400).astype(float), rng.randint(0, 9, 350).astype(float))
ks_case("tiny", rng.normal(0, 1, 7), rng.normal(1, 1, 11))
ks_case("far apart", rng.normal(0, 1, 300), rng.normal(5, 1, 200))
ks_case("large", rng.normal(0, 1, 10000), rng.normal(0.02, 1, 9000))
ks_case("identical", np.arange(50.0), np.arange(50.0))

for name, obs, exp in [
        ("close", [48, 52, 100], [50, 50, 100]),
        ("far", [10, 90, 100, 0], [50, 50, 50, 50]),
        ("many categories", list(rng.randint(20, 80, 12)), None)]:
    obs = np.array(obs, dtype=float)
    if exp is None:
        exp = np.full(len(obs), obs.sum() / len(obs))
    exp = np.array(exp, dtype=float) * obs.sum() / np.sum(exp)
    r = stats.chisquare(obs, exp)
    cases.append({"kind": "chi2", "name": name, "observed": obs.tolist(), "expected": exp.tolist(),
                  "statistic": float(r.statistic), "pvalue": float(r.pvalue)})

# Categorical with a category the reference never had: the expected count is 0, so chi-squared is
# infinite and p = 0 (SciPy warns about the division); Jensen-Shannon on zero-filled shares.
with np.errstate(divide="ignore", invalid="ignore"):
    obs = np.array([30.0, 30.0, 40.0])
    exp = np.array([50.0, 50.0, 0.0])
    r = stats.chisquare(obs, exp)
cases.append({"kind": "chi2", "name": "new category", "observed": obs.tolist(), "expected": exp.tolist(),
              "statistic": str(float(r.statistic)), "pvalue": float(r.pvalue)})
ref_counts = {"basic": 60, "pro": 40}
cur_counts = {"basic": 30, "pro": 20, "enterprise": 50}
keys = sorted(set(ref_counts) | set(cur_counts))
p = np.array([ref_counts.get(k, 0) / 100 for k in keys])
q = np.array([cur_counts.get(k, 0) / 100 for k in keys])
np.place(p, p == 0, 0.0001)
np.place(q, q == 0, 0.0001)
cases.append({"kind": "js", "name": "new category", "p": p.tolist(), "q": q.tolist(),
              "distance": float(distance.jensenshannon(p, q))})

for name, s1, n1, s2, n2 in [("equal", 40, 100, 40, 100), ("different", 30, 200, 60, 180), ("strong", 5, 500, 300, 600)]:
    p1, p2 = s1 / n1, s2 / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    cases.append({"kind": "z", "name": name, "s1": s1, "n1": n1, "s2": s2, "n2": n2,
                  "statistic": float(z), "pvalue": float(2 * (1 - stats.norm.cdf(abs(z))))})

for name, a, b in [("same", rng.normal(0, 1, 2000), rng.normal(0, 1, 1500)),
                   ("shifted", rng.normal(0, 1, 3000), rng.normal(0.5, 1, 2500)),
                   ("scaled", rng.exponential(2, 1200), rng.exponential(3, 1300))]:
    cases.append({"kind": "wasserstein", "name": name, "a": a.tolist(), "b": b.tolist(),
                  "distance": float(stats.wasserstein_distance(a, b)), "ref_std": float(np.std(a))})
    edges = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
    pa = np.histogram(a, edges)[0] / len(a)
    pb = np.histogram(b, edges)[0] / len(b)
    pa_f, pb_f = pa.copy(), pb.copy()
    np.place(pa_f, pa_f == 0, 0.0001)
    np.place(pb_f, pb_f == 0, 0.0001)
    cases.append({"kind": "binned", "name": name, "a": a.tolist(), "b": b.tolist(), "edges": edges.tolist(),
                  "a_shares": pa.tolist(), "b_shares": pb.tolist(),
                  "js": float(distance.jensenshannon(pa_f, pb_f)),
                  "psi": float(np.sum((pa_f - pb_f) * np.log(pa_f / pb_f)))})

for name, p, q in [("categorical", [0.5, 0.3, 0.2], [0.4, 0.4, 0.2]), ("unnormalised", [5, 3, 2, 0.0001], [1, 1, 1, 1]),
                   ("identical", [0.25, 0.75], [0.25, 0.75])]:
    cases.append({"kind": "js", "name": name, "p": p, "q": q, "distance": float(distance.jensenshannon(p, q))})

for name, x, df in [("small", 0.5, 1), ("typical", 7.8, 3), ("tail", 80.0, 5), ("large df", 120.0, 100)]:
    cases.append({"kind": "chi2sf", "name": name, "x": x, "df": df, "sf": float(stats.chi2.sf(x, df))})

json.dump({"scipy": __import__("scipy").__version__, "cases": cases}, sys.stdout)
