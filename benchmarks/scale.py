"""Scale: import and status at 1,000, 10,000 and 100,000 cases, with peak memory.

Run:  python benchmarks/scale.py [--sizes 1000,10000,100000] [--runs 3]

For each size it imports a generated CSV into a new register (one run, timed),
then times `status` (open cases, the daily view), `status --overdue` and
`status --all --json` (every case), each in a fresh interpreter with stdout to
a pipe. Peak memory is the child's maximum resident set. The floor is
importing the five runtime dependencies, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import FIVE_DEPS, median_ms, python_c, reviewclock
from registers import TODAY, write

PEAK = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_mib(cmd: list[str]) -> float:
    """The peak resident memory of ``cmd``, in MiB (Linux reports KiB)."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *cmd], check=True, capture_output=True, text=True
    ).stdout
    return int(out.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    floor = median_ms(python_c(FIVE_DEPS), max(args.runs * 2, 5))
    print(f"floor ({FIVE_DEPS}): {floor:.0f} ms; median of {args.runs} runs; as of {TODAY}")
    header = (
        f"{'cases':>8} {'command':<22}{'ms':>9}{'x floor':>9}{'ms/1k cases':>13}{'peak MiB':>10}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db = Path(tmp) / f"r{n}.db"
            csv_path = write(Path(tmp) / f"r{n}.csv", n)
            t0 = time.perf_counter()
            subprocess.run(
                reviewclock("import", str(csv_path), "--db", str(db)),
                check=True,
                capture_output=True,
            )
            import_ms = (time.perf_counter() - t0) * 1000
            imp_peak = peak_mib(reviewclock("export", "--db", str(db)))  # reads every case
            print(
                f"{n:>8} {'import':<22}{import_ms:>9.0f}{import_ms / floor:>9.2f}"
                f"{import_ms / n * 1000:>13.0f}{'':>10}"
            )
            print(f"{n:>8} {'export (csv)':<22}{'':>9}{'':>9}{'':>13}{imp_peak:>10.0f}")
            opened = len(
                json.loads(
                    subprocess.run(
                        reviewclock(
                            "status", "--json", "--db", str(db), "--as-of", TODAY.isoformat()
                        ),
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                )
            )
            for label, extra in (
                ("status", []),
                ("status --overdue", ["--overdue"]),
                ("status --all --json", ["--all", "--json"]),
            ):
                cmd = reviewclock("status", "--db", str(db), "--as-of", TODAY.isoformat(), *extra)
                ms = median_ms(cmd, args.runs)
                print(
                    f"{n:>8} {label:<22}{ms:>9.0f}{ms / floor:>9.2f}{ms / n * 1000:>13.0f}"
                    f"{peak_mib(cmd):>10.0f}"
                )
            print(f"{'':>8} ({opened} of {n} cases open)")


if __name__ == "__main__":
    main()
