"""Summaries over many cases: the status counts and the filters. Pure: no I/O, no clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from reviewclock.clock import URGENCY, CaseClock, CaseRecord, State

PAST_DUE = frozenset({State.OVERDUE, State.DELAYED_PROCEEDINGS})


def select_cases(
    evaluated: Iterable[tuple[CaseRecord, CaseClock]],
    *,
    include_closed: bool = False,
    overdue: bool = False,
    due_within: int | None = None,
) -> list[tuple[CaseRecord, CaseClock]]:
    """The cases to show, the most urgent first.

    ``include_closed`` keeps cases whose every stage is met. ``overdue`` keeps
    cases with a stage past due (overdue, or delayed by proceedings).
    ``due_within`` keeps cases with an open stage due within that many working
    days, past-due stages included. The filters combine: a case must pass all.
    """
    out = []
    for case, clock in evaluated:
        open_stages = [s for s in clock.stages if s.state.is_open]
        if not include_closed and clock.stages and not open_stages:
            continue
        if overdue and not any(s.state in PAST_DUE for s in open_stages):
            continue
        if due_within is not None and not any(
            s.working_days_left is not None and s.working_days_left <= due_within
            for s in open_stages
        ):
            continue
        out.append((case, clock))

    def key(item: tuple[CaseRecord, CaseClock]) -> tuple[int, str, str]:
        first = item[1].most_urgent
        if first is None:
            return (len(URGENCY), "", item[0].ref)
        return (URGENCY[first.state], first.due.isoformat(), item[0].ref)

    out.sort(key=key)
    return out


def state_counts(clocks: Iterable[CaseClock]) -> Counter[State]:
    """How many open stages are in each state."""
    return Counter(s.state for c in clocks for s in c.stages if s.state.is_open)


def summary_line(cases: Sequence[tuple[CaseRecord, CaseClock]]) -> str:
    """``3 cases; open stages: 1 overdue, 1 delayed by proceedings, 1 due soon, 2 on track``."""
    counts = state_counts(c for _, c in cases)
    parts = [
        f"{counts[State.OVERDUE]} overdue",
        f"{counts[State.DELAYED_PROCEEDINGS]} delayed by proceedings",
        f"{counts[State.DUE_SOON]} due soon",
        f"{counts[State.ON_TRACK]} on track",
    ]
    noun = "case" if len(cases) == 1 else "cases"
    return f"{len(cases)} {noun}; open stages: " + ", ".join(parts)
