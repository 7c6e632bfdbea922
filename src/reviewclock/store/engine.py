"""One engine per dialect, and database failures turned into one-line messages.

SQLite: WAL, a busy timeout, ``synchronous = FULL``, and every write
transaction begun ``IMMEDIATE`` so that writers queue rather than deadlock.

PostgreSQL (psycopg 3): each session runs in UTC with ``lock_timeout`` set to
the same wait as SQLite's busy timeout. Writes are serialised per case by a row
lock (``SELECT ... FOR UPDATE`` on the case, see :mod:`reviewclock.store.writing`).

Errors from the driver, whether they come through SQLAlchemy or from a raw
cursor, become :class:`RegisterError` messages that name the register and say
what to do, and never show a password.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reviewclock.errors import RegisterError
from reviewclock.store.location import POSTGRESQL, Location

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import Connection

LOCK_TIMEOUT_ENV = "REVIEWCLOCK_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 30.0
INSTALL_POSTGRES = "pip install 'reviewclock[postgres]'"


def lock_timeout() -> float:
    """How long to wait for another user's write to finish: ``REVIEWCLOCK_LOCK_TIMEOUT``
    seconds, or 30."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if not raw:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise RegisterError(
            f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds more than 0 and at most "
            "3600; fix or unset it"
        )
    return value


def current_user() -> str:
    """The operating-system user, for the audit trail of who recorded what."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def make_engine(location: Location, timeout: float) -> Engine:
    """An engine for the register at ``location``, set up for its dialect."""
    if location.dialect == POSTGRESQL:
        return _postgresql(location, timeout)
    return _sqlite(location, timeout)


def _postgresql(location: Location, timeout: float) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise RegisterError(
            f"{location.text} is a PostgreSQL register, and its driver is not installed; "
            f"run: {INSTALL_POSTGRES}"
        ) from None
    from sqlalchemy import create_engine

    options = f"-c timezone=UTC -c lock_timeout={int(timeout * 1000)}"
    # The default pool keeps one connection for the whole command: a connection to a
    # server costs more than the queries a command makes.
    return create_engine(
        location.url,
        connect_args={
            "connect_timeout": max(1, int(min(timeout, 30))),
            "options": options,
            "application_name": "reviewclock",
        },
    )


def _sqlite(location: Location, timeout: float) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(location.url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below start every transaction itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        # Every acknowledged write is on disk before the command says so, even if the
        # power goes a moment later.
        cur.execute("PRAGMA synchronous = FULL")
        # A read-only register still opens without WAL; its writes are refused with a message.
        with contextlib.suppress(Exception):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("reviewclock_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _driver_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.Error]
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")  # loaded only when an engine is used
    if sqlalchemy_exc is not None:
        errors.append(sqlalchemy_exc.DBAPIError)
    psycopg = sys.modules.get("psycopg")  # loaded only when a PostgreSQL register is open
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


def is_duplicate(error: BaseException) -> bool:
    """Whether ``error`` is a unique constraint refusing a row (from either engine or driver)."""
    orig = getattr(error, "orig", None) or error
    if isinstance(orig, sqlite3.IntegrityError):
        return "unique" in str(orig).lower()
    return getattr(orig, "sqlstate", None) == "23505"


@contextlib.contextmanager
def translated(location: Location, timeout: float) -> Iterator[None]:
    """Turn database failures into one-line messages that say what to do."""
    try:
        yield
    except _driver_errors() as e:
        orig = getattr(e, "orig", None) or e
        if location.dialect == POSTGRESQL:
            raise _postgresql_error(location, timeout, orig) from None
        raise _sqlite_error(location, timeout, orig) from None


def _sqlite_error(location: Location, timeout: float, orig: BaseException) -> RegisterError:
    where = location.text
    text = str(orig).lower()
    if not isinstance(orig, sqlite3.OperationalError):
        return RegisterError(
            f"{where} is not a usable reviewclock register ({orig}); "
            "restore it from a backup or point --db at another file"
        )
    if "locked" in text or "busy" in text:
        return RegisterError(
            f"the register {where} stayed locked by another user for over "
            f"{timeout:g} s; nothing was changed. Try again in a moment"
        )
    if "readonly" in text or "read-only" in text:
        return RegisterError(
            f"the register {where} is read-only; ask for write access, or work on a copy"
        )
    if "full" in text or "disk i/o" in text:
        return RegisterError(
            f"could not write the register {where} ({orig}): the disk may be full or "
            "failing. Nothing was changed; free some space and run the command again"
        )
    if "unable to open" in text:
        return RegisterError(
            f"cannot open the register {where}; check that the path and its directory "
            "exist and that you may read and write them"
        )
    return RegisterError(f"the register {where} could not be used: {orig}")


def _postgresql_error(location: Location, timeout: float, orig: BaseException) -> RegisterError:
    where = location.text
    state = getattr(orig, "sqlstate", None) or ""
    text = str(orig)
    lower = text.lower()
    role = location.user or "your role"
    if "password authentication failed" in lower or "no password supplied" in lower:
        return RegisterError(
            f"the PostgreSQL server at {location.server} refused the password for {role}; "
            "check PGPASSWORD or ~/.pgpass"
        )
    if f'database "{location.database}" does not exist' in text:
        return RegisterError(
            f"there is no database {location.database} on {location.server}; "
            f"create it with: createdb {location.database}"
        )
    if state == "55P03" or "lock timeout" in lower:
        return RegisterError(
            f"the register {where} stayed locked by another user for over "
            f"{timeout:g} s; nothing was changed. Try again in a moment"
        )
    if state == "42501" and "must be owner" in lower:
        # Bringing the schema up to date alters the tables: their owner's work alone.
        return RegisterError(
            f"the register {where} needs its schema brought up to date, which only the owner of"
            f" its tables may do, not {role}; run any reviewclock command once as its owner"
        )
    if state == "42501":
        return RegisterError(
            f"the database role {role} may not change the register {where}; "
            "ask its owner to GRANT it SELECT, INSERT, UPDATE, DELETE (see the README)"
        )
    reason = _server_reason(text) or type(orig).__name__
    if "permission denied for database" in lower:
        return RegisterError(
            f"the database role {role} may not connect to {location.database} on"
            f" {location.server}; ask its owner to GRANT CONNECT ON DATABASE"
            f" {location.database} TO {role}"
        )
    if "terminat" in lower or state.startswith("57P"):
        return RegisterError(
            f"the PostgreSQL server at {location.server} ended the connection ({reason});"
            " nothing was changed; run the command again"
        )
    if "ssl" in lower or "invalid connection option" in lower or "invalid sslmode" in lower:
        return RegisterError(
            f"the PostgreSQL server at {location.server} refused the connection as the URL"
            f" {where} asks for it ({reason}); check the options after '?' in the URL"
        )
    if state.startswith("08") or not state:
        return RegisterError(
            f"cannot reach the PostgreSQL server at {location.server} for {where} ({reason}); "
            "check that it is running and that the host and port are right"
        )
    return RegisterError(f"the register {where} could not be used: {reason}")


def _server_reason(text: str) -> str:
    """The server's own words, on one line: the first line, without the address psycopg
    puts before them (``connection to server at "host", port 5432 failed:``). Never a
    password: none is given in a URL here."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    reason = re.sub(r"^.*?connection to server at .*? failed:\s*", "", first)
    return reason.removeprefix("FATAL:").strip()[:200]
