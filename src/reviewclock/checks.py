"""What the register refuses to record, and what it records with a warning.

Pure functions over a case's events; the register calls them inside the
same transaction as the write, so a check and its write cannot be split.

Refused (exit 1, nothing written):
    a date outside the supported range (:data:`reviewclock.dates.RANGE`);
    a note or reason longer than :data:`NOTE_LIMIT` characters;
    an unknown event; a date in the future (except ``publication-planned``,
    which is a plan); a date before awareness; an event that is already
    recorded and cannot repeat; an event before one it depends on (a rapid
    review before the notification); proceedings that end before they
    started, or with none running; a kind that is not a kind of proceedings;
    a decision or a Panel's view on an event that does not carry one, or an
    unknown value.

Recorded with a warning:
    a delay notice dated when no duty stage it could be about was open
    (:func:`uncovered_notice`: the notice is kept); a reference that looks
    like a person's name (:func:`looks_like_a_name`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from reviewclock.clock import Clock, EventRecord, proceedings_of
from reviewclock.dates import check_in_range, describe
from reviewclock.errors import EventRefused, UsageProblem
from reviewclock.rules import (
    AWARE,
    DECISIONS,
    DUTY_STAGE_NAMES,
    EVENTS,
    OUTCOMES,
    PANEL_VIEWS,
    PROCEEDING_KINDS,
    RECORDABLE_EVENTS,
)

_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
"""Words of a reference: ``MaryJones`` is ``Mary`` and ``Jones``; ``BSCP`` is one word."""

NOTE_LIMIT = 2000
"""The most characters a note or a reason may hold."""


def check_ref(ref: str) -> None:
    """A case reference: 1 to 64 letters, digits and ``/ _ . : -``, starting with a letter or digit."""
    if not _REF.fullmatch(ref):
        raise UsageProblem(
            f"case reference {ref!r} is not valid; use 1 to 64 letters, digits and / _ . : - "
            "(for example BSCP-2024-07), and never a child's name"
        )


def looks_like_a_name(ref: str) -> bool:
    """True for references that read as a person's name: ``John-Brown``, ``MaryJones``,
    ``mary.jones``, ``Jane Smith``.

    A name is two to four words of letters alone, none of them an upper-case
    abbreviation; references such as ``BSCP-2024-07``, ``LCSPR-23-01`` or
    ``CSPR/2024/3`` hold digits or abbreviations and are not names.
    """
    if any(c.isdigit() for c in ref) or not re.fullmatch(r"[A-Za-z]+(?:[ _.'-]*[A-Za-z]+)*", ref):
        return False
    words = _WORD.findall(ref)
    return 2 <= len(words) <= 4 and all(len(w) >= 2 and not w.isupper() for w in words)


def check_note(text: str | None, what: str = "the note") -> None:
    """A note or reason holds at most :data:`NOTE_LIMIT` characters."""
    if text is not None and len(text) > NOTE_LIMIT:
        raise UsageProblem(
            f"{what} is {len(text):,} characters long; keep it to {NOTE_LIMIT:,} "
            "(a short note, never a child's name)"
        )


def check_date(name: str, on: dt.date) -> None:
    """Every recorded date lies in the supported range."""
    try:
        check_in_range(on, name)
    except ValueError as e:
        raise EventRefused(str(e)) from None


def check_kind(event: str, kind: str | None) -> None:
    """Only proceedings events take a kind, and it must be a known one. A delay
    notice may name one duty stage in the same place."""
    if EVENTS[event].names_stage and kind is not None:
        if kind not in DUTY_STAGE_NAMES:
            raise UsageProblem(
                f"{kind!r} is not a stage a delay notice can name; use --stage with one of "
                f"{', '.join(DUTY_STAGE_NAMES)} (the Panel's own target is not the "
                "partnership's delay)"
            )
        return
    if kind is None:
        if event == "proceedings-started":
            raise UsageProblem(
                f"proceedings-started needs --kind, one of {', '.join(PROCEEDING_KINDS)}"
            )
        return
    if not event.startswith("proceedings-"):
        raise UsageProblem(f"--kind applies to proceedings events only, not to {event!r}")
    if kind not in PROCEEDING_KINDS:
        raise UsageProblem(
            f"{kind!r} is not a kind of proceedings; use one of {', '.join(PROCEEDING_KINDS)}"
        )


def check_outcomes(event: str, e: EventRecord) -> None:
    """A decision or a Panel's view is recorded only on the event that carries it, and
    only with one of its known values."""
    carried = EVENTS[event].outcomes if event in EVENTS else ()
    for field, what in OUTCOMES.items():
        if getattr(e, field) is not None and field not in carried:
            owner = next(n for n, rule in EVENTS.items() if field in rule.outcomes)
            raise UsageProblem(f"{what} is recorded with {owner} only, not with {event!r}")
    if e.decision is not None and e.decision not in DECISIONS:
        raise UsageProblem(f"{e.decision!r} is not a decision; use one of {', '.join(DECISIONS)}")
    if e.panel_view is not None and e.panel_view not in PANEL_VIEWS:
        raise UsageProblem(
            f"{e.panel_view!r} is not a view of the Panel; use one of {', '.join(PANEL_VIEWS)}"
        )


def check_new_event(
    ref: str, events: Sequence[EventRecord], new: EventRecord, today: dt.date
) -> None:
    """Check ``new`` before it is recorded, against the case's recorded ``events``.

    Raises :class:`UsageProblem` when the command was given wrongly (an event
    that cannot be recorded, a --kind or outcome that does not go with it,
    proceedings-ended without --kind while several kinds run), and
    :class:`EventRefused` when the event contradicts the case (a date in the
    future or before awareness, a second record of a one-off event, an event
    whose prerequisite is missing or later).
    """
    rule = EVENTS.get(new.name)
    if rule is None or (new.name == AWARE and any(e.name == AWARE for e in events)):
        raise UsageProblem(
            f"{new.name!r} is not an event that can be recorded; use one of "
            f"{', '.join(RECORDABLE_EVENTS)}"
        )
    check_kind(new.name, new.kind)
    check_date(new.name, new.on)
    check_note(new.note)
    check_outcomes(new.name, new)
    if new.on > today and not rule.may_be_future:
        raise EventRefused(
            f"{new.name} on {describe(new.on)} is in the future (today is {today.isoformat()}); "
            "record events on or after the day they happen"
        )
    aware = next((e.on for e in events if e.name == AWARE), None)
    if aware is not None and new.on < aware:
        raise EventRefused(
            f"{new.name} on {new.on.isoformat()} is before {ref} became known on "
            f"{aware.isoformat()}; check the date"
        )
    if not rule.repeatable:
        done = next((e for e in events if e.name == new.name), None)
        if done is not None:
            raise EventRefused(
                f"{new.name} is already recorded for {ref} on {done.on.isoformat()}; "
                f"a recorded date is never overwritten; to correct it, use "
                f"'reviewclock amend {ref} {new.name} --on DATE --reason TEXT'"
            )
    for needed in rule.requires:
        dates = [e.on for e in events if e.name == needed]
        if not dates:
            raise EventRefused(
                f"{new.name} needs {needed} to be recorded first for {ref}; "
                f"record {needed} before {new.name}"
            )
        if new.on < min(dates):
            raise EventRefused(
                f"{new.name} on {new.on.isoformat()} would be before {needed} on "
                f"{min(dates).isoformat()} for {ref}; check the date"
            )
    if new.name == "proceedings-ended":
        running = [p for p in proceedings_of(events) if p.ended is None]
        if new.kind is not None:
            running = [p for p in running if p.kind == new.kind]
        what = f"{new.kind} proceedings" if new.kind else "proceedings"
        if not running:
            raise EventRefused(f"no {what} are running for {ref}; record proceedings-started first")
        if new.kind is None and len({p.kind for p in running}) > 1:
            kinds = ", ".join(sorted({p.kind for p in running}))
            raise UsageProblem(
                f"{ref} has {kinds} proceedings running; say which ended with --kind"
            )
        first = min(running, key=lambda p: p.started)
        if new.on < first.started:
            raise EventRefused(
                f"{what} cannot end on {new.on.isoformat()}, before they started on "
                f"{first.started.isoformat()}; check the date"
            )


def check_case(ref: str, events: Sequence[EventRecord], today: dt.date) -> None:
    """Check that every event agrees with the others.

    Raises :class:`EventRefused` for a case that contradicts itself, and, since
    each event is checked as if it were being recorded (against awareness and
    the events dated on or before it, by :func:`check_new_event`), also
    :class:`UsageProblem` for an event that could not be recorded as it stands. An amendment is checked this way before
    it is written, and ``reviewclock doctor`` checks every case.
    """
    for e in events:
        check_date(f"{ref}: {e.name}", e.on)
    awares = [e for e in events if e.name == AWARE]
    if len(awares) != 1:
        raise EventRefused(f"{ref} has {len(awares)} awareness dates; it must have exactly one")
    aware = awares[0]
    if aware.on > today:
        raise EventRefused(
            f"{ref} became known on {aware.on.isoformat()}, which is in the future "
            f"(today is {today.isoformat()})"
        )
    for e in events:
        if e is aware:
            continue
        for needed in EVENTS[e.name].requires if e.name in EVENTS else ():
            dates = [x.on for x in events if x.name == needed]
            if dates and e.on < min(dates):
                raise EventRefused(
                    f"that would put {e.name} ({e.on.isoformat()}) before {needed} "
                    f"({min(dates).isoformat()}) for {ref}; check the dates"
                )
        context = [aware, *(x for x in events if x is not e and x is not aware and x.on <= e.on)]
        check_new_event(ref, context, e, today)


def uncovered_notice(
    clock: Clock, ref: str, events: Sequence[EventRecord], notice: EventRecord
) -> tuple[list[str], str | None]:
    """The stages a delay notice counts for, and the warning to give when it counts for none
    (no duty stage, or not the one it names, was open on its date)."""
    covered = [s.name for s in clock.covered_by(events, notice)]
    if covered:
        return covered, None
    what = f"{notice.kind} was not open" if notice.kind else "no duty stage was open"
    return covered, (
        f"{what} for {ref} on {notice.on.isoformat()} (started on or before that date and not "
        "yet met); the notice is kept, but counts for no stage"
    )
