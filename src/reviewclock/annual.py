"""The annual report's case-review section, as figures: what happened in a period.

Pure: no I/O, no clock. :func:`annual_section` takes the cases, the clock and
the period, and returns everything the section says and draws. Its counts
come from :func:`reviewclock.stats.timeliness`, the function behind
``stats --json``, so the words and the JSON cannot disagree.

Counting, as ``stats`` counts: each stage belongs to the period its own event
fell in. An incident known on 28 March and notified on 5 April counts as a
notification of the year that starts on 1 April, and its working days run
from 28 March. A stage still open on the last day is judged on that day, from
the events dated up to it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import Clock, StageStatus, State
from reviewclock.rules import Annual, Stage, Unit
from reviewclock.stats import StageStats, financial_year, timeliness

EXTENDED_STATES = frozenset({str(State.MET_EXTENDED)})
"""States of a stage met after its statutory date but within an extension the Panel
agreed (``extension-agreed``): the section counts it apart from on time and late, and
its bar takes the extension's colour. Which stages the section reports, and how, the
rulebook declares (``Stage.annual``)."""


class Outcome:
    """How a bar is drawn: each case's stage, as the figure colours it."""

    ON_TIME = "on-time"
    EXTENDED = "extended"
    LATE = "late"
    OPEN = "open"
    OPEN_LATE = "open-late"


@dataclass(frozen=True, slots=True)
class Bar:
    """One case's stage in a figure."""

    ref: str
    starts: dt.date
    done: dt.date | None
    """None for a stage still open at the end of the period."""
    working_days: int
    """Working days taken, or, for an open stage, taken so far at the end of the period."""
    outcome: str
    """One of :class:`Outcome`."""

    @property
    def is_open(self) -> bool:
        return self.done is None


@dataclass(frozen=True, slots=True)
class StagePart:
    """One stage over the period: the ``stats`` figures, the late cases and the bars."""

    stage: Stage
    stats: StageStats
    within_extension: int
    """Met after the statutory date but within an agreed extension (see EXTENDED_STATES)."""
    late: tuple[Bar, ...]
    """Met late in the period, in date order."""
    bars: tuple[Bar, ...]
    """Completed in the period and open at its end: one per case, by start date, then ref."""

    @property
    def target(self) -> int:
        return self.stage.length


@dataclass(frozen=True, slots=True)
class Decisions:
    """The partners' decisions sent with the rapid reviews of the period."""

    lcspr: int
    no_lcspr: int
    not_decided: int
    unrecorded: int
    """Sent before decisions were recorded, or imported without one."""

    @property
    def total(self) -> int:
        return self.lcspr + self.no_lcspr + self.not_decided + self.unrecorded


@dataclass(frozen=True, slots=True)
class PanelViews:
    """The Panel's responses received in the period."""

    agrees: int
    disagrees: int
    unrecorded: int
    national_reviews: int
    national_unrecorded: int

    @property
    def total(self) -> int:
        return self.agrees + self.disagrees + self.unrecorded


@dataclass(frozen=True, slots=True)
class LocalReviews:
    """Local child safeguarding practice reviews over the period."""

    stage: Stage
    ongoing_at_start: int
    """Commissioned before the period and not yet published when it began."""
    commissioned: int
    published: int
    published_on_time: int
    open_at_end: int
    overdue: int
    overdue_panel_told: int
    delayed_proceedings: int
    delayed_panel_told: int


@dataclass(frozen=True, slots=True)
class AnnualSection:
    """Everything the case-review section of an annual report says and draws."""

    start: dt.date
    end: dt.date
    label: str | None
    """``2023/24`` when the period is a whole financial year, else None."""
    parts: tuple[StagePart, ...]
    """The stages reported one by one (``Annual.TIMED``), in the rulebook's order."""
    decisions: Decisions
    panel: PanelViews
    local: LocalReviews

    def part(self, name: str) -> StagePart:
        return next(p for p in self.parts if p.stage.name == name)


def period_label(start: dt.date, end: dt.date) -> str | None:
    """``2023/24`` for 1 April 2023 to 31 March 2024; None for any other period."""
    label = f"{start.year}/{(start.year + 1) % 100:02d}"
    return label if (start, end) == financial_year(label) else None


def _outcome(s: StageStatus) -> str:
    if str(s.state) in EXTENDED_STATES:
        return Outcome.EXTENDED
    if s.state is State.MET:
        return Outcome.ON_TIME
    if s.state is State.MET_LATE:
        return Outcome.LATE
    return Outcome.OPEN if s.state in (State.ON_TRACK, State.DUE_SOON) else Outcome.OPEN_LATE


def _known(case: CaseRecord, end: dt.date, plans: Iterable[str]) -> list[EventRecord]:
    """The events known at the end of the period (a plan counts whenever it is dated), as
    :func:`~reviewclock.stats.timeliness` reads them."""
    plans = frozenset(plans)
    return [e for e in case.events if e.on <= end or e.name in plans]


def annual_section(
    cases: Iterable[CaseRecord], clock: Clock, start: dt.date, end: dt.date
) -> AnnualSection:
    """The section for the period from ``start`` to ``end`` inclusive."""
    cases = list(cases)
    stats = timeliness(cases, clock, start, end)
    rules = clock.rules
    stages = {s.name: s for s in rules.national_stages}
    timed = [s.name for s in rules.national_stages if s.annual is Annual.TIMED]
    review = next(s for s in rules.national_stages if s.annual is Annual.PROGRESS)
    notices = {n for n, e in rules.events.items() if e.delay_notice}
    decided_with, viewed_with = rules.owner_of("decision"), rules.owner_of("panel_view")
    done: dict[str, list[tuple[str, StageStatus]]] = {n: [] for n in stages}
    still_open: dict[str, list[tuple[str, StageStatus]]] = {n: [] for n in stages}
    decisions: Counter[str | None] = Counter()
    views: Counter[str | None] = Counter()
    national: Counter[bool | None] = Counter()
    ongoing = commissioned = told_overdue = told_delayed = 0
    for case in cases:
        for s in clock.evaluate(case.events, end).stages:
            if s.done is not None and start <= s.done <= end and s.stage.name in stages:
                done[s.stage.name].append((case.ref, s))
        known = _known(case, end, rules.plans)
        for s in clock.evaluate(known, end).stages:
            if s.state.is_open and s.starts <= end and s.stage.name in stages:
                still_open[s.stage.name].append((case.ref, s))
                if s.stage is review and s.state in (State.OVERDUE, State.DELAYED_PROCEEDINGS):
                    told = any(e.name in notices and e.on >= s.due for e in known)
                    if s.state is State.OVERDUE:
                        told_overdue += told
                    else:
                        told_delayed += told
        before = [e for e in case.events if e.on < start]
        for s in clock.evaluate(before, start).stages:
            if s.stage is review and s.done is None:
                ongoing += 1
        for e in case.events:
            if not start <= e.on <= end:
                continue
            if e.name in review.starts_on:
                commissioned += 1
            if e.name == decided_with:
                decisions[e.decision] += 1
            if e.name == viewed_with:
                views[e.panel_view] += 1
                national[e.national_review] += 1

    def bars(pairs: Sequence[tuple[str, StageStatus]], *, is_open: bool) -> list[Bar]:
        out = []
        for ref, s in pairs:
            taken = s.working_days_taken
            if taken is None:
                taken = clock.calendar.working_days_between(s.starts, s.done or end)
            out.append(Bar(ref, s.starts, None if is_open else s.done, taken, _outcome(s)))
        return out

    parts = []
    for name in timed:
        completed = bars(done[name], is_open=False)
        open_bars = bars(still_open[name], is_open=True)

        def order(b: Bar) -> tuple[dt.date, str]:
            return (b.starts, b.ref)

        parts.append(
            StagePart(
                stage=stages[name],
                stats=stats[name],
                within_extension=sum(1 for b in completed if b.outcome == Outcome.EXTENDED),
                late=tuple(sorted((b for b in completed if b.outcome == Outcome.LATE), key=order)),
                bars=tuple(sorted(completed + open_bars, key=order)),
            )
        )
    rs = stats[review.name]
    return AnnualSection(
        start=start,
        end=end,
        label=period_label(start, end),
        parts=tuple(parts),
        decisions=Decisions(
            lcspr=decisions["lcspr"],
            no_lcspr=decisions["no-lcspr"],
            not_decided=decisions["not-decided"],
            unrecorded=decisions[None],
        ),
        panel=PanelViews(
            agrees=views["agrees"],
            disagrees=views["disagrees"],
            unrecorded=views[None],
            national_reviews=national[True],
            national_unrecorded=national[None],
        ),
        local=LocalReviews(
            stage=review,
            ongoing_at_start=ongoing,
            commissioned=commissioned,
            published=rs.completed,
            published_on_time=rs.on_time,
            open_at_end=rs.open,
            overdue=rs.open_overdue,
            overdue_panel_told=told_overdue,
            delayed_proceedings=rs.open_delayed_proceedings,
            delayed_panel_told=told_delayed,
        ),
    )


def target_words(stage: Stage) -> str:
    """``5 working day`` or ``6 month``: the stage's length, as an adjective."""
    unit = "working day" if stage.unit is Unit.WORKING_DAYS else "month"
    return f"{stage.length} {unit}"
