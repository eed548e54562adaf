"""Packing a finished run's metric histories (schema 4), the same layout the C++ store writes.

Each history moves from rows of `metrics` into one row of `metric_packed`: every point in (step, seq)
order as little-endian int64 steps and float64 values (NaN for NULL) and times. Points logged after
packing are rows again; packing once more merges them in.

Packing runs in short transactions, as the C++ store's does, so a run logging into the same database
is never held up for long: each history is read and merged in a read snapshot (no write lock), written
as one blob in a transaction of its own, and its rows then deleted in slices. Until a slice is deleted,
readers skip the rows the blob holds (seq below its count).
"""
import contextlib
import math
import sys
import time
from array import array

# A longer history stays as rows (readers merge them): writing its blob would hold the lock too long.
MAX_PACKED_POINTS = 1_500_000
# Rows deleted per transaction once their points are in the blob (~1.5 µs a row from Python on a loaded 2-core machine: ~75 ms).
ROWS_DELETED_PER_TRANSACTION = 50_000
# After each write transaction a short breather, and a longer pause every 0.4 s of writing, long enough
# for a writer whose busy handler sleeps 100 ms between tries to get the lock.
_BREATHER_S = 0.002
_WRITE_BETWEEN_PAUSES_S = 0.4
_PAUSE_S = 0.11


def _blob(a):
    if sys.byteorder != "little":
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def _unblob(kind, data):
    a = array(kind)
    a.frombytes(data)
    if sys.byteorder != "little":
        a.byteswap()
    return a


@contextlib.contextmanager
def _snapshot(conn):
    conn.execute("BEGIN DEFERRED")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


@contextlib.contextmanager
def _writing(conn):
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(Exception):
                conn.execute("ROLLBACK")
        raise


class _Pacing:
    """Lets other writers in between this one's transactions."""

    def __init__(self):
        self._since_pause = time.monotonic()

    def after_commit(self):
        if time.monotonic() - self._since_pause >= _WRITE_BETWEEN_PAUSES_S:
            time.sleep(_PAUSE_S)
            self._since_pause = time.monotonic()
        else:
            time.sleep(_BREATHER_S)


def _one(conn, sql, args, default):
    row = conn.execute(sql, args).fetchone()
    return row[0] if row else default


def _merged_history(conn, run_id, key_id):
    """((steps, values, times) arrays of every point in (step, seq) order, count packed before) of one
    history, read in the caller's snapshot; the arrays are None when there is nothing to pack."""
    old = conn.execute("SELECT count, steps, vals, times FROM metric_packed WHERE run_id = ? AND key_id = ?",
                       (run_id, key_id)).fetchone()
    before = old[0] if old else 0
    rows = conn.execute("SELECT step, value, time FROM metrics WHERE run_id = ? AND key_id = ? AND seq >= ? "
                        "ORDER BY step, seq", (run_id, key_id, before)).fetchall()
    # Rows of points the blob holds, left by a packing that was interrupted before deleting them all.
    leftover = before > 0 and _one(conn, "SELECT EXISTS(SELECT 1 FROM metrics WHERE run_id = ? AND key_id = ? "
                                         "AND seq < ?)", (run_id, key_id, before), 0)
    if not rows and not leftover:
        return None, before  # packed already, nothing logged since
    latest = _one(conn, "SELECT count FROM metric_latest WHERE run_id = ? AND key_id = ?", (run_id, key_id), -1)
    total = before + len(rows)
    # Points are numbered 0, 1, 2, ... in logging order: a count that disagrees would make the blob and the
    # rows overlap, so such a history is left as it is (only an interrupted packing's rows go).
    if rows and (latest != total or total > MAX_PACKED_POINTS):
        if not leftover:
            return None, before
        rows = []
    # Columns by comprehension: a million points in ~0.3 s (zip(*rows) takes three times as long).
    steps, values, times = (array("q"), array("d"), array("d"))
    if rows:
        row_values = [r[1] for r in rows]
        if None in row_values:
            row_values = [math.nan if v is None else v for v in row_values]
        steps, values, times = array("q", [r[0] for r in rows]), array("d", row_values), array("d", [r[2] for r in rows])
        del rows, row_values
    if not old:
        return (steps, values, times), before
    packed = _unblob("q", old[1]), _unblob("d", old[2]), _unblob("d", old[3])
    if not len(packed[0]) == len(packed[1]) == len(packed[2]) == before:
        return None, before  # a damaged blob is never merged into (readers report it)
    # Packed points first, then (unless the rows all come after them) a stable sort by step: for equal steps
    # the earlier-logged, packed points stay first.
    every = [packed[c] + (steps, values, times)[c] for c in range(3)]
    if steps and packed[0] and steps[0] < packed[0][-1]:
        order = sorted(range(len(every[0])), key=every[0].__getitem__)
        every = [array(column.typecode, (column[i] for i in order)) for column in every]
    return tuple(every), before


def pack_run_histories(conn, run_id):
    """Packs every history of run `run_id`, outside any transaction, in short ones (see above). Raises
    sqlite3.Error when the database refuses; what was packed until then stays consistent for readers."""
    if _one(conn, "PRAGMA user_version", (), 0) < 4:
        return
    pacing = _Pacing()
    with _snapshot(conn):
        keys = [k for (k,) in conn.execute("SELECT key_id FROM metric_latest WHERE run_id = ?", (run_id,))]
    for key_id in keys:
        with _snapshot(conn):
            columns, before = _merged_history(conn, run_id, key_id)
        if columns is None:
            continue
        steps = columns[0]
        count = len(steps)
        if count != before:
            blobs = tuple(_blob(column) for column in columns)  # built before taking the lock
            with _writing(conn):
                # Another connection may have packed this history meanwhile: then it stays as it is.
                if _one(conn, "SELECT count FROM metric_packed WHERE run_id = ? AND key_id = ?",
                        (run_id, key_id), 0) != before:
                    continue
                conn.execute("INSERT OR REPLACE INTO metric_packed(run_id, key_id, count, steps, vals, times) "
                             "VALUES(?,?,?,?,?,?)",
                             (run_id, key_id, count) + blobs)
            pacing.after_commit()
        # The blob holds points 0 ... count-1: their rows go a slice of steps per transaction (a slice
        # ends between two steps). The slices cover every step, so an interrupted packing's rows go too.
        low = None
        end = ROWS_DELETED_PER_TRANSACTION
        while True:
            while end < count and steps[end] == steps[end - 1]:
                end += 1
            last = end >= count
            high = None if last else steps[end] - 1
            # Bounds spelled out (not "? IS NULL OR ..."), so SQLite seeks the slice in the index.
            bounds = ("" if low is None else " AND step >= ?") + ("" if high is None else " AND step <= ?")
            with _writing(conn):
                conn.execute("DELETE FROM metrics WHERE run_id = ? AND key_id = ? AND seq < ?" + bounds,
                             (run_id, key_id, count) + tuple(b for b in (low, high) if b is not None))
            pacing.after_commit()
            if last:
                break
            low = steps[end]
            end += ROWS_DELETED_PER_TRANSACTION
