"""Planning an import: what a file would add to a register, and every reason it cannot.

The codecs (:mod:`reviewclock.transfer`) turn a file into cases; this module
decides what of them is new, checks each one as if it were being recorded,
and words the refusal. Pure but for reading the file itself. The register runs
the plan inside its write transaction; against a register that does not exist
yet, the plan is made against an empty one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from reviewclock.checks import check_case, check_ref
from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.errors import EventRefused, ReviewclockError, UsageProblem
from reviewclock.render.phrases import count
from reviewclock.rules import EVENTS
from reviewclock.transfer import (
    OUTCOME_COLUMNS,
    ImportProblems,
    Incoming,
    Problem,
    cell_text,
    decode,
    read_csv,
    read_json,
)


class ImportFile(NamedTuple):
    incoming: list[Incoming]
    problems: list[Problem]
    """What the codec could not read: the import stops, but the plan still lists them all."""
    encoding: str


def read_import(file: Path, file_format: str | None) -> ImportFile:
    """The cases in ``file``, read as ``file_format`` (default: json for a .json file, else
    csv). Raises :class:`UsageProblem` when the file cannot be read as text."""
    try:
        data = file.read_bytes()
    except OSError as e:
        raise UsageProblem(f"cannot read {file}: {e.strerror}") from None
    try:
        text, encoding = decode(data)
    except ValueError as e:
        raise UsageProblem(f"cannot read {file}: {e}") from None
    kind = file_format or ("json" if file.suffix.lower() == ".json" else "csv")
    incoming, problems = (read_json if kind == "json" else read_csv)(text)
    return ImportFile(incoming, problems, encoding)


class ImportPlan(NamedTuple):
    new_cases: list[CaseRecord]
    appended: list[tuple[str, EventRecord]]
    """Events for cases already in the register, with their case's reference."""

    @property
    def counts(self) -> tuple[int, int]:
        """(cases added, events added)."""
        return len(self.new_cases), sum(len(c.events) for c in self.new_cases) + len(self.appended)


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
    today: dt.date,
) -> ImportPlan:
    """What importing ``incoming`` into a register holding ``existing`` would add:
    (new cases, events for cases already there). Every problem is collected and
    raised together as :class:`ImportProblems`."""
    problems: list[Problem] = []
    new_cases: list[CaseRecord] = []
    appended: list[tuple[str, EventRecord]] = []
    for item in incoming:
        case = item.case
        try:
            check_ref(case.ref)
            have = existing.get(case.ref)
            if have is None:
                check_case(case.ref, case.events, today)
                new_cases.append(case)
            elif not update:
                raise ReviewclockError(
                    "is already in the register; use --update to add its new events"
                )
            else:
                extra = new_events(have, case)
                check_case(case.ref, [*have.events, *extra], today)
                appended += [(case.ref, e) for e in extra]
        except ReviewclockError as e:
            problems.append(Problem(item.line, case.ref, str(e), item.unit))
    if problems:
        raise ImportProblems(problems)
    return ImportPlan(new_cases, appended)


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
                    have_text = "none" if ours is None else repr(cell_text(ours))
                    raise EventRefused(
                        f"{e.name} records {column} {have_text} in the register but "
                        f"{cell_text(theirs)!r} in the file; correct one of them "
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
