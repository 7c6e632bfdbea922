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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, exc, insert, text
from sqlalchemy.engine import Connection

from reviewclock.checks import (
    check_case,
    check_new_event,
    check_note,
    check_outcomes,
    check_ref,
)
from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.dates import RANGE
from reviewclock.errors import DuplicateCase, EventRefused, UsageProblem
from reviewclock.store import reading
from reviewclock.store.engine import current_user
from reviewclock.store.location import POSTGRESQL
from reviewclock.store.records import ImportPlan, LogRow, describe_record

Planner = Callable[[Mapping[str, CaseRecord]], ImportPlan]
"""Given the cases in the register, what to import (raising when the file cannot be)."""


def tables() -> tuple[Table, Table, Table, Table]:
    """The cases, events, deletions and sent-digests tables, for writing."""
    from reviewclock.models import Case, Deletion, Event, SentDigest

    return (
        Case.__table__,  # type: ignore[attr-defined]
        Event.__table__,  # type: ignore[attr-defined]
        Deletion.__table__,  # type: ignore[attr-defined]
        SentDigest.__table__,  # type: ignore[attr-defined]
    )


def who(conn: Connection) -> str:
    """The operating-system user, and on PostgreSQL the database role when it differs."""
    user = current_user()
    if conn.dialect.name != POSTGRESQL:
        return user
    role = conn.exec_driver_sql("SELECT current_user").scalar()
    return user if role in (None, user) else f"{user} (database role {role})"


def event_row(case_id: int, e: EventRecord, user: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "name": e.name,
        "on_date": e.on,
        "kind": e.kind,
        "note": e.note,
        "recorded_by": e.recorded_by or user,
        "recorded_at": (e.recorded_at or now).astimezone(dt.UTC),
        "decision": e.decision,
        "panel_view": e.panel_view,
        "national_review": e.national_review,
    }


def add_case(
    conn: Connection, case: CaseRecord, *, today: dt.date, now: dt.datetime, where: str
) -> CaseRecord:
    check_ref(case.ref)
    events: list[EventRecord] = []
    for e in case.events:
        check_new_event(case.ref, events, e, today)
        events.append(e)
    cases_table, events_table, _, _ = tables()
    duplicate = DuplicateCase(
        f"case {case.ref} is already in the register; use 'reviewclock record {case.ref} ...' "
        "to add events, or choose another reference"
    )
    if reading.case_id(conn, case.ref) is not None:
        raise duplicate
    user = who(conn)
    try:
        inserted = conn.execute(
            insert(cases_table).values(
                ref=case.ref,
                authority=case.authority,
                harm=case.harm,
                created_at=now.astimezone(dt.UTC),
                created_by=user,
            )
        ).inserted_primary_key
    except exc.IntegrityError:
        raise duplicate from None  # another officer added it a moment ago
    assert inserted is not None
    conn.execute(insert(events_table), [event_row(inserted[0], e, user, now) for e in events])
    return reading.load(conn, case.ref, where)


def record(
    conn: Connection, ref: str, new: EventRecord, *, today: dt.date, now: dt.datetime, where: str
) -> CaseRecord:
    _, events_table, _, _ = tables()
    reading.case_id(conn, ref, lock=True)
    case = reading.load(conn, ref, where)
    check_new_event(ref, case.events, new, today)
    cid = reading.case_id(conn, ref)
    conn.execute(insert(events_table).values(**event_row(cid, new, who(conn), now)))
    return reading.load(conn, ref, where)


def amend(
    conn: Connection,
    ref: str,
    name: str,
    on: dt.date | None,
    *,
    reason: str,
    today: dt.date,
    now: dt.datetime,
    was: dt.date | None,
    outcomes: dict[str, Any],
    where: str,
) -> tuple[CaseRecord, CaseRecord]:
    """Correct an event's date or what it records, appending a row that names the old one."""
    if not reason.strip():
        raise UsageProblem("give the reason for the correction with --reason TEXT")
    check_note(reason, "the reason")
    if on is None and not outcomes:
        raise UsageProblem(
            "say what to correct: --on DATE, or what the event recorded "
            "(--decision, --panel-view, --national-review)"
        )
    _, events_table, _, _ = tables()
    reading.case_id(conn, ref, lock=True)
    before = reading.load(conn, ref, where, strict=False)
    check_outcomes(name, EventRecord(name, today)._replace(**outcomes))
    rows = [
        (row_id, old_on, kind, note, *recorded)
        for row_id, old_on, kind, note, *recorded in conn.execute(
            text(
                f"SELECT e.id, e.on_date, e.kind, e.note, {reading.OUTCOME_SQL} FROM events e"
                " JOIN cases c ON c.id = e.case_id WHERE c.ref = :ref AND e.name = :name"
                f" AND e.{reading.CURRENT} ORDER BY e.on_date, e.id"
            ),
            {"ref": ref, "name": name},
        )
    ]
    if was is not None:
        rows = [r for r in rows if reading.stored_day(r[1]) == was]
    if not rows:
        what = f"{name} on {was.isoformat()}" if was else name
        raise EventRefused(
            f"{ref} has no {what} recorded to amend; 'reviewclock show {ref}' lists its events"
        )
    if len(rows) > 1:
        dates = ", ".join(str(r[1]) for r in rows)
        raise UsageProblem(
            f"{ref} has {name} recorded on {dates}; say which to correct with --was DATE"
        )
    row_id, old_on, kind, note, *recorded = rows[0]
    old = reading.stored_day(old_on)
    if old is None and on is None:
        raise UsageProblem(
            f"{name} for {ref} holds the date {str(old_on)!r}, outside the dates reviewclock "
            f"supports ({RANGE}); correct it with --on DATE"
        )
    known = old if old is not None else on
    assert known is not None
    was_record = EventRecord(name, known, kind, note, **reading.outcomes(recorded))
    corrected = was_record._replace(on=on or known, **outcomes)
    if old is not None and corrected == was_record:
        raise EventRefused(
            f"{name} for {ref} is already recorded {describe_record(was_record)}; nothing to amend"
        )
    changed = list(before.events)
    if old is None:  # correcting a date outside the supported range
        changed.append(corrected)
    else:
        index = next(
            i for i, e in enumerate(changed) if e.name == name and e.on == old and e.kind == kind
        )
        changed[index] = changed[index]._replace(on=corrected.on, **outcomes)
    check_case(ref, changed, today)
    cid = reading.case_id(conn, ref)
    row = event_row(cid, corrected, who(conn), now)
    conn.execute(insert(events_table).values(**row, amends=row_id, reason=reason.strip()))
    return before, reading.load(conn, ref, where, strict=False)


def delete(
    conn: Connection, ref: str, *, reason: str, now: dt.datetime, where: str
) -> tuple[int, int]:
    """Delete a case and its rows; returns (events as corrected, corrections) removed."""
    if not reason.strip():
        raise UsageProblem("give the reason for the deletion with --reason TEXT")
    check_note(reason, "the reason")
    _, _, deletions_table, _ = tables()
    cid = reading.case_id(conn, ref, lock=True)
    reading.load(conn, ref, where, strict=False)
    count, corrections = reading.event_counts(conn, cid)
    # Amendments point at the rows they correct, so remove the newest rows first.
    conn.execute(text("DELETE FROM events WHERE case_id = :id AND amends IS NOT NULL"), {"id": cid})
    conn.execute(text("DELETE FROM events WHERE case_id = :id"), {"id": cid})
    conn.execute(text("DELETE FROM cases WHERE id = :id"), {"id": cid})
    conn.execute(
        insert(deletions_table).values(
            ref=ref,
            reason=reason.strip(),
            events=count,
            deleted_by=who(conn),
            deleted_at=now.astimezone(dt.UTC),
        )
    )
    return count, corrections


def import_cases(
    conn: Connection, planner: Planner, *, dry_run: bool, now: dt.datetime
) -> tuple[int, int]:
    """Check an import against the register and write it, all in this transaction."""
    if conn.dialect.name == POSTGRESQL:
        conn.exec_driver_sql("LOCK TABLE cases IN EXCLUSIVE MODE")
    existing = {c.ref: c for c in reading.cases(conn, audit=False)}
    plan = planner(existing)
    if dry_run:
        return len(plan.cases), plan.events
    cases_table, events_table, deletions_table, _ = tables()
    user = who(conn)
    stamp = now.astimezone(dt.UTC)
    if plan.cases:
        conn.execute(
            insert(cases_table),
            [
                {
                    "ref": c.case.ref,
                    "authority": c.case.authority,
                    "harm": c.case.harm,
                    "created_at": stamp,
                    "created_by": user,
                }
                for c in plan.cases
            ],
        )
    ids = {str(r[0]): int(r[1]) for r in conn.execute(text("SELECT ref, id FROM cases"))}
    rows = [
        event_row(ids[c.case.ref], e, user, now)
        for c in plan.cases
        if not c.log
        for e in c.case.events
    ]
    rows += [event_row(ids[ref], e, user, now) for ref, e in plan.appended]
    if rows:
        conn.execute(insert(events_table), rows)
    written = len(rows)
    for c in plan.cases:
        written += _write_log(conn, events_table, ids[c.case.ref], c.log, user, now)
    if plan.deletions:
        conn.execute(
            insert(deletions_table),
            [
                {
                    "ref": d.ref,
                    "reason": d.reason,
                    "events": d.events,
                    "deleted_by": d.by,
                    "deleted_at": d.at,
                }
                for d in plan.deletions
            ],
        )
    return len(plan.cases), written


def _write_log(
    conn: Connection,
    events_table: Table,
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
        key = conn.execute(insert(events_table).values(**values)).inserted_primary_key
        assert key is not None
        ids.append(int(key[0]))
    return len(ids)


def record_digest(
    conn: Connection,
    digest_date: dt.date,
    fingerprint: str,
    recipients: list[str],
    subject: str,
    now: dt.datetime,
) -> None:
    _, _, _, digests_table = tables()
    conn.execute(
        insert(digests_table).values(
            digest_date=digest_date,
            fingerprint=fingerprint,
            recipients=", ".join(recipients),
            subject=subject,
            sent_at=now.astimezone(dt.UTC),
            sent_by=who(conn),
        )
    )
