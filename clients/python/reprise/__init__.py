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

Helpers for frameworks, imported on first use: reprise.sklearn (estimators, pipelines, hyper-parameter
searches as child runs) and reprise.torch (model hashes, seeding and a determinism check).
"""

from ._database import (BufferFullError, DatabaseError, WriteError, WriteWarning, default_database_path,
                        open_database)
from ._run import Run, start_run

__all__ = ["Run", "start_run", "DatabaseError", "WriteError", "BufferFullError", "WriteWarning", "open_database",
           "default_database_path", "__version__"]


def _source_tree_version():
    """The CMake project version, read from the source tree's CMakeLists.txt (clients/python on PYTHONPATH)."""
    import pathlib
    import re
    try:
        text = (pathlib.Path(__file__).resolve().parents[3] / "CMakeLists.txt").read_text(encoding="utf-8")
    except OSError:
        return "0+unknown"
    found = re.search(r"project\(\s*reprise\s+VERSION\s+([0-9][0-9.]*)", text)
    return found.group(1) if found else "0+unknown"


try:
    # Written by the build (packaging/python/build_wheel.cmake) from the CMake project version, the
    # executable's: the wheel and the Debian package carry it.
    from ._version import __version__
except ImportError:
    __version__ = _source_tree_version()

# The framework helpers, imported only when used (the client itself needs nothing beyond the standard
# library): reprise.sklearn and reprise.torch.
_HELPERS = ("sklearn", "torch")


def __getattr__(name):
    if name in _HELPERS:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
