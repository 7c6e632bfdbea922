"""Write transactions on either engine: begun so that writers queue, and committed with
Ctrl-C held back, so that an interrupt says truly whether anything was written.

On SQLite a write begins ``IMMEDIATE`` (it holds the write lock from its first read);
on PostgreSQL each change locks what it changes (see :mod:`~reviewclock.store.writing`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from reviewclock import interruption
from reviewclock.store.db import Core, Db, Lite

if TYPE_CHECKING:
    from sqlalchemy import Connection


@contextlib.contextmanager
def committed(
    db: Db,
    changed: Callable[[], bool],
    commit: Callable[[], object],
    rollback: Callable[[], None],
) -> Iterator[Db]:
    """Run a write transaction's body on ``db``, then commit it. The commit and the note that
    a change was saved happen with Ctrl-C held back, so an interrupt says truly whether
    anything was written; on any failure (or interrupt) nothing is kept."""
    try:
        yield db
        did = changed()
        if did:
            interruption.pause("before-commit")
        with interruption.held():
            commit()
            if did:
                interruption.mark_saved()
    except BaseException:
        rollback()
        raise
    if did:
        interruption.pause("after-commit")


@contextlib.contextmanager
def core_write(conn: Connection) -> Iterator[Db]:
    """A write transaction on a PostgreSQL connection of the engine."""
    conn = conn.execution_options(reviewclock_write=True)
    transaction = conn.begin()

    def changed() -> bool:
        # PostgreSQL gives a transaction an id only once it writes.
        sql = "SELECT pg_current_xact_id_if_assigned()"
        return conn.exec_driver_sql(sql).scalar() is not None

    def rollback() -> None:
        if transaction.is_active:
            transaction.rollback()

    with committed(Core(conn), changed, transaction.commit, rollback) as db:
        yield db


@contextlib.contextmanager
def lite_write(lite: sqlite3.Connection, still_open: Callable[[], bool]) -> Iterator[Db]:
    """A write transaction on the register's sqlite3 connection, begun IMMEDIATE so that
    writers queue. ``still_open``: whether the register still holds ``lite`` (a reader left
    unfinished may be closed after the register itself was)."""
    changes = lite.total_changes  # SQLite counts the rows a connection changed
    lite.execute("BEGIN IMMEDIATE")

    def rollback() -> None:
        if still_open() and lite.in_transaction:
            lite.execute("ROLLBACK")

    with committed(
        Lite(lite),
        lambda: lite.total_changes != changes,
        lambda: lite.execute("COMMIT"),
        rollback,
    ) as db:
        yield db
