"""The checks of the ends of proceedings, for :mod:`reviewclock.checks`.

Proceedings of several kinds can run at once (criminal proceedings and an inquest), so an
end names the kind that ended, unless only one kind is running; and proceedings do not end
before they started.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from reviewclock.casefile import EventRecord, proceedings_of
from reviewclock.errors import EventRefused, HeldRecordRefused, UsageProblem
from reviewclock.render import listing
from reviewclock.rules import Rulebook


def check_end(
    ref: str, events: Sequence[EventRecord], new: EventRecord, rules: Rulebook, *, held: bool
) -> None:
    """An end of proceedings ``new`` closes proceedings running (of its kind, if it names
    one; it must name one when several kinds run), started on or before it. ``held``: the
    end is already recorded (or in a file), and a start of another kind dated before it has
    come since: then it is that end to mend (see :class:`HeldRecordRefused`)."""
    running = [p for p in proceedings_of(events, rules) if p.ended is None]
    if new.kind is not None:
        running = [p for p in running if p.kind == new.kind]
    what = f"{new.kind} proceedings" if new.kind else "proceedings"
    if not running:
        raise EventRefused(
            f"no {what} are running for {ref} on {new.on.isoformat()}; record "
            f"{rules.proceedings_start} first, or check the dates"
        )
    if new.kind is None and len({p.kind for p in running}) > 1:
        kinds = listing(sorted({p.kind for p in running}))
        if held:  # recorded before the other kind's start was: it is that record to mend
            raise HeldRecordRefused(
                f"the {new.name} of {new.on.isoformat()} for {ref} names no kind, and"
                f" {kinds} proceedings were running then, so it must name the kind that"
                " ended",
                f"give it one: reviewclock amend {shlex.quote(ref)} {new.name} --was"
                f" {new.on.isoformat()} --kind KIND --reason ...",
            )
        raise UsageProblem(f"{ref} has {kinds} proceedings running; say which ended with --kind")
    first = min(running, key=lambda p: p.started)
    if new.on < first.started:
        raise EventRefused(
            f"{what} cannot end on {new.on.isoformat()}, before they started on "
            f"{first.started.isoformat()}; check the date"
        )


def check_ended_after_a_start(
    ref: str, end: EventRecord, events: Sequence[EventRecord], rules: Rulebook
) -> None:
    """Proceedings do not end before every start of their kind (a date corrected to before
    the start): said as :func:`check_end` says it when the end is recorded."""
    starts = [
        x.on
        for x in events
        if x.name == rules.proceedings_start and (end.kind is None or x.kind == end.kind)
    ]
    if starts and end.on < min(starts):
        what = f"{end.kind} proceedings" if end.kind else "proceedings"
        raise EventRefused(
            f"{what} cannot end on {end.on.isoformat()}, before they started on "
            f"{min(starts).isoformat()}; check the date"
        )
