"""What the values typed on the command line mean, read without Typer.

Each reader returns the value or raises :class:`ValueError` with the message a user
sees. :mod:`reviewclock.cli.options` hands them to Typer as parsers, and
:mod:`reviewclock.cli.status` reads ``status`` with the very same functions.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from reviewclock.dates import check_in_range, parse_any_date


def supported_date(text: str) -> dt.date:
    """A date to work from (--as-of, a start date): it must lie in the supported range."""
    return check_in_range(parse_any_date(text))


def whole_number(text: str, example: str = "5 or -7") -> int:
    try:
        return int(text.strip())
    except ValueError:
        digits = text.strip().lstrip("+-")
        if digits.isdigit():  # a whole number, but thousands of digits long
            raise ValueError(
                f"'{digits[:12]}...' has {len(digits)} digits, far too many;"
                f" give a number such as {example}"
            ) from None
        raise ValueError(f"{text!r} is not a whole number, for example {example}") from None


def days_ahead(text: str) -> int:
    """A number of working days from today: 0 (due today) or more."""
    days = whole_number(text, "5")
    if days < 0:
        raise ValueError(
            f"{text!r} looks back; give 0 (due today) or more working days ahead, for example 5"
        )
    return days


class RecordPick(NamedTuple):
    """Which record of an event to correct: its date, and its kind where it has one (the
    kind of proceedings, the stage of an agreed extension or a delay notice)."""

    on: dt.date
    kind: str | None


def record_pick(text: str) -> RecordPick:
    """``DATE`` or ``DATE KIND``, as ``history`` and the CSV write a record
    (``2024-09-02 criminal``)."""
    day, *kind = text.split(None, 1) or [text]
    return RecordPick(parse_any_date(day), kind[0].strip().lower() if kind else None)
