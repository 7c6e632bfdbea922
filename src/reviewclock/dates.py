"""Reading dates typed by people. Pure: the caller supplies "today" where one is needed.

One parser reads every date a person types, on the command line and in an
imported file: ISO (``2024-01-03``) or British, day first, with a four-digit
year (``03/01/2024``). Every date reviewclock records or works with lies in
the supported range, :data:`FIRST_DAY` to :data:`LAST_DAY`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re

from reviewclock.errors import quoted

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
"""The supported range: every recorded date, and every date worked out, lies within it."""

RANGE = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"

_ISO = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")
_BRITISH = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d+)\s*")

HOW = "write dates as YYYY-MM-DD, for example 2024-01-03"
ACCEPTED_FORMS = "YYYY-MM-DD (2024-01-03) or DD/MM/YYYY (03/01/2024)"


def in_range(day: dt.date) -> bool:
    """True for a date in the supported range."""
    return FIRST_DAY <= day <= LAST_DAY


def date_fault(stored: object) -> str:
    """What is wrong with a stored date that is not one reviewclock can use (written by
    something other than reviewclock): it is no date at all (``2024-02-30``), or one
    outside the supported range."""
    if not isinstance(stored, dt.date):
        try:
            dt.date.fromisoformat(stored)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return "which is not a real date"
    return f"outside the dates reviewclock supports ({RANGE})"


def check_in_range(day: dt.date, what: str = "the date") -> dt.date:
    """Return ``day``, or raise ValueError naming it and the supported range."""
    if not in_range(day):
        raise ValueError(
            f"{what} {day.isoformat()} is outside the dates reviewclock supports ({RANGE}); "
            "check the year"
        )
    return day


# A register of 100,000 cases holds half a million dates but only a few thousand distinct
# ones: each text is parsed once. (A refusal raises, and is not kept.)
@functools.lru_cache(maxsize=8192)
def parse_date(text: str) -> dt.date:
    """An ISO calendar date (``YYYY-MM-DD``), or ValueError with a message that says how to fix it.

    >>> parse_date("2024-02-29")
    datetime.date(2024, 2, 29)
    """
    m = _ISO.fullmatch(text)
    if not m:
        raise ValueError(f"{quoted(text)} is not a date; {HOW}")
    year, month, day = (int(g) for g in m.groups())
    return _real(text, year, month, day, HOW)


def _real(text: str, year: int, month: int, day: int, how: str) -> dt.date:
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a real date: there is no month {month}; {how}")
    if not 1 <= year <= 9999:
        raise ValueError(f"{text!r} is not a real date: there is no year {year}; {how}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = dt.date(2000, month, 1).strftime("%B")
        raise ValueError(f"{text!r} is not a real date: {name} {year} has {last} days; {how}")
    return dt.date(year, month, day)


def london_minute(moment: dt.datetime) -> str:
    """``2024-04-02 10:30``: a moment in London time, to the minute, as ``history`` shows
    it (a moment with no zone is UTC, as the register keeps it)."""
    from zoneinfo import ZoneInfo

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M")


def describe(day: dt.date) -> str:
    """``Fri 2023-05-05``: the weekday helps a reader check a deadline at a glance."""
    return f"{day:%a} {day.isoformat()}"


@functools.lru_cache(maxsize=8192)
def parse_any_date(text: str) -> dt.date:
    """An ISO date (``2024-01-03``) or a British one (``03/01/2024``, day first).

    A British date must have a four-digit year. One that can only be read
    month first (``01/13/2024``) is refused as American rather than guessed,
    and the day-first spelling is suggested only when it is a real date.
    """
    m = _BRITISH.fullmatch(text)
    if not m:
        if _ISO.fullmatch(text):
            return parse_date(text)  # its own message says what is wrong with the date
        raise ValueError(f"{quoted(text)} is not a date; write {ACCEPTED_FORMS}")
    day, month, year_text = m.groups()
    d, mo = int(day), int(month)
    if len(year_text) != 4:
        raise ValueError(
            f"{text!r} has a {len(year_text)}-digit year, which is ambiguous; "
            f"write the full year, as in {day}/{month}/20{year_text[-2:].zfill(2)}"
        )
    year = int(year_text)
    if mo > 12 and d <= 12 and year >= 1 and mo <= calendar.monthrange(year, d)[1]:
        raise ValueError(
            f"{text!r} reads month first (American); British dates are day first: "
            f"write {mo:02d}/{d:02d}/{year_text}"
        )
    return _real(text, year, mo, d, f"write {ACCEPTED_FORMS}, day first")
