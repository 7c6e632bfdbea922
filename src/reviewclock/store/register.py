"""The register: cases and their append-only event log, on SQLite or PostgreSQL.

Open it by path or URL (see :mod:`reviewclock.store.location`). A new SQLite
register file is created with mode 0600 (and a directory that reviewclock
makes for it with 0700); on either engine the schema is brought to the newest
Alembic revision. Each write is one short transaction in which the checks and
the write happen together (see :mod:`reviewclock.store.writing`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewclock.clock import CaseRecord, Clock, EventRecord
from reviewclock.errors import RegisterError, UsageProblem
from reviewclock.rules import Stage
from reviewclock.store import opencases, reading, schema
from reviewclock.store.db import Core, Db, Lite, connect_sqlite
from reviewclock.store.engine import lock_timeout, translated
from reviewclock.store.location import POSTGRESQL, LocationError, locate
from reviewclock.store.picking import RecordPick
from reviewclock.store.sqlite import first_import_journal

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from reviewclock.store import amending, history, upkeep, writing
    from reviewclock.store.history import HistoryEntry
    from reviewclock.store.records import DeletionRow, ImportCounts, LogRow
    from reviewclock.store.writing import Planner
else:
    # Loaded on first use (LazyLoader): a status needs no writes, checks, history or upkeep.
    def _on_first_use(name):
        spec = importlib.util.find_spec(f"reviewclock.store.{name}")
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    amending, history, upkeep, writing = map(
        _on_first_use, ("amending", "history", "upkeep", "writing")
    )


class Register:
    """A case register. Use it as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        location: str,
        *,
        create: bool = False,
        make_dirs: bool = False,
        may_be_empty: bool = False,
        clock: Clock | None = None,
    ) -> None:
        """Open the register at ``location``. ``create`` makes a new one (file and schema);
        ``may_be_empty`` opens an empty PostgreSQL database without making it a register,
        for a dry-run import, which then checks against no cases. ``clock`` holds the
        rulebook and calendar that reads and writes follow (the national rules for
        England when not given; its calendar is built only when a check needs dates)."""
        if clock is None:
            from reviewclock.config import Settings

            clock = Clock(Settings().calendar)
        self.clock = clock
        self.rules = clock.rules
        try:
            self.where = locate(location)
        except LocationError as e:
            raise RegisterError(str(e)) from None
        self.location = self.where.text
        self.dialect = self.where.dialect
        self.path = self.where.path
        self.timeout = lock_timeout()  # settings are checked before anything touches the disk
        self.unreadable: list[tuple[str, str]] = []
        """Cases left out of the last read, each with why (a date outside the supported range)."""
        if self.path is not None:
            from reviewclock.store.sqlite import prepare_file

            prepare_file(self.path, create=create, make_dirs=make_dirs, timeout=self.timeout)
        self._engine: Engine | None = None
        self._lite: sqlite3.Connection | None = None
        try:
            with self._read() as db:
                stale = schema.needs_upgrade(db, self.where)
                empty = stale and not schema.tables(db, self.dialect)
            self.empty = empty and not create and self.dialect == POSTGRESQL
            if self.empty and may_be_empty:
                return
            if self.empty:
                raise RegisterError(
                    f"there is no register in {self.location} yet; add the first case with "
                    "'reviewclock add-sin', or point --db (or REVIEWCLOCK_DB) at your register"
                )
            if stale:
                self._upgrade()
        except BaseException:
            self.close()
            raise

    # -- transactions --------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine: PostgreSQL's connections, and Alembic's upgrades on either
        engine. An SQLite register is otherwise read and written with stdlib ``sqlite3``."""
        if self._engine is None:
            from reviewclock.store.engine import make_engine

            self._engine = make_engine(self.where, self.timeout)
        return self._engine

    def _sqlite(self) -> sqlite3.Connection:
        if self._lite is None:
            assert self.path is not None
            self._lite = connect_sqlite(self.where, self.timeout)
        return self._lite

    def _upgrade(self) -> None:
        """Bring the schema to the newest revision with Alembic, under the write lock."""
        with self._translated(), self.engine.connect() as conn:
            conn = conn.execution_options(reviewclock_write=True)
            with conn.begin():
                schema.upgrade(conn, self.dialect)
        if self.dialect != POSTGRESQL:
            self.engine.dispose()
            self._engine = None

    def _translated(self) -> contextlib.AbstractContextManager[None]:
        return translated(self.where, self.timeout)

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[Db]:
        """A read transaction (``begin``: BEGIN), on the register's one sqlite3 connection or
        a connection of the engine."""
        with self._translated():
            if self.dialect == POSTGRESQL:
                with self.engine.connect() as conn, conn.begin():
                    yield Core(conn)
                return
            lite = self._sqlite()
            if lite.in_transaction:  # a read within a read that is still streaming
                yield Lite(lite)
                return
            lite.execute(begin)
            try:
                yield Lite(lite)
            except BaseException:
                # A reader left unfinished may be closed after the register itself was.
                if self._lite is lite and lite.in_transaction:
                    lite.execute("ROLLBACK")
                raise
            if self._lite is lite and lite.in_transaction:
                lite.execute("COMMIT")

    @contextlib.contextmanager
    def _write(self) -> Iterator[Db]:
        """A short write transaction (SQLite: begun IMMEDIATE, so writers queue)."""
        from reviewclock.store.transactions import core_write, lite_write

        with self._translated():
            if self.dialect == POSTGRESQL:
                with self.engine.connect() as conn, core_write(conn) as db:
                    yield db
                return
            lite = self._sqlite()
            with lite_write(lite, lambda: self._lite is lite) as db:
                yield db

    def _read(self) -> contextlib.AbstractContextManager[Db]:
        return self._transaction("BEGIN")

    def close(self) -> None:
        if self._lite is not None:
            self._lite.close()
            self._lite = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def add_case(
        self,
        ref: str,
        *,
        aware: dt.date,
        today: dt.date,
        now: dt.datetime,
        notified: dt.date | None = None,
        authority: str | None = None,
        harm: str | None = None,
        note: str | None = None,
    ) -> CaseRecord:
        """Add a new case from the date the local authority became aware of the incident."""
        events = [EventRecord(self.rules.opening_event, aware, note=note)]
        if notified is not None:
            events.append(EventRecord(self.rules.notification_event, notified))
        case = CaseRecord(ref, authority, harm, tuple(events))
        with self._write() as conn:
            return writing.add_case(
                conn, case, today=today, now=now, where=self.location, clock=self.clock
            )

    def record(
        self,
        ref: str,
        name: str,
        on: dt.date,
        *,
        today: dt.date,
        now: dt.datetime,
        kind: str | None = None,
        note: str | None = None,
        decision: str | None = None,
        panel_view: str | None = None,
        national_review: bool | None = None,
        until: dt.date | None = None,
    ) -> tuple[CaseRecord, CaseRecord]:
        """Append an event to a case, after checking it against what is recorded; returns
        the case (before, after). ``decision`` goes with ``rapid-review-sent``; ``panel_view`` and ``national_review``
        with ``panel-response`` (see ``rules.OUTCOMES``); ``until`` is the new due date of
        an agreed extension."""
        new = EventRecord(
            name,
            on,
            kind,
            note,
            decision=decision,
            panel_view=panel_view,
            national_review=national_review,
            until=until,
        )
        with self._write() as conn:
            return writing.record(
                conn, ref, new, today=today, now=now, where=self.location, clock=self.clock
            )

    def amend(
        self,
        ref: str,
        name: str,
        on: dt.date | None = None,
        *,
        reason: str,
        today: dt.date,
        now: dt.datetime,
        was: RecordPick | None = None,
        outcomes: dict[str, Any] | None = None,
    ) -> tuple[CaseRecord, CaseRecord]:
        """Correct a recorded event, keeping the old row; returns (before, after).

        ``on`` is the correct date (None keeps the date). ``outcomes`` corrects what else the
        event records, by field (``decision``, ``panel_view``, ``national_review``, an agreed
        extension's ``until``); fields not named are kept. ``was`` picks which record to
        correct when the event is recorded more than once (proceedings, plans, notices)."""
        if not reason.strip():
            raise UsageProblem("give the reason for the correction with --reason TEXT")
        with self._write() as conn:
            return amending.amend(
                conn, ref, name, on, reason=reason, today=today, now=now, was=was,
                outcomes=dict(outcomes or {}), where=self.location, clock=self.clock,
            )  # fmt: skip

    def import_cases(self, planner: Planner, *, dry_run: bool, now: dt.datetime) -> ImportCounts:
        """Add cases from a file, all or nothing, in one transaction. ``planner`` is given
        the cases in the register and says what to add (or raises, listing every problem);
        with ``dry_run`` nothing is written. Returns what was added."""
        if self.empty:  # a dry run into a database that is not a register yet
            return planner({}).counts
        quick = self.dialect == POSTGRESQL or dry_run
        journal = contextlib.nullcontext() if quick else first_import_journal(self._sqlite())
        with journal, self._write() as conn:
            return writing.import_cases(conn, planner, dry_run=dry_run, now=now, clock=self.clock)

    def event_counts(self, ref: str) -> tuple[int, int]:
        """How many events ``ref`` has (as corrected), and how many corrections."""
        with self._read() as conn:
            reading.load(conn, ref, self.location, self.rules, strict=False)
            return reading.event_counts(conn, reading.case_id(conn, ref))

    def delete(self, ref: str, *, reason: str, now: dt.datetime) -> tuple[int, int]:
        """Delete a case and its events, leaving an audit row; returns (events, corrections)
        removed, counted as :meth:`event_counts` counts them."""
        if not reason.strip():
            raise UsageProblem("give the reason for the deletion with --reason TEXT")
        with self._write() as conn:
            return writing.delete(
                conn, ref, reason=reason, now=now, where=self.location, clock=self.clock
            )

    def record_digest(
        self,
        digest_date: dt.date,
        fingerprint: str,
        recipients: list[str],
        subject: str,
        now: dt.datetime,
    ) -> None:
        """Note that a digest was sent. Called only after the mail server accepted it."""
        with self._write() as conn:
            writing.record_digest(conn, digest_date, fingerprint, recipients, subject, now)

    # -- reading -------------------------------------------------------------------------

    def get(self, ref: str) -> CaseRecord:
        with self._read() as conn:
            return reading.load(conn, ref, self.location, self.rules)

    def cases(
        self,
        *,
        audit: bool = True,
        open_in: Sequence[Stage] | None = None,
        on: dt.date | None = None,
    ) -> list[CaseRecord]:
        """Every case, in the order they were added, each with its events in date order.

        Without ``audit``, events come without their notes and who recorded them and
        when: all a status needs, read much faster. With ``open_in`` (the clock's stages)
        and ``on`` (the date the clock is read for), only the cases with a stage open on
        that date are read (:func:`~reviewclock.store.opencases.open_case_ids`); the clock
        decides what each looked like then (:func:`reviewclock.clock.as_it_stood`)."""
        bad: dict[str, str] = {}
        found = [case for _, case in self.each_case(audit=audit, open_in=open_in, on=on, bad=bad)]
        self.unreadable = list(bad.items())
        return found

    def each_case(
        self,
        *,
        audit: bool = True,
        open_in: Sequence[Stage] | None = None,
        on: dt.date | None = None,
        bad: dict[str, str] | None = None,
        between: tuple[int, int] | None = None,
    ) -> Iterator[tuple[int, CaseRecord]]:
        """As :meth:`cases`, with each case's row id, one case at a time as it is read, so
        that a command over a large register holds one case at a time, not all of them.
        Each case left out (a date outside the supported range) is named in ``bad``;
        ``between``: see :func:`~reviewclock.store.reading.cases`."""
        with self._read() as db:
            yield from reading.cases(
                db, audit=audit, rules=self.rules, open_in=open_in, on=on, bad=bad,
                between=between,
            )  # fmt: skip

    def refs_like(self, ref: str) -> list[str]:
        """The other references the register holds that differ from ``ref`` only in capitals
        (references are ASCII): each is a case of its own."""
        with self._read() as db:
            return [
                str(r)
                for (r,) in db.rows(
                    "SELECT ref FROM cases WHERE lower(ref) = lower(:ref) AND ref <> :ref"
                    " ORDER BY ref",
                    {"ref": ref},
                )
            ]

    def event_names(self) -> set[str]:
        """The name of every event recorded, whether or not the rulebook still declares it."""
        with self._read() as db:
            return opencases.event_names(db)

    def active_case_ids(self, stages: Sequence[Stage], since: dt.date, on: dt.date) -> list[int]:
        """The row ids of the cases with one of ``stages`` open on ``on``, or with an event
        dated on or after ``since``: the cases that can count in figures from ``since`` on."""
        with self._read() as db:
            return opencases.active_case_ids(db, stages, since, on, self.rules)

    def cases_by_id(
        self, ids: Sequence[int], *, audit: bool = True, bad: dict[str, str] | None = None
    ) -> Iterator[tuple[int, CaseRecord]]:
        """The cases with these (distinct) row ids, in this order, one at a time."""
        with self._read() as db:
            yield from reading.cases_by_id(db, ids, audit=audit, rules=self.rules, bad=bad)

    def snapshot(self) -> contextlib.AbstractContextManager[object]:
        """One read transaction: reads inside it (on SQLite) see the register as at the first."""
        return self._read()

    def case_ids(self, open_in: Sequence[Stage] | None, on: dt.date) -> tuple[Sequence[int], Any]:
        """The ids :meth:`each_case` reads, in its order (every case: the run of row ids
        from the first to the last), and the register's stamp (see
        :func:`~reviewclock.store.opencases.stamp`)."""
        with self._read() as db:
            if open_in is None:
                return opencases.all_case_ids(db), opencases.stamp(db)
            return opencases.open_case_ids(db, open_in, on, self.rules), opencases.stamp(db)

    def history(self, ref: str) -> list[HistoryEntry]:
        """Every record, correction and deletion for ``ref``, oldest first."""
        with self._read() as conn:
            return history.history(conn, ref, self.location)

    def logs(
        self, bad: dict[str, str] | None = None
    ) -> tuple[dict[str, tuple[LogRow, ...]], list[DeletionRow]]:
        """The full log of every case whose events alone do not say all it holds (see
        :func:`~reviewclock.store.history.logs`), and every deletion: what a JSON export
        needs, beyond the current events, to rebuild the register elsewhere. A log that
        holds a date that cannot be read is left out, and named in ``bad``."""
        with self._read() as conn:
            logs = history.logs(conn, self.clock.rules.ordered_events, bad)
            return logs, history.deletions(conn)

    def digest_sent(self, digest_date: dt.date, fingerprint: str) -> tuple[str, str] | None:
        """When (UTC, to the second) and to whom this exact digest was already sent for
        ``digest_date``, if it was."""
        with self._read() as conn:
            row = history.digest_sent(conn, digest_date, fingerprint)
        if row is None:
            return None
        return reading.utc(row[0]).strftime("%Y-%m-%d %H:%M:%S"), str(row[1])

    # -- upkeep ----------------------------------------------------------------------------

    def backup(self, dest: Path) -> int:
        """Copy the register to a new private file ``dest``; returns the cases copied.
        SQLite: the online backup API, checked for integrity. PostgreSQL: ``pg_dump``."""
        with self._read() as conn:
            return upkeep.backup(conn, self.where, dest)

    def problems(self, today: dt.date) -> list[str]:
        """What is wrong with the register, for ``reviewclock doctor``; empty when all is
        well. SQLite: integrity and file modes. PostgreSQL: tables readable by PUBLIC (there
        are no files to check). Both: schema revision and contradictions."""
        with self._read() as conn:
            found, cases, bad = upkeep.survey(conn, self.where, self.clock)
        return found + upkeep.case_problems(cases, bad, today, self.clock, self.location)
