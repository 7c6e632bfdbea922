"""Where the register is: a file path, an ``sqlite:///`` URL or a ``postgresql+psycopg://`` URL.

Pure and light (no SQLAlchemy), so that shell completion and import can use it
without loading the storage stack. A password is never taken from a URL: it
comes from ``PGPASSWORD`` or ``~/.pgpass``, so it never shows on a command line,
in a process list or in a message.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SUPPORTED = (
    "a file path such as ~/reviewclock.db, sqlite:///path/to/file.db, "
    "or postgresql+psycopg://USER@HOST/DBNAME"
)
_SCHEMES = {
    "sqlite": SQLITE,
    "sqlite+pysqlite": SQLITE,
    "postgresql": POSTGRESQL,
    "postgres": POSTGRESQL,
    "postgresql+psycopg": POSTGRESQL,
}


class LocationError(ValueError):
    """The text does not name a register reviewclock can open; the message says why."""


class Location(NamedTuple):
    """A register's whereabouts, parsed once."""

    text: str
    """As the user gave it (a path with ``~`` expanded); used in messages."""
    dialect: str
    """``sqlite`` or ``postgresql``."""
    path: Path | None = None
    """The file, for SQLite."""
    url: str = ""
    """The SQLAlchemy URL to connect with."""
    host: str = ""
    port: int = 5432
    user: str = ""
    database: str = ""

    @property
    def server(self) -> str:
        """``host:port`` of a PostgreSQL server, for messages."""
        return f"{self.host or 'localhost'}:{self.port}"


def locate(text: str) -> Location:
    """Parse a register path or URL; raises :class:`LocationError` with a one-line reason."""
    if "://" not in text:
        path = Path(text).expanduser()
        return Location(str(path), SQLITE, path, f"sqlite:///{path}")
    scheme = text.split("://", 1)[0].lower()
    dialect = _SCHEMES.get(scheme)
    if dialect is None:
        raise LocationError(
            f"{scheme}:// is not a database reviewclock supports (it has no driver for it); "
            f"give {SUPPORTED}"
        )
    if dialect == SQLITE:
        return _sqlite(text)
    return _postgresql(text)


def _sqlite(text: str) -> Location:
    rest = text.split("://", 1)[1]
    database, _, query = rest.partition("?")
    database = database.removeprefix("/")
    if "uri=true" in query.split("&") and database.startswith("file:"):
        database = database.removeprefix("file:")  # sqlite:///file:PATH?mode=ro&uri=true
    if not unquote(database).strip() or database == ":memory:":
        raise LocationError(f"{text!r} names no file; a register must be kept in a file")
    path = Path(unquote(database)).expanduser()
    url = f"sqlite:///{path}" + (f"?{query}" if query else "") if database[:1] == "~" else text
    return Location(text, SQLITE, path, url)


def _postgresql(text: str) -> Location:
    try:
        parts = urlsplit(text)
        port = parts.port or 5432
    except ValueError:
        raise LocationError(f"{text!r} is not a database URL; give {SUPPORTED}") from None
    # A password in the query (?password=...) is a password in the URL all the same.
    query = [pair.partition("=") for pair in parts.query.split("&")] if parts.query else []

    def is_password(key: str) -> bool:
        return unquote(key).strip().lower() == "password"

    if parts.password is not None or any(is_password(key) for key, _, _ in query):
        shown = text.split("?", 1)[0]
        if parts.password is not None:
            shown = shown.replace(f":{parts.password}@", ":***@")
        if query:
            shown += "?" + "&".join(
                f"{key}={'***' if is_password(key) else value}" for key, _, value in query
            )
        raise LocationError(
            f"the URL {shown} holds a password; remove it and put the password "
            "in ~/.pgpass (or PGPASSWORD), so that it never shows on a command line"
        )
    database = unquote(parts.path.removeprefix("/"))
    if not database:
        raise LocationError(
            f"{text!r} names no database; give postgresql+psycopg://USER@HOST/DBNAME"
        )
    url = "postgresql+psycopg://" + text.split("://", 1)[1]
    return Location(
        text,
        POSTGRESQL,
        None,
        url,
        host=parts.hostname or "",
        port=port,
        user=unquote(parts.username or ""),
        database=database,
    )


def missing_file(text: str) -> bool:
    """Whether ``text`` names an SQLite file that does not exist yet. A location that cannot
    be parsed is not "missing": opening it says what is wrong with it."""
    try:
        where = locate(text)
    except LocationError:
        return False
    return where.path is not None and not where.path.exists()
