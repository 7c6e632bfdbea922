"""What the clock says: the state of each stage of a case on a date, and how urgent it is.

States, on a given date (see the README for the same list in plain words):

``on-track``
    open, and due more than the due-soon window away.
``due-soon``
    open, and due within the window (default 2 working days; due today included).
``overdue``
    open and past due, with no recorded cause.
``delayed-proceedings``
    a statutory stage, open and past due, where proceedings of a counting kind
    (criminal by default) were running at some point between the stage's start
    and its due date. Proceedings that began only after the stage fell due did
    not cause its lateness, so such a stage stays ``overdue``. A stage that is
    not the partnership's duty (the Panel's own response time) is never
    delayed by proceedings: late, it is ``overdue``.
``met``
    done on or before the due date.
``met-extended``
    done after the statutory due date, but on or before a date the Panel agreed
    (``extension-agreed``). An agreed extension moves the due date that
    ``on-track``, ``due-soon`` and ``overdue`` are judged against; the rule's
    own date stays as ``statutory_due``, and the annual figures count such a
    stage apart from on time and late.
``met-late``
    done after the due date.

A local milestone (nature ``local-target``, from the settings file) is shown
while neither its own event nor its parent stage's meeting event is recorded;
late, it is ``overdue`` (a missed local target, never a breach, never delayed
by proceedings).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NamedTuple

from reviewclock.casefile import Delay, EventRecord, Proceeding
from reviewclock.rules import Stage


class State(enum.StrEnum):
    ON_TRACK = "on-track"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    DELAYED_PROCEEDINGS = "delayed-proceedings"
    MET = "met"
    MET_EXTENDED = "met-extended"
    MET_LATE = "met-late"

    @property
    def is_open(self) -> bool:
        return self not in (State.MET, State.MET_EXTENDED, State.MET_LATE)


URGENCY: dict[State, int] = {
    State.OVERDUE: 0,
    State.DELAYED_PROCEEDINGS: 1,
    State.DUE_SOON: 2,
    State.ON_TRACK: 3,
    State.MET_LATE: 4,
    State.MET_EXTENDED: 5,
    State.MET: 6,
}
"""How urgently each state needs the officer, most urgent first."""


class StageStatus(NamedTuple):
    """One stage of one case on one date."""

    stage: Stage
    starts: dt.date
    due: dt.date
    done: dt.date | None
    state: State
    working_days_left: int | None
    """Open stages only: working days from today to the due date (0 = due today,
    negative = that many working days late)."""
    working_days_taken: int | None = None
    """Met stages counted forwards: working days from the start to the done date."""
    delay: Delay | None = None
    statutory_due: dt.date | None = None
    """The rule's own due date; differs from ``due`` only when an extension is agreed."""
    extension: EventRecord | None = None
    """The agreed extension in force, if any (its ``until`` is ``due``)."""

    @property
    def rule_due(self) -> dt.date:
        """The due date the rule gives, whatever was agreed since."""
        return self.due if self.statutory_due is None else self.statutory_due

    @property
    def extended(self) -> bool:
        return self.statutory_due is not None and self.statutory_due != self.due

    @property
    def due_on_weekend(self) -> bool:
        return self.due.weekday() >= 5


class CaseStatus(NamedTuple):
    """Everything the clock says about one case on one date."""

    stages: tuple[StageStatus, ...]
    proceedings: tuple[Proceeding, ...] = ()

    def by_urgency(self) -> list[StageStatus]:
        """The stages, the one that most needs the officer first (then the earliest due)."""
        return sorted(self.stages, key=_urgency)

    @property
    def most_urgent(self) -> StageStatus | None:
        """The first of :meth:`by_urgency`, or None for a case with no stage yet. Written
        out rather than ``min(key=_urgency)``: ``status --json`` asks it of every case, and
        a call per stage is a third of the time."""
        most, most_key = None, None
        for s in self.stages:
            key = (URGENCY[s.state], s.stage.parent is not None, s.due)
            if most_key is None or key < most_key:
                most, most_key = s, key
        return most


def _urgency(s: StageStatus) -> tuple[int, bool, dt.date]:
    """By state; within a state a national stage before a local milestone; then by due date."""
    return URGENCY[s.state], s.stage.parent is not None, s.due
