"""Content hashes of files and feature profiles of datasets (the input of drift statistics)."""

import hashlib
import json
import math
import os
import random
import struct

SAMPLE_LIMIT = 10_000


def file_digest(path):
    """("sha256:<hex>", size in bytes) of a file, or of a folder (hash of its sorted files); ("", None)
    when the path does not exist."""
    path = os.fspath(path)
    if os.path.isfile(path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return "sha256:" + h.hexdigest(), os.path.getsize(path)
    if os.path.isdir(path):
        h = hashlib.sha256()
        total = 0
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                digest, size = file_digest(full)
                h.update(f"{os.path.relpath(full, path)}\0{digest}\n".encode())
                total += size or 0
        return "sha256:" + h.hexdigest(), total
    return "", None


def _is_missing(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def _columns(data):
    if isinstance(data, dict):
        columns = {str(k): list(v) for k, v in data.items()}
    else:
        rows = list(data)
        names = []
        for row in rows:
            for k in row:
                if k not in names:
                    names.append(k)
        columns = {str(k): [row.get(k) for row in rows] for k in names}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"log_dataset: columns differ in length ({sorted(lengths)})")
    return columns, (lengths.pop() if lengths else 0)


def _quantile(sorted_values, q):
    return sorted_values[int(q * (len(sorted_values) - 1))] if sorted_values else 0.0


def _sample(values, seed):
    """All values, or a deterministic sample of SAMPLE_LIMIT of them; sorted either way (the
    drift statistics read samples in order)."""
    if len(values) <= SAMPLE_LIMIT:
        return sorted(values)
    rng = random.Random(seed)
    return sorted(rng.sample(values, SAMPLE_LIMIT))


def profile_feature(name, values):
    present = [v for v in values if not _is_missing(v)]
    missing = len(values) - len(present)
    numeric = bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)
    if numeric:
        xs = sorted(float(v) for v in present)
        finite = [x for x in xs if math.isfinite(x)]
        mean = math.fsum(finite) / len(finite) if finite else 0.0
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in finite) / (len(finite) - 1)) if len(finite) > 1 else 0.0
        stats = {"mean": mean, "std": std, "min": xs[0], "p25": _quantile(xs, 0.25), "p50": _quantile(xs, 0.5),
                 "p75": _quantile(xs, 0.75), "max": xs[-1]}
        sample = _sample(xs, name)
        kind = "numeric"
    else:
        texts = [str(v) for v in present]
        counts = {}
        for t in texts:
            counts[t] = counts.get(t, 0) + 1
        stats = {"counts": counts, "distinct": len(counts)}
        sample = _sample(texts, name)
        kind = "categorical"
    return {"feature": name, "type": kind, "count": len(values), "missing": missing, "stats": stats,
            "sample": sample}


def encode_sample_values(values):
    """Numeric samples as stored in feature_profiles.sample_values: little-endian float64, sorted."""
    return struct.pack("<%dd" % len(values), *values)


def profile_dataset(data):
    """(rows, content hash, [profile per feature]) of a dataset given as columns or rows."""
    columns, rows = _columns(data)
    canonical = json.dumps(columns, sort_keys=True, default=str).encode()
    digest = "sha256:" + hashlib.sha256(canonical).hexdigest()
    return rows, digest, [profile_feature(name, values) for name, values in columns.items()]
