"""Deadlines per second: reviewclock's working-day index against numpy's busday_offset.

Run:  python benchmarks/engine.py [--calls 1000000]

Both compute the same deadlines (random starts from 2012 to 2030, offsets of
5, 15 and -7 working days, England's bank holidays), and the results are
checked equal before the figures are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

import holidays
import numpy as np

from reviewclock.calendar import WorkingCalendar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    calls = parser.parse_args().calls

    rng = random.Random(2024)
    first = dt.date(2012, 1, 1).toordinal()
    span = dt.date(2030, 12, 31).toordinal() - first
    starts = [dt.date.fromordinal(first + rng.randrange(span)) for _ in range(calls)]
    offsets = [rng.choice((5, 15, -7)) for _ in range(calls)]

    cal = WorkingCalendar("ENG")
    cal.add_working_days(starts[0], 1)  # build the index before timing
    add = cal.add_working_days
    t0 = time.perf_counter()
    ours = [add(s, n) for s, n in zip(starts, offsets, strict=True)]
    ours_s = time.perf_counter() - t0

    hols = np.array(
        sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(2010, 2034))),
        dtype="datetime64[D]",
    )
    cal_np = np.busdaycalendar(holidays=hols)
    s_np = np.array(starts, dtype="datetime64[D]")
    n_np = np.array(offsets)
    fwd = n_np > 0
    t0 = time.perf_counter()
    out = np.empty_like(s_np)
    out[fwd] = np.busday_offset(s_np[fwd], n_np[fwd], roll="backward", busdaycal=cal_np)
    out[~fwd] = np.busday_offset(s_np[~fwd], n_np[~fwd], roll="forward", busdaycal=cal_np)
    np_s = time.perf_counter() - t0

    sample = min(calls, 20_000)
    t0 = time.perf_counter()
    for s, n in zip(starts[:sample], offsets[:sample], strict=True):
        np.busday_offset(s, n, roll="backward" if n > 0 else "forward", busdaycal=cal_np)
    np_loop_s = (time.perf_counter() - t0) * calls / sample

    assert ours == out.astype(dt.date).tolist(), "reviewclock and numpy disagree"

    print(f"{calls:,} deadlines, England, starts 2012-2030, offsets 5/15/-7 working days")
    print(f"{'engine':<42}{'seconds':>10}{'deadlines/s':>16}")
    for name, secs in (
        ("reviewclock WorkingCalendar (pure Python)", ours_s),
        ("numpy busday_offset, vectorised", np_s),
        ("numpy busday_offset, one call each (est.)", np_loop_s),
    ):
        print(f"{name:<42}{secs:>10.3f}{calls / secs:>16,.0f}")
    print("results identical: yes")


if __name__ == "__main__":
    main()
