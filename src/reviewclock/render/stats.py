"""The annual figures (``reviewclock stats``) as a table, JSON or CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence

from reviewclock.dates import describe
from reviewclock.render.terminal import Cell, print_table
from reviewclock.rules import Stage
from reviewclock.stats import StageStats

COLUMNS = tuple(f.name for f in dataclasses.fields(StageStats))
"""The figures of each stage, in the order JSON and CSV give them."""

HEADERS = [
    "Stage",
    "Completed",
    "On time",
    "Late",
    "On time %",
    "On time / late",
    "Median days",
    "Worst days",
    "Open at end",
    "Overdue",
    "Delayed (proceedings)",
]


def bar(on_time: int, late: int, width: int = 24) -> tuple[str, str]:
    """On time and late as two runs of a bar ``width`` characters long."""
    total = on_time + late
    if not total:
        return "", ""
    green = round(width * on_time / total)
    if late and green == width:
        green = width - 1  # a late stage is never hidden by rounding
    return "█" * green, "░" * (width - green)


def stats_json(figures: Mapping[str, StageStats], first: dt.date, last: dt.date) -> str:
    data = {
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "stages": {name: {c: getattr(f, c) for c in COLUMNS} for name, f in figures.items()},
    }
    return json.dumps(data, indent=2) + "\n"


def stats_csv(figures: Mapping[str, StageStats]) -> str:
    """One row per stage, an empty cell where a figure has no value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("stage", *COLUMNS))
    for name, f in figures.items():
        writer.writerow((name, *("" if getattr(f, c) is None else getattr(f, c) for c in COLUMNS)))
    return out.getvalue()


def print_stats(
    figures: Mapping[str, StageStats], stages: Sequence[Stage], first: dt.date, last: dt.date
) -> None:
    """The figures as a table, one row per stage, with a bar of on time against late."""
    rows = []
    for stage in stages:
        f = figures[stage.name]
        good, bad = bar(f.on_time, f.late)
        pct = f"{100 * f.on_time / f.completed:.0f}%" if f.completed else "-"
        rows.append(
            [
                Cell(stage.name),
                Cell(str(f.completed)),
                Cell(str(f.on_time), "green"),
                Cell(str(f.late), "red" if f.late else None),
                Cell(pct),
                Cell(good + bad, parts=((good, "green"), (bad, "red"))),
                Cell("-" if f.median_working_days is None else f"{f.median_working_days:g}"),
                Cell("-" if f.max_working_days is None else str(f.max_working_days)),
                Cell(str(f.open)),
                Cell(str(f.open_overdue), "bold red" if f.open_overdue else None),
                Cell(
                    str(f.open_delayed_proceedings),
                    "magenta" if f.open_delayed_proceedings else None,
                ),
            ]
        )
    print_table(
        HEADERS,
        rows,
        title=f"Timeliness from {describe(first)} to {describe(last)} (working days)",
    )
