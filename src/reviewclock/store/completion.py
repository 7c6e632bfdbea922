"""Case references for shell completion, read with the database drivers alone.

Completion runs on every press of Tab, so it loads no SQLAlchemy: SQLite is
read with the standard library's sqlite3 (read-only), PostgreSQL with psycopg.
"""

from __future__ import annotations

import contextlib
import sqlite3

from reviewclock.store.location import SQLITE, locate


def refs_starting(location: str, incomplete: str) -> list[str]:
    """The references in the register at ``location`` that start with ``incomplete``, in
    order. Raises whatever the driver raises: completion offers nothing then."""
    where = locate(location)
    if where.dialect != SQLITE:
        return _refs_postgresql(where.url, incomplete)
    with contextlib.closing(
        sqlite3.connect(f"file:{where.path}?mode=ro", uri=True, timeout=1)
    ) as conn:
        rows = conn.execute(
            "SELECT ref FROM cases WHERE ref LIKE ? ORDER BY ref", (incomplete + "%",)
        ).fetchall()
    return [r[0] for r in rows]


def _refs_postgresql(url: str, incomplete: str) -> list[str]:
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, connect_timeout=2) as conn:
        rows = conn.execute(
            'SELECT ref FROM cases WHERE ref LIKE %s ORDER BY ref COLLATE "C"',
            (incomplete.replace("%", r"\%").replace("_", r"\_") + "%",),
        ).fetchall()
    return [str(r[0]) for r in rows]
