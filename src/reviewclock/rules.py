"""The rulebook, as data: every stage of the case-review chain and every event.

Each national stage is declared once, here, with the event that starts it,
its length and unit, the event that meets it, whose duty it is and the public
source of the rule. :func:`rulebook` adds a unit's own milestones from its
settings and returns a :class:`Rulebook`; the clock, the checks, the CLI, the
reports and the exports all receive one and read its declarations. None of
them repeats a rule or tests an event by its name: what an event means is a
property declared here. A new stage or event is a change to this module alone.

This module is pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class Unit(enum.StrEnum):
    WORKING_DAYS = "working days"
    MONTHS = "months"


class Nature(enum.StrEnum):
    """Whose deadline a stage is, which decides what lateness means."""

    STATUTORY = "statutory"
    """The partnership's duty: a lapse is a breach, and a delay caused by proceedings
    is notified to the Panel and the Secretary of State."""
    NATIONAL_TARGET = "national-target"
    """A time the Panel sets itself (its response to a rapid review): late means
    "chase the Panel", never "delayed by proceedings", never "tell the Panel"."""
    LOCAL_TARGET = "local-target"
    """The partnership's own milestone inside a national stage, from the settings file:
    reported, never called a breach of the statutory clock."""

    @property
    def is_duty(self) -> bool:
        """True for the partnership's own duties, the stages a delay notice is about."""
        return self is Nature.STATUTORY


class Direction(enum.StrEnum):
    AFTER = "after"
    """The deadline falls ``length`` units after the start event ("within N of X")."""
    BEFORE = "before"
    """The deadline falls ``length`` units before the anchor event ("at least N before Y")."""


class Annual(enum.StrEnum):
    """How the annual report's case-review section reports a stage."""

    TIMED = "timed"
    """One by one, each case's working days in a figure against the target."""
    PROGRESS = "progress"
    """As progress over the period: commissioned, published, still open."""


class Span(enum.StrEnum):
    """The part an event plays in a span of proceedings."""

    STARTS = "starts"
    ENDS = "ends"


class Names(enum.StrEnum):
    """Which stages an event may name (``record REF EVENT --stage NAME``)."""

    DUTY = "duty"
    """A duty stage: a delay notice is about the partnership's own lateness."""
    EXTENDABLE = "extendable"
    """A stage the rulebook lets the Panel extend."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happens to a case and is recorded with a date.

    What an event means is said here, by its properties; no other module tests
    an event by its name.
    """

    name: str
    summary: str
    repeatable: bool = False
    """May be recorded more than once (proceedings, plans, delay notices, extensions)."""
    may_be_future: bool = False
    """A plan rather than a fact, so it may be dated after today."""
    latest_counts: bool = False
    """Recorded more than once, the most recently recorded record is the one in force
    (a re-plan replaces the plan before it; an extension agreed again replaces the last)."""
    requires: tuple[str, ...] = ()
    """Events that must already be recorded, on or before this one's date."""
    names_stage: Names | None = None
    """May (or, with ``stage_required``, must) name the one stage it is about, kept in
    the event's kind; without a name a delay notice is about every duty stage open on
    its date."""
    stage_required: bool = False
    kinds: tuple[str, ...] = ()
    """The kinds it may carry (``--kind``): the kinds of proceedings."""
    kind_required: bool = False
    span: Span | None = None
    """Starts or ends a span of proceedings."""
    opens_case: bool = False
    """Recorded once, by ``add-sin``: the day the case became known."""
    delay_notice: bool = False
    """Tells the Panel and the Secretary of State of a delay and its reasons."""
    extends: bool = False
    """Records a date agreed with the Panel (``--to``) that replaces the stage's due date."""
    within: str | None = None
    """A local milestone's event: the stage it sits inside; it may not be dated
    before that stage's start."""
    outcomes: tuple[str, ...] = ()
    """What else the event records besides its date: ``decision`` (the partners'
    decision sent with the rapid review), ``panel_view`` and ``national_review``
    (the Panel's response). Each is one of :data:`OUTCOMES`."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One deadline in the chain, or a local milestone inside one."""

    name: str
    title: str
    starts_on: tuple[str, ...]
    """Start events, in order of preference: the first one recorded is used."""
    length: int
    unit: Unit
    direction: Direction
    met_by: str
    owed_by: str
    owed_to: str
    nature: Nature
    """A duty on the partnership, a target someone else sets (the Panel's own
    response time), where lateness means "chase", not "breach", or the
    partnership's own milestone."""
    source: str
    late_action: str
    """What the officer should do when the stage is past due and still open."""
    extendable: bool = False
    """The Panel may agree more time (``record REF extension-agreed --stage NAME --to DATE``)."""
    annual: Annual | None = None
    """How the annual report's section reports it; None: not reported there."""
    parent: str | None = None
    """A local milestone: the national stage it sits inside. It counts from that stage's
    start (``AFTER``) or back from its due date (``BEFORE``), and stops showing once
    it or its parent is met."""

    @property
    def rule(self) -> str:
        """The rule in words, e.g. ``5 working days after aware``."""
        if self.parent is not None:
            anchor = (
                f"{self.parent}'s start"
                if self.direction is Direction.AFTER
                else f"{self.parent}'s due date"
            )
            return f"{self.length} {self.unit} {self.direction} {anchor}"
        text = f"{self.length} {self.unit} {self.direction} {self.starts_on[0]}"
        for fallback in self.starts_on[1:]:
            text += f" (until then, {fallback})"
        return text


@dataclass(frozen=True, slots=True)
class Milestone:
    """A step of the partnership's own procedure inside a national stage, as the
    settings file declares it (``[[milestone]]``)."""

    name: str
    """Also the event that meets it: ``record REF NAME``."""
    title: str
    stage: str
    working_days: int
    before: bool = False
    """Count back from the stage's due date rather than forwards from its start."""


AWARE = "aware"
"""The event ``add-sin`` records; every case has exactly one."""

PROCEEDING_KINDS: tuple[str, ...] = ("criminal", "inquest", "disciplinary", "other")

HARMS: tuple[str, ...] = ("death", "serious-harm")
"""What happened to the child, as a case records it (``add-sin --harm``)."""

DECISIONS: tuple[str, ...] = ("lcspr", "no-lcspr", "not-decided")
"""The partners' decision sent with the rapid review: commission a local review, not
commission one, or not decided yet. ``record`` defaults to ``not-decided``; a register
made before decisions were recorded holds none (unknown), and reports say so."""

PANEL_VIEWS: tuple[str, ...] = ("agrees", "disagrees")
"""Whether the Panel agrees with the partners' decision."""

OUTCOMES: dict[str, str] = {
    "decision": "the partners' decision",
    "panel_view": "the Panel's view",
    "national_review": "whether the Panel will run a national review",
}
"""Everything an event may record besides its date, in words."""

_WT2023 = "Working Together to Safeguard Children 2023"

RAPID_REVIEW_STARTS: tuple[str, ...] = ("notified", AWARE)
"""What the rapid review may count from (the ``rapid_review_from`` setting): the
notification (the Panel's 2025 practice guidance; the default) or awareness (older
local procedures)."""

NATIONAL_EVENTS: tuple[Event, ...] = (
    Event(AWARE, "the local authority became aware of the incident", opens_case=True),
    Event("notified", "serious incident notification sent to the Panel", requires=(AWARE,)),
    Event(
        "rapid-review-sent",
        "rapid review sent to the Panel",
        requires=("notified",),
        outcomes=("decision",),
    ),
    Event(
        "panel-response",
        "the Panel's response to the rapid review received",
        requires=("rapid-review-sent",),
        outcomes=("panel_view", "national_review"),
    ),
    Event("lcspr-commissioned", "the partners decided to commission a local review"),
    Event(
        "lcspr-completed",
        "final local review report signed off",
        requires=("lcspr-commissioned",),
    ),
    Event(
        "publication-planned",
        "planned publication date of the local review",
        repeatable=True,
        may_be_future=True,
        latest_counts=True,
        requires=("lcspr-commissioned",),
    ),
    Event(
        "report-sent",
        "final report sent to the Panel and the Secretary of State",
        requires=("lcspr-commissioned",),
    ),
    Event("published", "local review published", requires=("lcspr-commissioned",)),
    Event(
        "proceedings-started",
        "proceedings started (criminal, inquest, ...)",
        repeatable=True,
        kinds=PROCEEDING_KINDS,
        kind_required=True,
        span=Span.STARTS,
    ),
    Event(
        "proceedings-ended",
        "proceedings ended",
        repeatable=True,
        kinds=PROCEEDING_KINDS,
        span=Span.ENDS,
    ),
    Event(
        "delay-notified",
        "the Panel and the Secretary of State were told of a delay and its reasons",
        repeatable=True,
        names_stage=Names.DUTY,
        delay_notice=True,
    ),
    Event(
        "extension-agreed",
        "the Panel agreed more time for a stage (--stage, --to)",
        repeatable=True,
        latest_counts=True,
        names_stage=Names.EXTENDABLE,
        stage_required=True,
        extends=True,
    ),
)
"""Every national event. ``aware`` is recorded by ``add-sin``; the rest by ``record``.
Sources: Working Together to Safeguard Children 2023, chapter 5; Children Act 2004
s16C to s16F; the Panel's practice guidance."""


def national_stages(rapid_review_from: str = "notified") -> tuple[Stage, ...]:
    """The national chain of stages, in order, each with its source.

    ``rapid_review_from`` is the rapid review's start event: ``notified`` (the
    Panel's 2025 practice guidance; until a notification is recorded the clock
    runs from awareness, the earliest and so most cautious date) or ``aware``
    (older local procedures).
    """
    if rapid_review_from not in RAPID_REVIEW_STARTS:
        raise ValueError(
            f"rapid_review_from must be 'notified' or 'aware', not {rapid_review_from!r}"
        )
    rr_start = RAPID_REVIEW_STARTS[RAPID_REVIEW_STARTS.index(rapid_review_from) :]
    return (
        Stage(
            name="sin",
            title="Serious incident notification",
            starts_on=(AWARE,),
            length=5,
            unit=Unit.WORKING_DAYS,
            direction=Direction.AFTER,
            met_by="notified",
            owed_by="local authority",
            owed_to="Child Safeguarding Practice Review Panel",
            nature=Nature.STATUTORY,
            source="Children Act 2004 s16C; " + _WT2023 + "; gov.uk 'Report a serious child "
            "safeguarding incident'",
            late_action="notify the Panel now",
            annual=Annual.TIMED,
        ),
        Stage(
            name="rapid-review",
            title="Rapid review",
            starts_on=rr_start,
            length=15,
            unit=Unit.WORKING_DAYS,
            direction=Direction.AFTER,
            met_by="rapid-review-sent",
            owed_by="safeguarding partners",
            owed_to="Child Safeguarding Practice Review Panel",
            nature=Nature.STATUTORY,
            source=_WT2023 + "; Panel practice guidance",
            late_action="send the rapid review",
            extendable=True,
            annual=Annual.TIMED,
        ),
        Stage(
            name="panel-response",
            title="Panel's response",
            starts_on=("rapid-review-sent",),
            length=15,
            unit=Unit.WORKING_DAYS,
            direction=Direction.AFTER,
            met_by="panel-response",
            owed_by="the Panel",
            owed_to="safeguarding partners",
            nature=Nature.NATIONAL_TARGET,
            source="The Panel's own target: it endeavours to respond within 15 working days",
            late_action="chase the Panel",
            annual=Annual.TIMED,
        ),
        Stage(
            name="lcspr",
            title="Local child safeguarding practice review",
            starts_on=("lcspr-commissioned",),
            length=6,
            unit=Unit.MONTHS,
            direction=Direction.AFTER,
            met_by="published",
            owed_by="safeguarding partners",
            owed_to="the public",
            nature=Nature.STATUTORY,
            source=_WT2023 + " (complete and publish within 6 months of the decision)",
            late_action="publish, or notify the delay with reasons",
            extendable=True,
            annual=Annual.PROGRESS,
        ),
        Stage(
            name="publication-notice",
            title="Final report to the Panel and Secretary of State",
            starts_on=("publication-planned",),
            length=7,
            unit=Unit.WORKING_DAYS,
            direction=Direction.BEFORE,
            met_by="report-sent",
            owed_by="safeguarding partners",
            owed_to="Panel and Secretary of State",
            nature=Nature.STATUTORY,
            source=_WT2023 + " (send the final report at least 7 working days before publication)",
            late_action="send the final report, or move the publication date",
        ),
    )


@dataclass(frozen=True, slots=True)
class Rulebook:
    """The rules one unit works to: the national chain plus its own milestones.

    ``events`` by name; ``stages`` in order, each local milestone right after the
    national stage it sits inside.
    """

    events: Mapping[str, Event]
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def find_stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    @property
    def national_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.parent is None)

    @property
    def milestones(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.parent is not None)

    def milestones_of(self, stage: Stage) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.parent == stage.name)

    @property
    def opening_event(self) -> str:
        """The event every case starts with (``aware``)."""
        return next(e.name for e in self.events.values() if e.opens_case)

    @property
    def recordable_events(self) -> tuple[str, ...]:
        """Every event ``record`` takes."""
        return tuple(name for name, e in self.events.items() if not e.opens_case)

    @property
    def plans(self) -> tuple[str, ...]:
        """Events that are plans: dated the day they point to, not the day they were made."""
        return tuple(name for name, e in self.events.items() if e.may_be_future)

    @property
    def ordered_events(self) -> tuple[str, ...]:
        """Events whose latest recording counts, so the order they were recorded in matters."""
        return tuple(name for name, e in self.events.items() if e.latest_counts)

    @property
    def notification_event(self) -> str:
        """The event that meets the first stage counted from the opening event (the
        notification, which ``add-sin --notified`` records with the case)."""
        opening = self.opening_event
        return next(s.met_by for s in self.stages if s.starts_on == (opening,))

    @property
    def duty_stage_names(self) -> tuple[str, ...]:
        """The stages a delay notice may name (``record REF delay-notified --stage NAME``)."""
        return tuple(s.name for s in self.stages if s.nature.is_duty)

    @property
    def extendable_stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if s.extendable)

    def stages_named_by(self, event: Event) -> tuple[str, ...]:
        """The stages ``event`` may name with ``--stage``."""
        if event.names_stage is Names.DUTY:
            return self.duty_stage_names
        if event.names_stage is Names.EXTENDABLE:
            return self.extendable_stage_names
        return ()

    @property
    def stage_naming_events(self) -> tuple[str, ...]:
        return tuple(name for name, e in self.events.items() if e.names_stage is not None)

    @property
    def proceedings_start(self) -> str:
        return next(n for n, e in self.events.items() if e.span is Span.STARTS)

    @property
    def proceedings_end(self) -> str:
        return next(n for n, e in self.events.items() if e.span is Span.ENDS)

    def owner_of(self, outcome: str) -> str:
        """The event that records ``outcome`` (one of :data:`OUTCOMES`)."""
        return next(n for n, e in self.events.items() if outcome in e.outcomes)


class RulebookSettings(Protocol):
    """What :func:`rulebook` reads from the settings."""

    @property
    def rapid_review_from(self) -> str: ...

    @property
    def milestones(self) -> Sequence[Milestone]: ...


def milestone_stage(m: Milestone, parent: Stage) -> Stage:
    """A local milestone as a stage of its own, with nature ``local-target``."""
    return Stage(
        name=m.name,
        title=m.title,
        starts_on=parent.starts_on,
        length=m.working_days,
        unit=Unit.WORKING_DAYS,
        direction=Direction.BEFORE if m.before else Direction.AFTER,
        met_by=m.name,
        owed_by=parent.owed_by,
        owed_to="the partnership's own procedure",
        nature=Nature.LOCAL_TARGET,
        source="local procedure (settings file)",
        late_action=f"{m.title.lower()} (a local target, not a breach of {parent.name})",
        parent=parent.name,
    )


def milestone_event(m: Milestone) -> Event:
    return Event(m.name, f"{m.title} (local milestone of {m.stage})", within=m.stage)


def rulebook(settings: RulebookSettings | None = None) -> Rulebook:
    """The rulebook for a unit's settings: the national chain, counted as
    ``rapid_review_from`` says, plus the settings' local milestones (already
    validated by :mod:`reviewclock.config`)."""
    rapid_review_from = (
        settings.rapid_review_from if settings is not None else RAPID_REVIEW_STARTS[0]
    )
    milestones = tuple(settings.milestones) if settings is not None else ()
    events = {e.name: e for e in NATIONAL_EVENTS}
    chain: list[Stage] = []
    for stage in national_stages(rapid_review_from):
        chain.append(stage)
        for m in milestones:
            if m.stage == stage.name:
                chain.append(milestone_stage(m, stage))
                events[m.name] = milestone_event(m)
    return Rulebook(events, tuple(chain))
