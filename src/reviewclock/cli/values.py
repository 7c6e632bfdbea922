"""What the values typed on the command line mean, read without Typer.

Each reader returns the value or raises :class:`ValueError` with the message a user
sees. :mod:`reviewclock.cli.options` hands them to Typer as parsers, and
:mod:`reviewclock.cli.status` reads ``status`` with the very same functions.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from reviewclock.dates import check_in_range, parse_any_date
from reviewclock.errors import quoted

if TYPE_CHECKING:
    from reviewclock.store.picking import RecordPick


def supported_date(text: str) -> dt.date:
    """A date to work from (--as-of, a start date): it must lie in the supported range."""
    return check_in_range(parse_any_date(text))


MOST_DIGITS = 12
"""Digits a number on the command line may have (working days and months need far fewer)."""


def whole_number(text: str, example: str = "5 or -7") -> int:
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in ("+", "-") else stripped
    if digits.isdecimal():
        significant = digits.lstrip("0")
        if len(significant) > MOST_DIGITS:
            raise ValueError(
                f"'{significant[:MOST_DIGITS]}...' has {len(significant)} digits, far too many;"
                f" give a number such as {example}"
            )
        value = int(significant or "0")
        return -value if stripped.startswith("-") else value
    raise ValueError(f"{quoted(text)} is not a whole number, for example {example}")


def days_ahead(text: str) -> int:
    """A number of working days from today: 0 (due today) or more."""
    days = whole_number(text, "5")
    if days < 0:
        raise ValueError(
            f"{text!r} looks back; give 0 (due today) or more working days ahead, for example 5"
        )
    return days


def record_pick(text: str) -> RecordPick:
    """``DATE``, ``DATE KIND`` or ``DATE STAGE to DATE``, as the CSV writes a record
    (``2024-09-02 criminal``), or as ``history`` does, in brackets
    (``2024-04-25 (rapid-review to 2024-05-14)``), even with one of them left off."""
    from reviewclock.store.picking import RecordPick  # for amend alone, not status's start

    day, *rest = text.split(None, 1) or [text]
    try:
        on: dt.date | str = parse_any_date(day)
    except ValueError:
        # Kept as typed: it names a record stored by other means with a date that is no
        # date ('2024-02-30'), or else is refused as not a date when nothing matches it.
        on = day
    if not rest:
        return RecordPick(on)
    # history's brackets are decoration: one left behind by a copy and paste is too.
    kind = rest[0].strip().removeprefix("(").removesuffix(")")
    kind, to, until = kind.partition(" to ")
    kind = kind.strip().lower()
    if not kind or " " in kind:
        raise ValueError(
            f"{quoted(text, 60)} is not a record: write its date, then its kind or stage if"
            " it has one ('2024-09-02 criminal', '2024-04-25 rapid-review to 2024-05-14');"
            " a decision or the Panel's view is not part of it"
        )
    return RecordPick(on, kind, parse_any_date(until.strip()) if to else None)
