"""The statutory clock: from a case's recorded events and a date, each stage's status.

Pure: no I/O, and "today" is always an argument. The command line decides
what today is (the London date, or ``--as-of``).

On a date in the past the clock sees the case as it stood then
(:func:`as_it_stood`): the one place that decides what "as of" means.

What each state means is in :mod:`reviewclock.states`, beside the statuses the clock
gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from reviewclock.calendar import WorkingCalendar, add_months
from reviewclock.casefile import (
    NATIONAL_RULES,
    CaseRecord,
    Delay,
    EventRecord,
    Proceeding,
    in_force,
    proceedings_of,
)
from reviewclock.rules import Direction, Rulebook, Stage, Unit
from reviewclock.states import URGENCY, CaseStatus, StageStatus, State

# The register and the CSV codec still read the two case records from here, and the
# renderers the statuses.
__all__ = [
    "URGENCY",
    "CaseRecord",
    "CaseStatus",
    "Clock",
    "EventRecord",
    "StageStatus",
    "State",
    "as_it_stood",
]


_new = tuple.__new__
"""Makes a status from all its fields, in order, without a call to its class's own
constructor: :meth:`Clock.evaluate` makes several for every case of a large register."""
if (len(StageStatus._fields), len(CaseStatus._fields)) != (10, 2):  # pragma: no cover
    raise ImportError("a status has a new field: Clock.evaluate must give it too")


def as_it_stood(case: CaseRecord, day: dt.date, rules: Rulebook | None = None) -> CaseRecord | None:
    """The case as it stood on ``day``; None if it was not yet known then.

    A case exists from its awareness date. Only events dated on or before
    ``day`` count: the date of the event, not when it was typed in. A plan
    (an event the rulebook lets be dated in the future) is dated by the day it
    points to, so its own date never hides it; it counts once the events it
    depends on (the commissioned review) are in place. Corrections count as
    they stand now: the corrected date is the true one. An extension counts
    from the day it was agreed, so before it the statutory date is in force. On
    a day after every event, the case is returned unchanged.
    """
    events = case.events
    for e in events:
        if e.on > day:
            break
    else:
        return case  # awareness is one of the events, so it is on or before the day too
    aware = case.aware
    if aware is not None and aware > day:
        return None
    kept = [e for e in events if e.on <= day]
    known = {e.name for e in kept}
    declared = (rules or NATIONAL_RULES).events
    kept += [
        e
        for e in events
        if e.on > day
        and e.name in declared
        and declared[e.name].may_be_future
        and all(r in known for r in declared[e.name].requires)
    ]
    kept.sort(key=lambda e: e.on)
    return case._replace(events=tuple(kept))


class _StagePlan(NamedTuple):
    """What :meth:`Clock.evaluate` reads of one stage, worked out once per clock."""

    stage: Stage
    parent: str | None
    starts_on: tuple[str, ...]
    met_by: str
    after: bool
    """Counted forwards from its start (working days taken are counted for it)."""
    back_from_parent: bool
    """A milestone counted back from its parent stage's due date."""
    months: bool
    offset: int
    """The length, negative when counted back: what is added to the start (or anchor)."""
    extendable: bool

    @classmethod
    def of(cls, stage: Stage) -> _StagePlan:
        after = stage.direction is Direction.AFTER
        back_from_parent = stage.parent is not None and not after
        return cls(
            stage,
            stage.parent,
            tuple(stage.starts_on),
            stage.met_by,
            after,
            back_from_parent,
            stage.unit is Unit.MONTHS,
            stage.length if after else -stage.length,
            stage.extendable,
        )


class Clock:
    """Evaluates cases against the rulebook with one calendar and one set of settings.

    ``due_soon_days`` is the due-soon window in working days. ``delay_kinds``
    are the kinds of proceedings that explain a delay (criminal by default;
    a unit may widen it to inquests).
    """

    def __init__(
        self,
        calendar: WorkingCalendar | Callable[[], WorkingCalendar],
        rules: Rulebook | None = None,
        *,
        due_soon_days: int = 2,
        delay_kinds: Iterable[str] = ("criminal",),
    ) -> None:
        """``calendar`` may be a function that makes it, called when a date is first
        worked out: a write that needs no date arithmetic never builds one."""
        self._calendar = calendar
        self.rules = rules or NATIONAL_RULES
        self.stages = self.rules.stages
        self.due_soon_days = due_soon_days
        self.delay_kinds = frozenset(delay_kinds)
        # What evaluate reads of the rulebook for every case, read once here.
        self._plan = tuple(_StagePlan.of(stage) for stage in self.stages)
        self._extensions = tuple(n for n, e in self.rules.events.items() if e.extends)
        self._proceedings_start = self.rules.proceedings_start

    @property
    def calendar(self) -> WorkingCalendar:
        if not isinstance(self._calendar, WorkingCalendar):
            self._calendar = self._calendar()
        return self._calendar

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
            panel_told=any(self.covers(e, stage, opened, None) for e in events),
            working_days_since_ended=(
                None if last_end is None else self.calendar.working_days_between(last_end, today)
            ),
            notice_event=next(n for n, e in self.rules.events.items() if e.delay_notice),
        )

    def evaluate_case(
        self, case: CaseRecord, today: dt.date
    ) -> tuple[CaseRecord, CaseStatus] | None:
        """The case as it stood on ``today`` and what the clock says about it then;
        None if the case was not yet known on ``today``."""
        stood = as_it_stood(case, today, self.rules)
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
            if self.covers(notice, stage, self._opened(stage, first), first.get(stage.met_by)):
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
        fell at a weekend and no working day has passed yet). An extension in
        force moves the due date to the agreed one when that is later.
        A local milestone follows its parent stage, while both are open.
        """
        first, latest = _first_and_latest(events)
        cal = self.calendar
        add, between = cal.add_working_days, cal.working_days_between
        proceedings: tuple[Proceeding, ...] = ()
        if self._proceedings_start in first:
            proceedings = tuple(
                p._replace(working_days=between(p.started, p.ended or today))
                for p in proceedings_of(events, self.rules)
            )
        extended = not first.keys().isdisjoint(self._extensions)
        due_soon_days = self.due_soon_days
        out: list[StageStatus] = []
        parents: dict[str, StageStatus] = {}
        for (
            stage,
            parent_name,
            starts_on,
            met_by,
            after,
            back,
            months,
            offset,
            extendable,
        ) in self._plan:
            parent = None
            if parent_name is not None:
                parent = parents.get(parent_name)
                if parent is None or met_by in first or parent.done is not None:
                    continue
                start = parent.starts
            else:
                for name in starts_on:
                    if name in latest:
                        start = latest[name]
                        break
                else:
                    continue
            if back:
                assert parent is not None
                statutory = add(parent.due, offset)
            elif months:
                statutory = add_months(start, offset)
            else:
                statutory = add(start, offset)
            due, agreed = statutory, None
            if extendable and extended:
                agreed = self.extension_of(stage, events)
                if agreed is not None and agreed.until is not None and agreed.until > statutory:
                    due = agreed.until
                else:
                    agreed = None
            done = first.get(met_by)
            if done is not None:
                taken = between(start, done) if after else None
                if done <= statutory:
                    state = State.MET
                elif done <= due:
                    state = State.MET_EXTENDED
                else:
                    state = State.MET_LATE
                status = _new(
                    StageStatus,
                    (stage, start, due, done, state, None, taken, None, statutory, agreed),
                )
            elif today <= due:
                left = between(today, due)
                state = State.DUE_SOON if left <= due_soon_days else State.ON_TRACK
                status = _new(
                    StageStatus,
                    (stage, start, due, None, state, left, None, None, statutory, agreed),
                )
            else:
                left = -max(1, between(due, today))
                opened = self._opened(stage, first)
                delay = self._delay(stage, start, due, today, proceedings, events, opened)
                state = State.OVERDUE if delay is None else State.DELAYED_PROCEEDINGS
                status = _new(
                    StageStatus,
                    (stage, start, due, None, state, left, None, delay, statutory, agreed),
                )
            parents[stage.name] = status
            out.append(status)
        return _new(CaseStatus, (tuple(out), proceedings))

    def extension_of(self, stage: Stage, events: Sequence[EventRecord]) -> EventRecord | None:
        """The agreed extension of ``stage`` in force: the most recently recorded."""
        for name in self._extensions:
            found = in_force(events, name, stage.name)
            if found is not None:
                return found
        return None

    def moot_extensions(
        self, events: Sequence[EventRecord], status: CaseStatus
    ) -> dict[str, EventRecord]:
        """Each stage's agreed extension in force that counts for nothing, by stage name: no
        later than the stage's own due date, which can move after the Panel agreed (a
        closure added to the settings, a notification recorded later but dated before). It
        is kept, as agreed; the stage is due on its statutory date (``status``, what the
        clock says of ``events``)."""
        if not any(e.name in self._extensions for e in events):
            return {}
        moot = {}
        for s in status.stages:
            if s.extension is None:
                agreed = self.extension_of(s.stage, events)
                if agreed is not None and agreed.until is not None:
                    moot[s.stage.name] = agreed
        return moot

    def _opened(self, stage: Stage, first: dict[str, dt.date]) -> dt.date | None:
        """The day a stage began to run: its earliest recorded start event (a rapid review
        runs from awareness until the notification). A stage counted back from a plan
        runs from the day a plan could first be made (the events a plan depends on);
        None when nothing bounds it."""
        if stage.direction is Direction.AFTER or stage.parent is not None:
            return min((first[n] for n in stage.starts_on if n in first), default=None)
        events = self.rules.events
        needed = [first[r] for n in stage.starts_on for r in events[n].requires if r in first]
        return max(needed, default=None)

    def covers(
        self, notice: EventRecord, stage: Stage, opened: dt.date | None, done: dt.date | None
    ) -> bool:
        """True if ``notice`` is a delay notice that counts for ``stage``: a duty stage that
        was open on the notice's date (started on or before it, not yet met), and the
        stage the notice names, if it names one."""
        rule = self.rules.events.get(notice.name)
        return (
            rule is not None
            and rule.delay_notice
            and stage.nature.is_duty
            and (notice.kind is None or notice.kind == stage.name)
            and (opened is None or opened <= notice.on)
            and (done is None or notice.on < done)
        )


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
