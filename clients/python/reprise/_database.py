"""Opening a Reprise run database: validation, WAL, and the shared schema migrations."""

import os
import pathlib
import re
import sqlite3

APPLICATION_ID = 0x52505253  # "RPRS", as in the C++ store (models/core/store/schema.h)
SCHEMA_DIR = pathlib.Path(__file__).resolve().parent / "schema"


class DatabaseError(Exception):
    """A database that cannot be used, with what to do about it."""


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


def _scalar(conn, sql):
    return conn.execute(sql).fetchone()[0]


def open_database(path, timeout=30.0):
    """Opens (creating if missing) a Reprise database for writing, migrating it if it is older.

    Refuses files that are not SQLite, SQLite files of other programs, and databases written by a
    newer Reprise, with a DatabaseError naming the file and what to do.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        application_id = _scalar(conn, "PRAGMA application_id")
        version = _scalar(conn, "PRAGMA user_version")
        tables = _scalar(conn, "SELECT count(*) FROM sqlite_master")
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"{path}: not a usable SQLite database ({e}); check the path") from None
    if tables and application_id != APPLICATION_ID:
        conn.close()
        raise DatabaseError(f"{path}: a SQLite database, but not a Reprise run database; give another path")
    latest = latest_version()
    if version > latest:
        conn.close()
        raise DatabaseError(
            f"{path}: written by a newer Reprise (schema version {version}; this client knows up to {latest}); "
            "upgrade the reprise client to write to it")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if version < latest:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = _scalar(conn, "PRAGMA user_version")  # another process may have migrated meanwhile
            for number, sql in migrations():
                if number > current:
                    _execute_script(conn, sql)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={latest}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn


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
