"""Writing the register: each change is one unit of work, checked and written in one transaction.

Concurrency. On SQLite a write transaction begins ``IMMEDIATE``, so it holds the
register's write lock from its first read. On PostgreSQL each change to a case
first locks that case's row (``SELECT ... FOR UPDATE``): two officers recording
the same event at once are served one after the other, and the second sees the
first's row and is refused. A new case relies on the unique index on ``ref``
(the second insert waits for the first and is refused as a duplicate), and an
import locks the cases table against other writers (``LOCK TABLE ... IN
EXCLUSIVE MODE``) while it checks and writes.

Who did it. Each row keeps the operating-system user; on PostgreSQL, when the
database role differs from that user, the role is kept with it
(``alice (database role bsu_officer)``), so ``history`` shows both.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.checks import check_later_records, check_new_event
from reviewclock.clock import Clock
from reviewclock.errors import DuplicateCase, UsageProblem
from reviewclock.store import history, reading
from reviewclock.store.db import Batch, Db, Lite, insert_sql
from reviewclock.store.engine import current_user, is_duplicate
from reviewclock.store.location import POSTGRESQL
from reviewclock.store.records import DeletionRow, ImportCounts, ImportPlan, LogRow, NewCase
from reviewclock.textchecks import check_authority, check_note, check_ref, short_user


class Planner(Protocol):
    """Given the cases in the register, what to import (raising when the file cannot be).
    Each new case that passes its checks is handed to ``store`` at once, if given, in the
    order of the plan, until a problem is found."""

    def __call__(
        self,
        existing: Mapping[str, CaseRecord],
        store: Callable[[NewCase], None] | None = None,
        deleted: Collection[DeletionRow] = (),
        unreadable: Mapping[str, str] | None = None,
    ) -> ImportPlan: ...


CASE_COLUMNS = ("ref", "authority", "harm", "created_at", "created_by")
EVENT_COLUMNS = (
    "case_id",
    "name",
    "on_date",
    "kind",
    "agreed_to",
    "note",
    "recorded_by",
    "recorded_at",
    "decision",
    "panel_view",
    "national_review",
)
INSERT_CASE = insert_sql("cases", CASE_COLUMNS)
INSERT_EVENT = insert_sql("events", EVENT_COLUMNS)
INSERT_AMENDMENT = insert_sql("events", (*EVENT_COLUMNS, "amends", "reason"))
INSERT_DELETION = insert_sql("deletions", ("ref", "reason", "events", "deleted_by", "deleted_at"))
INSERT_DIGEST = insert_sql(
    "sent_digests",
    ("digest_date", "fingerprint", "recipients", "subject", "sent_at", "sent_by"),
)


def who(db: Db) -> str:
    """The operating-system user, and on PostgreSQL the database role when it differs."""
    user = current_user()
    if db.dialect != POSTGRESQL:
        return short_user(user)
    role = db.value("SELECT current_user")
    return short_user(user if role in (None, user) else f"{user} (database role {role})")


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC, as a plain datetime (an import stamps half a million rows with one)."""
    if moment.tzinfo is dt.UTC and type(moment) is dt.datetime:
        return moment
    m = moment.astimezone(dt.UTC)
    return dt.datetime(m.year, m.month, m.day, m.hour, m.minute, m.second, m.microsecond, dt.UTC)


def event_row(case_id: int, e: EventRecord, user: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "name": e.name,
        "on_date": e.on,
        "kind": e.kind,
        "agreed_to": e.until,
        "note": e.note,
        "recorded_by": e.recorded_by or user,
        "recorded_at": utc(e.recorded_at or now),
        "decision": e.decision,
        "panel_view": e.panel_view,
        "national_review": e.national_review,
    }


def add_case(
    db: Db, case: CaseRecord, *, today: dt.date, now: dt.datetime, where: str, clock: Clock
) -> CaseRecord:
    check_ref(case.ref)
    check_authority(case.authority)
    events: list[EventRecord] = []
    for e in case.events:
        check_new_event(case.ref, events, e, today, clock)
        events.append(e)
    duplicate = DuplicateCase(
        f"case {case.ref} is already in the register; use 'reviewclock record {case.ref} ...' "
        "to add events, or choose another reference"
    )
    if reading.case_id(db, case.ref) is not None:
        raise duplicate
    user = who(db)
    head = {
        "ref": case.ref,
        "authority": case.authority,
        "harm": case.harm,
        "created_at": now.astimezone(dt.UTC),
        "created_by": user,
    }
    try:
        inserted = db.insert(INSERT_CASE, head)
    except Exception as e:
        if is_duplicate(e):
            raise duplicate from None  # another officer added it a moment ago
        raise
    db.run_many(INSERT_EVENT, [event_row(inserted, e, user, now) for e in events])
    return reading.load(db, case.ref, where, clock.rules)


def record(
    db: Db,
    ref: str,
    new: EventRecord,
    *,
    today: dt.date,
    now: dt.datetime,
    where: str,
    clock: Clock,
) -> tuple[CaseRecord, CaseRecord]:
    reading.case_id(db, ref, lock=True)
    case = reading.load(db, ref, where, clock.rules)
    check_new_event(ref, case.events, new, today, clock)
    check_later_records(ref, case.events, new, today, clock)
    cid = reading.case_id(db, ref)
    db.run(INSERT_EVENT, event_row(cid, new, who(db), now))
    return case, reading.load(db, ref, where, clock.rules)


def delete(
    db: Db, ref: str, *, reason: str, now: dt.datetime, where: str, clock: Clock
) -> tuple[int, int]:
    """Delete a case and its rows; returns (events as corrected, corrections) removed."""
    if not reason.strip():
        raise UsageProblem("give the reason for the deletion with --reason TEXT")
    check_note(reason, "the reason")
    cid = reading.case_id(db, ref, lock=True)
    reading.load(db, ref, where, clock.rules, strict=False)
    count, corrections = reading.event_counts(db, cid)
    # Amendments point at the rows they correct, so remove the newest rows first.
    db.run("DELETE FROM events WHERE case_id = :id AND amends IS NOT NULL", {"id": cid})
    db.run("DELETE FROM events WHERE case_id = :id", {"id": cid})
    db.run("DELETE FROM cases WHERE id = :id", {"id": cid})
    db.run(
        INSERT_DELETION,
        {
            "ref": ref,
            "reason": reason.strip(),
            "events": count,
            "deleted_by": who(db),
            "deleted_at": now.astimezone(dt.UTC),
        },
    )
    return count, corrections


def import_cases(
    db: Db, planner: Planner, *, dry_run: bool, now: dt.datetime, clock: Clock
) -> ImportCounts:
    """Check an import against the register and write it, all in this transaction.

    On SQLite each new case is stored (by :func:`reviewclock.store.bulk.plan_and_store`,
    in a thread of its own) as soon as it has passed its checks, while the rest are
    checked; a problem anywhere stops the import, and the caller rolls everything back.
    On PostgreSQL the plan is written once whole (PostgreSQL keeps its indexes through it).
    """
    if db.dialect == POSTGRESQL:
        db.run("LOCK TABLE cases IN EXCLUSIVE MODE")
    # A plan or extension an --update adds stands among those held by when it was recorded.
    times = reading.first_recorded(db, clock.rules)
    # A case holding a date that cannot be read is not among them: the file must not add it
    # again, nor events to it, until it is mended.
    unreadable: dict[str, str] = {}
    existing = {
        c.ref: reading.with_first_recorded(c, times[cid]) if cid in times else c
        for cid, c in reading.cases(db, audit=False, rules=clock.rules, bad=unreadable)
    }
    # Deletions held already: a file that holds them too (an --update with the register's
    # own export) does not record them again.
    deleted = frozenset(history.deletions(db))
    if dry_run:
        return planner(existing, deleted=deleted, unreadable=unreadable).counts
    user = who(db)
    now = utc(now)
    stored: Sequence[NewCase] = ()  # new cases whose events are written below (not SQLite's)
    if isinstance(db, Lite):
        from reviewclock.store.bulk import plan_and_store

        plan = plan_and_store(db, planner, existing, user, now, deleted, unreadable)
    else:
        plan = planner(existing, deleted=deleted, unreadable=unreadable)
        created = db.stored(now)
        rows = [(c.case.ref, c.case.authority, c.case.harm, created, user) for c in plan.cases]
        db.insert_many("cases", [(CASE_COLUMNS, rows)] if rows else [])
        stored = plan.cases
    ids: dict[str, int] = {}
    if plan.appended or any(c.log for c in plan.cases) or stored:
        ids = dict(db.rows("SELECT ref, id FROM cases"))  # type: ignore[arg-type]
    plain = itertools.chain(
        ((ids[c.case.ref], c.case.events) for c in stored if not c.log),
        ((ids[ref], (e,)) for ref, e in plan.appended),
    )
    db.insert_many("events", shaped_events(plain, user, now, db.stored))
    written = sum(len(c.case.events) for c in plan.cases if not c.log) + len(plan.appended)
    for c in plan.cases:
        if c.log:
            written += _write_log(db, ids[c.case.ref], c.log, user, now)
    deletions = plan.deletions
    if deletions:
        db.run_many(
            INSERT_DELETION,
            [
                {
                    "ref": d.ref,
                    "reason": d.reason,
                    "events": d.events,
                    "deleted_by": d.by,
                    "deleted_at": d.at,
                }
                for d in deletions
            ],
        )
    return ImportCounts(len(plan.cases), written, len(deletions))


_PLAIN_EVENT = ("case_id", "name", "on_date", "recorded_by", "recorded_at")
"""The columns of an event that records only its date: the rest are NULL."""


def shaped_events(
    cases: Iterable[tuple[int, Sequence[EventRecord]]],
    user: str,
    now: dt.datetime,
    stored: Callable[[Any], Any],
    size: int = 4096,
) -> Iterator[Batch]:
    """The rows :func:`event_row` gives for each (case id, its events to add), for
    :meth:`Db.insert_many`: in batches of up to ``size`` consecutive rows with the same
    columns, the columns a row leaves NULL left out, each value as the connection stores
    it (``stored``). An import repeats a few thousand dates and one timestamp, so each
    is converted once."""
    at = stored(utc(now))
    days: dict[dt.date, Any] = {}
    shape: tuple[str, ...] = _PLAIN_EVENT
    batch: list[tuple[Any, ...]] = []
    for cid, events in cases:
        for e in events:
            if (
                e.kind is None
                and e.until is None
                and e.note is None
                and e.recorded_by is None
                and e.recorded_at is None
                and e.decision is None
                and e.panel_view is None
                and e.national_review is None
            ):
                day = days.get(e.on)
                if day is None:
                    day = days[e.on] = stored(e.on)
                columns: tuple[str, ...] = _PLAIN_EVENT
                values = (cid, e.name, day, user, at)
            else:
                row = event_row(cid, e, user, now)
                columns = tuple(k for k, v in row.items() if v is not None)
                values = tuple(stored(row[k]) for k in columns)
            if (columns is not shape and columns != shape) or len(batch) >= size:
                if batch:
                    yield shape, batch
                shape, batch = columns, []
            batch.append(values)
    if batch:
        yield shape, batch


def _write_log(
    db: Db,
    cid: int,
    log: Sequence[LogRow],
    user: str,
    now: dt.datetime,
) -> int:
    """A case's log row by row, each correction pointing at the new id of the row it corrects."""
    ids: list[int] = []
    for row in log:
        values = event_row(cid, row.event, user, now)
        if row.amends is not None:
            values |= {"amends": ids[row.amends], "reason": row.reason}
        ids.append(db.insert(INSERT_AMENDMENT, {"amends": None, "reason": None} | values))
    return len(ids)


def record_digest(
    db: Db,
    digest_date: dt.date,
    fingerprint: str,
    recipients: list[str],
    subject: str,
    now: dt.datetime,
) -> None:
    db.run(
        INSERT_DIGEST,
        {
            "digest_date": digest_date,
            "fingerprint": fingerprint,
            "recipients": ", ".join(recipients),
            "subject": subject,
            "sent_at": now.astimezone(dt.UTC),
            "sent_by": who(db),
        },
    )
