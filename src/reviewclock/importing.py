"""Planning an import: what a file would add to the register, checked against what is there.

Pure: the register calls :func:`plan_import` inside its write transaction, so
the check and the write see the same cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from reviewclock.checks import check_case, check_ref
from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.errors import EventRefused, ReviewclockError
from reviewclock.rules import EVENTS
from reviewclock.store.records import ImportPlan, NewCase
from reviewclock.transfer import OUTCOME_COLUMNS, ImportProblems, Incoming, Problem, outcome_cell


def plan_import(
    incoming: Sequence[Incoming],
    existing: Mapping[str, CaseRecord],
    *,
    update: bool,
    today: dt.date,
) -> ImportPlan:
    """What importing ``incoming`` into a register holding ``existing`` would add. Every
    problem is collected and raised together as :class:`ImportProblems`."""
    problems: list[Problem] = []
    plan = ImportPlan()
    for item in incoming:
        case = item.case
        if item.deletion is not None:
            plan.deletions.append(item.deletion)
            continue
        try:
            check_ref(case.ref)
            have = existing.get(case.ref)
            if have is None:
                check_case(case.ref, case.events, today)
                plan.cases.append(NewCase(case, item.log))
            elif not update:
                raise ReviewclockError(
                    "is already in the register; use --update to add its new events"
                )
            else:
                extra = new_events(have, case)
                check_case(case.ref, [*have.events, *extra], today)
                plan.appended.extend((case.ref, e) for e in extra)
        except ReviewclockError as e:
            problems.append(Problem(item.line, case.ref, str(e), item.unit))
    if problems:
        raise ImportProblems(problems)
    return plan


def new_events(have: CaseRecord, incoming: CaseRecord) -> list[EventRecord]:
    """The events of ``incoming`` that ``have`` lacks. A different date for an event that
    happens once is a conflict, never a correction (that is what amend is for)."""
    known = {(e.name, e.on, e.kind): e for e in have.events}
    out = []
    for e in incoming.events:
        same = known.get((e.name, e.on, e.kind))
        if same is not None:
            for field in EVENTS[e.name].outcomes:
                theirs, ours = getattr(e, field), getattr(same, field)
                if theirs is not None and theirs != ours:
                    column = OUTCOME_COLUMNS[field]
                    have_text = "none" if ours is None else repr(outcome_cell(ours))
                    raise EventRefused(
                        f"{e.name} records {column} {have_text} in the register but "
                        f"{outcome_cell(theirs)!r} in the file; correct one of them "
                        "(reviewclock amend changes the register)"
                    )
            continue
        if not EVENTS[e.name].repeatable:
            recorded = next((x for x in have.events if x.name == e.name), None)
            if recorded is not None:
                raise EventRefused(
                    f"{e.name} is {recorded.on.isoformat()} in the register but "
                    f"{e.on.isoformat()} in the file; correct one of them "
                    "(reviewclock amend changes the register)"
                )
        out.append(e)
    return out
