"""What the register holds for a case: its events as records, the record of an event
that is in force (the latest plan or agreed extension), and the spans of proceedings
its events open and close, with the delay they explain.

Pure: no I/O and no dates of its own. :mod:`reviewclock.clock` decides how a case
stood on a date and evaluates these records against the rulebook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from reviewclock.rules import AWARE, Rulebook, rulebook


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
    """For a plan or an agreed extension (the events whose latest recording counts): its
    place in the order they were recorded (higher is more recent; a correction keeps the
    place of the record it corrects). The register sets it; without it, the order of the
    events given counts."""
    until: dt.date | None = None
    """An agreed extension only: the new due date the Panel agreed (``--to``)."""

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

    @property
    def details(self) -> str | None:
        """Everything the event records besides its date, in words: its kind or stage (with
        an agreed extension's new due date) and its outcome, e.g. ``criminal``,
        ``rapid-review to 2024-05-14`` or ``decision lcspr``; None when it records nothing
        more."""
        kind = self.kind
        if kind is not None and self.until is not None:
            kind = f"{kind} to {self.until.isoformat()}"
        return ", ".join(part for part in (kind, self.outcome) if part) or None


class CaseRecord(NamedTuple):
    """A case as the register holds it: its reference, descriptive fields and events."""

    ref: str
    authority: str | None
    harm: str | None
    events: tuple[EventRecord, ...]

    @property
    def aware(self) -> dt.date | None:
        # A plain loop: ``status --json`` asks this of every case.
        for e in self.events:
            if e.name == AWARE:
                return e.on
        return None


NATIONAL_RULES = rulebook()
"""The national rules with no local settings, for callers that give no rulebook."""


def in_force(
    events: Iterable[EventRecord], name: str, kind: str | None = None
) -> EventRecord | None:
    """The record of ``name`` (of ``kind``, if given) that counts: the most recently
    recorded (a re-plan replaces the plan before it, even when it brings the date
    forward; an extension agreed again replaces the one before)."""
    best: tuple[int, int] | None = None
    found = None
    for i, e in enumerate(events):
        if e.name == name and (kind is None or e.kind == kind):
            key = (-1 if e.seq is None else e.seq, i)
            if best is None or key > best:
                best, found = key, e
    return found


class Proceeding(NamedTuple):
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


class Delay(NamedTuple):
    """Why a past-due stage is ``delayed-proceedings`` rather than ``overdue``."""

    proceedings: tuple[Proceeding, ...]
    panel_told: bool
    """A delay notice covers the stage: dated while it was open (started, not yet
    met), whether before or after the due date, naming it or no stage."""
    working_days_since_ended: int | None
    """None while any of the causing proceedings is still running."""
    notice_event: str = ""
    """The event that tells the Panel of a delay (to say what to record)."""

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


def paired_end(
    events: Sequence[EventRecord], start: EventRecord, rules: Rulebook | None = None
) -> EventRecord | None:
    """The end that closes the proceedings ``start`` (one of ``events``) began, paired as
    :func:`proceedings_of` pairs them; None while they run."""
    rules = rules or NATIONAL_RULES
    starts, ends = rules.proceedings_start, rules.proceedings_end
    order = {starts: 0, ends: 1}
    running: list[EventRecord] = []
    for e in sorted((e for e in events if e.name in order), key=lambda e: (e.on, order[e.name])):
        if e.name == starts:
            running.append(e)
            continue
        kind = e.kind
        for i, began in enumerate(running):
            if kind is None or (began.kind or "other") == kind:
                if began is start:
                    return e
                del running[i]
                break
    return None


def start_it_closes(
    rules: Rulebook, events: Sequence[EventRecord], end: EventRecord, kind: str | None
) -> EventRecord | None:
    """When the kind an end names is corrected to ``kind``, the start of the proceedings it
    closes, if they are of the kind the end named before."""
    if end.name != rules.proceedings_end or end.kind is None or kind == end.kind:
        return None
    return next(
        (
            e
            for e in events
            if e.name == rules.proceedings_start
            and e.kind == end.kind
            and paired_end(events, e, rules) is end
        ),
        None,
    )


def end_that_follows(
    rules: Rulebook, events: Sequence[EventRecord], start: EventRecord, kind: str | None
) -> EventRecord | None:
    """When the kind of proceedings ``start`` began is corrected to ``kind``, the end that
    closes them and names their kind: it names the new kind too, or it would close none."""
    if start.name != rules.proceedings_start or kind == start.kind:
        return None
    end = paired_end(events, start, rules)
    return end if end is not None and end.kind is not None else None


def proceedings_of(
    events: Iterable[EventRecord], rules: Rulebook | None = None
) -> tuple[Proceeding, ...]:
    """Pair the events that start and end proceedings into spans.

    Each end closes the earliest running proceeding of the same kind (of any
    kind, when the end names none). An end with nothing to close is ignored
    here; the register refuses to record one.
    """
    spans: list[Proceeding] = []
    rules = rules or NATIONAL_RULES
    starts, ends = rules.proceedings_start, rules.proceedings_end
    order = {starts: 0, ends: 1}
    for e in sorted((e for e in events if e.name in order), key=lambda e: (e.on, order[e.name])):
        if e.name == starts:
            spans.append(Proceeding(e.kind or "other", e.on))
            continue
        for i, span in enumerate(spans):
            if span.ended is None and (e.kind is None or span.kind == e.kind):
                spans[i] = span._replace(ended=e.on)
                break
    return tuple(spans)
