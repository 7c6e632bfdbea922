"""What the two codecs of import and export share: the problems an import reports, decoding
a file, and reading a date or an outcome from a CSV cell or a JSON value.

The codecs are :mod:`reviewclock.transfer_csv` (the spreadsheet a unit already keeps)
and :mod:`reviewclock.transfer_json` (the register with its notes and audit trail). Pure:
these functions read and write text; the register does the storing. Checking an import
against the register is :mod:`reviewclock.importing`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.dates import parse_any_date
from reviewclock.errors import ReviewclockError, quoted
from reviewclock.rules import DECISIONS, OUTCOME_COLUMNS, PANEL_VIEWS
from reviewclock.store.records import DeletionRow, LogRow

_YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one row of a file cannot be imported."""

    line: int
    ref: str
    reason: str
    unit: str = "line"
    """``line`` of a CSV file, or ``case`` (its position) in a JSON list."""

    def __str__(self) -> str:
        return f"{self.unit} {self.line} ({self.ref or self.header}): {self.reason}"

    @property
    def header(self) -> str:
        """What a problem with no ref is about: a CSV file's first line is its header."""
        return "the header" if self.unit == "line" and self.line == 1 else "no ref"


@dataclass(frozen=True, slots=True)
class Incoming:
    """A case read from a file, with where it came from (a CSV line, or a JSON position)."""

    line: int
    case: CaseRecord
    unit: str = "line"
    log: tuple[LogRow, ...] = ()
    """The case's whole log, when the file carries its corrections (JSON)."""
    deletion: DeletionRow | None = None
    """A deleted case's audit row (JSON); then ``case`` has no events."""
    timed: bool = False
    """Whether the file says when records were made (JSON's ``recorded_at``): an import
    checks none of them is in the future. A CSV file gives no times."""

    def records(self) -> Iterator[EventRecord]:
        """Every record of the case the file holds: its events, and its log's rows."""
        yield from self.case.events
        yield from (row.event for row in self.log)


class ImportProblems(ReviewclockError):
    """The file cannot be imported; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(str(problems[0]))
        self.problems = list(problems)


def decode(data: bytes) -> tuple[str, str]:
    """The text of an imported file and the encoding it was read in.

    UTF-8 (with or without Excel's byte-order mark) is expected. A file that is
    not UTF-8 but is valid Windows-1252 (what Excel on Windows saves as "CSV")
    is read as that; anything else is refused with how to save it as UTF-8.
    Line endings are kept as they are, so a carriage return inside a quoted
    cell survives.
    """
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        if any(c < " " and c not in "\t\r\n" for c in text):
            raise UnicodeDecodeError("cp1252", data, 0, 1, "control characters: not text")
        return text, "Windows-1252"
    except UnicodeDecodeError:
        raise ValueError(
            "it is not UTF-8 text (nor Windows-1252); in Excel, save it with "
            "'Save As' and the type 'CSV UTF-8 (Comma delimited)'"
        ) from None


RETIRED = "a milestone taken out of the settings imports once it is back in them"
"""What to do with the records of a milestone no longer declared, which a file still holds."""


def unknown_name(what: str, name: str, known: Sequence[str], *, retired: bool = True) -> str:
    """Why ``name`` is not one of the ``known`` columns, events or keys: the one it was
    likely meant to be, when one is close (a typing slip), else them all, with what to do
    about a milestone taken out of the settings (when it may be one: ``retired``)."""
    from difflib import get_close_matches

    if not name.strip():
        return f"the file has a {what} with no name (a comma or a key left empty?)"
    close = get_close_matches(name, known, n=1, cutoff=0.7)
    if close:
        return f"unknown {what} {quoted(name)}; the nearest {what} is {close[0]!r}"
    hint = f" ({RETIRED})" if retired else ""
    return f"unknown {what} {quoted(name)}; the {what}s are {', '.join(known)}{hint}"


def outcome_cell(value: str | bool) -> str:
    """An outcome as the CSV writes it: ``yes`` and ``no`` for a national review."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def outcome_value(field: str, raw: str) -> Any:
    """A cell or JSON value of an outcome field, checked; raises ValueError naming it."""
    column = OUTCOME_COLUMNS[field]
    if field == "national_review":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in _YES_NO:
            return _YES_NO[str(raw).lower()]
        raise ValueError(f"{column} {raw!r} is not yes or no")
    allowed = DECISIONS if field == "decision" else PANEL_VIEWS
    raw = raw.lower() if isinstance(raw, str) else raw
    if raw not in allowed:
        raise ValueError(f"{column} {raw!r} is not one of {', '.join(allowed)}")
    return raw


def date_value(column: str, text: str) -> Any:
    """A cell or JSON value of a date, either way people type it; raises ValueError naming
    the column or event."""
    try:
        return parse_any_date(text)
    except ValueError as e:
        raise ValueError(f"{column}: {e}") from None
