"""Check that two versions of reviewclock print the same bytes for the same registers.

Run:  python benchmarks/compare_outputs.py --base REF [--sizes 20000]

REF is a git commit (or branch) of this repository; its ``src`` is unpacked
into a temporary directory and run with the same interpreter as this
checkout. Both versions run on the example register and on generated
registers of the given sizes (each version on its own copy, since a newer
version may upgrade the schema), for `status` (table and JSON, open and
--all, now and looking back), `report` in every format, `show --json`,
`export` in every format and `stats --json`. The one difference allowed is
the DTSTAMP line of the calendar feed, which is the time the feed was made.
Exits 1 if any output differs.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _versions import ROOT, unpack, version_env
from registers import TODAY, write


def commands(refs: list[str], as_of: str, year: str) -> list[list[str]]:
    out = [
        ["status", "--as-of", as_of],
        ["status", "--as-of", as_of, "--all"],
        ["status", "--as-of", as_of, "--json"],
        ["status", "--as-of", as_of, "--all", "--json"],
        ["status", "--as-of", as_of, "--overdue", "--json"],
        ["status", "--as-of", as_of, "--due-within", "5"],
        *(["report", "--as-of", as_of, "--format", f] for f in REPORT_FORMATS),
        *(["show", ref, "--as-of", as_of, "--json"] for ref in refs),
        *(["export", "--as-of", as_of, "--format", f] for f in ("csv", "json", "ics")),
        ["stats", "--year", year, "--as-of", as_of, "--json"],
    ]
    return out


REPORT_FORMATS = ("text", "markdown", "html", "json", "csv")


def run(src: Path, args: list[str], db: Path, home: Path) -> tuple[int, bytes]:
    env = version_env(src, home, COLUMNS="200")
    proc = subprocess.run(
        [sys.executable, "-m", "reviewclock", *args, "--db", str(db)],
        capture_output=True,
        env=env,
        timeout=600,
    )
    return proc.returncode, proc.stdout + b"\n-- stderr --\n" + proc.stderr


def normalise(args: list[str], out: bytes) -> bytes:
    if "ics" in args:
        return b"\n".join(line for line in out.split(b"\n") if not line.startswith(b"DTSTAMP"))
    return out


def compare(base: Path, new: Path, db: Path, refs: list[str], as_of: str, year: str) -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        copies = {}
        for side in ("base", "new"):
            copies[side] = Path(tmp) / f"{side}.db"
            shutil.copy(db, copies[side])
            (Path(tmp) / side).mkdir()
        for args in commands(refs, as_of, year):
            got = {}
            for side, src in (("base", base), ("new", new)):
                code, out = run(src, args, copies[side], Path(tmp) / side)
                got[side] = (code, normalise(args, out))
            same = got["base"] == got["new"]
            size = len(got["new"][1])
            print(f"  {'same' if same else 'DIFFERENT':<10}{size:>11,} bytes  {' '.join(args)}")
            if not same:
                failures += 1
                a = got["base"][1].decode(errors="replace").splitlines()
                b = got["new"][1].decode(errors="replace").splitlines()
                for line in list(difflib.unified_diff(a, b, "base", "new", lineterm=""))[:20]:
                    print(f"      {line}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git commit to compare against")
    parser.add_argument("--sizes", default="20000")
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        unpack(args.base, base, "src", "examples/register.db")
        base_src, new_src = base / "src", ROOT / "src"
        refs = ["BSCP-2023-14", "BSCP-2024-05", "BSCP-2024-11"]
        for as_of in ("2025-03-03", "2024-07-01"):
            print(f"example register, as of {as_of}")
            example = base / "examples" / "register.db"  # as the base version left it
            failures += compare(base_src, new_src, example, refs, as_of, "2024/25")
        for n in [int(s) for s in args.sizes.split(",") if s]:
            csv_path = write(Path(tmp) / f"r{n}.csv", n)
            db = Path(tmp) / f"r{n}.db"
            env = {**os.environ, "PYTHONPATH": str(base_src)}
            subprocess.run(
                [sys.executable, "-m", "reviewclock", "import", str(csv_path), "--db", str(db)],
                check=True,
                capture_output=True,
                env=env,
            )
            refs = [f"BENCH-{i:06d}" for i in (1, n // 3, n // 2, n)]
            print(f"generated register of {n:,} cases, as of {TODAY}")
            failures += compare(base_src, new_src, db, refs, TODAY.isoformat(), "2025/26")
    print("all outputs identical" if not failures else f"{failures} outputs differ")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
