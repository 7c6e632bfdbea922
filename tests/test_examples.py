"""The example register and the README's commands really run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "register.db"


def stage_view(db: Path | str) -> list[tuple[str, list[tuple[str, str, str | None, str]]]]:
    r = run("status", "--all", "--json", "--db", str(db), "--as-of", "2025-02-03")
    assert r.exit_code == 0, r.stderr
    return [
        (c["ref"], [(s["stage"], s["due"], s["done"], s["state"]) for s in c["stages"]])
        for c in json.loads(r.stdout)
    ]


def test_the_build_script_makes_the_committed_example(tmp_path: Path) -> None:
    built = tmp_path / "example.db"
    env = {**os.environ, "REVIEWCLOCK": str(Path(sys.executable).parent / "reviewclock")}
    proc = subprocess.run(
        ["sh", str(ROOT / "examples" / "build-register.sh"), str(built)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert stage_view(built) == stage_view(EXAMPLE)


def test_the_example_shows_every_open_state() -> None:
    r = run("status", "--json", "--db", str(EXAMPLE), "--as-of", "2025-02-03")
    states = {s["state"] for c in json.loads(r.stdout) for s in c["stages"]}
    assert states >= {"overdue", "delayed-proceedings", "due-soon", "on-track", "met", "met-late"}


def test_readme_first_command_runs_the_example() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "examples/register.db" in first and "reviewclock status" in first
    ci = (ROOT / ".ci" / "run").read_text()
    assert second in ci.splitlines(), "CI must run exactly the README's test command"
    # Run the part after the install, as the README gives it.
    status_cmd = first.split("&& ")[-1].split()
    assert status_cmd[0].endswith("reviewclock")
    r = run(*status_cmd[1:])
    assert r.exit_code == 0, r.stderr
    assert "BSCP-2024-05" in r.stdout and "delayed-proceedings" in r.stdout


def test_readme_digest_is_what_report_prints_for_the_example() -> None:
    readme = (ROOT / "README.md").read_text()
    [shown] = re.findall(r"```text\n(reviewclock digest for .*?)```", readme, re.S)
    r = run("report", "--db", str(EXAMPLE), "--as-of", "2025-02-03")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == shown


def test_example_register_is_at_the_newest_schema() -> None:
    """So that running the README's first command does not migrate a tracked file."""
    import sqlite3

    from reviewclock.migrations import HEAD

    with sqlite3.connect(f"file:{EXAMPLE}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def _cron_commands() -> list[list[str]]:
    cron = ROOT / "examples" / "cron"
    lines = [
        line
        for line in (cron / "crontab").read_text().splitlines()
        if line and not line.startswith("#") and "reviewclock" in line and "report" in line
    ]
    lines += [
        line.split("=", 1)[1]
        for line in (cron / "reviewclock-digest.service").read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    assert len(lines) == 2
    return [line[line.index("report") :].split() for line in lines]


def test_cron_examples_use_real_options(tmp_path: Path) -> None:
    for args in _cron_commands():
        # Without mail settings the command is refused for that reason, not for its options.
        r = run(*args, "--db", str(EXAMPLE), "--as-of", "2025-02-03")
        assert r.exit_code == 1, r.stderr
        assert "no mail server is configured" in r.stderr


def test_timer_schedule_is_valid() -> None:
    import shutil

    import pytest

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    timer = (ROOT / "examples" / "cron" / "reviewclock-digest.timer").read_text()
    [spec] = [
        line.split("=", 1)[1] for line in timer.splitlines() if line.startswith("OnCalendar=")
    ]
    proc = subprocess.run(["systemd-analyze", "calendar", spec], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_readme_chart_is_the_committed_picture() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "![Timeliness chart for the example register](docs/timeliness-example.png)" in readme
    data = (ROOT / "docs" / "timeliness-example.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    rows = ["ref,aware,notified"] + [f"P-{i:04d},2024-03-04,2024-03-05" for i in range(600)]
    (tmp_path / "many.csv").write_text("\n".join(rows) + "\n")
    db = tmp_path / "many.db"
    assert run("import", str(tmp_path / "many.csv"), "--db", str(db)).exit_code == 0
    exe = Path(sys.executable).parent / "reviewclock"
    # Far more than a pipe holds, so the writer meets a closed pipe (Typer's own handling
    # ends the command quietly).
    assert len(run("export", "--format", "json", "--db", str(db)).stdout) > 200_000
    proc = subprocess.run(
        f"'{exe}' export --format json --db '{db}' | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout == '[\n{"ref": '
    assert proc.stderr == ""
