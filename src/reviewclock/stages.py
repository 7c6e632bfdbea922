"""The words the rules are declared in: what an event and a stage are, how a stage is
counted and what its nature is, and a unit's own milestone as the settings give it.

Pure: no I/O, no clock. :mod:`reviewclock.national` declares the national rules in
these words and :mod:`reviewclock.rules` gathers them into a rulebook.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


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


class Event(NamedTuple):
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


class Stage(NamedTuple):
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


class Milestone(NamedTuple):
    """A step of the partnership's own procedure inside a national stage, as the
    settings file declares it (``[[milestone]]``)."""

    name: str
    """Also the event that meets it: ``record REF NAME``."""
    title: str
    stage: str
    working_days: int
    before: bool = False
    """Count back from the stage's due date rather than forwards from its start."""
