"""Reading dates typed by people. Pure: the caller supplies "today" where one is needed."""

from __future__ import annotations

import datetime as dt
import functools
import re

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")

HOW = "write dates as YYYY-MM-DD, for example 2024-01-03"


# A register of 100,000 cases holds half a million dates but only a few thousand distinct
# ones: each text is parsed once. (A refusal raises, and is not kept.)
@functools.lru_cache(maxsize=8192)
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
    last = _month_length(year, month) if 1 <= year <= 9999 else 31
    if not 1 <= day <= last or not 1 <= year <= 9999:
        name = dt.date(2000, month, 1).strftime("%B")
        raise ValueError(f"{text!r} is not a real date: {name} {year} has {last} days; {HOW}")
    return dt.date(year, month, day)


def _month_length(year: int, month: int) -> int:
    following = (
        dt.date(year + month // 12, month % 12 + 1, 1) if year < 9999 or month < 12 else None
    )
    return 31 if following is None else (following - dt.timedelta(days=1)).day


def describe(day: dt.date) -> str:
    """``Fri 2023-05-05``: the weekday helps a reader check a deadline at a glance."""
    return f"{day:%a} {day.isoformat()}"


_BRITISH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d+)\s*$")

ACCEPTED_FORMS = "YYYY-MM-DD (2024-01-03) or DD/MM/YYYY (03/01/2024)"


@functools.lru_cache(maxsize=8192)
def parse_any_date(text: str) -> dt.date:
    """An ISO date (``2024-01-03``) or a British one (``03/01/2024``, day first).

    A British date must have a four-digit year. One that can only be read
    month first (``01/13/2024``) is refused as American rather than guessed.
    """
    m = _BRITISH.match(text)
    if not m:
        if _ISO.match(text):
            return parse_date(text)  # its own message says what is wrong with the date
        raise ValueError(f"{text!r} is not a date; write {ACCEPTED_FORMS}")
    day, month, year_text = m.groups()
    d, mo = int(day), int(month)
    if len(year_text) != 4:
        raise ValueError(
            f"{text!r} has a {len(year_text)}-digit year, which is ambiguous; "
            f"write the full year, as in {day}/{month}/20{year_text[-2:].zfill(2)}"
        )
    if mo > 12 and d <= 12:
        raise ValueError(
            f"{text!r} reads month first (American); British dates are day first: "
            f"write {mo:02d}/{d:02d}/{year_text}"
        )
    try:
        return parse_date(f"{year_text}-{mo:02d}-{d:02d}")
    except ValueError:
        raise ValueError(f"{text!r} is not a real date (DD/MM/YYYY, day first)") from None
