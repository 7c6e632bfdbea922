"""PostgreSQL against SQLite: status, add-sin and record at 1,000 and 20,000 cases.

Run:  python benchmarks/postgres.py [--sizes 1000,20000] [--runs 5]

Uses the server in REVIEWCLOCK_TEST_PG (a superuser URL), or starts a
throwaway local cluster with tests/postgres.py. For each size the same
generated register is imported into a new SQLite file and a new PostgreSQL
database; then each command runs in a fresh interpreter with stdout to a pipe,
and the median wall time is reported with the ratio PostgreSQL / SQLite.
`add-sin` and `record` write a new case (and its notification) on each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _timing import reviewclock
from registers import TODAY, write

import postgres  # the tests' one place that starts and stops a server


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return (time.perf_counter() - t0) * 1000


def measure(db: str, runs: int) -> dict[str, float]:
    """Median ms of status, add-sin and record on the register ``db``."""
    status = reviewclock("status", "--db", db, "--as-of", TODAY.isoformat())
    timed(status)  # warm-up
    out = {"status": statistics.median(timed(status) for _ in range(runs))}
    adds, records = [], []
    for i in range(runs + 1):
        ref = f"BENCH-{i}"
        add = reviewclock("add-sin", ref, "--aware", "2026-11-02", "--db", db)
        rec = reviewclock("record", ref, "notified", "--on", "2026-11-05", "--db", db)
        a, r = timed(add), timed(rec)
        if i:  # the first run warms the caches
            adds.append(a)
            records.append(r)
    out["add-sin"] = statistics.median(adds)
    out["record"] = statistics.median(records)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = os.environ.get(postgres.ENV)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tempfile.mkdtemp(prefix="reviewclock-bench-pg-"))
        if not server:
            server = postgres.start(base)
        try:
            import psycopg

            admin = psycopg.connect(server.replace("+psycopg", ""), autocommit=True)
            print(f"median of {args.runs} runs, ms; ratio = PostgreSQL / SQLite")
            print(f"{'cases':>7} {'command':<9}{'SQLite':>9}{'PostgreSQL':>12}{'ratio':>8}")
            for n in [int(s) for s in args.sizes.split(",")]:
                csv_path = write(Path(tmp) / f"r{n}.csv", n)
                name = f"bench_{uuid.uuid4().hex[:8]}"
                admin.execute(f"CREATE DATABASE {name}")
                lite = str(Path(tmp) / f"r{n}.db")
                pg = server.rsplit("/", 1)[0] + f"/{name}"
                for db in (lite, pg):
                    subprocess.run(
                        reviewclock("import", str(csv_path), "--db", db),
                        check=True,
                        capture_output=True,
                    )
                a, b = measure(lite, args.runs), measure(pg, args.runs)
                for command in a:
                    ratio = b[command] / a[command]
                    print(f"{n:>7} {command:<9}{a[command]:>9.0f}{b[command]:>12.0f}{ratio:>8.2f}")
                admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
            admin.close()
        finally:
            postgres.stop(base)


if __name__ == "__main__":
    main()
