"""Planning an import: what a file would add to the register, checked against what is there.

The codecs (:mod:`reviewclock.transfer_csv`, :mod:`reviewclock.transfer_json`) turn a
file into cases; this module reads the file (:func:`read_import`), decides what of it is
new and checks each case as if it were being recorded (:func:`plan_import`), and words
the refusal (:func:`refusal`). Pure but for reading the file: the register calls
:func:`plan_import` inside its write transaction, so the check and the write
see the same cases; against a register that does not exist yet, the plan is
made against an empty one.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.checks import check_case
from reviewclock.clock import Clock
from reviewclock.dates import date_fault, london_minute
from reviewclock.errors import EventRefused, ReviewclockError, UsageProblem, quoted
from reviewclock.render import count
from reviewclock.rules import OUTCOME_COLUMNS, Rulebook
from reviewclock.store.records import DeletionRow, ImportPlan, NewCase, describe_record
from reviewclock.textchecks import check_authority, check_ref
from reviewclock.transfer import (
    ImportProblems,
    Incoming,
    Problem,
    decode,
    outcome_cell,
)
from reviewclock.transfer_csv import read_csv
from reviewclock.transfer_json import read_json


class ImportFile(NamedTuple):
    incoming: list[Incoming]
    problems: list[Problem]
    """What the codec could not read: the import stops, but a dry run still lists them all."""
    encoding: str


def read_import(file: Path, file_format: str | None, rules: Rulebook) -> ImportFile:
    """The cases in ``file`` (``-``: standard input), read as ``file_format`` (default: json
    for a .json file, else csv), with the events ``rules`` declares. Raises
    :class:`UsageProblem` when it cannot be read as text."""
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as e:
        raise UsageProblem(f"cannot read {file}: {e.strerror}") from None
    try:
        text, encoding = decode(data)
    except ValueError as e:
        raise UsageProblem(f"cannot read {file}: {e}") from None
    kind = file_format or ("json" if file.suffix.lower() == ".json" else "csv")
    incoming, problems = (read_json if kind == "json" else read_csv)(text, rules)
    return ImportFile(incoming, problems, encoding)


def refusal(file: Path, problems: Sequence[Problem], *, listed: bool) -> ReviewclockError:
    """The one line that refuses a file: the count when the problems were ``listed`` above it
    (--dry-run), else the first problem and how many more there are."""
    if listed:
        return ReviewclockError(
            f"{count(len(problems), 'problem')} in {file}; nothing was imported"
        )
    more = len(problems) - 1
    return ReviewclockError(
        f"{file}: {problems[0]}; nothing was imported"
        + (
            f" ({more} more {'problem' if more == 1 else 'problems'}: --dry-run lists them all)"
            if more
            else ""
        )
    )


def plan_import(
    incoming: Sequence[Incoming],
    existing: Mapping[str, CaseRecord],
    *,
    update: bool,
    now: dt.datetime,
    clock: Clock,
    store: Callable[[NewCase], None] | None = None,
    deleted: Collection[DeletionRow] = (),
    unreadable: Mapping[str, str] | None = None,
) -> ImportPlan:
    """What importing ``incoming`` into a register holding ``existing`` would add, ``now``
    (in London: its date is today); ``unreadable``: the cases the register holds but cannot
    read, with the date at fault (ref -> date). Every problem is collected and raised together as
    :class:`ImportProblems`. Each new case that passes its checks is handed to ``store`` at
    once, until a problem is found (the transaction it was stored in is then rolled back)."""
    today = now.date()
    problems: list[Problem] = []
    plan = ImportPlan()
    last_deleted: dict[str, DeletionRow] = {}
    for d in deleted:
        if d.ref not in last_deleted or d.at > last_deleted[d.ref].at:
            last_deleted[d.ref] = d
    deleted_in_file: dict[str, dt.datetime] = {}
    for item in incoming:
        if item.deletion is not None:
            d = item.deletion
            deleted_in_file[d.ref] = max(d.at, deleted_in_file.get(d.ref, d.at))
    for item in incoming:
        case = item.case
        if item.deletion is not None:
            if item.deletion in deleted:
                continue  # held already: recorded once
            try:
                check_deletion(item.deletion, existing, now)
            except ReviewclockError as e:
                problems.append(Problem(item.line, case.ref, str(e), item.unit))
            plan.deletions.append(item.deletion)
            continue
        new = None
        try:
            check_ref(case.ref)
            if item.timed:
                check_recorded_by(now, item)
            have = existing.get(case.ref)
            if unreadable and case.ref in unreadable:
                stored = unreadable[case.ref]
                raise EventRefused(
                    f"is in the register, where it holds the date {stored!r},"
                    f" {date_fault(stored)}; mend it first ('reviewclock doctor' says how),"
                    " then import again"
                )
            if have is None:
                check_not_deleted(item, last_deleted.get(case.ref), deleted_in_file.get(case.ref))
                check_authority(case.authority)
                check_case(case.ref, case.events, today, clock)
                new = NewCase(case, item.log)
                plan.cases.append(new)
            elif not update:
                raise ReviewclockError(
                    "is already in the register; use --update to add its new events"
                )
            else:
                # Written in the order they were recorded, so that records the file gives
                # one time (as an import stamps them) keep their order among themselves.
                extra = sorted(new_events(have, case, clock.rules), key=_recording_order)
                check_case(case.ref, recorded_after(have, extra), today, clock)
                plan.appended.extend((case.ref, e) for e in extra)
                plan.kept.extend(details_kept(have, case))
        except ReviewclockError as e:
            problems.append(Problem(item.line, case.ref, str(e), item.unit))
        if new is not None and store is not None and not problems:
            store(new)  # written at once, in the same transaction, while the rest is checked
    if problems:
        raise ImportProblems(problems)
    return plan


def details_kept(have: CaseRecord, case: CaseRecord) -> list[str]:
    """What the file says of a case's authority or harm that differs from the register's:
    --update adds events and nothing else, so the register's stays."""
    kept = []
    for what, ours, theirs in (
        ("authority", have.authority, case.authority),
        ("harm", have.harm, case.harm),
    ):
        if theirs is not None and theirs != ours:
            held = "none" if ours is None else quoted(ours)
            kept.append(
                f"{case.ref}: the file gives the {what} {quoted(theirs)} and the register"
                f" {held}; --update adds events only, so the register's is kept"
            )
    return kept


def check_deletion(
    deletion: DeletionRow, existing: Mapping[str, CaseRecord], now: dt.datetime
) -> None:
    """A deletion from the file the register does not hold yet: of a valid ref, made by
    now, and not of a case the register holds (which the file's register deleted, and
    this one still has: deleting it is for this register's own officer)."""
    ref, at = deletion.ref, deletion.at
    check_ref(ref)
    if at > now:
        raise EventRefused(
            f"its deletion says it was made at {at.isoformat()}, which is in the future; give"
            " the time it was made"
        )
    if ref in existing:
        raise EventRefused(
            f"the file records {ref} deleted on {london_minute(at)} ({deletion.reason}), but the"
            f" register holds {ref}; if it should go, delete it here with 'reviewclock delete"
            f" {ref} --reason TEXT', then import again"
        )


def check_not_deleted(
    item: Incoming, last: DeletionRow | None, deleted_in_file: dt.datetime | None
) -> None:
    """A case the register deleted does not come back unless it is a new case of that ref:
    every record of it made after the deletion, or after the file's own deletion of it (a
    ref deleted and added again there). A spreadsheet says nothing of when its rows were
    made, so a row of a deleted ref is refused: re-importing a master spreadsheet must not
    bring back every case deleted since. ``last``: the register's latest deletion of the
    ref, if any; ``deleted_in_file``: when the file's latest deletion of it was made."""
    case = item.case
    if last is None:
        return
    when = f"{case.ref} was deleted from the register on {london_minute(last.at)} ({last.reason})"
    if not item.timed:
        raise EventRefused(
            f"{when}; take it out of the file, or add it again with 'reviewclock add-sin' if it"
            " should come back"
        )
    times = [e.recorded_at for e in item.records() if e.recorded_at]
    since = min(times, default=None)
    if since is None or since > last.at:
        return  # made since: a new case of the ref
    if deleted_in_file is not None and since > deleted_in_file:
        return  # the file's register deleted it too, and this is the case added again there
    raise EventRefused(
        f"{when}, and the file's copy holds records made before then; delete it in the"
        " register the file came from too, or add it again here with 'reviewclock add-sin'"
    )


def check_recorded_by(now: dt.datetime, item: Incoming) -> None:
    """A record a file says was made after ``now`` is refused: the time it gives places a
    plan or an agreed extension among the register's (the one recorded last is in force),
    and one from the future would stay in force over every record made until then."""
    for e in item.records():
        if e.recorded_at is not None and e.recorded_at > now:
            raise EventRefused(
                f"{e.name} on {e.on.isoformat()} says it was recorded at"
                f" {e.recorded_at.isoformat()}, which is in the future (it is now"
                f" {now.astimezone(dt.UTC).isoformat(timespec='seconds')}); give the time it"
                " was recorded, or none"
            )


_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_NOW = dt.datetime.max.replace(tzinfo=dt.UTC)


def _recording_order(e: EventRecord) -> tuple[dt.datetime, int]:
    """When a record was made (one with no time is made now), then its place in the order
    of recording the file gives (plans and agreed extensions)."""
    return e.recorded_at or _NOW, -1 if e.seq is None else e.seq


def recorded_after(have: CaseRecord, extra: Sequence[EventRecord]) -> list[EventRecord]:
    """``have``'s events and ``extra``, each with its place in the order of recording
    (``seq``) as the register will read them back once ``extra`` is written. That place is
    what counts for plans and agreed extensions (the one recorded last is in force).

    A record the file says was recorded at some time (JSON's ``recorded_at``) stands among
    those held by that time, after any held recorded at the same moment; one that gives no
    time is recorded now, after them all. ``have``'s plans and extensions carry the time
    they were first recorded (:func:`~reviewclock.store.reading.with_first_recorded`)."""
    held = [
        ((e.recorded_at or _EARLIEST, 0, e.seq), i)
        for i, e in enumerate(have.events)
        if e.seq is not None
    ]
    added = [((e.recorded_at or _NOW, 1, n), len(have.events) + n) for n, e in enumerate(extra)]
    place = {i: at for at, (_, i) in enumerate(sorted(held + added))}
    events = [*have.events, *extra]
    return [e._replace(seq=place[i]) if i in place else e for i, e in enumerate(events)]


def new_events(have: CaseRecord, incoming: CaseRecord, rules: Rulebook) -> list[EventRecord]:
    """The events of ``incoming`` that ``have`` lacks. Each record held matches one record
    of the file: a plan made again for a date planned before is a record of its own (and
    may be the one in force). A plan or agreed extension the file says when it was first
    made (JSON) is the record held from that moment, if there is one: the same, or a
    conflict if either side has corrected it since. An agreed extension the register holds
    word for word (stage, day agreed, date agreed) is that agreement, typed in each
    register. A different date for an event that happens once is a conflict too, never a
    correction (that is what amend is for)."""
    ordered = frozenset(rules.ordered_events)
    known: dict[tuple[Any, ...], list[EventRecord]] = {}
    made: dict[tuple[str, Any], list[EventRecord]] = {}
    for e in have.events:
        known.setdefault(_what(e), []).append(e)
        if e.name in ordered and e.recorded_at is not None:
            made.setdefault((e.name, e.recorded_at), []).append(e)
    matched: set[int] = set()
    timed = [e for e in incoming.events if e.name in ordered and e.recorded_at is not None]
    for e in timed:  # the same record on both sides: same moment, same record
        same = next(
            (x for x in made.get((e.name, e.recorded_at), ()) if _what(x) == _what(e)), None
        )
        if same is not None:
            made[(e.name, e.recorded_at)].remove(same)
            known[_what(same)].remove(same)
            matched.add(id(e))
            _check_same_outcomes(e, same, rules)
    out = []
    for e in incoming.events:
        if id(e) in matched:
            continue
        if e.name in ordered and e.recorded_at is not None:
            held = known.get(_what(e))
            if held and rules.events[e.name].extends:
                # The same agreement (stage, day, date agreed), typed in each register: one.
                same = held.pop(0)
                if same.recorded_at is not None:
                    made[(e.name, same.recorded_at)].remove(same)
                continue
            other = made.get((e.name, e.recorded_at))
            if other:  # made at the same moment, but not the same now: corrected on a side
                raise EventRefused(
                    f"the {e.name} made at {e.recorded_at.isoformat()} is"
                    f" {_described(other[0])} in the register but {_described(e)} in the file;"
                    " correct one of them (reviewclock amend changes the register)"
                )
            out.append(e)
            continue
        held = known.get(_what(e))
        if held:
            _check_same_outcomes(e, held.pop(0), rules)
            continue
        if not rules.events[e.name].repeatable:
            recorded = next((x for x in have.events if x.name == e.name), None)
            if recorded is not None:
                raise EventRefused(
                    f"{e.name} is {recorded.on.isoformat()} in the register but "
                    f"{e.on.isoformat()} in the file; correct one of them "
                    "(reviewclock amend changes the register)"
                )
        out.append(e)
    return out


def _what(e: EventRecord) -> tuple[Any, ...]:
    """What a record says: its event, date, kind or stage, and agreed date."""
    return e.name, e.on, e.kind, e.until


def _described(e: EventRecord) -> str:
    return describe_record(e).removeprefix("on ")


def _check_same_outcomes(e: EventRecord, same: EventRecord, rules: Rulebook) -> None:
    """The record of the file ``e`` and the one held ``same`` record the same outcomes, or
    the file records none of them."""
    for field in rules.events[e.name].outcomes:
        theirs, ours = getattr(e, field), getattr(same, field)
        if theirs is not None and theirs != ours:
            column = OUTCOME_COLUMNS[field]
            have_text = "none" if ours is None else repr(outcome_cell(ours))
            raise EventRefused(
                f"{e.name} records {column} {have_text} in the register but "
                f"{outcome_cell(theirs)!r} in the file; correct one of them "
                "(reviewclock amend changes the register)"
            )
