"""The rulebook, as data: every stage of the case-review chain and every event.

Each stage is declared once, with the event that starts it, its length and
unit, the event that meets it, whose duty it is and the public source of the
rule. The clock, the CLI, the reports and the exports all read these
declarations; none of them repeats a rule. A new stage or event is a change to
this module alone.

This module is pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


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

    @property
    def is_duty(self) -> bool:
        """True for the partnership's own duties, the stages a delay notice is about."""
        return self is Nature.STATUTORY


class Direction(enum.StrEnum):
    AFTER = "after"
    """The deadline falls ``length`` units after the start event ("within N of X")."""
    BEFORE = "before"
    """The deadline falls ``length`` units before the anchor event ("at least N before Y")."""


@dataclass(frozen=True, slots=True)
class EventRule:
    """Something that happens to a case and is recorded with a date."""

    name: str
    summary: str
    repeatable: bool = False
    """May be recorded more than once (proceedings, plans, delay notices)."""
    may_be_future: bool = False
    """A plan rather than a fact, so it may be dated after today."""
    requires: tuple[str, ...] = ()
    """Events that must already be recorded, on or before this one's date."""
    outcomes: tuple[str, ...] = ()
    """What else the event records besides its date: ``decision`` (the partners'
    decision sent with the rapid review), ``panel_view`` and ``national_review``
    (the Panel's response). Each is one of :data:`OUTCOMES`."""
    names_stage: bool = False
    """May name the one stage it is about (kept in the event's kind); without a
    name it is about every duty stage open on its date."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One deadline in the chain."""

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
    """A duty on the partnership, or a target someone else sets (the Panel's own
    response time), where lateness means "chase", not "breach"."""
    source: str
    late_action: str
    """What the officer should do when the stage is past due and still open."""

    @property
    def rule(self) -> str:
        """The rule in words, e.g. ``5 working days after aware``."""
        text = f"{self.length} {self.unit} {self.direction} {self.starts_on[0]}"
        for fallback in self.starts_on[1:]:
            text += f" (until then, {fallback})"
        return text


AWARE = "aware"

EVENTS: dict[str, EventRule] = {
    e.name: e
    for e in (
        EventRule(AWARE, "the local authority became aware of the incident"),
        EventRule("notified", "serious incident notification sent to the Panel", requires=(AWARE,)),
        EventRule(
            "rapid-review-sent",
            "rapid review sent to the Panel",
            requires=("notified",),
            outcomes=("decision",),
        ),
        EventRule(
            "panel-response",
            "the Panel's response to the rapid review received",
            requires=("rapid-review-sent",),
            outcomes=("panel_view", "national_review"),
        ),
        EventRule("lcspr-commissioned", "the partners decided to commission a local review"),
        EventRule(
            "lcspr-completed",
            "final local review report signed off",
            requires=("lcspr-commissioned",),
        ),
        EventRule(
            "publication-planned",
            "planned publication date of the local review",
            repeatable=True,
            may_be_future=True,
            requires=("lcspr-commissioned",),
        ),
        EventRule(
            "report-sent",
            "final report sent to the Panel and the Secretary of State",
            requires=("lcspr-commissioned",),
        ),
        EventRule("published", "local review published", requires=("lcspr-commissioned",)),
        EventRule(
            "proceedings-started", "proceedings started (criminal, inquest, ...)", repeatable=True
        ),
        EventRule("proceedings-ended", "proceedings ended", repeatable=True),
        EventRule(
            "delay-notified",
            "the Panel and the Secretary of State were told of a delay and its reasons",
            repeatable=True,
            names_stage=True,
        ),
    )
}
"""Every event, by name. ``aware`` is recorded by ``add-sin``; the rest by ``record``."""

RECORDABLE_EVENTS: tuple[str, ...] = tuple(name for name in EVENTS if name != AWARE)

PLANS: tuple[str, ...] = tuple(name for name, e in EVENTS.items() if e.may_be_future)
"""Events that are plans: dated the day they point to, not the day they were made."""

DELAY_NOTICE = "delay-notified"

PROCEEDING_KINDS: tuple[str, ...] = ("criminal", "inquest", "disciplinary", "other")

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

HARMS: tuple[str, ...] = ("death", "serious-harm")
"""What happened to the child, as a case records it (``add-sin --harm``)."""

_WT2023 = "Working Together to Safeguard Children 2023"


def stages(rapid_review_from: str = "notified") -> tuple[Stage, ...]:
    """The chain of stages, in order.

    ``rapid_review_from`` is the rapid review's start event: ``notified`` (the
    Panel's 2025 practice guidance; until a notification is recorded the clock
    runs from awareness, the earliest and so most cautious date) or ``aware``
    (older local procedures).
    """
    if rapid_review_from not in ("notified", AWARE):
        raise ValueError(
            f"rapid_review_from must be 'notified' or 'aware', not {rapid_review_from!r}"
        )
    rr_start = ("notified", AWARE) if rapid_review_from == "notified" else (AWARE,)
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


STAGES: tuple[Stage, ...] = stages()
"""The default chain (rapid review counted from the notification)."""

DUTY_STAGE_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES if s.nature.is_duty)
"""The stages a delay notice may name (``record REF delay-notified --stage NAME``)."""
