"""Working-day arithmetic at the edges of the calendar's index (1 January 2000 and
31 December 2045, where it widens itself), checked against numpy's busday functions."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pytest

from reviewclock.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar

_HOLIDAYS = [
    np.datetime64(d, "D")
    for d in sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(1990, 2060)))
]


def _offset(start: dt.date, n: int) -> dt.date:
    """numpy's answer: counting forwards, a start that is not a working day rolls to the
    working day before it (day 0), so the next working day is day 1; backwards, to the
    working day after it."""
    roll = "backward" if n > 0 else "forward"
    out = np.busday_offset(np.datetime64(start, "D"), n, roll=roll, holidays=_HOLIDAYS)
    return dt.date.fromisoformat(str(out))


def _between(a: dt.date, b: dt.date) -> int:
    """numpy's count: the working days after a up to b inclusive (minus the reverse)."""
    one = dt.timedelta(days=1)
    if b >= a:
        return int(np.busday_count(a + one, b + one, holidays=_HOLIDAYS))
    return -int(np.busday_count(b, a, holidays=_HOLIDAYS))


# The last day of the index is Sun 31 December 2045; 1 January 2046 is a bank holiday
# (a Monday), so the first working day past the index is Tue 2 January 2046.
EDGES = [
    dt.date(LAST_YEAR, 12, 31),
    dt.date(LAST_YEAR + 1, 1, 1),
    dt.date(LAST_YEAR, 12, 22),
    dt.date(FIRST_YEAR, 1, 1),
    dt.date(FIRST_YEAR, 1, 4),
]


@pytest.mark.parametrize("edge", EDGES, ids=str)
def test_counts_across_the_edges_of_the_index_match_numpy(edge: dt.date) -> None:
    for n in [*range(-12, 13), 40, -40]:
        cal = WorkingCalendar("ENG")  # each count on an index not yet widened
        start = edge + dt.timedelta(days=n % 5 - 2)
        if start.year < FIRST_YEAR or (n < 0 and start.year == FIRST_YEAR and start.month == 1):
            continue  # the supported dates start in 2000
        if n:  # counting 0 days gives the start itself, whatever day it is
            assert cal.add_working_days(start, n) == _offset(start, n), (start, n)
        other = start + dt.timedelta(days=3 * n)
        if other.year >= FIRST_YEAR:
            cal = WorkingCalendar("ENG")
            assert cal.working_days_between(start, other) == _between(start, other), (start, n)


def test_the_last_day_of_the_index_then_the_first_past_it() -> None:
    cal = WorkingCalendar("ENG")
    # Fri 29 December 2045 + 1 working day: Sat 30, Sun 31, Mon 1 January 2046 (New
    # Year's Day) skipped: Tue 2 January 2046.
    assert cal.add_working_days(dt.date(2045, 12, 29), 1) == dt.date(2046, 1, 2)
    cal = WorkingCalendar("ENG")
    assert cal.working_days_between(dt.date(2045, 12, 29), dt.date(2046, 1, 1)) == 0
    cal = WorkingCalendar("ENG")
    assert cal.working_days_between(dt.date(2046, 1, 1), dt.date(2046, 1, 2)) == 1
    cal = WorkingCalendar("ENG")
    assert not cal.is_working_day(dt.date(2046, 1, 1))
