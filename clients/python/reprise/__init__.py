"""Reprise logging client: record params, metrics, pipeline steps, artifacts and datasets of a run.

Standard library only (Python >= 3.9). Writes the same SQLite run database as the `reprise` program,
using the schema files shipped beside this module (``reprise/schema/NNNN_*.sql``).

    import reprise
    with reprise.start_run(project="digits", name="sgd", params={"lr": 0.01}) as run:
        lr = run.params["lr"]                  # overrides from `reprise run --param` / a rerun
        run.log_metric("loss", 0.42, step=3)   # batched; flushed every ~1 s and on exit

A write SQLite refuses (database locked by another writer, disk full) never drops logged points: they
stay buffered and are retried; flush() and finish() raise WriteError with SQLite's reason, and
log_metric() raises BufferFullError only once ``max_buffered_points`` points wait (see Run).

Under ``reprise run`` (REPRISE_RUN_ID and REPRISE_DB set) the client attaches to that run instead of
creating one. Otherwise the database is $REPRISE_DB, else ~/.local/share/reprise/runs.db.
"""

from ._database import (BufferFullError, DatabaseError, WriteError, WriteWarning, default_database_path,
                        open_database)
from ._run import Run, start_run

__all__ = ["Run", "start_run", "DatabaseError", "WriteError", "BufferFullError", "WriteWarning", "open_database",
           "default_database_path"]
__version__ = "0.1.0"
