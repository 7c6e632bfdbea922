"""The statutory clock: from a case's recorded events and a date, each stage's status.

Pure: no I/O, and "today" is always an argument. The command line decides
what today is (the London date, or ``--as-of``).

On a date in the past the clock sees the case as it stood then
(:func:`as_it_stood`): the one place that decides what "as of" means.

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
from reviewclock.rules import AWARE, DELAY_NOTICE, EVENTS, PLANS, STAGES, Direction, Stage, Unit


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

    seq: int | None = None
    """For a plan: its place in the order plans were recorded (higher is more recent;
    a correction keeps the place of the record it corrects). The register sets it;
    without it, the order of the events given counts."""

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
        return next((e.on for e in self.events if e.name == AWARE), None)


def as_it_stood(case: CaseRecord, day: dt.date) -> CaseRecord | None:
    """The case as it stood on ``day``; None if it was not yet known then.

    A case exists from its awareness date. Only events dated on or before
    ``day`` count: the date of the event, not when it was typed in. A plan
    (an event the rulebook lets be dated in the future) is dated by the day it
    points to, so its own date never hides it; it counts once the events it
    depends on (the commissioned review) are in place. Corrections count as
    they stand now: the corrected date is the true one. On a day after every
    event, the case is returned unchanged.
    """
    events = case.events
    aware = case.aware
    if aware is not None and aware > day:
        return None
    if all(e.on <= day for e in events):
        return case
    kept = [e for e in events if e.on <= day]
    known = {e.name for e in kept}
    kept += [
        e
        for e in events
        if e.on > day and e.name in PLANS and all(r in known for r in EVENTS[e.name].requires)
    ]
    kept.sort(key=lambda e: e.on)
    return replace(case, events=tuple(kept))


def in_force(events: Iterable[EventRecord], name: str) -> EventRecord | None:
    """The record of ``name`` that counts: the most recently recorded (a re-plan
    replaces the plan before it, even when it brings the date forward)."""
    best: tuple[int, int] | None = None
    found = None
    for i, e in enumerate(events):
        if e.name == name:
            key = (-1 if e.seq is None else e.seq, i)
            if best is None or key > best:
                best, found = key, e
    return found


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
    """A delay notice covers the stage: dated while it was open (started, not yet
    met), whether before or after the due date, naming it or no stage."""
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
class CaseStatus:
    """Everything the clock says about one case on one date."""

    stages: tuple[StageStatus, ...]
    proceedings: tuple[Proceeding, ...] = field(default=())

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
        opened: dt.date | None,
    ) -> Delay | None:
        """Why a past-due statutory stage is late, if proceedings of a counting kind
        explain it. The Panel's own target is never the partnership's delay."""
        if not stage.nature.is_duty:
            return None
        lo, hi = min(start, due), max(start, due)
        causes = tuple(p for p in proceedings if p.kind in self.delay_kinds and p.overlaps(lo, hi))
        if not causes:
            return None
        ends = [p.ended for p in causes]
        last_end = None if None in ends else max(e for e in ends if e is not None)
        return Delay(
            proceedings=causes,
            panel_told=any(covers(e, stage, opened, None) for e in events),
            working_days_since_ended=(
                None if last_end is None else self.calendar.working_days_between(last_end, today)
            ),
        )

    def evaluate_case(
        self, case: CaseRecord, today: dt.date
    ) -> tuple[CaseRecord, CaseStatus] | None:
        """The case as it stood on ``today`` and what the clock says about it then;
        None if the case was not yet known on ``today``."""
        stood = as_it_stood(case, today)
        if stood is None:
            return None
        return stood, self.evaluate(stood.events, today)

    def evaluate_all(
        self, cases: Iterable[CaseRecord], today: dt.date
    ) -> Iterator[tuple[CaseRecord, CaseStatus]]:
        """Each case known on ``today``, as it stood then, with what the clock says about it."""
        for case in cases:
            evaluated = self.evaluate_case(case, today)
            if evaluated is not None:
                yield evaluated

    def covered_by(self, events: Sequence[EventRecord], notice: EventRecord) -> list[Stage]:
        """The stages a delay notice counts for: the duty stages open on its date
        (started on or before it, not yet met), or the one it names."""
        first, latest = _first_and_latest(events)
        out = []
        for stage in self.stages:
            start = _start(stage, latest)
            if start is None or (notice.kind is not None and notice.kind != stage.name):
                continue
            if covers(notice, stage, _opened(stage, first), first.get(stage.met_by)):
                out.append(stage)
        return out

    def evaluate(self, events: Sequence[EventRecord], today: dt.date) -> CaseStatus:
        """Each stage whose start event is recorded, with its due date and state on ``today``.

        ``events`` are the case as it stood on ``today`` (see :func:`as_it_stood`).
        A start event recorded more than once (a re-planned publication) counts
        from its most recently recorded record, even one that brings the date
        forward; the done date is the first record of the meeting event.
        ``working_days_left`` is 0 on the due date and, once it has passed,
        minus the working days since it (at least 1, even when the due date
        fell at a weekend and no working day has passed yet).
        """
        first, latest = _first_and_latest(events)
        cal = self.calendar
        proceedings: tuple[Proceeding, ...] = ()
        if "proceedings-started" in first:
            proceedings = tuple(
                replace(p, working_days=cal.working_days_between(p.started, p.ended or today))
                for p in proceedings_of(events)
            )
        out: list[StageStatus] = []
        for stage in self.stages:
            start = _start(stage, latest)
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
            if today <= due:
                left = cal.working_days_between(today, due)
                state = State.DUE_SOON if left <= self.due_soon_days else State.ON_TRACK
                out.append(StageStatus(stage, start, due, None, state, left))
                continue
            left = -max(1, cal.working_days_between(due, today))
            opened = _opened(stage, first)
            delay = self._delay(stage, start, due, today, proceedings, events, opened)
            state = State.OVERDUE if delay is None else State.DELAYED_PROCEEDINGS
            out.append(StageStatus(stage, start, due, None, state, left, None, delay))
        return CaseStatus(tuple(out), proceedings)


def _first_and_latest(
    events: Sequence[EventRecord],
) -> tuple[dict[str, dt.date], dict[str, dt.date]]:
    """Each event name's earliest date, and the date of its record in force (the
    most recently recorded, for an event recorded more than once)."""
    first: dict[str, dt.date] = {}
    latest: dict[str, dt.date] = {}
    repeated: set[str] = set()
    for e in events:
        name, on = e.name, e.on
        if name not in first:
            first[name] = latest[name] = on
            continue
        repeated.add(name)
        if on < first[name]:
            first[name] = on
    for name in repeated:
        record = in_force(events, name)
        assert record is not None
        latest[name] = record.on
    return first, latest


def _start(stage: Stage, latest: dict[str, dt.date]) -> dt.date | None:
    """The date a stage counts from: its first start event (in order of preference) recorded."""
    for name in stage.starts_on:
        if name in latest:
            return latest[name]
    return None


def _opened(stage: Stage, first: dict[str, dt.date]) -> dt.date | None:
    """The day a stage began to run: its earliest recorded start event (a rapid review
    runs from awareness until the notification). A stage counted back from a plan
    runs from the day a plan could first be made (the events a plan depends on);
    None when nothing bounds it."""
    if stage.direction is Direction.AFTER:
        return min((first[n] for n in stage.starts_on if n in first), default=None)
    needed = [first[r] for n in stage.starts_on for r in EVENTS[n].requires if r in first]
    return max(needed, default=None)


def covers(notice: EventRecord, stage: Stage, opened: dt.date | None, done: dt.date | None) -> bool:
    """True if ``notice`` is a delay notice that counts for ``stage``: a duty stage that
    was open on the notice's date (started on or before it, not yet met), and the
    stage the notice names, if it names one."""
    return (
        notice.name == DELAY_NOTICE
        and stage.nature.is_duty
        and (notice.kind is None or notice.kind == stage.name)
        and (opened is None or opened <= notice.on)
        and (done is None or notice.on < done)
    )
