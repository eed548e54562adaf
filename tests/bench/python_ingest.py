"""Python client ingest benchmark: one run logging N points (one key per call). Prints three numbers:
points/s while logging (flushes included), seconds finish() takes (the end recorded and the history
packed), and the longest wait in ms of another process taking the write lock every 5 ms meanwhile (what
a run logging into the same database would wait)."""
import subprocess
import sys
import time

sys.path.insert(0, sys.argv[1])
import reprise  # noqa: E402

PROBE = r"""
import sqlite3, sys, threading, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
longest = 0.0
print("ready", flush=True)
while not stop.is_set():
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    longest = max(longest, time.perf_counter() - start)
    conn.execute("COMMIT")
    time.sleep(0.005)
print(longest * 1000, flush=True)
"""

db, n = sys.argv[2], int(sys.argv[3])
run = reprise.start_run(project="bench", db=db)
log = run.log_metric
start = time.perf_counter()
for i in range(n):
    log("loss", 0.5, step=i)
run.flush()
elapsed = time.perf_counter() - start

probe = subprocess.Popen([sys.executable, "-c", PROBE, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
probe.stdout.readline()
start = time.perf_counter()
run.finish()
finish = time.perf_counter() - start
time.sleep(0.05)
waited, _ = probe.communicate("stop\n")
print(n / elapsed, finish, float(waited))
