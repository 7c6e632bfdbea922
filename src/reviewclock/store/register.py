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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from reviewclock import interruption
from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.dates import RANGE
from reviewclock.errors import RegisterError, ReviewclockError, UsageProblem
from reviewclock.migrations import HEAD
from reviewclock.rules import Stage
from reviewclock.store import reading, schema, writing
from reviewclock.store.engine import lock_timeout, make_engine, translated
from reviewclock.store.location import POSTGRESQL, LocationError, locate
from reviewclock.store.reading import HistoryEntry
from reviewclock.store.records import DeletionRow, LogRow
from reviewclock.store.writing import Planner


class Register:
    """A case register. Use it as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        location: str,
        *,
        create: bool = False,
        make_dirs: bool = False,
        may_be_empty: bool = False,
    ) -> None:
        """Open the register at ``location``. ``create`` makes a new one (file and schema);
        ``may_be_empty`` opens an empty PostgreSQL database without making it a register,
        for a dry-run import, which then checks against no cases."""
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
        self.engine = make_engine(self.where, self.timeout)
        try:
            with self._translated(), self.engine.connect() as conn, conn.begin():
                stale = schema.needs_upgrade(conn, self.where)
                empty = stale and not schema.tables(conn, self.dialect)
            self.empty = empty and not create and self.dialect == POSTGRESQL
            if self.empty and may_be_empty:
                return
            if self.empty:
                raise RegisterError(
                    f"there is no register in {self.location} yet; add the first case with "
                    "'reviewclock add-sin', or point --db (or REVIEWCLOCK_DB) at your register"
                )
            if stale:
                with self._write() as conn:
                    schema.upgrade(conn, self.dialect)
        except BaseException:
            self.engine.dispose()
            raise

    # -- transactions --------------------------------------------------------------------

    def _translated(self) -> contextlib.AbstractContextManager[None]:
        return translated(self.where, self.timeout)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A short write transaction (SQLite: begun IMMEDIATE, so writers queue)."""
        # Build the table classes before taking the lock: importing SQLModel takes far
        # longer than a write, and other writers would wait for it.
        writing.tables()
        with self._translated(), self.engine.connect() as conn:
            conn = conn.execution_options(reviewclock_write=True)
            changes = _total_changes(conn)
            transaction = conn.begin()
            try:
                yield conn
                changed = _changed(conn, changes)
                if changed:
                    interruption.pause("before-commit")
                # The commit and the note that a change was saved happen with Ctrl-C held
                # back, so an interrupt says truly whether anything was written.
                with interruption.held():
                    transaction.commit()
                    if changed:
                        interruption.mark_saved()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
            if changed:
                interruption.pause("after-commit")

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._translated(), self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()

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
        events = [EventRecord("aware", aware, note=note)]
        if notified is not None:
            events.append(EventRecord("notified", notified))
        case = CaseRecord(ref, authority, harm, tuple(events))
        with self._write() as conn:
            return writing.add_case(conn, case, today=today, now=now, where=self.location)

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
    ) -> CaseRecord:
        """Append an event to a case, after checking it against what is recorded.

        ``decision`` goes with ``rapid-review-sent``; ``panel_view`` and
        ``national_review`` with ``panel-response`` (see ``rules.OUTCOMES``).
        """
        new = EventRecord(
            name,
            on,
            kind,
            note,
            decision=decision,
            panel_view=panel_view,
            national_review=national_review,
        )
        with self._write() as conn:
            return writing.record(conn, ref, new, today=today, now=now, where=self.location)

    def amend(
        self,
        ref: str,
        name: str,
        on: dt.date | None = None,
        *,
        reason: str,
        today: dt.date,
        now: dt.datetime,
        was: dt.date | None = None,
        outcomes: dict[str, Any] | None = None,
    ) -> tuple[CaseRecord, CaseRecord]:
        """Correct a recorded event, keeping the old row; returns (before, after).

        ``on`` is the correct date (None keeps the date). ``outcomes`` corrects
        what the event records besides its date, by field (``decision``,
        ``panel_view``, ``national_review``); fields not named are kept.
        ``was`` picks which record to correct when the event is recorded more
        than once (proceedings, publication plans, delay notices).
        """
        if not reason.strip():
            raise UsageProblem("give the reason for the correction with --reason TEXT")
        with self._write() as conn:
            return writing.amend(
                conn, ref, name, on, reason=reason, today=today, now=now, was=was,
                outcomes=dict(outcomes or {}), where=self.location,
            )  # fmt: skip

    def import_cases(self, planner: Planner, *, dry_run: bool, now: dt.datetime) -> tuple[int, int]:
        """Add cases from a file, all or nothing, in one transaction.

        ``planner`` is given the cases in the register and says what to add (or
        raises, listing every problem); with ``dry_run`` nothing is written.
        Returns (cases added, events added).
        """
        if self.empty:  # a dry run into a database that is not a register yet
            plan = planner({})
            return len(plan.cases), plan.events
        with self._write() as conn:
            return writing.import_cases(conn, planner, dry_run=dry_run, now=now)

    def event_counts(self, ref: str) -> tuple[int, int]:
        """How many events ``ref`` has (as corrected), and how many corrections."""
        with self._read() as conn:
            reading.load(conn, ref, self.location, strict=False)
            return reading.event_counts(conn, reading.case_id(conn, ref))

    def delete(self, ref: str, *, reason: str, now: dt.datetime) -> tuple[int, int]:
        """Delete a case and its events, leaving an audit row; returns (events, corrections)
        removed, counted as :meth:`event_counts` counts them."""
        if not reason.strip():
            raise UsageProblem("give the reason for the deletion with --reason TEXT")
        with self._write() as conn:
            return writing.delete(conn, ref, reason=reason, now=now, where=self.location)

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
            return reading.load(conn, ref, self.location)

    def cases(
        self,
        *,
        audit: bool = True,
        open_in: Sequence[Stage] | None = None,
        on: dt.date | None = None,
    ) -> list[CaseRecord]:
        """Every case, in the order they were added, each with its events in date order.

        Without ``audit``, events come without their notes and who recorded them
        and when: all that a status needs, read much faster. With ``open_in``
        (the clock's stages) and ``on`` (the date the clock is read for), cases
        that had no stage open on that date are left unread: a stage was open
        when one of its start events was dated on or before ``on`` (or is a
        plan) and its meeting event was not, which the database can tell without
        working out dates. A case closed since ``on`` is still read. The clock
        decides what the case looked like on ``on`` (:func:`reviewclock.clock.as_it_stood`).
        """
        bad: dict[str, str] = {}
        with self._read() as conn:
            found = reading.cases(conn, audit=audit, open_in=open_in, on=on, bad=bad)
        self.unreadable = list(bad.items())
        return found

    def history(self, ref: str) -> list[HistoryEntry]:
        """Every record, correction and deletion for ``ref``, oldest first."""
        with self._read() as conn:
            return reading.history(conn, ref, self.location)

    def logs(self) -> tuple[dict[str, tuple[LogRow, ...]], list[DeletionRow]]:
        """The full log of every case with a correction, and every deletion: what a JSON
        export needs, beyond the current events, to rebuild the register elsewhere."""
        with self._read() as conn:
            return reading.logs(conn), reading.deletions(conn)

    def digest_sent(self, digest_date: dt.date, fingerprint: str) -> tuple[str, str] | None:
        """When (UTC, to the second) and to whom this exact digest was already sent for
        ``digest_date``, if it was."""
        with self._read() as conn:
            row = reading.digest_sent(conn, digest_date, fingerprint)
        if row is None:
            return None
        return reading.utc(row[0]).strftime("%Y-%m-%d %H:%M:%S"), str(row[1])

    # -- upkeep ----------------------------------------------------------------------------

    def backup(self, dest: Path) -> int:
        """Copy the register to a new private file ``dest``; returns the cases copied.

        SQLite: the online backup API, checked for integrity. PostgreSQL:
        ``pg_dump --format=custom``.
        """
        with self._read() as conn:
            if self.dialect == POSTGRESQL:
                from reviewclock.store import postgresql

                return postgresql.backup(conn, self.where, dest)
            from reviewclock.store import sqlite

            return sqlite.backup(conn, dest)

    def problems(self, today: dt.date) -> list[str]:
        """What is wrong with the register, for ``reviewclock doctor``; empty when all is well.

        SQLite: integrity and file modes. PostgreSQL: tables readable by PUBLIC
        (there are no files to check). Both: schema revision and contradictions.
        """
        from reviewclock.checks import check_case

        found: list[str] = []
        with self._read() as conn:
            if self.dialect == POSTGRESQL:
                from reviewclock.store import postgresql

                found += postgresql.problems(conn)
            else:
                from reviewclock.store import sqlite

                found += sqlite.problems(conn, self.path)
            version = schema.revision(conn, schema.tables(conn, self.dialect))
            bad: dict[str, str] = {}
            cases = reading.cases(conn, audit=False, bad=bad)
        if version != HEAD:
            found.append(f"schema revision {version}, expected {HEAD}")
        for case in cases:
            try:
                check_case(case.ref, case.events, today)
            except ReviewclockError as e:
                found.append(f"{case.ref}: {e}")
        found += [
            f"{ref}: holds the date {stored!r}, outside the dates reviewclock supports ({RANGE});"
            f" correct it with 'reviewclock amend {ref} EVENT --on DATE --reason TEXT'"
            for ref, stored in bad.items()
        ]
        return found


def _total_changes(conn: Connection) -> int:
    """How many rows this connection has changed so far (SQLite counts them)."""
    return int(getattr(conn.connection.dbapi_connection, "total_changes", 0))


def _changed(conn: Connection, changes: int) -> bool:
    """Whether this transaction has written anything: SQLite counts the rows a connection
    changed; PostgreSQL gives a transaction an id only once it writes."""
    if conn.dialect.name == POSTGRESQL:
        return conn.exec_driver_sql("SELECT pg_current_xact_id_if_assigned()").scalar() is not None
    return _total_changes(conn) != changes
