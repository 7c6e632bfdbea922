"""Tables for people: Rich with colours on a terminal, plain aligned text elsewhere.

Plain text (no colour, no boxes) is used when stdout is not a terminal, when
``NO_COLOR`` is set, or when ``TERM`` is ``dumb``, so cron mail and pipes get
clean columns. Red is overdue, amber due soon, green on track; a delay caused
by proceedings has a colour of its own, so it is never mistaken for a lapse.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import CaseStatus, StageStatus
from reviewclock.dates import describe, london_minute
from reviewclock.render import visible
from reviewclock.render.colours import STATE_STYLE
from reviewclock.render.phrases import NO_LONGER, days_text, due_text, note_for, stage_label

if TYPE_CHECKING:
    from rich.text import Text

    from reviewclock.store import HistoryEntry


WRAPPING_COLUMNS = frozenset({"Note", "Also open", "Source"})


class Cell(NamedTuple):
    text: str
    style: str | None = None
    parts: tuple[tuple[str, str], ...] = ()
    """Runs of ``text`` with styles of their own, for a terminal (a two-colour bar)."""

    def rich(self) -> Text:
        from rich.text import Text

        if self.parts:
            return Text.assemble(*((visible(t), style) for t, style in self.parts))
        return Text(visible(self.text), style=self.style or "")


def use_rich() -> bool:
    """Colours and boxes only for a person at a terminal that wants them."""
    return (
        sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
        and os.environ.get("TERM", "") != "dumb"
    )


def stage_rows(
    stages: Sequence[StageStatus], moot: Mapping[str, EventRecord] | None = None
) -> list[list[Cell]]:
    """A row for each stage; ``moot``: the agreed extensions that count for nothing, by
    stage name, named in the note."""
    moot = moot or {}
    rows = []
    for s in stages:
        style = STATE_STYLE[s.state]
        rows.append(
            [
                Cell(stage_label(s.stage)),
                Cell(describe(s.starts)),
                Cell(due_text(s), style if s.state.is_open else None),
                Cell(describe(s.done) if s.done else "-"),
                Cell(str(s.state), style),
                Cell(days_text(s)),
                Cell(note_for(s, moot.get(s.stage.name)) or s.stage.rule),
                Cell(s.stage.source, "dim"),
            ]
        )
    return rows


STAGE_HEADERS = ["Stage", "Starts", "Due", "Done", "State", "Working days", "Note", "Source"]


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    title: str | None = None,
    footer: str | None = None,
) -> None:
    """Print a table to stdout, with Rich on a terminal and as aligned text elsewhere."""
    if use_rich():
        from rich import box
        from rich.console import Console
        from rich.table import Table

        table = Table(
            title=visible(title) if title else None,
            box=box.SIMPLE_HEAD,
            title_justify="left",
            title_style="bold",
        )
        for h in headers:
            # Dates, states and references never break; the free text wraps.
            wraps = h in WRAPPING_COLUMNS
            table.add_column(h, no_wrap=not wraps, overflow="fold", ratio=1 if wraps else None)
        for row in rows:
            table.add_row(*(c.rich() for c in row))
        console = Console()
        console.print(table)
        if footer:
            console.print(footer)
        return
    out = []
    if title:
        out.append(visible(title))
    texts = [[visible(c.text) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row_texts in texts:
        for i, text in enumerate(row_texts):
            widths[i] = max(widths[i], len(text))
    last = len(headers) - 1

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c if i == last else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    out.append(line(headers))
    out.extend(line(row_texts) for row_texts in texts)
    if footer:
        out.append(footer)
    sys.stdout.write("\n".join(out) + "\n")


def print_case(
    case: CaseRecord,
    clock: CaseStatus,
    *,
    events: bool = True,
    as_of: dt.date | None = None,
    known: Collection[str] | None = None,
    moot: Mapping[str, EventRecord] | None = None,
) -> None:
    """The timeline of one case: its stages, its proceedings and its recorded events;
    with ``as_of``, titled as the case stood on that date. An event whose name is not
    among ``known`` is marked as no longer in the procedure; an extension in ``moot``
    (by stage), as counting for nothing."""
    facts = [f"aware {describe(case.aware)}" if case.aware else "awareness not recorded"]
    if case.authority:
        facts.append(case.authority)
    if case.harm:
        facts.append(case.harm)
    title = f"{case.ref}" + (f" as it stood on {describe(as_of)}" if as_of else "")
    print_table(
        STAGE_HEADERS, stage_rows(clock.stages, moot), title=f"{title}: " + ", ".join(facts)
    )
    if clock.proceedings:
        rows = [
            [
                Cell(p.kind),
                Cell(describe(p.started)),
                Cell(describe(p.ended) if p.ended else "running"),
                Cell(str(p.working_days)),
            ]
            for p in clock.proceedings
        ]
        sys.stdout.write("\n")
        print_table(["Proceedings", "Started", "Ended", "Working days"], rows)
    if events:
        rows = [
            [
                Cell(describe(e.on)),
                Cell(e.name),
                Cell(_kind_text(e)),
                Cell(e.recorded_by or ""),
                Cell(
                    "; ".join(
                        x
                        for x in (
                            NO_LONGER if known is not None and e.name not in known else "",
                            e.note or "",
                        )
                        if x
                    )
                ),
            ]
            for e in case.events
        ]
        sys.stdout.write("\n")
        print_table(["On", "Event", "Kind, stage or decision", "Recorded by", "Note"], rows)


def _kind_text(e: EventRecord) -> str:
    if e.until is not None:
        return f"{e.kind} to {describe(e.until)}"
    return e.kind or e.outcome or ""


STATUS_HEADERS = ["Case", "Stage", "State", "Due", "Working days", "Note", "Also open"]


def print_status(cases: Sequence[tuple[CaseRecord, CaseStatus]], summary: str) -> None:
    """One row per case, its most urgent stage first, and the counts at the bottom."""
    rows = []
    for case, clock in cases:
        ordered = clock.by_urgency()
        first = ordered[0] if ordered else None
        if first is None:
            rows.append([Cell(case.ref), Cell("-"), Cell("no stage started"), *[Cell("")] * 4])
            continue
        style = STATE_STYLE[first.state]
        also = ", ".join(
            f"{s.stage.name} {s.state} {s.due.isoformat()}" for s in ordered[1:] if s.state.is_open
        )
        rows.append(
            [
                Cell(case.ref, "bold"),
                Cell(first.stage.name),
                Cell(str(first.state), style),
                Cell(describe(first.due), style),
                Cell(days_text(first)),
                Cell(note_for(first)),
                Cell(also, "dim"),
            ]
        )
    print_table(STATUS_HEADERS, rows, footer=summary)


def _with_details(day: dt.date | str | None, details: str | None) -> str:
    # A stored date that is not one (written by other means) is shown as it is stored.
    text = "" if day is None else day if isinstance(day, str) else day.isoformat()
    return f"{text} ({details})" if details else text


def print_history(ref: str, entries: Sequence[HistoryEntry]) -> None:
    """A case's recorded and amended events, one row each, with London times."""
    rows = [
        [
            Cell(london_minute(h.at)),
            Cell(h.action),
            Cell(h.event),
            Cell(_with_details(h.old, h.old_details)),
            Cell(_with_details(h.new, h.details)),
            Cell(h.by),
            Cell(h.reason or h.note or ""),
        ]
        for h in entries
    ]
    print_table(
        ["When (London)", "Action", "Event", "Was", "Now", "By", "Reason or note"],
        rows,
        title=f"History of {ref}",
    )
