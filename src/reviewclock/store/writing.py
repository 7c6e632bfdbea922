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

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from reviewclock import interruption
from reviewclock.casefile import CaseRecord, EventRecord, paired_end
from reviewclock.checks import check_case, check_new_event, check_outcomes
from reviewclock.clock import Clock
from reviewclock.dates import RANGE
from reviewclock.errors import DuplicateCase, EventRefused, UsageProblem, quoted
from reviewclock.extensionchecks import check_moved_in_order
from reviewclock.rules import Rulebook
from reviewclock.store import reading
from reviewclock.store.db import Batch, Db, Lite, insert_sql
from reviewclock.store.engine import current_user, is_duplicate
from reviewclock.store.location import POSTGRESQL
from reviewclock.store.records import ImportPlan, LogRow, NewCase, describe_record
from reviewclock.textchecks import check_authority, check_note, check_ref


class Planner(Protocol):
    """Given the cases in the register, what to import (raising when the file cannot be).
    Each new case that passes its checks is handed to ``store`` at once, if given, in the
    order of the plan, until a problem is found."""

    def __call__(
        self, existing: Mapping[str, CaseRecord], store: Callable[[NewCase], None] | None = None
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
        return user
    role = db.value("SELECT current_user")
    return user if role in (None, user) else f"{user} (database role {role})"


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
) -> CaseRecord:
    reading.case_id(db, ref, lock=True)
    case = reading.load(db, ref, where, clock.rules)
    check_new_event(ref, case.events, new, today, clock)
    cid = reading.case_id(db, ref)
    db.run(INSERT_EVENT, event_row(cid, new, who(db), now))
    return reading.load(db, ref, where, clock.rules)


def amend(
    db: Db,
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
    clock: Clock,
    was_kind: str | None = None,
    was_until: dt.date | None = None,
) -> tuple[CaseRecord, CaseRecord]:
    """Correct an event's date or what it records, appending a row that names the old one.
    ``was``, ``was_kind`` and ``was_until`` pick the record (see :func:`_as_picked`)."""
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
    recorded_as = [_as_picked(r) for r in rows]
    recorded_kinds = {r[2] for r in rows}
    if was is not None:
        rows = [
            r
            for r in rows
            if reading.stored_day(r[1]) == was
            and (was_kind is None or r[2] == was_kind)
            and (was_until is None or reading.stored_day(r[4]) == was_until)
        ]
        if was_kind is None and len(rows) > 1 and any(r[2] is None for r in rows):
            # The date alone is how a record with no kind is written (a notice for every
            # open stage, beside one naming its stage).
            rows = [r for r in rows if r[2] is None]
    if not rows:
        if name not in clock.rules.events:  # neither declared nor ever recorded
            raise UsageProblem(
                f"{quoted(name)} is not an event; use one of {', '.join(clock.rules.events)}"
            )
        if was_kind is not None:
            _check_picked_kind(clock.rules, name, was_kind, recorded_kinds, was)
        what = name if was is None else f"{name} on {_picked_text(was, was_kind, was_until)}"
        listed = f"; it has {name} on {', '.join(recorded_as)}" if recorded_as else ""
        raise EventRefused(
            f"{ref} has no {what} recorded to amend{listed}; 'reviewclock history {ref}' lists"
            " its records"
        )
    rule = clock.rules.events.get(name)
    if "until" in outcomes and (rule is None or not rule.extends):
        raise UsageProblem(f"--to applies to an agreed extension only, not to {name!r}")
    if len(rows) > 1:
        picks = list(dict.fromkeys(_as_picked(r) for r in rows))
        if len(picks) > 1:
            days = [p.split(" ", 1)[0] for p in picks]
            shared = [p for p, d in zip(picks, days, strict=True) if days.count(d) > 1 and p != d]
            hint = f"--was, for example --was '{shared[0]}'" if shared else "--was DATE"
            raise UsageProblem(
                f"{ref} has {name} recorded on {', '.join(picks)}; say which to correct with "
                + hint
            )
        # Records alike in all that --was names (an entry made twice, or two made alike
        # by a correction): the one recorded or corrected last is taken, so that a
        # correction that made them alike can be undone.
        rows = rows[-1:]
    row_id, old_on, kind, note, agreed, *recorded = rows[0]
    old = reading.stored_day(old_on)
    if old is None and on is None:
        raise UsageProblem(
            f"{name} for {ref} holds the date {str(old_on)!r}, outside the dates reviewclock "
            f"supports ({RANGE}); correct it with --on DATE"
        )
    known = old if old is not None else on
    assert known is not None
    until = None if agreed is None else reading.stored_day(agreed)
    was_record = EventRecord(name, known, kind, note, until=until, **reading.outcomes(recorded))
    corrected = was_record._replace(on=on or known, **outcomes)
    if old is not None and corrected == was_record:
        raise EventRefused(
            f"{name} for {ref} is already recorded {describe_record(was_record)}; nothing to amend"
        )
    changed = list(before.events)
    end = closed = None
    if old is None:  # correcting a date outside the supported range
        changed.append(corrected)
    else:
        index = next(
            i
            for i, e in enumerate(changed)
            if e.name == name and e.on == old and e.kind == kind and e.until == until
        )
        end = _end_of_the_same_kind(clock.rules, changed, changed[index], corrected.kind)
        closed = _start_closed_by(clock.rules, changed, changed[index], corrected.kind)
        changed[index] = changed[index]._replace(on=corrected.on, **outcomes)
        if rule is not None and rule.extends:
            check_moved_in_order(ref, changed, changed[index], was_record)
    if end is not None:  # the end of the proceedings whose kind is corrected goes with it
        changed[changed.index(end)] = end._replace(kind=corrected.kind)
    try:
        check_case(ref, changed, today, clock)
    except EventRefused as e:
        if closed is None:
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


def _start_closed_by(
    rules: Rulebook, events: Sequence[EventRecord], end: EventRecord, kind: str | None
) -> EventRecord | None:
    """When the kind an end names is corrected to ``kind``, the start of the proceedings it
    closes, if they are of the kind the end named before."""
    if end.name != rules.proceedings_end or end.kind is None or kind == end.kind:
        return None
    return next(
        (
            e
            for e in events
            if e.name == rules.proceedings_start
            and e.kind == end.kind
            and paired_end(events, e, rules) is end
        ),
        None,
    )


def _end_of_the_same_kind(
    rules: Rulebook, events: Sequence[EventRecord], start: EventRecord, kind: str | None
) -> EventRecord | None:
    """When the kind of proceedings ``start`` began is corrected to ``kind``, the end that
    closes them and names their kind: it names the new kind too, or it would close none."""
    if start.name != rules.proceedings_start or kind == start.kind:
        return None
    end = paired_end(events, start, rules)
    return end if end is not None and end.kind is not None else None


def _as_picked(row: Sequence[Any]) -> str:
    """A record as ``amend --was`` picks it, from a row (id, on_date, kind, note, agreed_to):
    ``2024-09-02``, ``2024-09-02 criminal``, ``2024-04-25 rapid-review to 2024-05-14``."""
    _, on, kind, _, until, *_ = row
    return _picked_text(on, kind, until)


def _picked_text(on: Any, kind: str | None, until: Any) -> str:
    plain = kind is None or (kind.isprintable() and not set(kind) & set(" '\"()"))
    shown = "" if kind is None else " " + (kind if plain and len(kind) < 40 else quoted(kind))
    return f"{on}{shown}" + ("" if until is None else f" to {until}")


def _check_picked_kind(
    rules: Rulebook, name: str, kind: str, recorded: Iterable[str | None], on: dt.date | None
) -> None:
    """A kind given to ``amend --was`` that no record of ``name`` could have: a usage error
    that says what it takes. A kind once recorded is always accepted (a stage since taken
    out of the settings, say)."""
    rule = rules.events.get(name)
    if rule is None or kind in recorded:
        return
    choices = rules.stages_named_by(rule) if rule.names_stage is not None else rule.kinds
    if not choices:
        day = "" if on is None else f" (--was {on.isoformat()})"
        raise UsageProblem(f"{name} has no kind or stage; pick its record by date alone{day}")
    if kind not in choices:
        what = "a kind of proceedings" if rule.names_stage is None else f"a stage {name} names"
        raise UsageProblem(f"{quoted(kind)} is not {what}; use one of {', '.join(choices)}")


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
) -> tuple[int, int]:
    """Check an import against the register and write it, all in this transaction.

    On SQLite each new case is stored (by :func:`reviewclock.store.bulk.plan_and_store`,
    in a thread of its own) as soon as it has passed its checks, while the rest are
    checked; a problem anywhere stops the import, and the caller rolls everything back.
    On PostgreSQL the plan is written once whole (PostgreSQL keeps its indexes through it).
    """
    if db.dialect == POSTGRESQL:
        db.run("LOCK TABLE cases IN EXCLUSIVE MODE")
    existing = {c.ref: c for _, c in reading.cases(db, audit=False, rules=clock.rules)}
    if dry_run:
        plan = planner(existing)
        return len(plan.cases), plan.events
    user = who(db)
    now = utc(now)
    stored: Sequence[NewCase] = ()  # new cases whose events are written below (not SQLite's)
    if isinstance(db, Lite):
        from reviewclock.store.bulk import plan_and_store

        plan = plan_and_store(db, planner, existing, user, now)
    else:
        plan = planner(existing)
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
    if plan.deletions:
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
                for d in plan.deletions
            ],
        )
    return len(plan.cases), written


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
