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


# The example register on Mon 3 February 2025, worked by hand from build-register.sh.
# Bank holidays on the way: 29 May and 25-26 Dec 2023, 1 Jan, 29 Mar and 1 Apr 2024,
# 25-26 Dec 2024 and 1 Jan 2025.
EXAMPLE_STAGES = [
    # Aware Mon 4 Nov 2024: notify by Mon 11 Nov (5, 6, 7, 8, 11), done Fri 8 Nov.
    # Notified Fri 8 Nov: rapid review by Fri 29 Nov (11-15, 18-22, 25-29), sent 6 Dec.
    # Sent Fri 6 Dec: the Panel by Tue 31 Dec (9-13, 16-20, 23, 24, 27, 30, 31); none yet.
    (
        "BSCP-2024-08",
        [
            ("sin", "2024-11-11", "2024-11-08", "met"),
            ("rapid-review", "2024-11-29", "2024-12-06", "met-late"),
            ("panel-response", "2024-12-31", None, "overdue"),
        ],
    ),
    # Aware Mon 6 Jan 2025: by Mon 13 Jan. Notified Fri 10 Jan: by Fri 31 Jan; not sent.
    (
        "BSCP-2024-09",
        [
            ("sin", "2025-01-13", "2025-01-10", "met"),
            ("rapid-review", "2025-01-31", None, "overdue"),
        ],
    ),
    # Aware Mon 3 Jun 2024: by Mon 10 Jun. Notified Fri 7 Jun: by Fri 28 Jun, sent that day.
    # Sent Fri 28 Jun: the Panel by Fri 19 Jul, answered 18 Jul. Commissioned 25 Jul:
    # by Sat 25 Jan 2025, past due with a criminal trial running since 2 Sep 2024.
    (
        "BSCP-2024-05",
        [
            ("sin", "2024-06-10", "2024-06-07", "met"),
            ("rapid-review", "2024-06-28", "2024-06-28", "met"),
            ("panel-response", "2024-07-19", "2024-07-18", "met"),
            ("lcspr", "2025-01-25", None, "delayed-proceedings"),
        ],
    ),
    # Aware Tue 28 Jan 2025: by Tue 4 Feb, 1 working day left (due soon); the rapid review
    # runs from awareness until notified: Tue 18 Feb (29-31 Jan, 3-7, 10-14, 17, 18 Feb).
    (
        "BSCP-2024-11",
        [("sin", "2025-02-04", None, "due-soon"), ("rapid-review", "2025-02-18", None, "on-track")],
    ),
    # Aware Mon 20 Jan 2025: by Mon 27 Jan, done Thu 23 Jan. Notified Thu 23 Jan: the rapid
    # review by Thu 13 Feb (24, 27-31 Jan, 3-7, 10-13 Feb), 8 working days away.
    (
        "BSCP-2024-10",
        [
            ("sin", "2025-01-27", "2025-01-23", "met"),
            ("rapid-review", "2025-02-13", None, "on-track"),
        ],
    ),
    # Aware Mon 4 Sep 2023: by Mon 11 Sep. Notified Thu 7 Sep: by Thu 28 Sep (8, 11-15,
    # 18-22, 25-28). Sent Tue 26 Sep: the Panel by Tue 17 Oct. Commissioned 20 Oct 2023:
    # by Sat 20 Apr 2024, published 12 Apr. Planned for Fri 12 Apr: the final report at
    # least 7 working days before, by Wed 3 Apr (11, 10, 9, 8, 5, 4, 3 Apr), sent 28 Mar.
    (
        "BSCP-2023-14",
        [
            ("sin", "2023-09-11", "2023-09-07", "met"),
            ("rapid-review", "2023-09-28", "2023-09-26", "met"),
            ("panel-response", "2023-10-17", "2023-10-13", "met"),
            ("lcspr", "2024-04-20", "2024-04-12", "met"),
            ("publication-notice", "2024-04-03", "2024-03-28", "met"),
        ],
    ),
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
    assert stage_view(built) == EXAMPLE_STAGES
    assert stage_view(EXAMPLE) == EXAMPLE_STAGES


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
    # "It holds six made-up cases; status lists the five still open."
    assert "It holds six\nmade-up cases; `status` lists the five still open" in readme
    assert r.stdout.splitlines()[-1].startswith("5 cases;")
    everything = run(*status_cmd[1:], "--all")
    assert everything.stdout.splitlines()[-1].startswith("6 cases;")


def test_readme_digest_is_what_report_prints_for_the_example() -> None:
    readme = (ROOT / "README.md").read_text()
    [shown] = re.findall(r"```text\n(reviewclock digest for .*?)```", readme, re.S)
    r = run("report", "--db", str(EXAMPLE), "--as-of", "2025-02-03")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == shown
    # And what it shows is right, worked by hand (see EXAMPLE_STAGES for the due dates).
    lines = [line.split() for line in shown.splitlines()]
    assert shown.startswith(
        "reviewclock digest for Mon 2025-02-03: 2 overdue, 1 delayed by proceedings, 1 due soon\n"
    )
    by_ref = {line[0]: line for line in lines if line and line[0].startswith("BSCP-")}
    assert sorted(by_ref) == ["BSCP-2024-05", "BSCP-2024-08", "BSCP-2024-09", "BSCP-2024-11"]
    # Due Tue 31 Dec 2024; by Mon 3 Feb: 2, 3, 6-10, 13-17, 20-24, 27-31 Jan, 3 Feb = 23.
    assert by_ref["BSCP-2024-08"][1:8] == [
        "panel-response", "due", "Tue", "2024-12-31", "23", "working", "days",
    ]  # fmt: skip
    assert "chase the Panel" in " ".join(by_ref["BSCP-2024-08"])
    # Due Fri 31 Jan 2025: Mon 3 Feb is one working day late.
    assert by_ref["BSCP-2024-09"][1:7] == [
        "rapid-review",
        "due",
        "Fri",
        "2025-01-31",
        "1",
        "working",
    ]
    # Due Sat 25 Jan 2025, under criminal proceedings since Mon 2 Sep 2024: 107 working days
    # to 3 Feb (20 in Sep, 23 in Oct, 21 in Nov, 20 in Dec, 22 in Jan, 1 in Feb).
    delayed = " ".join(by_ref["BSCP-2024-05"])
    # Late is late from the first working day after a Saturday due date: Mon 27 Jan is the
    # first (27-31 Jan), Mon 3 Feb the sixth.
    assert delayed.startswith("BSCP-2024-05 lcspr due Sat 2025-01-25 6 working days late ")
    assert "criminal proceedings since Mon 2024-09-02, still running (107 working days)" in delayed
    assert "PANEL NOT YET TOLD" in delayed
    # Aware Tue 28 Jan 2025: notify by Tue 4 Feb, one working day left.
    assert by_ref["BSCP-2024-11"][1:8] == ["sin", "due", "Tue", "2025-02-04", "1", "working", "day"]
    sections = [line for line in shown.splitlines() if line and not line.startswith(" ")]
    assert sections[1:] == ["Overdue (2)", "Delayed by proceedings (1)", "Due soon (1)"]


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


def test_readme_chart_is_the_committed_picture(tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    readme = (ROOT / "README.md").read_text()
    assert "![Timeliness chart for the example register](docs/timeliness-example.png)" in readme
    # The command the README gives for it draws the same picture again, pixel for pixel
    # (a small tolerance for another build of FreeType; a wrong bar is far above it).
    command = re.search(r"`(reviewclock stats --year 2024/25 [^`]*--chart [^`]*)`", readme, re.S)
    assert command is not None
    args = command.group(1).split()[1:]
    assert args[-2:] == ["--chart", "docs/timeliness-example.png"]
    drawn = tmp_path / "again.png"
    r = run(*args[:-1], str(drawn))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[3].split()[:4] == ["rapid-review", "2", "1", "1"]
    result = compare_images(str(ROOT / "docs" / "timeliness-example.png"), str(drawn), tol=5)
    assert result is None, result


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


def test_readme_quick_start_runs_as_written(tmp_path: Path) -> None:
    """The Quick start block, run by a shell as a new user would, in a new folder beside
    the virtual environment the README's install made."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Quick start\n") :]
    [block] = re.findall(r"```sh\n(.*?)```", section, re.S)[:1]
    assert block.startswith(". .venv/bin/activate")
    assert "export REVIEWCLOCK_DB=$(mktemp -d)/try.db" in block
    # Each command is announced on stdout, so its output can be told from the next one's.
    script = ["set -eu"]
    for line in block.splitlines():
        command = line.split("  #")[0].strip()
        if command and not command.startswith("#"):
            script += [f"echo '@@@ {command}'", line]
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWCLOCK_")}
    proc = subprocess.run(
        ["sh", "-c", "\n".join(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env, "TMPDIR": str(tmp_path / "tmp")},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = dict(part.split("\n", 1) for part in proc.stdout.split("@@@ ")[1:])
    # The scratch register was made where mktemp said, not in the user's data directory.
    [scratch] = list((tmp_path / "tmp").iterdir())
    assert (scratch / "try.db").exists()

    def row(command: str) -> list[str]:
        lines = outputs[command].splitlines()
        return next(line for line in lines if line.startswith("BSCP-2024-07")).split()

    # Aware Thu 28 March 2024; Good Friday (29 Mar) and Easter Monday (1 Apr) are not
    # working days, so the 5th working day is Mon 8 April (2, 3, 4, 5, 8 April). On Thu
    # 4 April two are left: Fri 5 and Mon 8.
    assert row("reviewclock status --as-of 2024-04-04")[:6] == [
        "BSCP-2024-07", "sin", "due-soon", "Mon", "2024-04-08", "2",
    ]  # fmt: skip
    # Notified Fri 5 April: the rapid review is due 15 working days later, Fri 26 April
    # (8-12, 15-19, 22-26 April). On Mon 22 April four are left: 23, 24, 25, 26.
    assert row("reviewclock status --due-within 5 --as-of 2024-04-22")[:6] == [
        "BSCP-2024-07", "rapid-review", "on-track", "Fri", "2024-04-26", "4",
    ]  # fmt: skip
    # Sent Thu 25 April: the Panel's answer is due 15 working days later, Fri 17 May
    # (26, 29, 30 April, 1-3 May, 7-10 May with Mon 6 May a bank holiday, 13-17 May).
    # On Mon 20 May it is one working day late.
    overdue = row("reviewclock status --overdue --as-of 2024-05-20")
    assert overdue[:7] == [
        "BSCP-2024-07", "panel-response", "overdue", "Fri", "2024-05-17", "1", "late",
    ]  # fmt: skip
    assert outputs["reviewclock status --as-of 2024-05-21"].splitlines()[-1].startswith("0 cases;")
    assert row("reviewclock status --all --as-of 2024-05-21")[2] == "met-late"
    shown = outputs["reviewclock show BSCP-2024-07 --as-of 2024-05-21"].splitlines()
    stages = {line.split()[0]: line for line in shown[2:5]}
    assert list(stages) == ["sin", "rapid-review", "panel-response"]
    assert "Fri 2024-04-05  met " in stages["sin"]  # met on Fri 5 April, due Mon 8 April
    assert "Thu 2024-04-25  met " in stages["rapid-review"]
    assert "Tue 2024-05-21  met-late" in stages["panel-response"]
    assert outputs["reviewclock due 2023-05-05 --working-days 5"].startswith("2023-05-15")
    assert outputs["reviewclock due 2023-08-31 --months 6"].startswith("2024-02-29")
