"""Counting a stage's days the way :mod:`reviewclock.explain` shows them, line by line.

Counting working days, day 0 is the anchor and is not counted; each later working day
counts one; weekends, bank holidays (by name) and the settings' local closures are
skipped. Runs of plain working days and ordinary weekends fold into one line; a bank
holiday or a local closure always has a line of its own. Months keep the day of the
month; a shorter month ends the count on its last day. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reviewclock.calendar import add_months
from reviewclock.rules import Direction

if TYPE_CHECKING:
    from reviewclock.clock import Clock


LOCAL_CLOSURE = "local closure"


def day_text(d: dt.date) -> str:
    """``Mon 2024-05-13``: a date with its weekday, as every line of a count shows it."""
    return f"{d:%a} {d.isoformat()}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A day not counted: a weekend, a bank holiday (named) or a local closure."""

    on: dt.date
    why: str
    """``Saturday``, ``Sunday``, ``bank holiday`` or ``local closure``."""
    name: str | None = None
    """The bank holiday's name."""

    @property
    def is_holiday(self) -> bool:
        return self.why != "weekend"

    def text(self) -> str:
        if self.why == "bank holiday":
            return f"{day_text(self.on)} bank holiday ({self.name})"
        if self.why == LOCAL_CLOSURE:
            return f"{day_text(self.on)} local closure"
        return day_text(self.on) + (f" ({self.name})" if self.name else "")

    def data(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "why": self.why, "name": self.name}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the count."""

    label: str
    """``start``, ``anchor``, ``skipped``, ``day``, ``days``, ``months``, ``due``,
    ``statutory``, ``extended``, ``done``, ``open``, ``proceedings``, ``delay notice``."""
    text: str
    first: dt.date | None = None
    last: dt.date | None = None
    days: tuple[int, int] | None = None
    """The working days the line counts (first and last number)."""
    skipped: tuple[Skipped, ...] = ()

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.label, "text": self.text}
        if self.first is not None:
            out["from"] = self.first.isoformat()
        if self.last is not None:
            out["to"] = self.last.isoformat()
        if self.days is not None:
            out["working_days"] = list(self.days)
        if self.skipped:
            out["skipped"] = [s.data() for s in self.skipped]
        return out


def _skipped(clock: Clock, day: dt.date) -> Skipped:
    name = clock.calendar.holiday_name(day)
    if day.weekday() >= 5:
        return Skipped(day, "weekend", name)
    if name == LOCAL_CLOSURE:
        return Skipped(day, LOCAL_CLOSURE)
    return Skipped(day, "bank holiday", name)


def _weekend_list(days: Sequence[Skipped]) -> str:
    """``Sat 13, Sun 14, Sat 20, Sun 21 May``: each month named after its last day."""
    parts: list[str] = []
    for i, s in enumerate(days):
        text = f"{s.on:%a} {s.on.day}"
        if i + 1 == len(days) or days[i + 1].on.month != s.on.month:
            text += f" {s.on:%b}"
        parts.append(text)
    return ", ".join(parts)


def count_working_days(clock: Clock, anchor: dt.date, n: int, direction: Direction) -> list[Line]:
    """The lines of a count of ``n`` working days from ``anchor`` (day 0), forwards
    or back."""
    step = dt.timedelta(days=1 if direction is Direction.AFTER else -1)
    # Walk day by day: each working day with the non-working days just before it.
    counted: list[tuple[int, dt.date, list[Skipped]]] = []
    gap: list[Skipped] = []
    day = anchor
    k = 0
    while k < n:
        day += step
        if clock.calendar.is_working_day(day):
            k += 1
            counted.append((k, day, gap))
            gap = []
        else:
            gap.append(_skipped(clock, day))
    lines: list[Line] = []
    fold: list[tuple[int, dt.date, list[Skipped]]] = []

    def flush() -> None:
        if not fold:
            return
        first, last = fold[0], fold[-1]
        weekends = [s for _, _, g in fold[1:] for s in g]
        if len(fold) == 1:
            lines.append(
                Line(
                    f"day {first[0]}", day_text(first[1]), first[1], first[1], (first[0], first[0])
                )
            )
        else:
            text = f"days {first[0]}-{last[0]}: {day_text(first[1])} to {day_text(last[1])}"
            if weekends:
                text += f" (skipped {_weekend_list(weekends)})"
            lines.append(
                Line("days", text, first[1], last[1], (first[0], last[0]), tuple(weekends))
            )
        fold.clear()

    for k, on, before in counted:
        alone = k in (1, n)
        if before and (alone or any(s.is_holiday for s in before)):
            flush()
            lines.append(
                Line(
                    "skipped",
                    ", ".join(s.text() for s in before),
                    before[0].on,
                    before[-1].on,
                    skipped=tuple(before),
                )
            )
        elif before and not fold:
            # An ordinary weekend just after a line of its own starts the next fold.
            fold.append((k, on, before))
            if alone:
                flush()
            continue
        if alone:
            flush()
            text = day_text(on) + ("  due" if k == n else "")
            lines.append(Line(f"day {k}", text, on, on, (k, k)))
            continue
        fold.append((k, on, before))
    flush()
    return lines


def months_line(start: dt.date, months: int) -> Line:
    target = add_months(start, months)
    if target.day != start.day:
        text = (
            f"+ {months} months: {target:%B %Y} has no day {start.day}, so the count ends on "
            f"the last day of the month (a short month is clamped: {start.day} {start:%b} + "
            f"{months} months is {target.day} {target:%b})"
        )
    else:
        text = f"+ {months} months: the same day of the month, {months} months on"
    return Line("months", text, start, target)
