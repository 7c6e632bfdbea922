"""Every sentence and phrase the renderers share: one home, so that the terminal, the
plain text, the markdown, the HTML, the email and the calendar feed say the same thing
the same way. Plain strings only: no Rich, no markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import CaseStatus, StageStatus, State
from reviewclock.dates import describe
from reviewclock.digest import Digest, DigestLine, state_counts
from reviewclock.render import count
from reviewclock.rules import Nature, Stage

if TYPE_CHECKING:  # the amend command's own records, named here only in a signature
    from reviewclock.amendment import Moved, StateChanged


def days_text(s: StageStatus, *, short: bool = True) -> str:
    """Working days left or late: ``3 left``, ``due today``, ``2 late`` (``short``), or
    ``3 working days left``, ``2 working days late``; for a done stage, the days it took."""
    if s.done is not None:
        return "" if s.working_days_taken is None else f"took {s.working_days_taken}"
    left = s.working_days_left
    assert left is not None
    unit = "" if short else (" working day" if abs(left) == 1 else " working days")
    if left > 0:
        return f"{left}{unit} left"
    if left < 0:
        return f"{-left}{unit} late"
    if s.due_on_weekend:  # no working day left before a weekend due date
        return f"0{unit} left (due {s.due:%a})"
    return "due today"


def delay_text(s: StageStatus) -> str:
    """``criminal proceedings since Mon 2024-09-02, still running (105 working days)``."""
    delay = s.delay
    if delay is None:
        return ""
    longest = max(p.working_days or 0 for p in delay.proceedings)
    text = f"{delay.cause} since {describe(delay.since)}"
    if delay.running:
        return text + f", still running ({count(longest, 'working day')})"
    since = delay.working_days_since_ended
    return (
        text
        + f", ended {count(since or 0, 'working day')} ago after {count(longest, 'working day')}"
    )


NATURE_NOTE: dict[Nature, str] = {
    Nature.NATIONAL_TARGET: "the Panel's own target, not a breach",
    Nature.LOCAL_TARGET: "a local target, not a breach",
}
"""What lateness means for a stage that is not the partnership's duty."""


def late_action(stage: Stage) -> str:
    """What to do about a stage past due: ``chase the Panel (the Panel's own target,
    not a breach)`` for a target the Panel sets itself."""
    why = NATURE_NOTE.get(stage.nature)
    if stage.parent is not None:
        return f"{stage.title}: {why}"
    return f"{stage.late_action} ({why})" if why else stage.late_action


def due_text(s: StageStatus) -> str:
    """``Tue 2024-02-13``, or with an agreed extension ``Wed 2024-02-14 (agreed; statutory
    Tue 2024-01-30)``."""
    if s.extended:
        return f"{describe(s.due)} (agreed; statutory {describe(s.rule_due)})"
    return describe(s.due)


def stage_label(stage: Stage) -> str:
    """A stage's name, a local milestone's indented under its stage."""
    return f"  {stage.name}" if stage.parent is not None else stage.name


NO_LONGER = "no longer in the procedure"
"""Said of a recorded event the rulebook no longer declares (a milestone removed from
the settings): kept in the history, counted nowhere."""


def note_for(s: StageStatus, moot: EventRecord | None = None) -> str:
    """What the officer should know or do about a stage, in a few words; ``moot``, an
    agreed extension of it that counts for nothing (see ``Clock.moot_extensions``)."""
    parts: list[str] = []
    if s.delay is not None:
        parts.append("delayed by " + delay_text(s))
        parts.append(
            "Panel told"
            if s.delay.panel_told
            else f"Panel not yet told: record {s.delay.notice_event}"
        )
    elif s.state is State.OVERDUE:
        parts.append(late_action(s.stage))
    if s.extended and s.extension is not None:
        parts.append(
            f"extension agreed {describe(s.extension.on)}; statutory due {describe(s.rule_due)}"
        )
    if moot is not None and moot.until is not None:
        parts.append(
            f"extension agreed {describe(moot.on)} to {describe(moot.until)} changes nothing"
            " (not after the statutory date)"
        )
    if s.state.is_open and s.due_on_weekend:
        parts.append(f"due date is a {s.due:%A}")
    return "; ".join(parts)


def counts_line(digest: Digest) -> str:
    """``2 overdue, 1 delayed by proceedings, 3 due soon``."""
    text = (
        f"{len(digest.overdue)} overdue, {len(digest.delayed)} delayed by proceedings, "
        f"{len(digest.due_soon)} due soon"
    )
    if digest.local:
        text += f"; {count(len(digest.local), 'local target')}"
    return text


def action_for(line: DigestLine) -> str:
    """What to do about a digest line, or why it is late."""
    s = line.stage
    if s.delay is not None:
        told = (
            "Panel told"
            if s.delay.panel_told
            else f"PANEL NOT YET TOLD: record {s.delay.notice_event}"
        )
        return f"{delay_text(s)}; {told}"
    if s.state is State.OVERDUE:
        return late_action(s.stage)
    if s.stage.parent is not None:
        return f"{s.stage.title} (local target within {s.stage.parent})"
    return s.stage.title


def summary_line(cases: Sequence[tuple[CaseRecord, CaseStatus]]) -> str:
    """``3 cases; open stages: 1 overdue, 1 delayed by proceedings, 1 due soon, 2 on track``."""
    counts = state_counts(c for _, c in cases)
    parts = [
        f"{counts[State.OVERDUE]} overdue",
        f"{counts[State.DELAYED_PROCEEDINGS]} delayed by proceedings",
        f"{counts[State.DUE_SOON]} due soon",
        f"{counts[State.ON_TRACK]} on track",
    ]
    noun = "case" if len(cases) == 1 else "cases"
    line = f"{len(cases)} {noun}; open stages: " + ", ".join(parts)
    local = state_counts((c for _, c in cases), local=True)
    if local:
        line += (
            f"; local targets: {local[State.OVERDUE]} overdue, {local[State.DUE_SOON]} due soon, "
            f"{local[State.ON_TRACK]} on track"
        )
    return line


def changes_lines(moved: Sequence[Moved], changed: Sequence[StateChanged]) -> list[str]:
    """What a correction did to the deadlines: ``lcspr: due 2024-10-02 -> 2024-10-01``."""
    out = ["Deadlines that moved:" if moved else "No deadline moved."]
    out += [
        f"  {m.stage}: due {m.was.isoformat()} -> {m.now.isoformat()}"
        if m.was is not None
        else f"  {m.stage}: now due {m.now.isoformat()}"
        for m in moved
    ]
    if changed:
        out.append("States that changed:")
        out += [f"  {c.stage}: {c.was} -> {c.now}" for c in changed]
    return out
