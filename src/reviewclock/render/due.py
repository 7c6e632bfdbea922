"""A due date (``reviewclock due``) as JSON or as a few lines of text."""

from __future__ import annotations

import json

from reviewclock.calendar import NATIONS, DueDate, weekend_note
from reviewclock.dates import describe


def due_json(found: DueDate) -> str:
    note = weekend_note(found.due)
    data = {
        "start": found.start.isoformat(),
        "count": found.length,
        "unit": found.unit,
        "nation": found.nation,
        "due": found.due.isoformat(),
        "weekday": found.due.strftime("%A"),
        "weekend": note is not None,
        "skipped": [{"date": d.isoformat(), "name": n} for d, n in found.skipped],
    }
    return json.dumps(data, indent=2) + "\n"


def due_text(found: DueDate, *, quiet: bool = False) -> str:
    """The date alone (``quiet``, for scripts), or with how it was counted and what was
    skipped."""
    lines = [found.due.isoformat()]
    if not quiet:
        direction = "after" if found.length >= 0 else "before"
        unit = found.unit if abs(found.length) != 1 else found.unit.removesuffix("s")
        lines.append(
            f"{describe(found.due)}: {abs(found.length)} {unit} {direction} "
            f"{describe(found.start)} ({NATIONS[found.nation]} bank holidays)."
        )
        note = weekend_note(found.due)
        if note:
            lines.append(f"This date {note}; it is not moved off the weekend.")
        lines += [f"  skipped {describe(day)}: {name}" for day, name in found.skipped]
    return "\n".join(lines) + "\n"
