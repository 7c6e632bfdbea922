"""Generated registers for the benchmarks: made-up cases at realistic points of the chain.

Cases are spread from 2019 to late 2026; most have run their course, a few
percent are open, and some local reviews are held up by criminal trials.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.rules import rulebook
from reviewclock.transfer_csv import write_csv

TODAY = dt.date(2026, 11, 20)


def generate(cases: int, seed: int = 7) -> list[CaseRecord]:
    rng = random.Random(seed)
    first = dt.date(2019, 1, 1).toordinal()
    span = TODAY.toordinal() - first
    chain = [
        ("notified", 6),
        ("rapid-review-sent", 20),
        ("panel-response", 20),
        ("lcspr-commissioned", 10),
        ("publication-planned", 170),
        ("report-sent", -10),
        ("published", 12),
    ]
    out = []
    for i in range(1, cases + 1):
        day = dt.date.fromordinal(first + rng.randrange(span))
        events = [EventRecord("aware", day)]
        for name, gap in chain:
            step = rng.randint(abs(gap) // 2, abs(gap) + abs(gap) // 2)
            day = day + dt.timedelta(days=step if gap > 0 else -step)
            if name == "lcspr-commissioned" and rng.random() < 0.6:
                break  # most incidents do not lead to a local review
            if day > TODAY and name != "publication-planned":
                break
            events.append(EventRecord(name, day))
            if name == "lcspr-commissioned" and rng.random() < 0.1:
                trial = day + dt.timedelta(days=rng.randint(10, 90))
                if trial <= TODAY:
                    events.append(EventRecord("proceedings-started", trial, "criminal"))
            if name == "report-sent":
                day = day + dt.timedelta(days=10)
        out.append(
            CaseRecord(f"BENCH-{i:06d}", "Northshire County Council", "serious-harm", tuple(events))
        )
    return out


def write(path: Path, cases: int) -> Path:
    """A CSV file of ``cases`` generated cases, in the layout `reviewclock import` reads."""
    path.write_text(write_csv(generate(cases), rulebook()))
    return path
