"""One small interface to a connection, so that the same SQL text runs on both engines.

Reading and writing the register need four things of a connection: rows for a
query, one value, a statement run (once or for many rows) and the id of a new
row. :class:`Lite` gives them over the standard library's ``sqlite3``, with no
SQLAlchemy import at all, which keeps every command on an SQLite register
quick to start. :class:`Core` gives them over a SQLAlchemy connection, for
PostgreSQL (and for Alembic's upgrades on either engine).

The SQL is written once, with named parameters (``:ref``). Values are passed
as Python objects; :class:`Lite` stores them exactly as SQLAlchemy does on
SQLite (a date as ``YYYY-MM-DD``, a timestamp as naive UTC text with
microseconds, a boolean as 0 or 1), so rows written by either path read the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reviewclock.store.location import POSTGRESQL, SQLITE, Location

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Params = Mapping[str, Any]
Batch = tuple[tuple[str, ...], Sequence[Sequence[Any]]]
"""Rows to insert with the same columns: (the columns, each row's values in that order).
A column left out is NULL."""
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=64)
def insert_sql(table: str, columns: tuple[str, ...], *, named: bool = True, rows: int = 1) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)``: with ``named`` marks, plain SQL that
    both engines run; otherwise ``?`` marks, for SQLite's own driver, and ``rows`` rows of
    them in one statement."""
    places = (":" + c for c in columns) if named else ("?" for _ in columns)
    one = f"({', '.join(places)})"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows)


def sqlite_value(value: Any) -> Any:
    """A Python value as SQLAlchemy's SQLite types store it."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_params(params: Params | None) -> dict[str, Any]:
    return {k: sqlite_value(v) for k, v in (params or {}).items()}


def _sqlite_rows(rows: Iterable[Params]) -> Iterator[dict[str, Any]]:
    """:func:`sqlite_value` over many rows; an import repeats the same few thousand dates
    and one timestamp, so each distinct value is converted once."""
    memo: dict[Any, Any] = {}
    plain = (str, int, float)
    for row in rows:
        out = dict(row)
        for key, value in out.items():
            if value is None or type(value) in plain:
                continue
            stored = memo.get(value)
            if stored is None:
                stored = memo[value] = sqlite_value(value)
            out[key] = stored
        yield out


class Lite:
    """A register connection through stdlib ``sqlite3`` (autocommit mode: transactions are
    begun and ended explicitly by the register)."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Params | None = None) -> Iterable[Sequence[Any]]:
        """The rows of a query, as the cursor gives them (lazily)."""
        return self.conn.execute(sql, _sqlite_params(params))

    def value(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.conn.execute(sql, _sqlite_params(params)).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, params: Params | None = None) -> None:
        self.conn.execute(sql, _sqlite_params(params))

    def run_many(self, sql: str, rows: Iterable[Params]) -> None:
        self.conn.executemany(sql, _sqlite_rows(rows))

    def insert(self, sql: str, params: Params) -> int:
        """Run an INSERT and return the new row's id."""
        rowid = self.conn.execute(sql, _sqlite_params(params)).lastrowid
        assert rowid is not None
        return int(rowid)

    stored = staticmethod(sqlite_value)
    """A value as this connection stores it: :meth:`insert_many` takes values so."""

    def insert_many(self, table: str, batches: Iterable[Batch]) -> None:
        """Insert the rows of ``batches`` in the order given (so ids are as if inserted one
        at a time), values already through :attr:`stored`: one ``executemany`` with
        positional parameters for each batch. A column a batch leaves out is not bound at
        all, which on a bulk import of mostly empty optional columns halves the time
        SQLite spends binding."""
        for columns, rows in batches:
            self.conn.executemany(insert_sql(table, columns, named=False), rows)

    def drop_indexes(self, table: str, keep: Sequence[str] = ()) -> list[str]:
        """Drop ``table``'s indexes, inside the caller's transaction (DDL is transactional in
        SQLite: a rollback brings them back); returns the SQL that creates them again, in
        order, as the schema holds it. The indexes named in ``keep`` stay."""
        saved = self.conn.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid",
            (table,),
        ).fetchall()
        saved = [(name, sql) for name, sql in saved if name not in keep]
        for name, _ in saved:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in saved]


class Core:
    """A register connection through SQLAlchemy Core (PostgreSQL, and Alembic's upgrades)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = POSTGRESQL if conn.dialect.name == POSTGRESQL else SQLITE

    def rows(self, sql: str, params: Params | None = None) -> Iterable[Sequence[Any]]:
        if self.dialect == POSTGRESQL:
            # The driver's own cursor: a status reads many rows, and this skips a layer.
            cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(_NAMED.sub(r"%(\1)s", sql.replace("%", "%%")), dict(params or {}))
            return cursor.fetchall()
        from sqlalchemy import text

        return self.conn.execute(text(sql), dict(params or {})).fetchall()

    def value(self, sql: str, params: Params | None = None) -> Any:
        from sqlalchemy import text

        return self.conn.execute(text(sql), dict(params or {})).scalar()

    def run(self, sql: str, params: Params | None = None) -> None:
        from sqlalchemy import text

        self.conn.execute(text(sql), dict(params or {}))

    def run_many(self, sql: str, rows: Iterable[Params]) -> None:
        from sqlalchemy import text

        batch = [dict(r) for r in rows]
        if batch:
            self.conn.execute(text(sql), batch)

    def insert(self, sql: str, params: Params) -> int:
        from sqlalchemy import text

        return int(self.conn.execute(text(sql + " RETURNING id"), dict(params)).scalar_one())

    @staticmethod
    def stored(value: Any) -> Any:
        """Values go to SQLAlchemy as they are."""
        return value

    def insert_many(self, table: str, batches: Iterable[Batch]) -> None:
        """As :meth:`Lite.insert_many`, with named parameters."""
        from sqlalchemy import text

        for columns, rows in batches:
            named = [dict(zip(columns, values, strict=True)) for values in rows]
            self.conn.execute(text(insert_sql(table, columns)), named)


Db = Lite | Core
"""Either kind of connection."""


def connect_sqlite(location: Location, timeout: float) -> sqlite3.Connection:
    """A stdlib connection to an SQLite register, set up as the SQLAlchemy engine sets up its
    own: a busy timeout, foreign keys, ``synchronous = FULL`` and WAL."""
    assert location.path is not None
    target, uri = str(location.path), False
    query = location.url.partition("?")[2].split("&")
    if "uri=true" in query:  # sqlite:///file:PATH?mode=ro&uri=true
        options = "&".join(q for q in query if q != "uri=true")
        target, uri = f"file:{location.path}" + (f"?{options}" if options else ""), True
    conn = sqlite3.connect(
        target, timeout=timeout, isolation_level=None, check_same_thread=False, uri=uri
    )
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    # A read-only register opens without WAL; its writes are refused with a message.
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("PRAGMA journal_mode = WAL")
    return conn
