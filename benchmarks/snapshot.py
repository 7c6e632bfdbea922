"""Save what a set of commands print on the example register, to compare two versions.

    python benchmarks/snapshot.py OUTDIR          # run every command, one file each
    diff -r BEFORE AFTER                           # byte for byte

Each command runs on a fresh copy of examples/register.db (writes never touch
the example), through the installed entry point, with stdout, stderr and the
exit status kept. Dates are fixed with --as-of where a command takes it, so two
runs on one day compare equal. Useful before and after a change meant to leave
behaviour alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from typer.main import get_group

from reviewclock.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "register.db"
REFS = (
    "BSCP-2023-14",
    "BSCP-2024-05",
    "BSCP-2024-08",
    "BSCP-2024-09",
    "BSCP-2024-10",
    "BSCP-2024-11",
    "NOPE-1",
)
AS_OF = "2025-02-03"

COMMANDS: list[tuple[str, list[str]]] = [
    ("status", ["status", "--as-of", AS_OF]),
    ("status-today", ["status"]),
    ("status-all-json", ["status", "--all", "--json", "--as-of", AS_OF]),
    ("status-overdue", ["status", "--overdue", "--as-of", AS_OF]),
    ("status-due-within", ["status", "--due-within", "5", "--as-of", "2024-04-02"]),
    ("history", ["history", "BSCP-2024-08"]),
    ("history-missing", ["history", "NOPE-1"]),
    ("export-csv", ["export"]),
    ("export-json", ["export", "--format", "json", "--as-of", AS_OF]),
    ("export-csv-asof", ["export", "--as-of", "2024-06-01"]),
    ("stats-json", ["stats", "--json", "--year", "2024/25", "--as-of", AS_OF]),
    ("stats-csv", ["stats", "--csv", "--year", "2024/25", "--as-of", AS_OF]),
    ("stats-text", ["stats", "--year", "2024/25", "--as-of", AS_OF]),
    ("stats-text-2023", ["stats", "--year", "2023/24", "--as-of", AS_OF]),
    ("stats-md", ["stats", "--format", "markdown", "--year", "2024/25", "--as-of", AS_OF]),
    ("stats-html", ["stats", "--format", "html", "--year", "2024/25", "--as-of", AS_OF]),
    (
        "stats-fromto",
        ["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--csv", "--as-of", AS_OF],
    ),
    ("stats-format-json", ["stats", "--format", "json", "--year", "2024/25", "--as-of", AS_OF]),
    ("stats-default", ["stats", "--as-of", AS_OF, "--json"]),
    ("stats-bad-year", ["stats", "--year", "2024/26"]),
    ("stats-both", ["stats", "--year", "2024/25", "--from", "2024-01-01", "--to", "2024-02-01"]),
    ("stats-json-csv", ["stats", "--json", "--csv"]),
    ("stats-format-clash", ["stats", "--format", "csv", "--json"]),
    ("stats-half", ["stats", "--from", "2024-01-01"]),
    ("stats-backwards", ["stats", "--from", "2024-02-01", "--to", "2024-01-01"]),
    ("stats-chart-format", ["stats", "--format", "html", "--chart", "x.svg"]),
    ("stats-output-text", ["stats", "--output", "somewhere"]),
    ("stats-chart-suffix", ["stats", "--chart", "x.pdf", "--as-of", AS_OF]),
    ("due", ["due", "2023-05-05", "--working-days", "5"]),
    ("due-json", ["due", "2024-04-15", "--working-days", "-7", "--json"]),
    ("due-months", ["due", "2023-08-31", "--months", "6"]),
    ("due-bad", ["due", "2023-05-05"]),
    ("due-bad-nation", ["due", "2023-05-05", "-w", "5", "--nation", "XYZ"]),
    ("due-too-far", ["due", "2023-05-05", "-w", "99999999"]),
    ("amend", ["amend", "BSCP-2024-08", "notified", "--on", "2024-04-04", "--reason", "typo"]),
    (
        "amend-decision",
        ["amend", "BSCP-2024-08", "rapid-review-sent", "--decision", "lcspr", "--reason", "typo"],
    ),
    ("amend-missing", ["amend", "NOPE-1", "notified", "--on", "2024-04-04", "--reason", "x"]),
    ("record-delay", ["record", "BSCP-2024-10", "delay-notified", "--on", "2024-12-02"]),
    ("record-delay-none", ["record", "BSCP-2023-14", "delay-notified", "--on", "2024-12-02"]),
    (
        "record-delay-stage",
        ["record", "BSCP-2024-10", "delay-notified", "--on", "2024-12-02", "--stage", "lcspr"],
    ),
    ("record-bad-event", ["record", "BSCP-2024-10", "nonsense", "--on", "2024-12-02"]),
    ("record-future", ["record", "BSCP-2024-10", "published", "--on", "2999-01-01"]),
    ("add-sin", ["add-sin", "BSCP-2025-01", "--aware", "2025-01-06"]),
    ("add-sin-name", ["add-sin", "John Smith", "--aware", "2025-01-06"]),
    ("add-sin-dup", ["add-sin", "BSCP-2024-08", "--aware", "2025-01-06"]),
    ("delete", ["delete", "BSCP-2024-11", "--reason", "test", "--yes"]),
    ("doctor", ["doctor"]),
    ("report-missing-db", ["report", "--db", "/nonexistent/dir/x.db"]),
]
for fmt in ("text", "markdown", "html", "json"):
    COMMANDS.append((f"report-{fmt}", ["report", "--format", fmt, "--as-of", AS_OF]))
    COMMANDS.append(
        (
            f"report-{fmt}-soon",
            ["report", "--format", fmt, "--as-of", "2024-04-02", "--due-within", "5"],
        )
    )
for ref in REFS:
    COMMANDS.append((f"show-{ref}", ["show", ref, "--json", "--as-of", AS_OF]))
    COMMANDS.append((f"show-text-{ref}", ["show", ref, "--as-of", AS_OF]))
COMMANDS.append(("show-too-early", ["show", "BSCP-2024-08", "--as-of", "2020-01-01"]))
COMMANDS.append(("help", ["--help"]))
for command in get_group(app).commands:  # every command, whichever version is imported
    COMMANDS.append((f"help-{command}", [command, "--help"]))
for fmt in ("csv", "json"):
    COMMANDS.append((f"export-{fmt}-for-import", ["export", "--format", fmt]))


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    # The entry point of whichever reviewclock this interpreter imports: set PYTHONPATH to
    # another tree's src/ to snapshot that version with the same interpreter.
    exe = [sys.executable, "-m", "reviewclock"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CONFIG_HOME": tmp, "XDG_DATA_HOME": tmp, "COLUMNS": "200"}
        env.pop("REVIEWCLOCK_DB", None)
        for name, args in COMMANDS:
            db = Path(tmp) / "register.db"
            shutil.copyfile(EXAMPLE, db)
            full = [*exe, *args]
            if "--db" not in args:
                full += ["--db", str(db)] if args[0] not in ("due", "--help") else []
            run = subprocess.run(full, capture_output=True, env=env, cwd=tmp)
            (out / name).write_bytes(
                (run.stdout + b"\n--- stderr ---\n" + run.stderr).replace(tmp.encode(), b"TMP")
                + f"\n--- exit {run.returncode} ---\n".encode()
            )
        # import: a file exported from the example, into a missing register (dry run and real),
        # and a broken file into a missing register.
        csv = Path(tmp) / "cases.csv"
        csv.write_bytes(
            subprocess.run(
                [*exe, "export", "--db", str(EXAMPLE)], capture_output=True, env=env
            ).stdout
        )
        bad = Path(tmp) / "bad.csv"
        bad.write_text(csv.read_text().replace("2024-", "2024-13-", 3))
        for name, args in [
            ("import-dry-missing", ["import", str(csv), "--dry-run"]),
            ("import-bad-missing", ["import", str(bad)]),
            ("import-bad-dry-missing", ["import", str(bad), "--dry-run"]),
            ("import-missing", ["import", str(csv)]),
        ]:
            db = Path(tmp) / "fresh" / "new.db"
            shutil.rmtree(db.parent, ignore_errors=True)
            db.parent.mkdir()
            run = subprocess.run([*exe, *args, "--db", str(db)], capture_output=True, env=env)
            (out / name).write_bytes(
                run.stdout.replace(str(tmp).encode(), b"TMP")
                + b"\n--- stderr ---\n"
                + run.stderr.replace(str(tmp).encode(), b"TMP")
                + f"\n--- exit {run.returncode} --- exists {db.exists()}\n".encode()
            )
    print(f"{len(COMMANDS) + 4} outputs in {out}")


if __name__ == "__main__":
    main()
