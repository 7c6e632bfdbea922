"""The register: one SQLite file holding the cases and their append-only event log.

Open it by path or SQLAlchemy URL. A new register file is created with mode
0600 (and a directory that reviewclock makes for it with 0700), and its schema
is brought to the newest Alembic revision. A register whose schema is already
current is opened without importing Alembic.

Writes run in short ``BEGIN IMMEDIATE`` transactions in WAL mode with a busy
timeout, so several officers and a cron job can use one register at once. A
check and the write it guards happen in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, create_engine, event, exc, insert
from sqlalchemy.engine import Connection, make_url

from reviewclock import interruption
from reviewclock.checks import check_new_event, check_ref
from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.dates import RANGE, in_range
from reviewclock.errors import (
    CaseNotFound,
    DuplicateCase,
    EventRefused,
    RegisterError,
    ReviewclockError,
    UsageProblem,
)
from reviewclock.importing import plan_import
from reviewclock.migrations import HEAD
from reviewclock.rules import PLANS, Stage
from reviewclock.transfer import Incoming

LOCK_TIMEOUT_ENV = "REVIEWCLOCK_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 30.0


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


SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATIONS = Path(__file__).parent / "migrations"


def _tables() -> tuple[Table, Table]:
    """The cases and events tables, for writing. Reading uses plain SQL, so that a
    status need not build the SQLModel classes at all."""
    from reviewclock.models import Case, Event

    return Case.__table__, Event.__table__  # type: ignore[attr-defined]


def current_user() -> str:
    """The operating-system user, for the audit trail of who recorded what."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def known_revisions() -> set[str]:
    """The schema revisions this version of reviewclock ships, read from file names."""
    return {p.name.split("_", 1)[0] for p in (_MIGRATIONS / "versions").glob("[0-9]*_*.py")}


class Register:
    """A case register. Use it as a context manager, or call :meth:`close`."""

    def __init__(self, location: str, *, create: bool = False, make_dirs: bool = False) -> None:
        self.location = location
        self.timeout = lock_timeout()  # settings are checked before anything touches the disk
        self.path = _sqlite_path(location)
        if self.path is not None:
            _prepare_file(self.path, create=create, make_dirs=make_dirs, timeout=self.timeout)
        url = location if "://" in location else f"sqlite:///{self.path}"
        self.engine = _engine(url, self.timeout)
        self.unreadable: list[tuple[str, str]] = []
        """Cases left out of the last read, each with why (a date outside the supported range)."""
        try:
            with _translated(self):
                self._ensure_schema()
        except BaseException:
            self.engine.dispose()
            raise

    # -- opening -------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self.engine.connect() as conn:
            tables = {
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            version = None
            if "alembic_version" in tables:
                version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        if version == HEAD:
            return
        if not tables:
            self._upgrade()
            return
        if version is None or "cases" not in tables:
            raise RegisterError(
                f"{self.location} is an SQLite database but not a reviewclock register; "
                "point --db at a register file, or at a new path to start one"
            )
        if version not in known_revisions():
            raise RegisterError(
                f"{self.location} has schema revision {version}, newer than this reviewclock "
                f"knows ({HEAD}); upgrade reviewclock to use it"
            )
        self._upgrade()

    def _upgrade(self) -> None:
        # Holding the write lock, Alembic reads the revision afresh: if another process
        # created or upgraded the register a moment ago, there is nothing left to do.
        with self._write() as conn:
            _migrate(conn)

    # -- transactions --------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A short write transaction, begun IMMEDIATE so writers queue rather than deadlock.

        The commit and the note that a change was saved happen with Ctrl-C held
        back, so an interrupt says truly whether anything was written.
        """
        with _translated(self), self.engine.connect() as conn:
            conn = conn.execution_options(reviewclock_write=True)
            changes = _total_changes(conn)
            transaction = conn.begin()
            try:
                yield conn
                changed = _total_changes(conn) != changes
                if changed:
                    interruption.pause("before-commit")
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
        with _translated(self), self.engine.connect() as conn, conn.begin():
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
        check_ref(ref)
        user = current_user()
        first = EventRecord("aware", aware, note=note)
        check_new_event(ref, [], first, today)
        events = [first]
        if notified is not None:
            second = EventRecord("notified", notified)
            check_new_event(ref, events, second, today)
            events.append(second)
        cases_table, events_table = _tables()
        with self._write() as conn:
            if _case_id(conn, ref) is not None:
                raise DuplicateCase(
                    f"case {ref} is already in the register; use 'reviewclock record {ref} ...' "
                    "to add events, or choose another reference"
                )
            inserted = conn.execute(
                insert(cases_table).values(
                    ref=ref,
                    authority=authority,
                    harm=harm,
                    created_at=now.astimezone(dt.UTC),
                    created_by=user,
                )
            ).inserted_primary_key
            assert inserted is not None
            case_id = inserted[0]
            conn.execute(
                insert(events_table),
                [_event_row(case_id, e, user, now) for e in events],
            )
            return self._load(conn, ref)

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
        user = current_user()
        _, events_table = _tables()
        with self._write() as conn:
            case = self._load(conn, ref)
            new = EventRecord(
                name,
                on,
                kind,
                note,
                decision=decision,
                panel_view=panel_view,
                national_review=national_review,
            )
            check_new_event(ref, case.events, new, today)
            case_id = _case_id(conn, ref)
            conn.execute(insert(events_table).values(**_event_row(case_id, new, user, now)))
            return self._load(conn, ref)

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
        from reviewclock.checks import check_case, check_note, check_outcomes

        if not reason.strip():
            raise UsageProblem("give the reason for the correction with --reason TEXT")
        check_note(reason, "the reason")
        outcomes = dict(outcomes or {})
        if on is None and not outcomes:
            raise UsageProblem(
                "say what to correct: --on DATE, or what the event recorded "
                "(--decision, --panel-view, --national-review)"
            )
        _, events_table = _tables()
        with self._write() as conn:
            before = self._load(conn, ref, strict=False)
            check_outcomes(name, EventRecord(name, today)._replace(**outcomes))
            rows = conn.exec_driver_sql(
                f"SELECT e.id, e.on_date, e.kind, e.note, {_OUTCOME_SQL} FROM events e JOIN cases c"
                f" ON c.id = e.case_id WHERE c.ref = ? AND e.name = ? AND e.{_CURRENT}"
                " ORDER BY e.on_date, e.id",
                (ref, name),
            ).fetchall()
            if was is not None:
                rows = [r for r in rows if r[1] == was.isoformat()]
            if not rows:
                what = f"{name} on {was.isoformat()}" if was else name
                raise EventRefused(
                    f"{ref} has no {what} recorded to amend; 'reviewclock show {ref}' lists "
                    "its events"
                )
            if len(rows) > 1:
                dates = ", ".join(r[1] for r in rows)
                raise UsageProblem(
                    f"{ref} has {name} recorded on {dates}; say which to correct with --was DATE"
                )
            row_id, old_on, kind, note, *recorded = rows[0]
            old = _stored_day(old_on)
            if old is None and on is None:
                raise UsageProblem(
                    f"{name} for {ref} holds the date {old_on!r}, outside the dates reviewclock "
                    f"supports ({RANGE}); correct it with --on DATE"
                )
            known = old if old is not None else on
            assert known is not None
            was_record = EventRecord(name, known, kind, note, **_outcomes(recorded))
            corrected = was_record._replace(on=on or known, **outcomes)
            if old is not None and corrected == was_record:
                raise EventRefused(
                    f"{name} for {ref} is already recorded "
                    f"{describe_record(was_record)}; nothing to amend"
                )
            changed = list(before.events)
            if old is None:  # correcting a date outside the supported range
                changed.append(corrected)
            else:
                index = next(
                    i
                    for i, e in enumerate(changed)
                    if e.name == name and e.on == old and e.kind == kind
                )
                changed[index] = changed[index]._replace(on=corrected.on, **outcomes)
            check_case(ref, changed, today)
            case_id = _case_id(conn, ref)
            row = _event_row(case_id, corrected, current_user(), now)
            conn.execute(insert(events_table).values(**row, amends=row_id, reason=reason.strip()))
            return before, self._load(conn, ref, strict=False)

    def import_cases(
        self,
        incoming: Sequence[Incoming],
        *,
        update: bool,
        dry_run: bool,
        today: dt.date,
        now: dt.datetime,
    ) -> tuple[int, int]:
        """Add cases from a file, all or nothing, in one transaction.

        A case already in the register is refused, unless ``update``: then the
        events it does not have yet are added, and an event recorded with a
        different date is refused. Every problem is collected and raised
        together as :class:`ImportProblems`; with ``dry_run`` nothing is written
        even when there are none. Returns (cases added, events added).
        """
        user = current_user()
        with self._write() as conn:
            existing = {c.ref: c for c in self._cases(conn, audit=False)}
            new_cases, appended = plan_import(incoming, existing, update=update, today=today)
            if dry_run:
                return len(new_cases), sum(len(c.events) for c in new_cases) + len(appended)
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            stamp = now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
            cursor.executemany(
                "INSERT INTO cases (ref, authority, harm, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?)",
                [(c.ref, c.authority, c.harm, stamp, user) for c in new_cases],
            )
            ids = {
                ref: case_id
                for case_id, ref in cursor.execute("SELECT id, ref FROM cases").fetchall()
            }

            def row(ref: str, e: EventRecord) -> tuple[Any, ...]:
                at = (
                    e.recorded_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
                    if (e.recorded_at is not None)
                    else stamp
                )
                return (
                    ids[ref],
                    e.name,
                    e.on.isoformat(),
                    e.kind,
                    e.note,
                    e.recorded_by or user,
                    at,
                    e.decision,
                    e.panel_view,
                    e.national_review,
                )

            rows = [row(c.ref, e) for c in new_cases for e in c.events]
            rows += [row(ref, e) for ref, e in appended]
            cursor.executemany(
                "INSERT INTO events (case_id, name, on_date, kind, note, recorded_by, recorded_at,"
                " decision, panel_view, national_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            cursor.close()
            return len(new_cases), len(rows)

    def event_counts(self, ref: str) -> tuple[int, int]:
        """How many events ``ref`` has (as corrected), and how many corrections."""
        with self._read() as conn:
            self._load(conn, ref, strict=False)
            return _event_counts(conn, _case_id(conn, ref))

    def delete(self, ref: str, *, reason: str, now: dt.datetime) -> tuple[int, int]:
        """Delete a case and its events, leaving an audit row; returns (events, corrections)
        removed, counted as :meth:`event_counts` counts them."""
        from reviewclock.checks import check_note
        from reviewclock.models import Deletion

        if not reason.strip():
            raise UsageProblem("give the reason for the deletion with --reason TEXT")
        check_note(reason, "the reason")
        with self._write() as conn:
            self._load(conn, ref, strict=False)
            case_id = _case_id(conn, ref)
            count, corrections = _event_counts(conn, case_id)
            # Amendments point at the rows they correct, so remove the newest rows first.
            conn.exec_driver_sql(
                "DELETE FROM events WHERE case_id = ? AND amends IS NOT NULL", (case_id,)
            )
            conn.exec_driver_sql("DELETE FROM events WHERE case_id = ?", (case_id,))
            conn.exec_driver_sql("DELETE FROM cases WHERE id = ?", (case_id,))
            conn.execute(
                insert(Deletion.__table__).values(  # type: ignore[attr-defined]
                    ref=ref,
                    reason=reason.strip(),
                    events=count,
                    deleted_by=current_user(),
                    deleted_at=now.astimezone(dt.UTC),
                )
            )
            return count, corrections

    def history(self, ref: str) -> list[HistoryEntry]:
        """Every record, correction and deletion for ``ref``, oldest first."""
        with self._read() as conn:
            rows = conn.exec_driver_sql(
                "SELECT e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by, e.recorded_at,"
                f" e.amends, e.reason, {_OUTCOME_SQL} FROM events e"
                " JOIN cases c ON c.id = e.case_id"
                " WHERE c.ref = ? ORDER BY e.recorded_at, e.id",
                (ref,),
            ).fetchall()
            deletions = conn.exec_driver_sql(
                "SELECT reason, events, deleted_by, deleted_at FROM deletions WHERE ref = ?"
                " ORDER BY id",
                (ref,),
            ).fetchall()
        if not rows and not deletions:
            raise CaseNotFound(
                f"no case {ref!r} in the register {self.location}, and none was deleted; "
                "'reviewclock status --all' lists the cases"
            )
        dates = {r[0]: r[2] for r in rows}
        recorded = {r[0]: _outcomes(r[9:]) for r in rows}
        out = [
            HistoryEntry(
                action="amended" if amends else "recorded",
                event=name,
                old=None if amends is None else _day(dates.get(amends)),
                new=_day(on),
                kind=kind,
                note=note,
                by=by,
                at=_utc(at),
                reason=reason,
                outcome=EventRecord(name, dt.date.fromisoformat(on), **recorded[row_id]).outcome,
                old_outcome=None
                if amends is None or amends not in recorded
                else EventRecord(name, dt.date.fromisoformat(on), **recorded[amends]).outcome,
            )
            for row_id, name, on, kind, note, by, at, amends, reason, *_ in rows
        ]
        out += [
            HistoryEntry("deleted", "case", None, None, None, f"{count} events", by, _utc(at), why)
            for why, count, by, at in deletions
        ]
        return sorted(out, key=lambda h: h.at)

    def backup(self, dest: Path) -> int:
        """Copy the register to ``dest`` with SQLite's online backup, safe while others write.

        The copy is written to a private (0600) file beside ``dest``, checked, and
        then linked to ``dest``: a link never replaces anything, so a file or a
        symbolic link that appears at ``dest`` meanwhile is never written through.
        Returns the number of cases copied.
        """
        import tempfile

        if self.path is None:
            raise RegisterError("backup works on SQLite registers only")
        exists = RegisterError(
            f"{dest} already exists; choose a new name (a backup never overwrites a file)"
        )
        try:
            if dest.is_symlink() or dest.exists():
                raise exists
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".new", dir=dest.parent)
        except OSError as e:
            raise RegisterError(f"cannot create the backup {dest}: {e.strerror}") from None
        os.close(fd)
        temp = Path(name)
        with interruption.temporary(temp):
            return self._backup_to(temp, dest, exists)

    def _backup_to(self, temp: Path, dest: Path, exists: RegisterError) -> int:
        import sqlite3

        try:
            with self._read() as conn:
                source = conn.connection.dbapi_connection
                target = sqlite3.connect(temp)
                try:
                    source.backup(target)  # type: ignore[union-attr]
                    target.execute("PRAGMA journal_mode = DELETE")
                    ok = target.execute("PRAGMA integrity_check").fetchone()[0]
                    cases = target.execute("SELECT count(*) FROM cases").fetchone()[0]
                finally:
                    target.close()
            if ok != "ok":
                raise RegisterError(f"the copy failed its integrity check ({ok}); nothing was kept")
            interruption.pause("before-link")
            try:
                os.link(temp, dest)
            except FileExistsError:
                raise exists from None
            except OSError as e:
                raise RegisterError(f"cannot create the backup {dest}: {e.strerror}") from None
        finally:
            temp.unlink(missing_ok=True)
        return int(cases)

    def problems(self, today: dt.date) -> list[str]:
        """What is wrong with the register, for ``reviewclock doctor``; empty when all is well."""
        from reviewclock.checks import check_case

        found: list[str] = []
        with self._read() as conn:
            checks = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        if checks != ["ok"]:
            found += [f"integrity check: {c}" for c in checks[:20]]
        if version != HEAD:
            found.append(f"schema revision {version}, expected {HEAD}")
        if self.path is not None:
            for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                if path.exists():
                    mode = path.stat().st_mode & 0o777
                    if mode & 0o077:
                        found.append(
                            f"{path} has mode {mode:04o}: others can read it; run: chmod 600 {path}"
                        )
        for case in self.cases(audit=False):
            try:
                check_case(case.ref, case.events, today)
            except ReviewclockError as e:
                found.append(f"{case.ref}: {e}")
        found += [
            f"{ref}: holds the date {stored!r}, outside the dates reviewclock supports ({RANGE});"
            f" correct it with 'reviewclock amend {ref} EVENT --on DATE --reason TEXT'"
            for ref, stored in self.unreadable
        ]
        return found

    # -- reading -------------------------------------------------------------------------

    def get(self, ref: str) -> CaseRecord:
        with self._read() as conn:
            return self._load(conn, ref)

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
        with self._read() as conn:
            return self._cases(conn, audit=audit, open_in=open_in, on=on)

    def _cases(
        self,
        conn: Connection,
        *,
        audit: bool,
        open_in: Sequence[Stage] | None = None,
        on: dt.date | None = None,
    ) -> list[CaseRecord]:
        where, params = "", list[str]()
        if open_in is not None and on is None:
            raise ValueError("open_in needs the date the clock is read for (on=)")
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if open_in is not None and on is not None:
                # Looking back past events already recorded needs the slower, dated test.
                later = cursor.execute(
                    f"SELECT 1 FROM events WHERE on_date > ? AND name NOT IN ({_PLAN_MARKS})"
                    " LIMIT 1",
                    [on.isoformat(), *PLANS],
                ).fetchone()
                where, params = _open_cases_sql(open_in, on if later else None)
            heads = cursor.execute(
                f"SELECT id, ref, authority, harm FROM cases"
                f" {'WHERE id IN (' + where + ')' if where else ''} ORDER BY id",
                params,
            ).fetchall()
            # Every plan: one quick pass, rather than filtering the plans by case again.
            order = _plan_order(
                cursor.execute(
                    f"SELECT id, amends, recorded_at FROM events WHERE name IN ({_PLAN_MARKS})",
                    PLANS,
                )
            )
            columns = _AUDIT_COLUMNS if audit else ""
            cursor.execute(
                f"SELECT case_id, name, on_date, kind, {_PLAN_ID}, {_OUTCOME_SQL}{columns}"
                f" FROM events WHERE {_CURRENT}"
                f" {'AND case_id IN (' + where + ')' if where else ''}"
                " ORDER BY case_id, on_date, id",
                [*PLANS, *params],
            )
            bad: dict[int, str] = {}
            by_case = _events_by_case(
                cast(Iterable[Any], cursor), audit=audit, order=order, bad=bad
            )
        finally:
            cursor.close()
        empty: tuple[EventRecord, ...] = ()
        self.unreadable = [(ref, bad[case_id]) for case_id, ref, _, _ in heads if case_id in bad]
        return [
            CaseRecord(ref, authority, harm, by_case.get(case_id, empty))
            for case_id, ref, authority, harm in heads
            if case_id not in bad
        ]

    def digest_sent(self, digest_date: dt.date, fingerprint: str) -> tuple[str, str] | None:
        """When and to whom this exact digest was already sent for ``digest_date``, if it was."""
        with self._read() as conn:
            row = conn.exec_driver_sql(
                "SELECT sent_at, recipients FROM sent_digests"
                " WHERE digest_date = ? AND fingerprint = ? ORDER BY id LIMIT 1",
                (digest_date.isoformat(), fingerprint),
            ).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def record_digest(
        self,
        digest_date: dt.date,
        fingerprint: str,
        recipients: list[str],
        subject: str,
        now: dt.datetime,
    ) -> None:
        """Note that a digest was sent. Called only after the mail server accepted it."""
        from reviewclock.models import SentDigest

        with self._write() as conn:
            conn.execute(
                insert(SentDigest.__table__).values(  # type: ignore[attr-defined]
                    digest_date=digest_date,
                    fingerprint=fingerprint,
                    recipients=", ".join(recipients),
                    subject=subject,
                    sent_at=now.astimezone(dt.UTC),
                    sent_by=current_user(),
                )
            )

    def _load(self, conn: Connection, ref: str, *, strict: bool = True) -> CaseRecord:
        """One case. A date outside the supported range is refused, unless not ``strict``
        (for an amendment that corrects it): then that event is left out."""
        head = conn.exec_driver_sql(
            "SELECT id, ref, authority, harm FROM cases WHERE ref = ?", (ref,)
        ).first()
        if head is None:
            raise CaseNotFound(
                f"no case {ref!r} in the register {self.location}; "
                "'reviewclock status --all' lists the cases"
            )
        order = _plan_order(
            conn.exec_driver_sql(
                f"SELECT id, amends, recorded_at FROM events WHERE name IN ({_PLAN_MARKS})"
                " AND case_id = ?",
                (*PLANS, head[0]),
            )
        )
        rows = conn.exec_driver_sql(
            f"SELECT case_id, name, on_date, kind, {_PLAN_ID}, {_OUTCOME_SQL}{_AUDIT_COLUMNS}"
            f" FROM events WHERE case_id = ? AND {_CURRENT} ORDER BY on_date, id",
            (*PLANS, head[0]),
        )
        bad: dict[int, str] = {}
        events = _events_by_case(rows, audit=True, order=order, bad=bad).get(head[0], ())
        if bad and strict:
            raise RegisterError(unreadable_message(ref, bad[head[0]]))
        return CaseRecord(head[1], head[2], head[3], events)


def unreadable_message(ref: str, stored: str) -> str:
    """Why a case cannot be read, and what to do."""
    return (
        f"case {ref} holds the date {stored!r}, outside the dates reviewclock supports "
        f"({RANGE}); it is left out until corrected: run 'reviewclock doctor'"
    )


_AUDIT_COLUMNS = ", note, recorded_by, recorded_at"
_OUTCOME_SQL = "decision, panel_view, national_review"
"""What an event records besides its date (``rules.OUTCOMES``), in this order."""
_CURRENT = "id NOT IN (SELECT amends FROM events WHERE amends IS NOT NULL)"
"""The events that count: those no amendment has corrected."""
_PLAN_MARKS = ", ".join("?" * len(PLANS))
_PLAN_ID = f"CASE WHEN name IN ({_PLAN_MARKS}) THEN id END"
"""A plan's row id (to look up its place in the order of recording); NULL for other events."""


def _plan_order(rows: Iterable[Any]) -> dict[int, int]:
    """Each plan row's place in the order plans were recorded, from rows of
    (id, amends, recorded_at): by the time recorded, then by row on a tie.

    A correction takes the place of the record it corrects: correcting the
    date of an earlier plan does not make it the plan in force.
    """
    rows = list(rows)
    if not rows:
        return {}
    rows_by_id = {row[0]: row for row in rows}

    def key(row_id: int) -> tuple[dt.datetime, int]:
        row = rows_by_id[row_id]
        while row[1] is not None and row[1] in rows_by_id:
            row = rows_by_id[row[1]]
        at = row[2] if isinstance(row[2], dt.datetime) else dt.datetime.fromisoformat(row[2])
        return at.replace(tzinfo=None), row[0]

    return {row_id: place for place, row_id in enumerate(sorted(rows_by_id, key=key))}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a case's history."""

    action: str
    """``recorded``, ``amended`` or ``deleted``."""
    event: str
    old: dt.date | None
    new: dt.date | None
    kind: str | None
    note: str | None
    by: str
    at: dt.datetime
    reason: str | None
    outcome: str | None = None
    """What the row records besides its date, in words (``decision lcspr``)."""
    old_outcome: str | None = None
    """For an amendment: the same, on the row it corrects."""


def _outcomes(values: Sequence[Any]) -> dict[str, Any]:
    """The outcome columns of a row (see ``_OUTCOME_SQL``) as EventRecord fields."""
    decision, panel_view, national = values
    return {
        "decision": decision,
        "panel_view": panel_view,
        "national_review": None if national is None else bool(national),
    }


def describe_record(e: EventRecord) -> str:
    """``on 2024-04-25 (decision lcspr)``: an event's date and what it records."""
    text = e.outcome
    return f"on {e.on.isoformat()}" + (f" ({text})" if text else "")


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _case_id(conn: Connection, ref: str) -> Any:
    """The row id of the case ``ref``, or None."""
    return conn.exec_driver_sql("SELECT id FROM cases WHERE ref = ?", (ref,)).scalar()


def _event_counts(conn: Connection, case_id: Any) -> tuple[int, int]:
    """(events as corrected, corrections) of a case: each correction is a row of its
    own beside the row it corrects, which no longer counts as an event."""
    total, corrections = conn.exec_driver_sql(
        "SELECT count(*), count(amends) FROM events WHERE case_id = ?", (case_id,)
    ).one()
    return int(total) - int(corrections), int(corrections)


def _open_cases_sql(stages: Sequence[Stage], on: dt.date | None) -> tuple[str, list[str]]:
    """SQL for the ids of cases with a stage open on ``on``, built from the rulebook.

    Every case the clock finds open on ``on`` is among them (a plan counts
    whatever its date, as the clock counts it); the clock decides the rest.
    ``on`` None: on a date no event but a plan is dated after, which needs no
    test of dates.
    """
    conditions: list[str] = []
    params: list[str] = []
    for stage in stages:
        marks = ", ".join("?" * len(stage.starts_on))
        if on is None:
            conditions.append(f"(MAX(name IN ({marks})) AND NOT MAX(name = ?))")
            params += [*stage.starts_on, stage.met_by]
            continue
        day = on.isoformat()
        conditions.append(
            f"(MAX(name IN ({marks}) AND (on_date <= ? OR name IN ({_PLAN_MARKS})))"
            " AND NOT MAX(name = ? AND on_date <= ?))"
        )
        params += [*stage.starts_on, day, *PLANS, stage.met_by, day]
    sql = f"SELECT case_id FROM events WHERE {_CURRENT} GROUP BY case_id HAVING " + " OR ".join(
        conditions
    )
    return sql, params


def _event_row(case_id: int, e: EventRecord, user: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "name": e.name,
        "on_date": e.on,
        "kind": e.kind,
        "note": e.note,
        "recorded_by": user,
        "recorded_at": now.astimezone(dt.UTC),
        "decision": e.decision,
        "panel_view": e.panel_view,
        "national_review": e.national_review,
    }


def _events_by_case(
    rows: Iterable[Any],
    *,
    audit: bool,
    order: dict[int, int],
    bad: dict[int, str] | None = None,
) -> dict[int, tuple[EventRecord, ...]]:
    """Group event rows (ordered by case) into each case's tuple of :class:`EventRecord`.

    Rows are (case_id, name, on_date, kind, plan row id or NULL, decision, panel_view,
    national_review[, note, by, at]); ``order`` gives each plan row its place in the
    order of recording.

    A date outside the supported range, or not a date at all (written by something
    other than reviewclock), is noted in ``bad`` (case id -> the date as stored) and
    its event left out; the caller leaves such a case out and says so.
    """
    grouped: dict[int, list[EventRecord]] = {}
    days: dict[str, dt.date | None] = {}  # a register repeats the same few thousand dates
    current: list[EventRecord] = []
    current_id = None
    for row in rows:
        case_id, name, on, kind, plan_id, decision, view, national = row[:8]
        day = days.get(on, _UNSEEN)
        if day is _UNSEEN:
            day = days[on] = _stored_day(on)
        if day is None:
            if bad is not None:
                bad.setdefault(case_id, str(on))
            continue
        if case_id != current_id:
            current = grouped.setdefault(case_id, [])
            current_id = case_id
        seq = None if plan_id is None else order.get(plan_id)
        if audit:
            note, by, at = row[8:]
            when = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC) if at else None
            current.append(
                EventRecord(
                    name,
                    day,
                    kind,
                    note,
                    by,
                    when,
                    decision,
                    view,
                    None if national is None else bool(national),
                    seq,
                )
            )
        elif decision is None and view is None and national is None:
            current.append(EventRecord(name, day, kind, seq=seq))
        else:
            bool_national = None if national is None else bool(national)
            current.append(
                EventRecord(name, day, kind, None, None, None, decision, view, bool_national, seq)
            )
    return {case_id: tuple(events) for case_id, events in grouped.items()}


_UNSEEN = dt.date.min


def _stored_day(text: Any) -> dt.date | None:
    """A stored date, or None if it is not one in the supported range."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return day if in_range(day) else None


def _sqlite_path(location: str) -> Path | None:
    if "://" not in location:
        return Path(location).expanduser()
    try:
        url = make_url(location)
    except exc.ArgumentError:
        raise RegisterError(
            f"{location!r} is not a register path or a database URL; "
            "give a file path such as ~/reviewclock.db, or sqlite:///path/to/file.db"
        ) from None
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise RegisterError(f"{location!r} names no file; a register must be kept in a file")
    database = url.database
    if url.query.get("uri") == "true" and database.startswith("file:"):
        database = database.removeprefix("file:")  # sqlite:///file:PATH?mode=ro&uri=true
    return Path(database).expanduser()


def _prepare_file(path: Path, *, create: bool, make_dirs: bool, timeout: float) -> None:
    """Check the path, and create a new private register file where asked to.

    A symbolic link is followed only to an existing register; a new register is
    never made through a link, and an existing empty file is never taken for one.
    """
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_file() or _head(target) != SQLITE_MAGIC:
                raise RegisterError(
                    f"{path} is a symbolic link to {target}, which is not a reviewclock "
                    "register; give the path of the register itself"
                )
            return
        if path.is_dir():
            raise RegisterError(
                f"{path} is a directory; give the path of a register file, "
                f"for example {path / 'register.db'}"
            )
        if path.exists():
            head = _head(path)
            if not head:
                raise RegisterError(
                    f"{path} is an empty file, not a reviewclock register; remove it, "
                    "or choose another --db"
                )
            if head != SQLITE_MAGIC:
                raise RegisterError(
                    f"{path} is not a reviewclock register (not an SQLite database); "
                    "check --db or REVIEWCLOCK_DB"
                )
            return
        if not create:
            raise RegisterError(
                f"there is no register at {path} yet; add the first case with "
                "'reviewclock add-sin', or point --db (or REVIEWCLOCK_DB) at your register"
            )
        if not path.parent.exists():
            if not make_dirs:
                raise RegisterError(
                    f"the directory {path.parent} does not exist; create it, or choose another --db"
                )
            from reviewclock.files import make_private_dirs

            make_private_dirs(path.parent)
        _create_register(path, timeout)
    except OSError as e:
        raise RegisterError(f"cannot use the register {path}: {e.strerror}") from None


def _head(path: Path) -> bytes:
    """The first 16 bytes of a file (an SQLite database starts with its magic string)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RegisterError(f"{path} is not a regular file; give the path of a register file")
        return os.read(fd, 16)
    finally:
        os.close(fd)


def _create_register(path: Path, timeout: float) -> None:
    """Make a new register at ``path``, all at once.

    The schema is built in a private (0600) file beside ``path``, which is then
    linked into place: ``link`` never replaces anything, so a file or link that
    appeared at ``path`` meanwhile is left alone. If another process made the
    register a moment ago, its register is used.
    """
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    temp = Path(name)
    with interruption.temporary(temp):
        _build_register(temp, path, timeout)


def _build_register(temp: Path, path: Path, timeout: float) -> None:
    import sqlite3

    try:
        engine = _engine(f"sqlite:///{temp}", timeout)
        try:
            with engine.connect() as conn:
                conn = conn.execution_options(reviewclock_write=True)
                with conn.begin():
                    _migrate(conn)
        finally:
            engine.dispose()
        # Fold the write-ahead log into the file itself before it is linked into place
        # (every connection turns WAL on again).
        with contextlib.closing(sqlite3.connect(temp)) as plain:
            plain.execute("PRAGMA journal_mode = DELETE")
        try:
            os.link(temp, path)
        except FileExistsError:
            if path.is_symlink() or not path.is_file() or _head(path) != SQLITE_MAGIC:
                raise RegisterError(
                    f"{path} appeared while the register was being made, and it is not a "
                    "register; check what made it"
                ) from None
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)


def _migrate(conn: Connection) -> None:
    """Bring the schema on ``conn`` to the newest revision with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _total_changes(conn: Connection) -> int:
    """How many rows this connection has changed so far (SQLite counts them)."""
    return int(getattr(conn.connection.dbapi_connection, "total_changes", 0))


def _engine(url: str, timeout: float) -> Engine:
    try:
        engine = create_engine(url, connect_args={"timeout": timeout})
    except (ImportError, exc.NoSuchModuleError) as e:
        # Name the kind of database only: the URL may hold a password.
        backend = url.split("://", 1)[0]
        module = getattr(e, "name", None)
        raise RegisterError(
            f"no database driver for {backend!r} is installed"
            + (f" (the module {module!r} is missing)" if module else "")
            + "; install the driver, or give the path of an SQLite register file"
        ) from None
    if engine.dialect.name != "sqlite":
        return engine

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


@contextlib.contextmanager
def _translated(register: Register) -> Iterator[None]:
    """Turn database failures into one-line messages that say what to do."""
    where = register.location
    try:
        yield
    except exc.OperationalError as e:
        text = str(e.orig).lower()
        if "locked" in text or "busy" in text:
            raise RegisterError(
                f"the register {where} stayed locked by another user for over "
                f"{register.timeout:g} s; nothing was changed. Try again in a moment"
            ) from None
        if "readonly" in text or "read-only" in text:
            raise RegisterError(
                f"the register {where} is read-only; ask for write access, or work on a copy"
            ) from None
        if "full" in text or "disk i/o" in text:
            raise RegisterError(
                f"could not write the register {where} ({e.orig}): the disk may be full or "
                "failing. Nothing was changed; free some space and run the command again"
            ) from None
        if "unable to open" in text:
            raise RegisterError(
                f"cannot open the register {where}; check that the path and its directory "
                "exist and that you may read and write them"
            ) from None
        raise RegisterError(f"the register {where} could not be used: {e.orig}") from None
    except exc.DatabaseError as e:
        raise RegisterError(
            f"{where} is not a usable reviewclock register ({e.orig}); "
            "restore it from a backup or point --db at another file"
        ) from None
