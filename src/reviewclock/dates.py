"""Reading dates typed by people. Pure: the caller supplies "today" where one is needed."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")

HOW = "write dates as YYYY-MM-DD, for example 2024-01-03"


def parse_date(text: str) -> dt.date:
    """An ISO calendar date (``YYYY-MM-DD``), or ValueError with a message that says how to fix it.

    >>> parse_date("2024-02-29")
    datetime.date(2024, 2, 29)
    """
    m = _ISO.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a date; {HOW}")
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a real date: there is no month {month}; {HOW}")
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= last or year < 1:
        raise ValueError(
            f"{text!r} is not a real date: {calendar.month_name[month]} {year} has {last} days; {HOW}"
        )
    return dt.date(year, month, day)


def describe(day: dt.date) -> str:
    """``Fri 2023-05-05``: the weekday helps a reader check a deadline at a glance."""
    return f"{day:%a} {day.isoformat()}"
