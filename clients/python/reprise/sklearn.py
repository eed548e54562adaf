"""scikit-learn helpers: an estimator's params, fitted pipeline and scores; a search as child runs.

    import reprise, reprise.sklearn
    with reprise.start_run(project="digits", name="svc") as run:
        model = make_pipeline(StandardScaler(), SVC(C=10)).fit(X_train, y_train)
        reprise.sklearn.log_estimator(run, model, X_val, y_val)

    with reprise.start_run(project="digits", name="grid") as run:
        search = GridSearchCV(SVC(), {"C": [1, 10], "gamma": [1e-3, 1e-4]}).fit(X, y)
        reprise.sklearn.log_search(run, search)   # one child run per candidate

scikit-learn itself is imported only when a helper needs it; the estimators are read through their
public interface (get_params(), `steps`, `cv_results_`, fitted attributes ending in "_").
"""

import hashlib
import math
import numbers
import time

__all__ = ["log_estimator", "log_search", "estimator_params", "fitted_digest"]


def _class_name(obj):
    return type(obj).__name__


def _is_estimator(value):
    return hasattr(value, "get_params") and hasattr(value, "fit") and not isinstance(value, type)


def _plain(value):
    """A param value as something the client records: numbers, text, bools, None and JSON lists; an
    estimator as its class name, a function by its name, a numpy scalar as the Python number."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if _is_estimator(value):
        return _class_name(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        value = item()  # numpy scalar
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "tolist") and hasattr(value, "shape"):  # a numpy array
        return _plain(value.tolist()) if getattr(value, "size", 0) <= 64 else f"array{tuple(value.shape)}"
    if callable(value):
        return getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or repr(value)
    return repr(value)


def _record_value(value):
    """_plain() and then what params hold: lists and dicts stay JSON, None becomes "None" (sklearn's
    default spelling), a list of (name, estimator) steps becomes the names."""
    plain = _plain(value)
    if plain is None:
        return "None"
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, tuple) and len(v) >= 2 and isinstance(v[0], str) for v in value):
        return [v[0] for v in value]  # Pipeline.steps, FeatureUnion.transformer_list, ...
    return plain


def estimator_params(estimator, prefix=""):
    """get_params(deep=True) as recordable params: nested estimators' and pipeline steps' params under
    `<step>__<param>` (scikit-learn's own spelling), an estimator-valued param as its class name."""
    params = {"estimator": _class_name(estimator)}
    for key, value in sorted(estimator.get_params(deep=True).items()):
        params[key] = _record_value(value)
    return {f"{prefix}{k}": v for k, v in params.items()}


def _digest_into(h, value, depth=0):
    """Feeds a fitted attribute's content to `h`: arrays by dtype, shape and bytes, numbers by their
    repr, containers item by item, estimators by their own fitted attributes."""
    if depth > 20:
        h.update(b"<deep>")
        return
    if hasattr(value, "tobytes") and hasattr(value, "dtype") and hasattr(value, "shape"):
        if getattr(value.dtype, "hasobject", False):
            h.update(b"O")
            for item in value.ravel().tolist():
                _digest_into(h, item, depth + 1)
            return
        h.update(f"A{value.dtype.str}{tuple(value.shape)}".encode())
        h.update(value.tobytes(order="C"))
        return
    if isinstance(value, (list, tuple)):
        h.update(f"L{len(value)}".encode())
        for item in value:
            _digest_into(h, item, depth + 1)
        return
    if isinstance(value, dict):
        h.update(f"D{len(value)}".encode())
        for key in sorted(value, key=repr):
            _digest_into(h, key, depth + 1)
            _digest_into(h, value[key], depth + 1)
        return
    if _is_estimator(value):
        h.update(f"E{type(value).__module__}.{_class_name(value)}".encode())
        for name in _fitted_attributes(value):
            h.update(name.encode())
            _digest_into(h, getattr(value, name), depth + 1)
        return
    h.update(f"V{value!r}".encode())


def _fitted_attributes(estimator):
    return sorted(name for name in vars(estimator)
                  if name.endswith("_") and not name.startswith("_") and not name.endswith("__"))


def fitted_digest(estimator):
    """"sha256:<hex>" of an estimator's fitted state (its attributes ending in "_", e.g. coef_), so two
    runs that fit bit-identical models record the same hash. None when it is not fitted."""
    if not _fitted_attributes(estimator):
        return None
    h = hashlib.sha256()
    _digest_into(h, estimator)
    return "sha256:" + h.hexdigest()


def _steps(estimator):
    """[(name, step)] of a Pipeline (read through its `steps`), else [(class name, estimator)]."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and all(isinstance(s, tuple) and len(s) == 2 for s in steps):
        return list(steps)
    return [(_class_name(estimator), estimator)]


def _score_key(estimator, scorer=None):
    if scorer:
        return f"val_{scorer}"
    kind = getattr(estimator, "_estimator_type", None)
    return {"classifier": "val_accuracy", "regressor": "val_r2"}.get(kind, "val_score")


def log_estimator(run, estimator, X_val=None, y_val=None, scoring=None, prefix=""):
    """Records a (fitted) scikit-learn estimator or pipeline on `run`.

    - params: get_params(deep=True), nested estimators and pipeline steps flattened with "__"
      (e.g. "svc__C"), plus "estimator" (the class name); under `prefix` when given;
    - pipeline steps: one step per pipeline step in order (each after the previous one), with the
      step's own params and, when fitted, its fitted state as an output artifact "sklearn:<step>"
      whose hash is fitted_digest(); a step set to "passthrough" or None is recorded as skipped;
    - scores, when X_val is given: estimator.score(X_val, y_val) as "val_accuracy" (classifiers),
      "val_r2" (regressors) or "val_score"; `scoring` (a scorer name or a list of them, see
      sklearn.metrics.get_scorer) adds "val_<name>" for each.

    Returns the scores recorded, {key: value}.
    """
    run.log_params(estimator_params(estimator, prefix))
    previous = None
    for name, step in _steps(estimator):
        now = time.time()
        skipped = step is None or step == "passthrough"
        params = {} if skipped else {k: _record_value(v) for k, v in sorted(step.get_params(deep=False).items())}
        outputs = []
        digest = None if skipped else fitted_digest(step)
        if digest:
            outputs.append((f"sklearn:{prefix}{name}", digest, None))
        run._record_step(f"{prefix}{name}", "skipped" if skipped else "finished", now, now, [], outputs, params,
                         "passthrough" if skipped else f"{type(step).__module__}.{_class_name(step)}",
                         [f"{prefix}{previous}"] if previous else [])
        previous = name

    scores = {}
    if X_val is not None:
        value = estimator.score(X_val, y_val) if y_val is not None else estimator.score(X_val)
        scores[prefix + _score_key(estimator)] = float(value)
        names = [scoring] if isinstance(scoring, str) else list(scoring or [])
        if names:
            from sklearn.metrics import get_scorer
            for scorer in names:
                scores[prefix + _score_key(estimator, scorer)] = float(get_scorer(scorer)(estimator, X_val, y_val))
        run.log_metrics(scores, step=0)
    return scores


def _candidate_name(params, limit=80):
    text = ", ".join(f"{k}={_plain(v)}" for k, v in sorted(params.items())) or "defaults"
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number


def log_search(run, search):
    """Records a fitted GridSearchCV / RandomizedSearchCV (or another search with `cv_results_`) as one
    child run of `run` per candidate, in the order of cv_results_ — a sweep made of work already done,
    which the parallel-coordinates and scatter views show like any sweep.

    Each child: the candidate's params (as cv_results_["params"] names them, e.g. "svc__C"); metrics
    mean_/std_/rank_test_<scorer> (and the train and time columns present), and the per-fold scores
    as the history "split_test_<scorer>" with the fold as the step; tags "sklearn.search" (the search's
    class) and "sklearn.candidate" (its index), and "sklearn.best" = "true" on the best one.

    The run itself gets params "search.class", "search.estimator", "search.cv" (folds), "search.scoring"
    and "search.candidates", the metric "best_score" and the tag "sklearn.best_run" (the best child's id).
    Returns the child run ids in candidate order. Raises ValueError when the search is not fitted.
    """
    results = getattr(search, "cv_results_", None)
    if not isinstance(results, dict) or "params" not in results:
        raise ValueError(f"log_search: {_class_name(search)} has no cv_results_; fit it before logging it")
    candidates = list(results["params"])
    best_index = getattr(search, "best_index_", None)
    if isinstance(best_index, numbers.Integral):
        best_index = int(best_index)
    else:
        best_index = None
    kind = _class_name(search)
    inner = getattr(search, "estimator", None)
    run.log_params({
        "search.class": kind,
        "search.estimator": _class_name(inner) if inner is not None else "",
        "search.cv": int(getattr(search, "n_splits_", 0) or 0),
        "search.scoring": _record_value(getattr(search, "scoring", None)),
        "search.candidates": len(candidates),
    })

    summary_keys = sorted(k for k in results
                          if k.startswith(("mean_", "std_", "rank_")) and not k.startswith("param_"))
    split_keys = {}
    for key in results:
        head, _, rest = key.partition("_")
        if head.startswith("split") and head[5:].isdigit() and rest.startswith(("test_", "train_")):
            split_keys.setdefault(f"split_{rest}", []).append((int(head[5:]), key))

    ids = []
    for index, params in enumerate(candidates):
        tags = {"sklearn.search": kind, "sklearn.candidate": str(index)}
        if index == best_index:
            tags["sklearn.best"] = "true"
        recorded = {k: _record_value(v) for k, v in params.items()}
        with run.start_child(name=_candidate_name(params), params=recorded, tags=tags) as child:
            metrics = {}
            for key in summary_keys:
                number = _number(results[key][index])
                if number is not None:
                    metrics[key] = int(number) if key.startswith("rank_") and math.isfinite(number) else number
            if metrics:
                child.log_metrics(metrics, step=0)
            for name, folds in sorted(split_keys.items()):
                for fold, key in sorted(folds):
                    number = _number(results[key][index])
                    if number is not None:
                        child.log_metric(name, number, step=fold)
        ids.append(child.id)

    best_score = _number(getattr(search, "best_score_", None))
    if best_score is not None:
        run.log_metric("best_score", best_score, step=0)
    if best_index is not None and best_index < len(ids):
        run.set_tag("sklearn.best_run", ids[best_index])
    return ids
