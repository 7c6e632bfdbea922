"""The rulebook, as data: every stage of the case-review chain and every event.

Each national stage is declared once, in :mod:`reviewclock.national`, with the
event that starts it, its length and unit, the event that meets it, whose duty
it is and the public source of the rule; :mod:`reviewclock.stages` holds the
words they are declared in. :func:`rulebook` adds a unit's own milestones from
its settings and returns a :class:`Rulebook`; the clock, the checks, the CLI,
the reports and the exports all receive one and read its declarations, and
import those names from here. None of them repeats a rule or tests an event by
its name: what an event means is a property declared with it.

This module is pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from reviewclock.national import (
    AWARE,
    DECISIONS,
    HARMS,
    NATIONAL_EVENTS,
    OUTCOMES,
    PANEL_VIEWS,
    PROCEEDING_KINDS,
    RAPID_REVIEW_STARTS,
    national_stages,
)
from reviewclock.stages import Annual, Direction, Event, Milestone, Names, Nature, Span, Stage, Unit

# The rest of the code reads the national rules and the words they are declared in
# from here, with the rulebook built from them.
__all__ = [
    "AWARE",
    "CASE_COLUMNS",
    "DECISIONS",
    "HARMS",
    "NATIONAL_EVENTS",
    "OUTCOMES",
    "OUTCOME_COLUMNS",
    "PANEL_VIEWS",
    "PROCEEDING_KINDS",
    "RAPID_REVIEW_STARTS",
    "Annual",
    "Direction",
    "Event",
    "Milestone",
    "Names",
    "Nature",
    "Rulebook",
    "RulebookSettings",
    "Span",
    "Stage",
    "Unit",
    "milestone_event",
    "milestone_stage",
    "national_stages",
    "rulebook",
]

CASE_COLUMNS = ("ref", "aware", "authority", "harm")
"""The columns of a CSV file that say what a case is; each event recorded has a column
of its own after them, named as the event."""
OUTCOME_COLUMNS = {field: field.replace("_", "-") for field in OUTCOMES}
"""The CSV column of each outcome field: ``panel_view`` is the column ``panel-view``.
A unit's milestone cannot take any of these names, nor :data:`CASE_COLUMNS`."""


class Rulebook(NamedTuple):
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
