"""Generated registers for the benchmarks: many made-up cases at realistic points of the chain.

The schema comes from reviewclock itself (a new register is migrated to the
newest revision); the rows are then written in one bulk transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

from reviewclock.store import Register

TODAY = dt.date(2026, 11, 20)


def build(path: Path, cases: int, seed: int = 7) -> Path:
    """Write a register of ``cases`` cases at ``path``, spread over 2019 to late 2026."""
    if path.exists():
        path.unlink()
    Register(str(path), create=True).close()
    rng = random.Random(seed)
    first = dt.date(2019, 1, 1).toordinal()
    span = TODAY.toordinal() - first
    now = "2026-11-20 09:00:00.000000"
    case_rows = []
    event_rows = []
    for i in range(1, cases + 1):
        case_rows.append(
            (i, f"BENCH-{i:06d}", "Northshire County Council", "serious-harm", now, "bench")
        )
        aware = dt.date.fromordinal(first + rng.randrange(span))
        day = aware
        chain = [
            ("aware", 0),
            ("notified", 6),
            ("rapid-review-sent", 20),
            ("panel-response", 20),
            ("lcspr-commissioned", 10),
            ("publication-planned", 170),
            ("report-sent", 0),
            ("published", 12),
        ]
        for name, gap in chain:
            day = day + dt.timedelta(days=rng.randint(gap // 2, gap + gap // 2) if gap else 0)
            if day > TODAY and name != "publication-planned":
                break
            if name == "lcspr-commissioned" and rng.random() < 0.6:
                break  # most incidents do not lead to a local review
            if name == "report-sent":
                day = day - dt.timedelta(days=rng.randint(5, 15))
            event_rows.append((i, name, day.isoformat(), None, None, "bench", now))
            if name == "lcspr-commissioned" and rng.random() < 0.1:
                start = day + dt.timedelta(days=rng.randint(10, 90))
                if start <= TODAY:
                    event_rows.append(
                        (
                            i,
                            "proceedings-started",
                            start.isoformat(),
                            "criminal",
                            None,
                            "bench",
                            now,
                        )
                    )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO cases (id, ref, authority, harm, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            case_rows,
        )
        conn.executemany(
            "INSERT INTO events (case_id, name, on_date, kind, note, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            event_rows,
        )
    return path
