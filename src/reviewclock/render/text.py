"""The digest as plain text: what a manager reads in a terminal, a log or an email."""

from __future__ import annotations

from collections.abc import Sequence

from reviewclock.clock import State
from reviewclock.dates import describe
from reviewclock.render import visible
from reviewclock.render.terminal import days_text, delay_text, due_text, late_action
from reviewclock.report import Digest, DigestLine


def counts_line(digest: Digest) -> str:
    """``2 overdue, 1 delayed by proceedings, 3 due soon``."""
    text = (
        f"{len(digest.overdue)} overdue, {len(digest.delayed)} delayed by proceedings, "
        f"{len(digest.due_soon)} due soon"
    )
    if digest.local:
        text += f"; {len(digest.local)} local " + (
            "target" if len(digest.local) == 1 else "targets"
        )
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


def _rows(lines: Sequence[DigestLine]) -> list[list[str]]:
    return [
        [
            visible(line.ref),
            line.stage.stage.name,
            "due " + due_text(line.stage),
            days_text(line.stage, short=False),
            action_for(line),
        ]
        for line in lines
    ]


def groups(digest: Digest) -> list[tuple[str, str, tuple[DigestLine, ...]]]:
    """The digest's groups in reading order: (group name, heading, lines). The local
    milestones come last, in a group of their own, when any needs attention."""
    out = [
        ("overdue", "Overdue", digest.overdue),
        ("delayed-proceedings", "Delayed by proceedings", digest.delayed),
        ("due-soon", "Due soon", digest.due_soon),
    ]
    if digest.local:
        out.append((LOCAL_GROUP, "Local targets", digest.local))
    return out


LOCAL_GROUP = "local-targets"


def digest_text(digest: Digest) -> str:
    """The digest in three groups, each line aligned: case, stage, due date, days, action."""
    groups_ = [(title, lines) for _, title, lines in groups(digest)]
    all_rows = [row for _, lines in groups_ for row in _rows(lines)]
    widths = [max((len(r[i]) for r in all_rows), default=0) for i in range(5)]
    out = [f"reviewclock digest for {describe(digest.as_of)}: {counts_line(digest)}"]
    for title, lines in groups_:
        out.append("")
        out.append(f"{title} ({len(lines)})" if lines else f"{title}: none")
        for row in _rows(lines):
            cells = [c.ljust(widths[i]) for i, c in enumerate(row[:-1])] + [row[-1]]
            out.append("  " + "  ".join(cells).rstrip())
    return "\n".join(out) + "\n"
