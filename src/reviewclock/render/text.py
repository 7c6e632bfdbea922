"""The digest as plain text: what a manager reads in a terminal, a log or an email."""

from __future__ import annotations

from collections.abc import Sequence

from reviewclock.dates import describe
from reviewclock.digest import Digest, DigestLine
from reviewclock.render import visible
from reviewclock.render.phrases import action_for, counts_line, days_text


def _rows(lines: Sequence[DigestLine]) -> list[list[str]]:
    return [
        [
            visible(line.ref),
            line.stage.stage.name,
            "due " + describe(line.stage.due),
            days_text(line.stage, short=False),
            action_for(line),
        ]
        for line in lines
    ]


def groups(digest: Digest) -> list[tuple[str, str, tuple[DigestLine, ...]]]:
    """The digest's groups in reading order: (state name, heading, lines)."""
    return [
        ("overdue", "Overdue", digest.overdue),
        ("delayed-proceedings", "Delayed by proceedings", digest.delayed),
        ("due-soon", "Due soon", digest.due_soon),
    ]


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
