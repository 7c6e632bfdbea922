"""An import's new cases, stored by a second thread while the import goes on checking the rest.

SQLite does its part of an insert in C and lets other Python threads run meanwhile,
so with two cores the checking of one case and the storing of the cases before it
overlap. Rows go in many at a time, as one ``INSERT ... VALUES (...), (...), ...``
statement: SQLite then works through thousands of rows in one call, without coming
back to Python between them.

Everything is written inside the caller's transaction, on its connection, which the
caller leaves alone until :meth:`CaseWriter.finish` (or :meth:`CaseWriter.stop`) has
returned. The caller commits only when the writer has finished and every case has
passed its checks, and rolls back otherwise: a refused import writes nothing. An error
in the writer (a full disk) is raised in the caller's thread, as if it had written the
rows itself.

The rows are those :func:`reviewclock.store.writing.event_row` gives, in the same
order, so the register is the same row for row: each case gets the next id in turn
(as SQLite would give it), and then its events.
"""

from __future__ import annotations

import datetime as dt
import queue
import sqlite3
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.store.db import Lite, insert_sql, sqlite_value
from reviewclock.store.records import DeletionRow, ImportPlan, NewCase
from reviewclock.store.writing import EVENT_COLUMNS, Planner, event_row, utc

CASE_COLUMNS = ("id", "ref", "authority", "harm", "created_at", "created_by")
NARROW = ("case_id", "name", "on_date", "kind", "recorded_by", "recorded_at")
"""The columns of an event that records its date, and perhaps a kind: nearly every one."""
_NARROW_TAIL = (None,) * (len(EventRecord._fields) - 3)
"""What an event holds after its name, date and kind when it fits :data:`NARROW`."""
GROWN_AT_ONE_END = ("ix_events_case_id_on_date", "ix_events_amends")
"""The events' indexes that an import's rows all go into at one place, so that keeping
them costs little: the new case ids follow the others, in order, and a new row corrects
nothing (its ``amends`` is NULL). The others are set aside (see :func:`plan_and_store`)."""
CHUNK = 2000
"""Cases handed to the writer at a time."""
MAX_VARIABLES = 32766
"""The most values one statement binds (SQLite's own limit may be lower)."""
SWITCH_INTERVAL = 0.0005
"""How long (seconds) a thread that wants the interpreter waits before it is handed over,
while the writer runs: the writer gets it back soon after each insert (the default,
5 ms, would leave it idle most of the time)."""


def plan_and_store(
    db: Lite,
    planner: Planner,
    existing: Mapping[str, CaseRecord],
    user: str,
    now: dt.datetime,
    deleted: Collection[DeletionRow] = (),
    unreadable: Mapping[str, str] | None = None,
) -> ImportPlan:
    """The plan of an import into an SQLite register, each new case stored as soon as it
    has passed its checks (but its events when it carries a log of corrections: the
    caller writes those, and the events ``plan.appended`` adds to cases already there).

    Once the import has stored as many events as the register held (at once, into a
    register with none), the events' indexes that new rows land all over (but those in
    :data:`GROWN_AT_ONE_END`) are set aside, and built again from the same SQL when every
    case is stored: building an index once is several times quicker than growing it row
    by row, and a small import into a large register keeps them."""
    first = int(db.value("SELECT coalesce(max(id), 0) + 1 FROM cases"))
    held = int(db.value("SELECT count(*) FROM events"))
    writer = CaseWriter(db, first_id=first, user=user, now=now, set_aside=held)
    try:
        plan = planner(existing, writer.add, deleted, unreadable)
    except BaseException:
        writer.stop()
        raise
    writer.finish()
    for sql in writer.set_aside:  # in the transaction: a rollback brings back the old ones
        db.run(sql)
    return plan


class _Days(dict[Any, Any]):
    """Each date as it is stored, converted once (an import repeats a few thousand)."""

    def __missing__(self, day: dt.date) -> Any:
        stored = self[day] = sqlite_value(day)
        return stored


class CaseWriter:
    """Stores new cases and their events (those without a log of corrections, which the
    caller writes afterwards) on ``conn``, in a thread of its own."""

    def __init__(
        self, db: Lite, *, first_id: int, user: str, now: dt.datetime, set_aside: int | None
    ) -> None:
        self.db = db
        conn = self.conn = db.conn
        self.aside_at = set_aside
        """Set the events' indexes aside once this many events are stored (None: never)."""
        self.stored = 0
        self.set_aside: list[str] = []
        """The SQL that creates the indexes set aside again."""
        self.next_id = first_id
        self.user = user
        self.now = utc(now)
        self.at = sqlite_value(self.now)
        self.days = _Days()
        self.limit = min(conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), MAX_VARIABLES)
        self.shape: tuple[str, ...] = NARROW
        self.pending: list[Any] = []
        """Event values of the shape :attr:`shape`, not yet inserted."""
        self.chunk: list[NewCase] = []
        self.queue: queue.SimpleQueue[list[NewCase] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="reviewclock-import", daemon=True)
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self.switch, SWITCH_INTERVAL))
        self.thread.start()

    # -- the caller's thread -------------------------------------------------------------

    def add(self, new: NewCase) -> None:
        """Store ``new`` (soon, in the writer's thread); raises what the writer raised."""
        if self.error is not None:
            raise self.error
        self.chunk.append(new)
        if len(self.chunk) >= CHUNK:
            self.queue.put(self.chunk)
            self.chunk = []

    def finish(self) -> None:
        """Store what is left and wait for the writer; raises what it raised."""
        if self.chunk:
            self.queue.put(self.chunk)
            self.chunk = []
        self.stop()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Wait for the writer to end (what it has not stored is dropped: the caller is
        about to roll back)."""
        self.queue.put(None)
        self.thread.join()
        sys.setswitchinterval(self.switch)

    # -- the writer's thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (chunk := self.queue.get()) is not None:
                if self.error is None:
                    self._write(chunk)
            if self.error is None:
                self._flush()
        except BaseException as e:  # raised again in the caller's thread
            self.error = e

    def _insert(self, table: str, columns: tuple[str, ...], values: Sequence[Any]) -> None:
        width = len(columns)
        if table == "events":
            if self.aside_at is not None and self.stored >= self.aside_at:
                self.set_aside = self.db.drop_indexes("events", keep=GROWN_AT_ONE_END)
                self.aside_at = None
            self.stored += len(values) // width
        per = max(1, self.limit // width) * width
        for start in range(0, len(values), per):
            part = values[start : start + per]
            self.conn.execute(
                insert_sql(table, columns, named=False, rows=len(part) // width), part
            )

    def _write(self, chunk: list[NewCase]) -> None:
        first = self.next_id
        self.next_id += len(chunk)
        user, at = self.user, self.at
        heads: list[Any] = []
        for cid, new in enumerate(chunk, first):
            case = new.case
            heads += (cid, case.ref, case.authority, case.harm, at, user)
        self._insert("cases", CASE_COLUMNS, heads)
        rows = self._narrow(chunk, first)
        shape: tuple[str, ...] = NARROW
        if rows is None:
            rows, shape = self._wide(chunk, first), EVENT_COLUMNS
        if shape != self.shape:
            self._flush()
            self.shape = shape
        self.pending += rows
        width = len(shape)
        per = max(1, self.limit // width) * width
        full = len(self.pending) // per * per
        if full:
            self._insert("events", shape, self.pending[:full])
            del self.pending[:full]

    def _flush(self) -> None:
        if self.pending:
            self._insert("events", self.shape, self.pending)
            self.pending = []

    def _narrow(self, chunk: list[NewCase], first: int) -> list[Any] | None:
        """The values of the chunk's events in :data:`NARROW` columns; None when an event
        records more (a note, an outcome, an agreed date)."""
        days, user, at, tail = self.days, self.user, self.at, _NARROW_TAIL
        out: list[Any] = []
        for cid, new in enumerate(chunk, first):
            if new.log:
                continue
            for e in new.case.events:
                if e[3:] != tail:
                    return None
                out += (cid, e[0], days[e[1]], e[2], user, at)
        return out

    def _wide(self, chunk: list[NewCase], first: int) -> list[Any]:
        """The values of the chunk's events in every column, NULL where they hold nothing."""
        out: list[Any] = []
        for cid, new in enumerate(chunk, first):
            if new.log:
                continue
            for e in new.case.events:
                row = event_row(cid, e, self.user, self.now)
                out += (sqlite_value(row[c]) for c in EVENT_COLUMNS)
        return out
