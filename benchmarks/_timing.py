"""Wall-clock timing of whole commands, shared by the benchmark scripts.

Each command runs in a fresh interpreter, as a person or cron would run it;
the median of several runs is reported, in milliseconds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

FIVE_DEPS = "import typer, rich.table, sqlmodel, holidays, pendulum"


def python_c(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def reviewclock(*args: str) -> list[str]:
    return [sys.executable, "-m", "reviewclock", *args]


def median_ms(cmd: Sequence[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of ``cmd`` over ``runs`` runs (after one warm-up run)."""
    full_env = {**os.environ, **(env or {})}
    subprocess.run(cmd, check=True, capture_output=True, env=full_env)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=full_env)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def table(rows: list[tuple[str, float]], floor: float) -> None:
    print(f"{'command':<52}{'median ms':>10}{'x floor':>9}")
    for name, ms in rows:
        print(f"{name:<52}{ms:>10.1f}{ms / floor:>9.2f}")


def startup(runs: int) -> None:
    floor = median_ms(python_c(FIVE_DEPS), runs)
    rows = [
        ("python -c pass", median_ms(python_c("pass"), runs)),
        ("import the five dependencies (the floor)", floor),
        ("reviewclock --help", median_ms(reviewclock("--help"), runs)),
        (
            "reviewclock due 2023-05-05 --working-days 5",
            median_ms(reviewclock("due", "2023-05-05", "--working-days", "5"), runs),
        ),
        (
            "reviewclock due 2023-08-31 --months 6",
            median_ms(reviewclock("due", "2023-08-31", "--months", "6"), runs),
        ),
    ]
    print(f"{runs} runs each, median")
    table(rows, floor)
    help_ms = rows[2][1]
    verdict = "met" if help_ms < floor / 3 else "NOT met"
    print(f"target --help < floor / 3 = {floor / 3:.1f} ms: {verdict}")


if __name__ == "__main__":
    {"startup": startup}[sys.argv[1]](int(sys.argv[2]))
