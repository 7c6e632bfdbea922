"""How a due date was reached, day by day, as a colleague would count it on a calendar.

Pure: no I/O, no clock. :func:`explain` takes a case as it stood on a date,
the stage and the :class:`~reviewclock.clock.Clock`, and returns an
:class:`Explanation`: each line says what it is (``start``, ``skipped``,
``day``, ``days``, ``due``, ``done``...) with its dates, so the text and the
JSON say the same facts.

Counting working days, day 0 is the start event's day and is not counted;
each later working day counts one; weekends, bank holidays (by name) and the
settings' local closures are skipped. Runs of plain working days and ordinary
weekends fold into one line; a bank holiday or a local closure always has a
line of its own. Counting back (``BEFORE``) goes the same way, backwards from
the anchor. Months keep the day of the month; a shorter month ends the count
on its last day (31 August + 6 months is the last day of February).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewclock.casefile import CaseRecord, EventRecord, in_force
from reviewclock.clock import Clock, StageStatus
from reviewclock.counting import Line, count_working_days, day_text, months_line
from reviewclock.rules import Direction, Stage, Unit


@dataclass(frozen=True, slots=True)
class Explanation:
    ref: str
    stage: Stage
    rule: str
    start_event: str | None
    start_reason: str
    status: StageStatus
    lines: tuple[Line, ...]
    as_of: dt.date
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        return f"{self.stage.name} for {self.ref}: {self.rule} ({self.stage.source})"

    def text(self) -> str:
        out = [self.heading]
        for line in self.lines:
            if line.label in ("days", "note"):
                out.append(f"  {line.text}")
            else:
                out.append(f"  {line.label:<7} {line.text}".rstrip())
        return "\n".join(out) + "\n"

    def data(self) -> dict[str, Any]:
        s = self.status
        return {
            "ref": self.ref,
            "stage": self.stage.name,
            "title": self.stage.title,
            "nature": str(self.stage.nature),
            "rule": self.rule,
            "source": self.stage.source,
            "as_of": self.as_of.isoformat(),
            "start_event": self.start_event,
            "start_reason": self.start_reason,
            "starts": s.starts.isoformat(),
            "statutory_due": s.rule_due.isoformat(),
            "due": s.due.isoformat(),
            "done": None if s.done is None else s.done.isoformat(),
            "state": str(s.state),
            "working_days_left": s.working_days_left,
            "working_days_taken": s.working_days_taken,
            **self.facts,
            "lines": [line.data() for line in self.lines],
        }


class NotStarted(ValueError):
    """The stage has not started on the date asked about."""


def explain(case: CaseRecord, stage_name: str, clock: Clock, as_of: dt.date) -> Explanation:
    """How ``stage_name``'s due date for ``case`` was reached, and its state on ``as_of``.

    ``case`` is the case as it stood on ``as_of``. Raises :class:`NotStarted`
    when the stage had not started then, or :class:`KeyError` for a stage the
    rulebook does not have.
    """
    rules = clock.rules
    stage = rules.stage(stage_name) if rules.find_stage(stage_name) else None
    if stage is None:
        raise KeyError(stage_name)
    events = case.events
    evaluated = clock.evaluate(events, as_of)
    status = next((s for s in evaluated.stages if s.stage is stage), None)
    parent = None if stage.parent is None else rules.stage(stage.parent)
    if status is None:
        if stage.parent is not None and parent is not None:
            if any(e.name in (stage.met_by, parent.met_by) for e in events):
                raise NotStarted(
                    f"{stage.name} is a local milestone and is no longer counted for "
                    f"{case.ref}: {stage.met_by} or {parent.met_by} is recorded"
                )
            raise NotStarted(
                f"{stage.name} sits inside {parent.name}, which had not started for "
                f"{case.ref} on {as_of.isoformat()}"
            )
        raise NotStarted(
            f"{stage.name} had not started for {case.ref} on {as_of.isoformat()}; it starts "
            f"on {' or '.join(stage.starts_on)}"
        )

    start_event, reason = _start_reason(stage, events, parent, rules.events)
    lines: list[Line] = []
    facts: dict[str, Any] = {}
    if stage.parent is not None and stage.direction is Direction.BEFORE:
        assert parent is not None
        parent_due = next(s.due for s in evaluated.stages if s.stage is parent)
        lines.append(Line("start", f"{day_text(status.starts)}  {reason}", status.starts))
        lines.append(
            Line(
                "anchor",
                f"{day_text(parent_due)}  {parent.name} due (day 0, not counted; counting back)",
                parent_due,
            )
        )
        lines += count_working_days(clock, parent_due, stage.length, Direction.BEFORE)
    elif stage.direction is Direction.BEFORE:
        lines.append(
            Line(
                "anchor",
                f"{day_text(status.starts)}  {start_event} (day 0, not counted; counting back)",
                status.starts,
            )
        )
        lines += count_working_days(clock, status.starts, stage.length, Direction.BEFORE)
    elif stage.unit is Unit.MONTHS:
        lines.append(Line("start", f"{day_text(status.starts)}  {start_event}", status.starts))
        lines.append(months_line(status.starts, stage.length))
        lines.append(Line("due", day_text(status.rule_due), status.rule_due))
    else:
        lines.append(
            Line(
                "start",
                f"{day_text(status.starts)}  {start_event} (day 0, not counted)",
                status.starts,
            )
        )
        lines += count_working_days(clock, status.starts, stage.length, Direction.AFTER)
    if reason and not (stage.parent is not None and stage.direction is Direction.BEFORE):
        lines.append(Line("note", reason))
    if status.rule_due.weekday() >= 5:
        lines.append(Line("note", f"the due date falls on a {status.rule_due:%A}; it is not moved"))

    extensions = _extensions(clock, stage, events)
    if extensions:
        facts["extensions"] = [
            {
                "agreed": e.on.isoformat(),
                "to": None if e.until is None else e.until.isoformat(),
                "note": e.note,
                "in_force": status.extension is not None and e == status.extension,
            }
            for e in extensions
        ]
        for e in extensions:
            in_force_now = status.extension is not None and e == status.extension
            what = "in force" if in_force_now else "replaced by a later agreement"
            if not in_force_now and (e.until is None or e.until <= status.rule_due):
                what = "not after the statutory date, so it changes nothing"
            lines.append(
                Line(
                    "extended",
                    f"{day_text(e.on)}  agreed with the Panel: due "
                    f"{day_text(e.until) if e.until else '?'} ({what})"
                    + (f"; {e.note}" if e.note else ""),
                    e.on,
                    e.until,
                )
            )
        if status.extended:
            lines.append(
                Line(
                    "due",
                    f"{day_text(status.due)}  agreed (statutory {day_text(status.rule_due)})",
                    status.due,
                )
            )

    proceedings = list(evaluated.proceedings)
    facts["proceedings"] = [
        {
            "kind": p.kind,
            "started": p.started.isoformat(),
            "ended": None if p.ended is None else p.ended.isoformat(),
            "counted": status.delay is not None and p in status.delay.proceedings,
        }
        for p in proceedings
    ]
    for p in proceedings:
        counted = status.delay is not None and p in status.delay.proceedings
        ended = f"to {day_text(p.ended)}" if p.ended else "still running"
        why = (
            "ran while the stage was running: the lateness is a delay caused by proceedings"
            if counted
            else "does not explain this stage's lateness"
            if status.state.is_open
            and status.working_days_left is not None
            and status.working_days_left < 0
            else "noted"
        )
        lines.append(
            Line(
                "proceedings",
                f"{p.kind} from {day_text(p.started)} {ended} ({why})",
                p.started,
                p.ended,
            )
        )
    notices = [e for e in events if rules.events.get(e.name) and rules.events[e.name].delay_notice]
    opened = clock._opened(stage, _first(events))
    facts["delay_notices"] = []
    for n in notices:
        counts = clock.covers(n, stage, opened, status.done)
        facts["delay_notices"].append(
            {"on": n.on.isoformat(), "stage": n.kind, "counts": counts, "note": n.note}
        )
        about = f"naming {n.kind}" if n.kind else "naming no stage"
        lines.append(
            Line(
                "notice",
                f"{day_text(n.on)}  delay notified, {about}: "
                + ("counts for this stage" if counts else "not about this stage"),
                n.on,
            )
        )
    if status.done is not None:
        taken = (
            f", {status.working_days_taken} working days taken"
            if status.working_days_taken is not None
            else ""
        )
        lines.append(
            Line(
                "done",
                f"{day_text(status.done)}  {stage.met_by}: {status.state}{taken}",
                status.done,
            )
        )
    else:
        left = status.working_days_left
        assert left is not None
        when = (
            f"{left} working days left"
            if left > 0
            else "due today"
            if left == 0
            else f"{-left} working days late"
        )
        lines.append(Line("open", f"on {day_text(as_of)}: {status.state}, {when}", as_of))
    return Explanation(
        case.ref, stage, stage.rule, start_event, reason, status, tuple(lines), as_of, facts
    )


def _first(events: Sequence[EventRecord]) -> dict[str, dt.date]:
    first: dict[str, dt.date] = {}
    for e in events:
        if e.name not in first or e.on < first[e.name]:
            first[e.name] = e.on
    return first


def _extensions(clock: Clock, stage: Stage, events: Sequence[EventRecord]) -> list[EventRecord]:
    names = {n for n, rule in clock.rules.events.items() if rule.extends}
    return [e for e in events if e.name in names and e.kind == stage.name]


def _start_reason(
    stage: Stage, events: Sequence[EventRecord], parent: Stage | None, declared: Any
) -> tuple[str | None, str]:
    """The start event used, and why, in words."""
    recorded = {e.name for e in events}
    if stage.parent is not None and parent is not None:
        event, why = _start_reason(parent, events, None, declared)
        return event, f"the start of {parent.name} ({event})" + (f"; {why}" if why else "")
    used = next(n for n in stage.starts_on if n in recorded)
    skipped = [
        n
        for n in stage.starts_on
        if n not in recorded and stage.starts_on.index(n) < stage.starts_on.index(used)
    ]
    why = ""
    if skipped:
        why = f"{' and '.join(skipped)} not yet recorded: counting from {used}"
    copies = [e for e in events if e.name == used]
    if len(copies) > 1 and declared[used].latest_counts:
        latest = in_force(events, used)
        assert latest is not None
        why = f"{used} recorded {len(copies)} times: the latest recorded, {day_text(latest.on)}, counts"
    return used, why
