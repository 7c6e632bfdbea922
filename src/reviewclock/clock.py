"""The statutory clock: from a case's recorded events and a date, each stage's status.

Pure: no I/O, and "today" is always an argument. The command line decides
what today is (the London date, or ``--as-of``).

States, on a given date (see the README for the same list in plain words):

``on-track``
    open, and due more than the due-soon window away.
``due-soon``
    open, and due within the window (default 2 working days; due today included).
``overdue``
    open and past due, with no recorded cause.
``delayed-proceedings``
    open and past due, and proceedings of a counting kind (criminal by default)
    were running at some point between the stage's start and its due date.
    Proceedings that began only after the stage fell due did not cause its
    lateness, so such a stage stays ``overdue``.
``met``
    done on or before the due date.
``met-late``
    done after the due date.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from reviewclock.calendar import WorkingCalendar, add_months
from reviewclock.rules import STAGES, Direction, Stage, Unit


class State(enum.StrEnum):
    ON_TRACK = "on-track"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    DELAYED_PROCEEDINGS = "delayed-proceedings"
    MET = "met"
    MET_LATE = "met-late"

    @property
    def is_open(self) -> bool:
        return self not in (State.MET, State.MET_LATE)


URGENCY: dict[State, int] = {
    State.OVERDUE: 0,
    State.DELAYED_PROCEEDINGS: 1,
    State.DUE_SOON: 2,
    State.ON_TRACK: 3,
    State.MET_LATE: 4,
    State.MET: 5,
}
"""How urgently each state needs the officer, most urgent first."""


class EventRecord(NamedTuple):
    """One recorded event of a case. A tuple: immutable, and cheap to make by the hundred thousand."""

    name: str
    on: dt.date
    kind: str | None = None
    note: str | None = None
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None
    """When it was written to the register (UTC)."""
    decision: str | None = None
    """``rapid-review-sent`` only: the partners' decision (one of ``rules.DECISIONS``);
    None when it was never recorded."""
    panel_view: str | None = None
    """``panel-response`` only: ``agrees`` or ``disagrees``; None when not recorded."""
    national_review: bool | None = None
    """``panel-response`` only: the Panel will run a national review; None when not recorded."""

    @property
    def outcome(self) -> str | None:
        """What the event records besides its date, in words, e.g. ``decision lcspr`` or
        ``Panel agrees, no national review``; None when it records nothing more."""
        parts = [f"decision {self.decision}"] if self.decision else []
        if self.panel_view:
            parts.append(f"Panel {self.panel_view}")
        if self.national_review is not None:
            parts.append("national review" if self.national_review else "no national review")
        return ", ".join(parts) or None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A case as the register holds it: its reference, descriptive fields and events."""

    ref: str
    authority: str | None
    harm: str | None
    events: tuple[EventRecord, ...]

    @property
    def aware(self) -> dt.date | None:
        return next((e.on for e in self.events if e.name == "aware"), None)


@dataclass(frozen=True, slots=True)
class Proceeding:
    """A span of proceedings: ``ended`` is None while they are running."""

    kind: str
    started: dt.date
    ended: dt.date | None = None
    working_days: int | None = None
    """Working days from the start to the end (or to the evaluation date while running);
    set by :meth:`Clock.evaluate`."""

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """True if the proceedings ran at some point from ``start`` to ``end`` inclusive."""
        return self.started <= end and (self.ended is None or self.ended >= start)


@dataclass(frozen=True, slots=True)
class Delay:
    """Why a past-due stage is ``delayed-proceedings`` rather than ``overdue``."""

    proceedings: tuple[Proceeding, ...]
    panel_told: bool
    """A delay notice was recorded on or after the due date."""
    working_days_since_ended: int | None
    """None while any of the causing proceedings is still running."""

    @property
    def cause(self) -> str:
        kinds = sorted({p.kind for p in self.proceedings})
        return " and ".join(kinds) + " proceedings"

    @property
    def since(self) -> dt.date:
        """When the earliest of the causing proceedings began."""
        return min(p.started for p in self.proceedings)

    @property
    def running(self) -> bool:
        return any(p.ended is None for p in self.proceedings)


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

    @property
    def due_on_weekend(self) -> bool:
        return self.due.weekday() >= 5


@dataclass(frozen=True, slots=True)
class CaseClock:
    """Everything the clock says about one case on one date."""

    stages: tuple[StageStatus, ...]
    proceedings: tuple[Proceeding, ...] = field(default=())

    @property
    def is_open(self) -> bool:
        return any(s.state.is_open for s in self.stages)

    def by_urgency(self) -> list[StageStatus]:
        """The stages, the one that most needs the officer first (then the earliest due)."""
        return sorted(self.stages, key=_urgency)

    @property
    def most_urgent(self) -> StageStatus | None:
        return min(self.stages, key=_urgency, default=None)


def _urgency(s: StageStatus) -> tuple[int, dt.date]:
    return URGENCY[s.state], s.due


def proceedings_of(events: Iterable[EventRecord]) -> tuple[Proceeding, ...]:
    """Pair ``proceedings-started`` and ``proceedings-ended`` events into spans.

    Each end closes the earliest running proceeding of the same kind (of any
    kind, when the end names none). An end with nothing to close is ignored
    here; the register refuses to record one.
    """
    spans: list[Proceeding] = []
    order = {"proceedings-started": 0, "proceedings-ended": 1}
    for e in sorted((e for e in events if e.name in order), key=lambda e: (e.on, order[e.name])):
        if e.name == "proceedings-started":
            spans.append(Proceeding(e.kind or "other", e.on))
            continue
        for i, span in enumerate(spans):
            if span.ended is None and (e.kind is None or span.kind == e.kind):
                spans[i] = replace(span, ended=e.on)
                break
    return tuple(spans)


class Clock:
    """Evaluates cases against the rulebook with one calendar and one set of settings.

    ``due_soon_days`` is the due-soon window in working days. ``delay_kinds``
    are the kinds of proceedings that explain a delay (criminal by default;
    a unit may widen it to inquests).
    """

    def __init__(
        self,
        calendar: WorkingCalendar,
        stages: Sequence[Stage] = STAGES,
        *,
        due_soon_days: int = 2,
        delay_kinds: Iterable[str] = ("criminal",),
    ) -> None:
        self.calendar = calendar
        self.stages = tuple(stages)
        self.due_soon_days = due_soon_days
        self.delay_kinds = frozenset(delay_kinds)

    def due_date(self, stage: Stage, start: dt.date) -> dt.date:
        """The due date of ``stage`` when its start (or anchor) event is on ``start``."""
        sign = 1 if stage.direction is Direction.AFTER else -1
        if stage.unit is Unit.MONTHS:
            return add_months(start, sign * stage.length)
        return self.calendar.add_working_days(start, sign * stage.length)

    def _delay(
        self,
        stage: Stage,
        start: dt.date,
        due: dt.date,
        today: dt.date,
        proceedings: Sequence[Proceeding],
        events: Sequence[EventRecord],
    ) -> Delay | None:
        """Why a past-due stage is late, if proceedings of a counting kind explain it."""
        lo, hi = min(start, due), max(start, due)
        causes = tuple(p for p in proceedings if p.kind in self.delay_kinds and p.overlaps(lo, hi))
        if not causes:
            return None
        ends = [p.ended for p in causes]
        last_end = None if None in ends else max(e for e in ends if e is not None)
        return Delay(
            proceedings=causes,
            panel_told=any(e.name == "delay-notified" and e.on >= due for e in events),
            working_days_since_ended=(
                None if last_end is None else self.calendar.working_days_between(last_end, today)
            ),
        )

    def evaluate_all(
        self, cases: Iterable[CaseRecord], today: dt.date
    ) -> Iterator[tuple[CaseRecord, CaseClock]]:
        """Each case with what the clock says about it on ``today``, one at a time."""
        for case in cases:
            yield case, self.evaluate(case.events, today)

    def evaluate(self, events: Sequence[EventRecord], today: dt.date) -> CaseClock:
        """Each stage whose start event is recorded, with its due date and state on ``today``.

        Repeatable start events (a re-planned publication) count from the
        latest record; the done date is the first record of the meeting event.
        """
        first: dict[str, dt.date] = {}
        latest: dict[str, dt.date] = {}
        for e in events:
            name, on = e.name, e.on
            if name not in first:
                first[name] = latest[name] = on
            elif on < first[name]:
                first[name] = on
            elif on > latest[name]:
                latest[name] = on
        cal = self.calendar
        proceedings: tuple[Proceeding, ...] = ()
        if "proceedings-started" in first:
            proceedings = tuple(
                replace(p, working_days=cal.working_days_between(p.started, p.ended or today))
                for p in proceedings_of(events)
            )
        out: list[StageStatus] = []
        for stage in self.stages:
            start = None
            for name in stage.starts_on:
                if name in latest:
                    start = latest[name]
                    break
            if start is None:
                continue
            due = self.due_date(stage, start)
            done = first.get(stage.met_by)
            if done is not None:
                taken = (
                    cal.working_days_between(start, done)
                    if stage.direction is Direction.AFTER
                    else None
                )
                state = State.MET if done <= due else State.MET_LATE
                out.append(StageStatus(stage, start, due, done, state, None, taken))
                continue
            left = cal.working_days_between(today, due)
            if today <= due:
                state = State.DUE_SOON if left <= self.due_soon_days else State.ON_TRACK
                out.append(StageStatus(stage, start, due, None, state, left))
                continue
            delay = self._delay(stage, start, due, today, proceedings, events)
            state = State.OVERDUE if delay is None else State.DELAYED_PROCEEDINGS
            out.append(StageStatus(stage, start, due, None, state, left, None, delay))
        return CaseClock(tuple(out), proceedings)
