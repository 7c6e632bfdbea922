"""The register's schema: Alembic revisions, applied on either engine.

A register whose schema is already current opens without importing Alembic.
An empty database gets every revision; a database with other tables is
refused and left untouched. Upgrades run while holding the write lock (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock), and
Alembic reads the revision afresh under it, so several processes opening a
new register at once create it once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reviewclock.errors import RegisterError
from reviewclock.migrations import HEAD
from reviewclock.store.db import Db
from reviewclock.store.location import POSTGRESQL, Location

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
REGISTER_TABLES = frozenset({"alembic_version", "cases", "events", "sent_digests", "deletions"})
UPGRADE_LOCK = 0x7265766965  # an arbitrary number that names reviewclock's upgrade lock


def known_revisions() -> set[str]:
    """The schema revisions this version of reviewclock ships, read from file names."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def tables(db: Db, dialect: str) -> set[str]:
    """The names of the tables in the register's database (its current schema on PostgreSQL)."""
    if dialect == POSTGRESQL:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {r[0] for r in db.rows(sql)}


def revision(db: Db, names: set[str]) -> str | None:
    if "alembic_version" not in names:
        return None
    value = db.value("SELECT version_num FROM alembic_version")
    return None if value is None else str(value)


def needs_upgrade(db: Db, location: Location) -> bool:
    """Whether the schema must be created or upgraded; refuses a database that is not a
    register, or one newer than this reviewclock."""
    names = tables(db, location.dialect)
    version = revision(db, names)
    if version == HEAD:
        return False
    if not names:
        return True
    kind = "a PostgreSQL" if location.dialect == POSTGRESQL else "an SQLite"
    if version is None or "cases" not in names:
        fix = (
            "point --db at an empty database made for reviewclock"
            if location.dialect == POSTGRESQL
            else "point --db at a register file, or at a new path to start one"
        )
        raise RegisterError(
            f"{location.text} is {kind} database but not a reviewclock register; {fix}"
        )
    if version not in known_revisions():
        raise RegisterError(
            f"{location.text} has schema revision {version}, newer than this reviewclock "
            f"knows ({HEAD}); upgrade reviewclock to use it"
        )
    return True


def upgrade(conn: Connection, dialect: str) -> None:
    """Apply the revisions the register lacks, on ``conn`` (in a write transaction)."""
    from alembic import command
    from alembic.config import Config

    if dialect == POSTGRESQL:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


SQLITE_SCHEMA = MIGRATIONS / "sqlite_schema.sql"
"""The schema every revision gives a new SQLite register, as SQLite keeps it: a new
register is made from this file with the standard library, without loading Alembic and
SQLAlchemy (a third of a second). The revisions stay the schema's source: a test holds
this file to what they make, and :func:`sqlite_schema_from_revisions` writes it anew."""


def sqlite_schema_from_revisions() -> str:
    """The text of :data:`SQLITE_SCHEMA`: every revision applied with Alembic to an empty
    SQLite database, then its tables and indexes read back in the order SQLite made them."""
    import sqlite3
    import tempfile

    from reviewclock.store.engine import make_engine
    from reviewclock.store.location import locate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.db"
        engine = make_engine(locate(f"sqlite:///{path}"), 5.0)
        try:
            with engine.connect() as conn, conn.begin():
                upgrade(conn.execution_options(reviewclock_write=True), "sqlite")
        finally:
            engine.dispose()
        with sqlite3.connect(path) as plain:
            statements = [
                str(sql)
                for (sql,) in plain.execute(
                    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
                )
            ]
            (version,) = plain.execute("SELECT version_num FROM alembic_version").fetchone()
    lines = [
        f"-- The schema of a new SQLite register, as every revision makes it (revision {version}).",
        "-- Written by reviewclock.store.schema.sqlite_schema_from_revisions(); do not edit.",
        "BEGIN;",
        *(f"{sql};" for sql in statements),
        f"INSERT INTO alembic_version (version_num) VALUES ('{version}');",
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"
