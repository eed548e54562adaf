"""Opening a Reprise run database: validation, WAL, and the shared schema migrations."""

import os
import pathlib
import re
import sqlite3
import time

APPLICATION_ID = 0x52505253  # "RPRS", as in the C++ store (models/core/store/schema.h)
SCHEMA_DIR = pathlib.Path(__file__).resolve().parent / "schema"


DEFAULT_BUSY_TIMEOUT_S = 30.0


class DatabaseError(Exception):
    """A database that cannot be used, with what to do about it."""


class WriteError(DatabaseError, sqlite3.OperationalError):
    """A write SQLite refused (database locked past the busy timeout, disk full, read-only file, I/O
    error), naming the database, SQLite's own reason and what to do.

    Also a sqlite3.OperationalError, as the client raised before. Attributes: `path` (the database),
    `reason` (SQLite's message, e.g. "database is locked", "database or disk is full"), `pending` (metric
    points buffered in the client and not stored yet: kept, and written by the next successful flush),
    and on Python >= 3.11 `sqlite_errorcode` and `sqlite_errorname` of the cause.
    """

    def __init__(self, message, path="", reason="", pending=0, cause=None):
        super().__init__(message)
        self.path = path
        self.reason = reason
        self.pending = pending
        self.sqlite_errorcode = getattr(cause, "sqlite_errorcode", None)
        self.sqlite_errorname = getattr(cause, "sqlite_errorname", None)

    @classmethod
    def from_sqlite(cls, path, what, cause, pending=0, kept=""):
        """"<path>: <what> failed: <SQLite's reason>; <kept> (<what to do>)"."""
        reason = str(cause)
        message = f"{path}: {what} failed: {reason}"
        if kept:
            message += f"; {kept}"
        advice = write_advice(reason)
        if advice:
            message += f" ({advice})"
        return cls(message, path, reason, pending, cause)


class BufferFullError(WriteError):
    """log_metric()/log_metrics() refused a point: the client already holds its bound of unstored points
    (start_run(max_buffered_points=...) or $REPRISE_MAX_BUFFERED_POINTS) because writes keep failing.
    The points already buffered are kept; the refused ones are not recorded."""


class WriteWarning(UserWarning):
    """Metric points could not be written for now (they are kept and retried), or a run could not be
    ended cleanly while another exception was on its way."""


def write_advice(reason):
    """What a user can do about a SQLite write error, from its message."""
    text = reason.lower()
    if "locked" in text or "busy" in text:
        return ("another program holds its write lock, e.g. a `reprise import`; a write waits for it up to "
                "$REPRISE_BUSY_TIMEOUT_MS, 30 s by default")
    if "full" in text:
        return "free space on its disk"
    if "readonly" in text or "read-only" in text:
        return "make the database and its folder writable"
    return ""


def busy_timeout_seconds():
    """How long a write waits for a lock held by another connection: $REPRISE_BUSY_TIMEOUT_MS (as for the
    reprise program), else 30 s."""
    try:
        ms = int(os.environ.get("REPRISE_BUSY_TIMEOUT_MS", ""))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT_S
    return ms / 1000.0 if ms >= 0 else DEFAULT_BUSY_TIMEOUT_S


def default_database_path():
    env = os.environ.get("REPRISE_DB")
    if env:
        return env
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "reprise", "runs.db")


def migrations():
    """[(version, sql)] from the schema folder, ascending."""
    found = []
    for path in sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.read_text(encoding="utf-8")))
    if not found:
        raise DatabaseError(f"{SCHEMA_DIR}: no schema files found; reinstall the reprise client")
    return found


def latest_version():
    return migrations()[-1][0]


# One statement, so one snapshot: another process creating the file at the same moment is seen entirely
# (its schema, application id and version) or not at all, never half.
_HEADER_SQL = ("SELECT a.application_id, v.user_version, (SELECT count(*) FROM sqlite_master) "
               "FROM pragma_application_id() a, pragma_user_version() v")


def is_busy(error):
    """Whether a sqlite3 error is SQLITE_BUSY (another connection holds a lock this one needs)."""
    code = getattr(error, "sqlite_errorcode", None)  # Python >= 3.11
    if code is not None:
        return code & 0xff == 5  # SQLITE_BUSY, and its extended codes
    return "database is locked" in str(error)


def _retry_while_busy(action, timeout):
    """action() again, after a short sleep, while it raises SQLITE_BUSY and `timeout` seconds have not
    passed: for the locks SQLite does not wait for itself (it gives up at once where waiting could
    deadlock, e.g. switching a new file to WAL while another connection creates it). Returns
    (result, None), or (None, (error, seconds waited)) once it gives up."""
    start = time.monotonic()
    tries = 0
    while True:
        try:
            return action(), None
        except sqlite3.OperationalError as e:
            waited = time.monotonic() - start
            if not is_busy(e) or waited > timeout:
                return None, (e, waited)
        time.sleep(0.00005 if tries < 10 else 0.0005)
        tries += 1


def _locked_error(path, what, error, waited):
    return WriteError.from_sqlite(path, what, error, kept=f"gave up after waiting {waited * 1000:.0f} ms")


def open_database(path, timeout=None):
    """Opens (creating if missing) a Reprise database for writing, migrating it if it is older.

    `timeout`: seconds a write waits for another connection's lock (default: busy_timeout_seconds()).

    Refuses files that are not SQLite, SQLite files of other programs, and databases written by a
    newer Reprise, with a DatabaseError naming the file and what to do. Several processes may create
    the same new database at once: each waits for the others' locks (up to `timeout`), and whoever
    migrates second finds the schema there. A lock held longer raises WriteError naming the time waited.
    """
    path = os.fspath(path)
    if timeout is None:
        timeout = busy_timeout_seconds()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"{path}: not a usable SQLite database ({e}); check the path") from None
    try:
        header, failure = _retry_while_busy(lambda: conn.execute(_HEADER_SQL).fetchall()[0], timeout)
        if failure:
            raise _locked_error(path, "reading the header", *failure) if is_busy(failure[0]) else failure[0]
    except sqlite3.DatabaseError as e:
        conn.close()
        if isinstance(e, WriteError):
            raise
        raise DatabaseError(f"{path}: not a usable SQLite database ({e}); check the path") from None
    application_id, version, tables = header
    try:
        _check_header(path, application_id, version, tables)
        # Switching a new file to WAL takes its write lock for a moment; while another process holds it
        # (creating the same file), SQLite answers "database is locked" at once: try again meanwhile.
        _, failure = _retry_while_busy(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchall(), timeout)
        if failure:
            error, waited = failure
            raise _locked_error(path, "switching to WAL", error, waited) if is_busy(error) else \
                WriteError.from_sqlite(path, "switching to WAL", error)
        conn.execute("PRAGMA synchronous=NORMAL")
        if version < latest_version():
            _migrate(conn, path, version)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_header(path, application_id, version, tables):
    if tables and application_id != APPLICATION_ID:
        raise DatabaseError(f"{path}: a SQLite database, but not a Reprise run database; give another path")
    latest = latest_version()
    if version > latest:
        raise DatabaseError(
            f"{path}: written by a newer Reprise (schema version {version}; this client knows up to {latest}); "
            "upgrade the reprise client to write to it")


def _migrate(conn, path, version):
    latest = latest_version()
    try:
        conn.execute("BEGIN IMMEDIATE")
        # Read again under the write lock: another process may have created or migrated the file since.
        # Whoever takes the lock second finds the schema there and writes nothing.
        application_id, current, tables = conn.execute(_HEADER_SQL).fetchone()
        _check_header(path, application_id, current, tables)
        if current < latest:
            for number, sql in migrations():
                if number > current:
                    _execute_script(conn, sql)
            if current == 0:
                # A new database gets the lookup indexes at once, as one made by Reprise itself.
                _execute_script(conn, (SCHEMA_DIR / "lookup_indexes.sql").read_text(encoding="utf-8"))
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={latest}")
        conn.execute("COMMIT")
    except BaseException as e:
        rollback(conn)
        if isinstance(e, sqlite3.Error) and not isinstance(e, DatabaseError):
            raise WriteError.from_sqlite(path, f"upgrading the schema from version {version} to {latest}",
                                         e) from e
        raise


def rollback(conn):
    """Rolls back the open transaction, if there still is one: on some errors (SQLITE_FULL, SQLITE_IOERR,
    SQLITE_BUSY, ...) SQLite has rolled it back itself, and a ROLLBACK then would only hide the reason."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the error being handled is the one to report


def _execute_script(conn, sql):
    # executescript() would COMMIT our transaction first; run statement by statement instead.
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            text = statement.strip()
            if text and not re.fullmatch(r"(--[^\n]*\n?\s*)*", text + "\n"):
                conn.execute(text)
            statement = ""
    if statement.strip() and not re.fullmatch(r"(\s*--[^\n]*)*\s*", statement):
        conn.execute(statement)
