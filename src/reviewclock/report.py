"""Summaries over many cases: the status counts, the filters and the digest.

Pure: no I/O, no clock. The digest is data (:func:`build_digest`); the
renderers turn it into text, and the other formats can reuse it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewclock.clock import URGENCY, CaseClock, CaseRecord, Clock, StageStatus, State

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
    out = [
        (case, clock)
        for case, clock in evaluated
        if shown(clock, include_closed=include_closed, overdue=overdue, due_within=due_within)
    ]
    out.sort(key=lambda item: urgency_key(*item))
    return out


def shown(
    clock: CaseClock,
    *,
    include_closed: bool = False,
    overdue: bool = False,
    due_within: int | None = None,
) -> bool:
    """Whether :func:`select_cases` keeps a case with this clock (the same filters)."""
    open_stages = [s for s in clock.stages if s.state.is_open]
    if not include_closed and clock.stages and not open_stages:
        return False
    if overdue and not any(s.state in PAST_DUE for s in open_stages):
        return False
    return due_within is None or any(
        s.working_days_left is not None and s.working_days_left <= due_within for s in open_stages
    )


def urgency_key(case: CaseRecord, clock: CaseClock) -> tuple[int, str, str]:
    """Where a case comes in :func:`select_cases`' order: the state of its most urgent
    stage, then that stage's due date, then the reference."""
    first = clock.most_urgent
    if first is None:
        return (len(URGENCY), "", case.ref)
    return (URGENCY[first.state], first.due.isoformat(), case.ref)


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


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One stage that needs the officer, as the digest states it."""

    ref: str
    stage: StageStatus

    @property
    def working_days(self) -> int:
        """Working days left (negative: late)."""
        left = self.stage.working_days_left
        assert left is not None
        return left


@dataclass(frozen=True, slots=True)
class Digest:
    """What needs attention on one date, in the three groups an officer acts on."""

    as_of: dt.date
    overdue: tuple[DigestLine, ...]
    delayed: tuple[DigestLine, ...]
    due_soon: tuple[DigestLine, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.delayed or self.due_soon)

    @property
    def panel_not_told(self) -> int:
        return sum(
            1 for line in self.delayed if line.stage.delay and not line.stage.delay.panel_told
        )


def build_digest(
    evaluated: Iterable[tuple[CaseRecord, CaseClock]],
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
    for case, clock in evaluated:
        for s in clock.stages:
            if s.state is State.OVERDUE:
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

    return Digest(as_of, ordered(overdue), ordered(delayed), ordered(soon))


# -- the annual report ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageStats:
    """How timely one stage was over a period."""

    completed: int
    on_time: int
    late: int
    open: int
    open_overdue: int
    """Open at the end of the period and past due with no recorded cause."""
    open_delayed_proceedings: int
    """Open at the end of the period, past due, and explained by proceedings."""
    median_working_days: float | None
    max_working_days: int | None


def financial_year(label: str) -> tuple[dt.date, dt.date]:
    """``2023/24`` -> 1 April 2023 to 31 March 2024 (a financial year in England)."""
    import re

    m = re.fullmatch(r"(\d{4})/(\d{2}|\d{4})", label.strip())
    if not m or int(m.group(2)[-2:]) != (int(m.group(1)) + 1) % 100:
        raise ValueError(
            f"{label!r} is not a financial year; write it as 2023/24 (1 April 2023 to 31 March 2024)"
        )
    start = int(m.group(1))
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


def financial_year_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The financial year (1 April to 31 March) that ``day`` falls in."""
    start = day.year if day.month >= 4 else day.year - 1
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


def timeliness(
    cases: Iterable[CaseRecord],
    clock: Clock,
    start: dt.date,
    end: dt.date,
) -> dict[str, StageStats]:
    """Each stage's figures for the period from ``start`` to ``end`` inclusive.

    A stage counts as completed in the period when its done date falls in it,
    on time when done by its due date. Working days taken run from the stage's
    start to its done date (stages counted backwards, such as the publication
    notice, have none). A stage is open at the end of the period when it had
    started by then and was not yet done; it is judged on the last day, from
    the case as it stood then (:func:`reviewclock.clock.as_it_stood`).
    """
    import statistics

    done: dict[str, list[StageStatus]] = {s.name: [] for s in clock.stages}
    still_open: dict[str, list[StageStatus]] = {s.name: [] for s in clock.stages}
    for _, evaluated in clock.evaluate_all(cases, end):
        for s in evaluated.stages:
            if s.done is not None and start <= s.done <= end:
                done[s.stage.name].append(s)
            elif s.state.is_open and s.starts <= end:
                still_open[s.stage.name].append(s)
    out: dict[str, StageStats] = {}
    for name in done:
        taken = [s.working_days_taken for s in done[name] if s.working_days_taken is not None]
        states = [s.state for s in still_open[name]]
        out[name] = StageStats(
            completed=len(done[name]),
            on_time=sum(1 for s in done[name] if s.state is State.MET),
            late=sum(1 for s in done[name] if s.state is State.MET_LATE),
            open=len(states),
            open_overdue=states.count(State.OVERDUE),
            open_delayed_proceedings=states.count(State.DELAYED_PROCEEDINGS),
            median_working_days=_tidy(statistics.median(taken)) if taken else None,
            max_working_days=max(taken) if taken else None,
        )
    return out


def _tidy(value: float) -> float:
    """A median of whole days is shown whole (4, not 4.0); a half day stays (17.5)."""
    return int(value) if float(value).is_integer() else value
