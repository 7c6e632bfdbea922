"""The checks of agreed extensions, for :mod:`reviewclock.checks`.

The extension recorded last is the one that counts (:func:`~reviewclock.casefile.in_force`),
so a stage's extensions are recorded in the order they were agreed, each to a date after
the due date in force when it was agreed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from reviewclock.casefile import EventRecord
from reviewclock.clock import Clock
from reviewclock.dates import describe
from reviewclock.errors import EventRefused, HeldRecordRefused
from reviewclock.render import alternatives


def stage_on(clock: Clock, events: Sequence[EventRecord], name: str, day: dt.date) -> Any:
    """The status of stage ``name`` on ``day``, from the events as they stand; None if
    it has not started."""
    stage = clock.rules.stage(name)
    return next((s for s in clock.evaluate(events, day).stages if s.stage is stage), None)


def check_extension(
    ref: str, events: Sequence[EventRecord], new: EventRecord, clock: Clock, *, held: bool = False
) -> None:
    """An extension is agreed for a stage that has started and was not met before the day
    it was agreed (met that same day, it may have been met after), to a date after the due
    date in force (the statutory one, or the last agreed).

    An extension ``held`` (already recorded, or in a file being imported) may be no later
    than the statutory date: the statutory date can move after the Panel agreed (a closure
    added to the settings, a notification recorded later but dated before), and the
    extension then counts for nothing, but it is not a contradiction. It must still be
    after any extension agreed before it."""
    assert new.kind is not None and new.until is not None
    latest = max([new.on, *(e.on for e in events)])
    status = stage_on(clock, events, new.kind, latest)
    if status is None:
        raise EventRefused(
            f"{new.kind} has not started for {ref}: an extension is agreed for a stage that"
            f" is running; record {alternatives(clock.rules.stage(new.kind).starts_on)} first"
        )
    if status.done is not None and status.done < new.on:
        raise EventRefused(
            f"{new.kind} was met on {status.done.isoformat()} for {ref}, before the extension"
            f" agreed on {new.on.isoformat()}; an extension is agreed while the stage is open"
        )
    if new.on < status.starts:
        raise EventRefused(
            f"{new.name} on {new.on.isoformat()} is before {new.kind} started on "
            f"{status.starts.isoformat()} for {ref}; check the date"
        )
    if held and status.extension is not None and new.until <= status.due:
        before = status.extension
        raise EventRefused(
            f"the extension of {new.kind} for {ref} agreed on {new.on.isoformat()} to"
            f" {describe(new.until)} is not later than the one agreed before it, on"
            f" {before.on.isoformat()} to {describe(before.until)}; each extension the Panel"
            " agrees is to a later date"
        )
    if new.until <= status.due and not held:
        raise EventRefused(
            f"--to {new.until.isoformat()} is not after {new.kind}'s current due date, "
            f"{describe(status.due)}, for {ref} (the extension agreed on "
            f"{new.on.isoformat()}); give the later date the Panel agreed"
        )


def check_agreed_after(ref: str, events: Sequence[EventRecord], new: EventRecord) -> None:
    """An extension is recorded after those agreed before it, never before one agreed later:
    the one recorded last is the one that counts."""
    later = [e.on for e in events if e.name == new.name and e.kind == new.kind and e.on > new.on]
    if later:
        last = max(later).isoformat()
        raise EventRefused(
            f"an extension of {new.kind} agreed on {last} is already recorded for {ref}, and "
            f"the one recorded last counts, so one agreed earlier ({new.on.isoformat()}) cannot "
            f"be recorded after it. If {last} is wrong, correct that record with "
            f'\'reviewclock amend {ref} {new.name} --was "{last} {new.kind}"'
            " --on DATE --reason TEXT'"
        )


def check_agreed_in_order(
    ref: str, events: Sequence[EventRecord], name: str, stages: Collection[str]
) -> dict[int, set[int]]:
    """Each stage's agreed extensions, in the order they were recorded (the order
    :func:`~reviewclock.casefile.in_force` goes by), were agreed in that order too.
    Returns, for each extension agreed again the same day, those recorded after it
    (by ``id()``): the check of the earlier one must not count them. Only extensions of
    ``stages`` (those that can be extended) are compared: any other is refused by its own
    check."""
    last: dict[str, EventRecord] = {}
    same_day: dict[tuple[str, dt.date], list[int]] = {}
    later: dict[int, set[int]] = {}
    recorded = sorted(
        ((-1 if e.seq is None else e.seq, i), e) for i, e in enumerate(events) if e.name == name
    )
    for _, e in recorded:
        kind = e.kind
        if kind is None or kind not in stages:
            continue
        before = last.get(kind)
        if before is not None and e.on < before.on:
            raise HeldRecordRefused(
                f"the extension of {kind} agreed on {e.on.isoformat()} was recorded for {ref} "
                f"after the one agreed on {before.on.isoformat()}, and the one recorded last "
                "counts; extensions are recorded in the order they were agreed",
                f"correct the date with 'reviewclock amend {ref} {name} --was DATE --on DATE"
                " --reason TEXT'",
            )
        earlier = same_day.setdefault((kind, e.on), [])
        for x in earlier:
            later.setdefault(x, set()).add(id(e))
        earlier.append(id(e))
        last[kind] = e
    return later


def check_moved_in_order(
    ref: str, events: Sequence[EventRecord], moved: EventRecord, was: EventRecord
) -> None:
    """An agreed extension being corrected (``was``, as ``moved`` among ``events``) stays
    in the order its stage's extensions were agreed and recorded: its date cannot pass one
    recorded before or after it, nor its new due date that of one recorded after it (which
    must move the due date on from this one's)."""
    if moved.seq is None:
        return
    for e in events:
        if e is moved or e.name != moved.name or e.kind != moved.kind or e.seq is None:
            continue
        if (
            e.seq > moved.seq
            and moved.until != was.until
            and e.until is not None
            and moved.until is not None
            and e.until <= moved.until
        ):
            raise EventRefused(
                f"--to {moved.until.isoformat()} would pass the new due date of the extension of "
                f"{moved.kind} agreed on {e.on.isoformat()}, recorded after this one for {ref} "
                f"(to {e.until.isoformat()}), which is the one that counts; give a date before "
                f"{e.until.isoformat()}"
            )
        if moved.on == was.on:
            continue
        if (e.seq < moved.seq and e.on > moved.on) or (e.seq > moved.seq and e.on < moved.on):
            when = "before" if e.seq < moved.seq else "after"
            raise EventRefused(
                f"the extension of {moved.kind} agreed on {was.on.isoformat()} cannot be moved to "
                f"{moved.on.isoformat()}: the one agreed on {e.on.isoformat()} was recorded "
                f"{when} it for {ref}, and the one recorded last counts, so extensions stay in "
                "the order they were agreed; check the dates with "
                f"'reviewclock history {ref}'"
            )
