"""What the register holds beyond cases and events, as plain values (no SQLAlchemy).

Shared by the store, which reads and writes them, and by import and export,
which carry them between registers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from reviewclock.casefile import CaseRecord, EventRecord


@dataclass(frozen=True, slots=True)
class LogRow:
    """One row of a case's append-only event log, superseded or not."""

    event: EventRecord
    amends: int | None
    """The position (in the same case's log) of the row this one corrects."""
    reason: str | None


@dataclass(frozen=True, slots=True)
class DeletionRow:
    """A deleted case, as the audit trail keeps it."""

    ref: str
    reason: str
    events: int
    by: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class NewCase:
    """A case to add by import: the case, and its full log when it carries corrections."""

    case: CaseRecord
    log: tuple[LogRow, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an import adds: new cases, events for cases already there, and deletions."""

    cases: list[NewCase] = field(default_factory=list)
    appended: list[tuple[str, EventRecord]] = field(default_factory=list)
    deletions: list[DeletionRow] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """What the file says of cases already there that the import does not change (an
    authority or harm that differs): to be told, not passed over."""

    @property
    def events(self) -> int:
        return sum(len(c.log or c.case.events) for c in self.cases) + len(self.appended)

    @property
    def counts(self) -> ImportCounts:
        """What the plan adds, counted."""
        return ImportCounts(len(self.cases), self.events, len(self.deletions))


class ImportCounts(NamedTuple):
    """What an import added (in a dry run, would add)."""

    cases: int
    events: int
    deletions: int = 0
    """Deletions of other registers' cases recorded, from a JSON file."""


def describe_record(e: EventRecord) -> str:
    """``on 2024-04-25 (decision lcspr)``: an event's date and what else it records."""
    text = e.details
    return f"on {e.on.isoformat()}" + (f" ({text})" if text else "")
