"""Python client ingest benchmark: prints points/s for one run logging N points (one key per call)."""
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
import reprise  # noqa: E402

db, n = sys.argv[2], int(sys.argv[3])
with reprise.start_run(project="bench", db=db) as run:
    log = run.log_metric
    start = time.perf_counter()
    for i in range(n):
        log("loss", 0.5, step=i)
    run.flush()
    elapsed = time.perf_counter() - start
print(n / elapsed)
