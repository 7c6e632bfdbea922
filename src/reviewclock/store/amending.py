"""Correcting a recorded event: one transaction that adds a row naming the row it corrects.

The record is picked as :mod:`reviewclock.store.picking` says, the case is checked as it
would read after the correction, and nothing recorded is overwritten. Correcting the kind
of proceedings corrects the end that closes them in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reviewclock.casefile import CaseRecord, EventRecord, end_that_follows, start_it_closes
from reviewclock.checks import check_case, check_outcomes
from reviewclock.clock import Clock
from reviewclock.dates import date_fault
from reviewclock.errors import EventRefused, HeldRecordRefused, UsageProblem, in_register
from reviewclock.extensionchecks import check_moved_in_order
from reviewclock.store import picking, reading
from reviewclock.store.db import Db
from reviewclock.store.picking import RecordPick
from reviewclock.store.records import describe_record
from reviewclock.store.writing import INSERT_AMENDMENT, event_row, who
from reviewclock.textchecks import check_note


def amend(
    db: Db,
    ref: str,
    name: str,
    on: dt.date | None,
    *,
    reason: str,
    today: dt.date,
    now: dt.datetime,
    was: RecordPick | None,
    outcomes: dict[str, Any],
    where: str,
    clock: Clock,
) -> tuple[CaseRecord, CaseRecord]:
    """Correct an event's date or what it records, appending a row that names the old one.
    ``was`` picks the record (see :mod:`reviewclock.store.picking`)."""
    if not reason.strip():
        raise UsageProblem("give the reason for the correction with --reason TEXT")
    check_note(reason, "the reason")
    if on is None and not outcomes:
        raise UsageProblem(
            "say what to correct: --on DATE, or what the event recorded "
            "(--kind, --stage, --to, --decision, --panel-view, --national-review)"
        )
    cid = reading.case_id(db, ref, lock=True)
    before = reading.load(db, ref, where, clock.rules, strict=False)
    check_outcomes(clock.rules, name, EventRecord(name, today)._replace(**outcomes))
    rows = [
        (row_id, old_on, kind, note, agreed, *recorded)
        for row_id, old_on, kind, note, agreed, *recorded in db.rows(
            f"SELECT id, on_date, kind, note, agreed_to, {reading.OUTCOME_SQL} FROM events"
            f" WHERE case_id = :id AND name = :name AND {reading.CURRENT_OF_CASE}"
            " ORDER BY on_date, id",
            {"id": cid, "name": name},
        )
    ]
    found = picking.matching(rows, was)
    if not found:
        picking.refuse_unmatched(clock.rules, ref, name, was, rows)
    rule = clock.rules.events.get(name)
    if "until" in outcomes and (rule is None or not rule.extends):
        raise UsageProblem(f"--to applies to an agreed extension only, not to {name!r}")
    row_id, old_on, kind, note, agreed, *recorded = picking.the_one(ref, name, found)
    old = reading.stored_day(old_on)
    if old is None and on is None:
        raise UsageProblem(
            f"{name} for {ref} holds the date {str(old_on)!r}, {date_fault(old_on)}; correct it"
            " with --on DATE"
        )
    known = old if old is not None else on
    assert known is not None
    until = None if agreed is None else reading.stored_day(agreed)
    unread_until = agreed is not None and until is None  # a new due date that is no date
    if unread_until and "until" not in outcomes:
        raise UsageProblem(
            f"{name} for {ref} holds the new due date {str(agreed)!r}, {date_fault(agreed)};"
            " correct it with --to DATE"
        )
    was_record = EventRecord(name, known, kind, note, until=until, **reading.outcomes(recorded))
    corrected = was_record._replace(on=on or known, **outcomes)
    if old is not None and corrected == was_record:
        every = "kind" in outcomes and kind is None and rule is not None and rule.delay_notice
        raise EventRefused(
            f"{name} for {ref} is already recorded {describe_record(was_record)}"
            + (", naming no stage: it is about every duty stage open then" if every else "")
            + "; nothing to amend"
        )
    changed = list(before.events)
    end = closed = None
    if old is None or unread_until:
        # Correcting a date that cannot be read: the record is not among the case's events.
        changed.append(corrected)
        corrected_now = {id(corrected)}
    else:
        index = next(
            i
            for i, e in enumerate(changed)
            if e.name == name and e.on == old and e.kind == kind and e.until == until
        )
        end = end_that_follows(clock.rules, changed, changed[index], corrected.kind)
        closed = start_it_closes(clock.rules, changed, changed[index], corrected.kind)
        changed[index] = changed[index]._replace(on=corrected.on, **outcomes)
        corrected_now = {id(changed[index])}  # checked as a record made now
        if rule is not None and rule.extends:
            check_moved_in_order(ref, changed, changed[index], was_record)
    if end is not None:  # the end of the proceedings whose kind is corrected goes with it
        changed[changed.index(end)] = end._replace(kind=corrected.kind)
    try:
        check_case(ref, changed, today, clock, new=corrected_now)
    except EventRefused as e:
        if closed is None:
            if isinstance(e, HeldRecordRefused):  # another record: how to mend it
                raise EventRefused(in_register(e)) from None
            raise
        # The end's kind alone cannot change while it closes proceedings of its old kind.
        start = clock.rules.proceedings_start
        raise EventRefused(
            f"{e}. To correct the kind of the proceedings it closes (started on "
            f"{closed.on.isoformat()}), amend {start} --was '{closed.on.isoformat()} "
            f"{closed.kind}' --kind {corrected.kind}: the end follows"
        ) from None
    user = who(db)
    row = event_row(cid, corrected, user, now)
    db.run(INSERT_AMENDMENT, {**row, "amends": row_id, "reason": reason.strip()})
    if end is not None:
        end_id = db.value(
            "SELECT max(id) FROM events WHERE case_id = :id AND name = :name AND on_date = :on"
            f" AND kind = :kind AND {reading.CURRENT_OF_CASE}",
            {"id": cid, "name": end.name, "on": end.on, "kind": end.kind},
        )
        ended = EventRecord(end.name, end.on, corrected.kind, end.note)
        db.run(
            INSERT_AMENDMENT,
            {**event_row(cid, ended, user, now), "amends": end_id, "reason": reason.strip()},
        )
    return before, reading.load(db, ref, where, clock.rules, strict=False)
