"""The annual figures: how timely each stage was over a period, and the periods themselves.

Pure: no I/O, no clock. The caller says what today is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reviewclock.casefile import CaseRecord
from reviewclock.clock import Clock, StageStatus, State
from reviewclock.dates import check_in_range
from reviewclock.errors import UsageProblem


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
    within_extension: int = 0
    """Met after the statutory due date but by a date the Panel agreed (``met-extended``)."""


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

    national = clock.rules.national_stages
    done: dict[str, list[StageStatus]] = {s.name: [] for s in national}
    still_open: dict[str, list[StageStatus]] = {s.name: [] for s in national}
    for _, evaluated in clock.evaluate_all(cases, end):
        for s in evaluated.stages:
            if s.stage.parent is not None:
                continue
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
            within_extension=sum(1 for s in done[name] if s.state is State.MET_EXTENDED),
        )
    return out


def _tidy(value: float) -> float:
    """A median of whole days is shown whole (4, not 4.0); a half day stays (17.5)."""
    return int(value) if float(value).is_integer() else value


def resolve_period(
    year: str | None, start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The period a report covers: a financial year (``--year``), ``--from`` to ``--to``, or
    this financial year. A period that has not ended by ``today`` is counted up to today; one
    that has not begun is refused, since nothing in it can be counted yet.

    Raises :class:`~reviewclock.errors.UsageProblem` naming the option at fault.
    """
    try:
        period = None if year is None else financial_year(year)
    except ValueError as e:
        raise UsageProblem(f"--year: {e}") from None
    if year is not None and (start or end):
        raise UsageProblem("give either --year or --from and --to, not both")
    if (start is None) != (end is None):
        raise UsageProblem("give both --from DATE and --to DATE")
    first, last = period or ((start, end) if start and end else financial_year_of(today))
    if last < first:
        raise UsageProblem(f"--to {last.isoformat()} is before --from {first.isoformat()}")
    try:
        check_in_range(first, "the period's start")
        check_in_range(last, "the period's end")
    except ValueError as e:
        raise UsageProblem(str(e)) from None
    if today < first:
        raise UsageProblem(
            f"the period starts on {first.isoformat()}, after {today.isoformat()} (--as-of, or"
            " today): nothing in it had happened by then; give a period that began by that date"
        )
    return first, min(last, today)
