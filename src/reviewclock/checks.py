"""What the register refuses to record, and what it records with a warning.

Pure functions over a case's events; the register calls them inside the
same transaction as the write, so a check and its write cannot be split.

Refused (exit 1, nothing written):
    a date outside the supported range (:data:`reviewclock.dates.RANGE`);
    an unknown event; a date in the future (except ``publication-planned``,
    which is a plan); a date before awareness; an event that is already
    recorded and cannot repeat; an event before one it depends on (a rapid
    review before the notification); proceedings that end before they
    started, or with none running; a kind that is not a kind of proceedings;
    a local milestone dated before its stage started; an extension of a stage
    the rulebook does not let be extended, of a stage not started or already
    met, or to a date not after the stage's current due date.
    a decision or a Panel's view on an event that does not carry one, or an
    unknown value.

Recorded with a warning:
    a delay notice dated when no duty stage it could be about was open
    (:func:`uncovered_notice`: the notice is kept).

The text people type (references, notes, reasons, the authority) is checked in
:mod:`reviewclock.textchecks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence

from reviewclock.casefile import EventRecord
from reviewclock.clock import Clock
from reviewclock.dates import FIRST_DAY, LAST_DAY, check_in_range, describe
from reviewclock.errors import (
    EventRefused,
    ReviewclockError,
    UsageProblem,
    in_register,
)
from reviewclock.extensionchecks import (
    check_agreed_after,
    check_agreed_in_order,
    check_extension,
    stage_on,
)
from reviewclock.proceedingchecks import check_end, check_ended_after_a_start
from reviewclock.render import alternatives
from reviewclock.rules import DECISIONS, OUTCOMES, PANEL_VIEWS, Event, Names, Rulebook, Span
from reviewclock.textchecks import check_note


def check_date(name: str, on: dt.date) -> None:
    """Every recorded date lies in the supported range."""
    try:
        check_in_range(on, name)
    except ValueError as e:
        raise EventRefused(str(e)) from None


def check_kind(rules: Rulebook, event: str, kind: str | None) -> None:
    """Only events that carry a kind take one, and it must be a known one. An event
    that names a stage (a delay notice, an agreed extension) keeps the stage there."""
    rule = rules.events[event]
    if rule.names_stage is not None:
        choices = rules.stages_named_by(rule)
        if kind is None:
            if rule.stage_required:
                raise UsageProblem(f"{event} needs --stage, one of {', '.join(choices)}")
            return
        if kind not in choices:
            if rule.names_stage is Names.EXTENDABLE:
                raise UsageProblem(
                    f"{kind!r} is not a stage that can be extended; only "
                    f"{alternatives(choices)} may be given more time by the Panel"
                )
            raise UsageProblem(
                f"{kind!r} is not a stage a delay notice can name; use --stage with one of "
                f"{', '.join(choices)} (the Panel's own target is not the "
                "partnership's delay)"
            )
        return
    if kind is None:
        if rule.kind_required:
            raise UsageProblem(f"{event} needs --kind, one of {', '.join(rule.kinds)}")
        return
    if not rule.kinds:
        raise UsageProblem(f"--kind applies to proceedings events only, not to {event!r}")
    if kind not in rule.kinds:
        raise UsageProblem(
            f"{kind!r} is not a kind of proceedings; use one of {', '.join(rule.kinds)}"
        )


def check_outcomes(rules: Rulebook, event: str, e: EventRecord) -> None:
    """A decision or a Panel's view is recorded only on the event that carries it, and
    only with one of its known values."""
    carried = rules.events[event].outcomes if event in rules.events else ()
    for field, what in OUTCOMES.items():
        if getattr(e, field) is not None and field not in carried:
            owner = rules.owner_of(field)
            raise UsageProblem(f"{what} is recorded with {owner} only, not with {event!r}")
    if e.decision is not None and e.decision not in DECISIONS:
        raise UsageProblem(f"{e.decision!r} is not a decision; use one of {', '.join(DECISIONS)}")
    if e.panel_view is not None and e.panel_view not in PANEL_VIEWS:
        raise UsageProblem(
            f"{e.panel_view!r} is not a view of the Panel; use one of {', '.join(PANEL_VIEWS)}"
        )


def check_new_event(
    ref: str,
    events: Sequence[EventRecord],
    new: EventRecord,
    today: dt.date,
    clock: Clock,
    *,
    held: bool = False,
) -> None:
    """Check ``new`` before it is recorded, against the case's recorded ``events``; with
    ``held``, a record already held (see :func:`check_extension`).

    Raises :class:`UsageProblem` when the command was given wrongly (an event
    that cannot be recorded, a --kind or outcome that does not go with it,
    proceedings-ended without --kind while several kinds run), and
    :class:`EventRefused` when the event contradicts the case (a date in the
    future or before awareness, a second record of a one-off event, an event
    whose prerequisite is missing or later).
    """
    rules = clock.rules
    rule = rules.events.get(new.name)
    if rule is None or (rule.opens_case and any(e.name == new.name for e in events)):
        raise UsageProblem(
            f"{new.name!r} is not an event that can be recorded; use one of "
            f"{', '.join(rules.recordable_events)}"
        )
    _check_alone(rules, rule, new, today)
    opening = _facts(rules).opening
    aware = next((e.on for e in events if e.name == opening), None)
    done = None if rule.repeatable else next((e for e in events if e.name == new.name), None)
    _check_order(ref, new, rule, aware, done, lambda n: [e.on for e in events if e.name == n])
    if rule.within is not None:
        _check_within(ref, events, new, clock, rule.within)
    if rule.extends:
        check_agreed_after(ref, events, new)
        check_extension(ref, events, new, clock, held=held)
    if rule.span is Span.ENDS:
        check_end(ref, events, new, rules, held=held)


class _Facts:
    """What the checks read from a rulebook on every event, worked out once for it."""

    def __init__(self, rules: Rulebook) -> None:
        self.rules = rules
        self.opening = rules.opening_event
        self.plain = frozenset(
            name
            for name, e in rules.events.items()
            if not e.opens_case and e.within is None and not e.extends and e.span is not Span.ENDS
        )
        """Events checked against the case by :func:`_check_order` alone."""
        self.extending = tuple(name for name, e in rules.events.items() if e.extends)
        """Agreed extensions: recorded in the order they were agreed."""
        self.extendable = frozenset(rules.extendable_stage_names)
        self.passed: dict[dt.date, set[EventRecord]] = {}
        """By today, the events that passed :func:`_check_alone`: an import repeats them."""

    def passed_on(self, today: dt.date) -> set[EventRecord]:
        passed = self.passed.get(today)
        if passed is None or len(passed) > 100_000:
            if len(self.passed) > 8:
                self.passed.clear()
            passed = self.passed[today] = set()
        return passed


_FACTS: dict[int, _Facts] = {}


def _facts(rules: Rulebook) -> _Facts:
    facts = _FACTS.get(id(rules))
    if facts is None or facts.rules is not rules:
        if len(_FACTS) > 64:
            _FACTS.clear()
        facts = _FACTS[id(rules)] = _Facts(rules)
    return facts


def _check_alone(rules: Rulebook, rule: Event, new: EventRecord, today: dt.date) -> None:
    """What can be checked of ``new`` without the case: its kind, dates, note, --to,
    outcomes, and that it is not in the future. The same event passes or fails alike
    whatever the case, so one that passed is not checked again (on the same today)."""
    passed = _facts(rules).passed_on(today)
    if new in passed:
        return
    check_kind(rules, new.name, new.kind)
    check_date(new.name, new.on)
    check_note(new.note)
    if rule.extends != (new.until is not None):
        if rule.extends:
            raise UsageProblem(f"{new.name} needs --to, the date the Panel agreed")
        raise UsageProblem(f"--to applies to an agreed extension only, not to {new.name!r}")
    if new.until is not None:
        check_date(f"{new.name} --to", new.until)
    check_outcomes(rules, new.name, new)
    if new.on > today and not rule.may_be_future:
        raise EventRefused(
            f"{new.name} on {describe(new.on)} is in the future (today is {today.isoformat()}); "
            "record events on or after the day they happen"
        )
    passed.add(new)


def _check_order(
    ref: str,
    new: EventRecord,
    rule: Event,
    aware: dt.date | None,
    done: EventRecord | None,
    dates_of: Callable[[str], list[dt.date]],
) -> None:
    """``new`` against the case: not before awareness (``aware``), not a second record of
    a one-off event (``done``: the one recorded), and after the events it needs
    (``dates_of``: the dates recorded of an event)."""
    if aware is not None and new.on < aware:
        raise EventRefused(
            f"{new.name} on {new.on.isoformat()} is before {ref} became known on "
            f"{aware.isoformat()}; check the date"
        )
    if done is not None:
        raise EventRefused(
            f"{new.name} is already recorded for {ref} on {done.on.isoformat()}; "
            f"a recorded date is never overwritten; to correct it, use "
            f"'reviewclock amend {ref} {new.name} --on DATE --reason TEXT'"
        )
    for needed in rule.requires:
        dates = dates_of(needed)
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


def _check_within(
    ref: str, events: Sequence[EventRecord], new: EventRecord, clock: Clock, parent: str
) -> None:
    """A milestone's event falls inside its stage: not before the stage started."""
    status = stage_on(clock, events, parent, max(new.on, *(e.on for e in events)))
    if status is None:
        raise EventRefused(
            f"{new.name} is a milestone of {parent}, which has not started for {ref}; "
            f"record {alternatives(clock.rules.stage(parent).starts_on)} first"
        )
    if new.on < status.starts:
        raise EventRefused(
            f"{new.name} on {new.on.isoformat()} is before {parent} started on "
            f"{status.starts.isoformat()} for {ref}; check the date"
        )


def check_case(
    ref: str,
    events: Sequence[EventRecord],
    today: dt.date,
    clock: Clock,
    *,
    new: Collection[int] = (),
) -> None:
    """Check that every event agrees with the others; ``new`` holds the ``id()`` of the
    records being recorded or corrected now, which are checked as :func:`check_new_event`
    checks a record, and the others as records held (an extension no later than the
    statutory date counts for nothing, and is not refused: see :func:`check_extension`).

    Raises :class:`EventRefused` for a case that contradicts itself, and, since
    each event is checked as if it were being recorded (against awareness and
    the events dated on or before it, by :func:`check_new_event`), also
    :class:`UsageProblem` for an event that could not be recorded as it stands. An amendment is checked this way before
    it is written, and ``reviewclock doctor`` checks every case.
    A stage's agreed extensions, in the order they were recorded, were agreed in that
    order (the one recorded last counts); an extension is checked against the events
    dated on or before it, less those of its stage agreed the same day but recorded after.
    Awareness is checked alone, as add-sin checks it.
    Proceedings that end before every start of their kind are refused as ending before they
    started (the starts, dated after, are not among the events the end is checked against).
    An event the rulebook no longer declares (a milestone taken out of the
    settings) is kept and not checked: it is history, no longer in the procedure.
    """
    rules = clock.rules
    facts = _facts(rules)
    declared = rules.events
    # Each event is checked as if recorded after the events dated on or before it (and
    # awareness), as check_new_event would check it. The case's events by name, and the
    # first date of each, let each check look only at the names it needs.
    by_name: dict[str, list[EventRecord]] = {}
    first: dict[str, dt.date] = {}
    undeclared = False
    for x in events:
        name, on = x.name, x.on
        if not FIRST_DAY <= on <= LAST_DAY:  # in_range, without a call for each event
            check_date(f"{ref}: {name}", on)
        same = by_name.get(name)
        if same is not None:
            same.append(x)
            if on < first[name]:
                first[name] = on
        elif name in declared:
            by_name[name] = [x]
            first[name] = on
        else:
            undeclared = True
    known = [e for e in events if e.name in declared] if undeclared else events
    opening = facts.opening
    awares = by_name.get(opening, [])
    if len(awares) != 1:
        raise EventRefused(f"{ref} has {len(awares)} awareness dates; it must have exactly one")
    aware = awares[0]
    if aware.on > today:
        raise EventRefused(
            f"{ref} became known on {aware.on.isoformat()}, which is in the future "
            f"(today is {today.isoformat()})"
        )
    # Awareness itself, as add-sin checks it: it carries no kind, outcome or --to.
    check_new_event(ref, [], aware, today, clock)
    agreed_later: dict[int, set[int]] = {}
    """For an extension agreed again the same day: those recorded after it (by id())."""
    for name in facts.extending:
        if len(by_name.get(name, ())) > 1:
            agreed_later.update(check_agreed_in_order(ref, events, name, facts.extendable))
    plain, passed = facts.plain, facts.passed_on(today)
    for e in known:
        if e is aware:
            continue
        name, on = e.name, e.on
        rule = declared[name]
        ordered = on >= aware.on
        for needed in rule.requires:
            earliest = first.get(needed)
            if earliest is None or needed == name:
                ordered = False
            elif on < earliest:
                raise EventRefused(
                    f"that would put {name} ({on.isoformat()}) before {needed} "
                    f"({earliest.isoformat()}) for {ref}; check the dates"
                )
        if name not in plain:
            # As it stood when ``e`` was recorded: the events dated by then, less any extension
            # agreed the same day but recorded after it.
            later = agreed_later.get(id(e), ())
            context = [
                aware,
                *(
                    x
                    for x in known
                    if x is not e and x is not aware and x.on <= on and id(x) not in later
                ),
            ]
            if rule.span is Span.ENDS:
                check_ended_after_a_start(ref, e, known, rules)
            check_new_event(ref, context, e, today, clock, held=id(e) not in new)
            continue
        # What check_new_event(ref, context, e, ...) checks of an event checked by order alone.
        if e not in passed:
            _check_alone(rules, rule, e, today)
        done = None
        if not rule.repeatable and len(by_name[name]) > 1:
            done = next((x for x in by_name[name] if x is not e and x.on <= on), None)
        if not ordered or done is not None:

            def dates_of(needed: str, e: EventRecord = e) -> list[dt.date]:
                same = by_name.get(needed, ())
                return [x.on for x in same if x is not e and (x is aware or x.on <= e.on)]

            _check_order(ref, e, rule, aware.on, done, dates_of)


def check_later_records(
    ref: str, events: Sequence[EventRecord], new: EventRecord, today: dt.date, clock: Clock
) -> None:
    """Refuse ``new`` (which :func:`check_new_event` has passed) if the case would contradict
    itself with it, where it did not before: a record dated before others that they no
    longer agree with (an extension agreed after the stage it extends was met, or an
    inquest started before an end recorded with no kind). The case is checked
    as :func:`check_case` checks it, so that what ``record`` takes, an import of the
    register takes too. A case that already contradicts itself is left to ``doctor`` and
    ``amend``: a new record is not refused for an old fault."""
    if new.name in clock.rules.ordered_events:  # recorded last: the plan or extension in force
        new = new._replace(seq=1 + max((e.seq for e in events if e.seq is not None), default=0))
    with_new = sorted([*events, new], key=lambda e: e.on)
    try:
        check_case(ref, with_new, today, clock, new={id(new)})
    except ReviewclockError as e:
        try:  # the case as it stands is checked only when the new record finds a fault
            check_case(ref, events, today, clock)
        except ReviewclockError:
            return
        raise EventRefused(
            f"{new.name} on {new.on.isoformat()} would not agree with what {ref} holds "
            f"dated on or after it: {in_register(e)}"
        ) from None


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
