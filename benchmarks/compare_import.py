"""Check that two versions of reviewclock write the same register for the same imports.

Run:  python benchmarks/compare_import.py --base REF [--size 20000]

REF is a git commit (or branch) of this repository; its ``src`` is unpacked
into a temporary directory and run with the same interpreter as this
checkout, with the clock stopped at one moment so that the timestamps the
two versions write can be compared too. Each version runs the same imports
on its own register:

- a generated CSV register of ``--size`` cases into a new register;
- the example register, exported as JSON (with its corrections and notes),
  into a new register, then the generated CSV on top of it;
- a small CSV (the first cases, renamed) into the large register, where the
  events' indexes are kept as they are;
- ``--update`` with the generated CSV into a register holding its first cases.

Every row of every table (with each value's SQLite type) and the schema
(``sqlite_master``) must be the same. Exits 1 if anything differs. With
``--rows-only`` (for a base at an older revision of the schema), the schema and
the revision the register is at are left out, and only the rows are compared.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from _versions import ROOT, unpack, version_env
from registers import write

FROZEN = (
    "import sys, datetime, zoneinfo, reviewclock.cli.runtime as runtime; "
    "moment = datetime.datetime(2026, 11, 20, 9, 30, 15, 123456, "
    "zoneinfo.ZoneInfo('Europe/London')); "
    "[setattr(m, 'london_now', lambda: moment) for n, m in list(sys.modules.items()) "
    "if n.startswith('reviewclock') and hasattr(m, 'london_now')]; "
    "sys.argv[0] = 'reviewclock'; "
    "from reviewclock.__main__ import main; main()"
)
"""The command line with the clock stopped: both versions read it through ``london_now``
(from ``reviewclock.cli.runtime``, and wherever a command module imported it)."""


def run(src: Path, home: Path, *args: str) -> bytes:
    env = version_env(src, home)
    proc = subprocess.run(
        [sys.executable, "-c", FROZEN, *args], capture_output=True, env=env, timeout=900
    )
    return f"exit {proc.returncode}\n".encode() + proc.stdout + b"\n-- stderr --\n" + proc.stderr


def dump(db: Path, rows_only: bool = False) -> list[str]:
    """The schema, then every row of every table, in rowid order, each value with its
    SQLite type (``rows_only``: the rows alone, but the revision's). Lines of text, so
    that a difference can be shown."""
    conn = sqlite3.connect(db)
    out = []
    if not rows_only:
        schema = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        out += [f"schema {row!r}" for row in schema]
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if rows_only and table == "alembic_version":
            continue
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        for row in conn.execute(f'SELECT rowid, {typed} FROM "{table}" ORDER BY rowid'):
            out.append(f"{table} {row!r}")
    out.append(f"integrity {conn.execute('PRAGMA integrity_check').fetchall()!r}")
    out.append(f"foreign keys {conn.execute('PRAGMA foreign_key_check').fetchall()!r}")
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git commit to compare against")
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument(
        "--rows-only",
        action="store_true",
        help="compare the rows alone (the base is at an older revision of the schema)",
    )
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "base").mkdir()
        unpack(args.base, tmp / "base", "src")
        sources = {"base": tmp / "base" / "src", "new": ROOT / "src"}
        big = write(tmp / "big.csv", args.size)
        lines = big.read_text().splitlines(keepends=True)
        small = tmp / "small.csv"
        small.write_text(lines[0] + "".join(x.replace("BENCH-", "OTHER-", 1) for x in lines[1:501]))
        head = tmp / "head.csv"
        head.write_text("".join(lines[:1001]))
        example = tmp / "example.json"
        example.write_bytes(
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "reviewclock",
                    "export",
                    "--format",
                    "json",
                    "--db",
                    str(ROOT / "examples" / "register.db"),
                ],
                check=True,
                capture_output=True,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            ).stdout
        )
        scenarios = {
            "csv into a new register": [[big]],
            "json into a new register, then csv": [[example, "--format", "json"], [big]],
            "small csv into a large register": [[big], [small]],
            "--update of a register holding the first cases": [[head], [big, "--update"]],
        }
        for title, steps in scenarios.items():
            dumps, outputs = {}, {}
            for side, src in sources.items():
                home = tmp / f"home-{side}"
                home.mkdir(exist_ok=True)
                db = tmp / f"{side}-{len(dumps)}-{abs(hash(title))}.db"
                said = [
                    run(src, home, "import", str(s[0]), *map(str, s[1:]), "--db", str(db))
                    for s in steps
                ]
                outputs[side] = said
                dumps[side] = dump(db, args.rows_only)
            same = dumps["base"] == dumps["new"] and outputs["base"] == outputs["new"]
            rows = len(dumps["new"])
            print(f"  {'same' if same else 'DIFFERENT':<10}{rows:>9,} rows  {title}")
            if not same:
                failures += 1
                for a, b in zip(outputs["base"], outputs["new"], strict=True):
                    if a != b:
                        print(f"      output base: {a!r}\n      output new:  {b!r}")
                shown = 0
                for a, b in zip(dumps["base"], dumps["new"], strict=False):
                    if a != b and shown < 3:
                        print(f"      base: {a}\n      new:  {b}")
                        shown += 1
                if len(dumps["base"]) != len(dumps["new"]):
                    print(f"      {len(dumps['base'])} lines against {len(dumps['new'])}")
    print("all registers identical" if not failures else f"{failures} registers differ")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
