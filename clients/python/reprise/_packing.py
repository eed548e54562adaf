"""Packing a finished run's metric histories (schema 4), the same layout the C++ store writes.

Each history moves from rows of `metrics` into one row of `metric_packed`: every point in (step, seq)
order as little-endian int64 steps and float64 values (NaN for NULL) and times. Points logged after
packing are rows again; packing once more merges them in.
"""
import heapq
import sys
from array import array


def _blob(kind, values):
    a = array(kind, values)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def _unblob(kind, data):
    a = array(kind)
    a.frombytes(data)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def pack_run_histories(conn, run_id):
    """Packs every history of run `run_id`. Call inside a write transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < 4:
        return
    keys = [k for (k,) in conn.execute("SELECT key_id FROM metric_latest WHERE run_id = ?", (run_id,))]
    for key_id in keys:
        rows = conn.execute("SELECT step, value, time FROM metrics WHERE run_id = ? AND key_id = ? "
                            "ORDER BY step, seq", (run_id, key_id)).fetchall()
        if not rows:
            continue  # packed already, nothing logged since
        rows = [(s, float("nan") if v is None else v, t) for s, v, t in rows]
        old = conn.execute("SELECT count, steps, vals, times FROM metric_packed WHERE run_id = ? AND key_id = ?",
                           (run_id, key_id)).fetchone()
        packed = []
        if old:
            steps, values, times = _unblob("q", old[1]), _unblob("d", old[2]), _unblob("d", old[3])
            packed = list(zip(steps, values, times))
        # For equal steps the packed points were logged first: heapq.merge keeps the earlier iterable first.
        points = list(heapq.merge(packed, rows, key=lambda p: p[0]))
        conn.execute("INSERT OR REPLACE INTO metric_packed(run_id, key_id, count, steps, vals, times) "
                     "VALUES(?,?,?,?,?,?)",
                     (run_id, key_id, len(points), _blob("q", [p[0] for p in points]),
                      _blob("d", [p[1] for p in points]), _blob("d", [p[2] for p in points])))
        conn.execute("DELETE FROM metrics WHERE run_id = ? AND key_id = ?", (run_id, key_id))
