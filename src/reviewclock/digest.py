"""Summaries over many cases: the status counts, the filters and the digest.

Pure: no I/O, no clock. The digest is data (:func:`build_digest`); the
renderers turn it into text, and the other formats can reuse it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from reviewclock.casefile import CaseRecord
from reviewclock.clock import URGENCY, CaseStatus, StageStatus, State
from reviewclock.rules import Nature

PAST_DUE = frozenset({State.OVERDUE, State.DELAYED_PROCEEDINGS})


def select_cases(
    evaluated: Iterable[tuple[CaseRecord, CaseStatus]],
    *,
    include_closed: bool = False,
    overdue: bool = False,
    due_within: int | None = None,
) -> list[tuple[CaseRecord, CaseStatus]]:
    """The cases to show, the most urgent first.

    ``include_closed`` keeps cases whose every stage is met. ``overdue`` keeps
    cases with a stage past due (overdue, or delayed by proceedings).
    ``due_within`` keeps cases with an open stage due within that many working
    days, past-due stages included. The filters combine: a case must pass all.
    """
    out = [
        (case, clock)
        for case, clock in evaluated
        if shown(clock, include_closed=include_closed, overdue=overdue, due_within=due_within)
    ]
    out.sort(key=lambda item: urgency_key(*item))
    return out


def shown(
    clock: CaseStatus,
    *,
    include_closed: bool = False,
    overdue: bool = False,
    due_within: int | None = None,
) -> bool:
    """Whether :func:`select_cases` keeps a case with this status (the same filters)."""
    if include_closed and not overdue and due_within is None:  # every case (status --all)
        return True
    open_stages = [s for s in clock.stages if s.state.is_open]
    if not include_closed and clock.stages and not open_stages:
        return False
    if overdue and not any(s.state in PAST_DUE for s in open_stages):
        return False
    return due_within is None or any(
        s.working_days_left is not None and s.working_days_left <= due_within for s in open_stages
    )


def urgency_key(case: CaseRecord, clock: CaseStatus) -> tuple[int, str, str]:
    """Where a case comes in :func:`select_cases`' order: the state of its most urgent
    stage, then that stage's due date, then the reference."""
    first = clock.most_urgent
    if first is None:
        return (len(URGENCY), "", case.ref)
    return (URGENCY[first.state], first.due.isoformat(), case.ref)


def urgency_text(case: CaseRecord, clock: CaseStatus) -> str:
    """:func:`urgency_key` as one string that sorts the same way (a long list of strings
    sorts several times faster than one of tuples): the state's place in two digits, the
    due date (always ten characters; none at all at the one place for cases with nothing
    urgent), then the reference."""
    first = clock.most_urgent
    if first is None:
        return f"{len(URGENCY):02d}{case.ref}"
    return f"{_PLACE_TEXT[first.state]}{first.due.isoformat()}{case.ref}"


_PLACE_TEXT = {state: f"{place:02d}" for state, place in URGENCY.items()}
"""Each state's place in :data:`URGENCY` as :func:`urgency_text` writes it."""


def is_local(s: StageStatus) -> bool:
    """A local milestone: reported apart, never counted with the national stages."""
    return s.stage.nature is Nature.LOCAL_TARGET


def state_counts(clocks: Iterable[CaseStatus], *, local: bool = False) -> Counter[State]:
    """How many open national stages (with ``local``, local milestones) are in each state."""
    return Counter(
        s.state for c in clocks for s in c.stages if s.state.is_open and is_local(s) == local
    )


class DigestLine(NamedTuple):
    """One stage that needs the officer, as the digest states it."""

    ref: str
    stage: StageStatus

    @property
    def working_days(self) -> int:
        """Working days left (negative: late)."""
        left = self.stage.working_days_left
        assert left is not None
        return left


class Digest(NamedTuple):
    """What needs attention on one date, in the three groups an officer acts on."""

    as_of: dt.date
    overdue: tuple[DigestLine, ...]
    delayed: tuple[DigestLine, ...]
    due_soon: tuple[DigestLine, ...]
    local: tuple[DigestLine, ...] = ()
    """Local targets (the unit's own milestones) overdue or due soon: never a breach."""

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.delayed or self.due_soon or self.local)

    @property
    def panel_not_told(self) -> int:
        return sum(
            1 for line in self.delayed if line.stage.delay and not line.stage.delay.panel_told
        )


def build_digest(
    evaluated: Iterable[tuple[CaseRecord, CaseStatus]],
    as_of: dt.date,
    *,
    due_within: int | None = None,
) -> Digest:
    """Group every open stage that needs attention: overdue, delayed by proceedings, due soon.

    ``due_within`` widens or narrows "due soon" to stages due within that many
    working days; by default it is the clock's own due-soon window (the
    ``due-soon`` state). Each group is ordered by due date, then case.
    """
    overdue: list[DigestLine] = []
    delayed: list[DigestLine] = []
    soon: list[DigestLine] = []
    local: list[DigestLine] = []
    for case, clock in evaluated:
        for s in clock.stages:
            if is_local(s):
                if s.state is State.OVERDUE or (
                    s.state is State.DUE_SOON
                    if due_within is None
                    else s.working_days_left is not None and s.working_days_left <= due_within
                ):
                    local.append(DigestLine(case.ref, s))
            elif s.state is State.OVERDUE:
                overdue.append(DigestLine(case.ref, s))
            elif s.state is State.DELAYED_PROCEEDINGS:
                delayed.append(DigestLine(case.ref, s))
            elif s.state.is_open and (
                s.state is State.DUE_SOON
                if due_within is None
                else s.working_days_left is not None and s.working_days_left <= due_within
            ):
                soon.append(DigestLine(case.ref, s))

    def ordered(lines: list[DigestLine]) -> tuple[DigestLine, ...]:
        return tuple(
            sorted(lines, key=lambda line: (line.stage.due, line.ref, line.stage.stage.name))
        )

    return Digest(as_of, ordered(overdue), ordered(delayed), ordered(soon), ordered(local))
