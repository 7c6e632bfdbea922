"""`reviewclock status` over generated registers, next to the five-dependency import floor.

Run:  python benchmarks/status.py [--sizes 1000,100000] [--runs 5]

Every command runs in a fresh interpreter with stdout to a pipe, as cron runs
it. The floor is `python -c "import typer, rich, sqlmodel, holidays, pendulum"`,
measured in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _timing import FIVE_DEPS, median_ms, python_c, reviewclock
from registers import TODAY, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    floor = median_ms(python_c(FIVE_DEPS), args.runs * 2)
    print(f"median of {args.runs} runs; floor = {FIVE_DEPS!r}: {floor:.0f} ms")
    print(f"{'cases':>8}  {'command':<34}{'median ms':>10}{'x floor':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db = build(Path(tmp) / f"r{n}.db", n)
            for label, extra in (
                ("status", []),
                ("status --overdue", ["--overdue"]),
                ("status --json", ["--json"]),
            ):
                cmd = reviewclock("status", "--db", str(db), "--as-of", TODAY.isoformat(), *extra)
                ms = median_ms(cmd, args.runs)
                print(f"{n:>8}  {label:<34}{ms:>10.0f}{ms / floor:>9.2f}")


if __name__ == "__main__":
    main()
