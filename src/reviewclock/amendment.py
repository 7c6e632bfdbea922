"""What a correction changed: the deadlines that moved and the states that changed (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reviewclock.clock import CaseStatus, State


@dataclass(frozen=True, slots=True)
class Moved:
    """A stage whose due date changed; ``was`` is None for a stage that has newly started."""

    stage: str
    was: dt.date | None
    now: dt.date


@dataclass(frozen=True, slots=True)
class StateChanged:
    stage: str
    was: State
    now: State


def changes(before: CaseStatus, after: CaseStatus) -> tuple[list[Moved], list[StateChanged]]:
    """The stages of ``after`` whose due date or state differs from ``before``, in stage order."""
    old = {s.stage.name: s for s in before.stages}
    new = {s.stage.name: s for s in after.stages}
    moved = [
        Moved(name, old[name].due if name in old else None, s.due)
        for name, s in new.items()
        if name not in old or old[name].due != s.due
    ]
    changed = [
        StateChanged(name, old[name].state, s.state)
        for name, s in new.items()
        if name in old and old[name].state != s.state
    ]
    return moved, changed
