"""`status` run without Typer: it reads its command line as the Typer app does, answers as
the app does (output, messages, exit status), and leaves to the app whatever it cannot read."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import imported_modules, run_process
from reviewclock.cli import status

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "register.db"
WHOLE_APP = "from reviewclock.cli import app; app(prog_name='reviewclock')"


def typer_reads(args: list[str]) -> dict[str, Any]:
    """The parameters the Typer app's ``status`` command gets from ``args``."""
    from typer.main import get_command

    from reviewclock.cli import app

    group = get_command(app)
    root = group.make_context("reviewclock", ["status"], resilient_parsing=True)
    command = group.get_command(root, "status")  # type: ignore[attr-defined]
    return dict(command.make_context("status", list(args), parent=root).params)


def test_the_table_names_every_option_of_the_command_and_its_default() -> None:
    """An option added to `status` must be added here too (until it is, a command line that
    gives it goes to Typer, which is slower but right)."""
    from typer.main import get_command

    from reviewclock.cli import app

    group = get_command(app)
    root = group.make_context("reviewclock", ["status"], resilient_parsing=True)
    command = group.get_command(root, "status")  # type: ignore[attr-defined]
    options = {opt for param in command.params for opt in param.opts}
    assert options == set(status.FLAGS) | set(status.VALUED)
    assert typer_reads([]) == status.DEFAULTS == status.read_arguments([])


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--all"],
        ["--overdue", "--json"],
        ["--as-of", "2024-04-02"],
        ["--as-of=02/04/2024"],  # day first, attached with '='
        ["--due-within", "5", "--db", "reg.db"],
        ["--due-within= 0", "--all", "--overdue", "--json", "--db=x=y.db"],
        ["--db", "sqlite:///reg.db", "--as-of", "2012-06-05"],
        ["--db", "postgresql+psycopg://officer@db.example/register"],
    ],
)
def test_a_plain_command_line_is_read_as_typer_reads_it(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVIEWCLOCK_DB", raising=False)
    read = status.read_arguments(args)
    assert read is not None
    assert read == typer_reads(args)


def test_the_register_from_the_environment_as_typer_takes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REVIEWCLOCK_DB", "from-env.db")
    for args in ([], ["--db", "given.db"]):
        assert status.read_arguments(args) == typer_reads(args)
    assert status.read_arguments([])["db"] == "from-env.db"  # type: ignore[index]
    monkeypatch.setenv("REVIEWCLOCK_DB", "")  # empty: no register named
    assert status.read_arguments([]) == typer_reads([]) == status.DEFAULTS


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["--bogus"],
        ["--al"],  # not an abbreviation
        ["--all=yes"],
        ["--as-of"],  # no value
        ["--as-of", "2025-13-03"],
        ["--as-of", "1066-10-14"],  # outside the supported range
        ["--as-of="],
        ["--due-within", "-1"],
        ["--due-within", "five"],
        ["--db", ""],
        ["--db", "--json"],
        ["--all", "--all"],
        ["--as-of", "2024-01-02", "--as-of", "2024-01-03"],
        ["--", "--all"],
        ["extra"],
    ],
)
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert status.read_arguments(args) is None


def whole_app(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WHOLE_APP, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--as-of", "2025-02-03"],
        ["status", "--as-of=2025-03-01", "--overdue"],
        ["status", "--as-of", "2025-02-03", "--due-within", "10"],
        ["status", "--as-of", "2025-02-03", "--all", "--json"],
        ["status", "--as-of", "2024-01-02"],  # before any case was known
        ["status", "--as-of", "2025-13-03"],  # Typer refuses it: exit 2
        ["status", "--due-within", "-3"],
        ["status", "--overdue", "--overdue"],
        ["status", "--help"],
    ],
)
def test_the_entry_point_answers_as_the_whole_app_does(tmp_path: Path, args: list[str]) -> None:
    import os

    db = tmp_path / "register.db"
    shutil.copyfile(EXAMPLE, db)
    env = {**os.environ, "REVIEWCLOCK_DB": str(db), "COLUMNS": "120"}
    whole = whole_app(args, env)
    proc = run_process(*args, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        whole.returncode,
        whole.stdout,
        whole.stderr,
    )
    assert "Traceback" not in proc.stderr
    if args[-1] != "--help":
        assert proc.stdout or proc.stderr  # it did answer something


@pytest.mark.parametrize(
    ("setup", "args", "fragment"),
    [
        ("missing", ["--db", "{tmp}/nowhere/register.db"], "nowhere"),
        ("not-a-register", ["--db", "{tmp}/notes.txt"], "notes.txt"),
        ("bad-config", [], "config.toml"),
    ],
)
def test_refusals_read_the_same_either_way(
    tmp_path: Path, setup: str, args: list[str], fragment: str
) -> None:
    import os

    env = {**os.environ}
    env.pop("REVIEWCLOCK_DB", None)
    (tmp_path / "notes.txt").write_text("not a register\n")
    if setup == "bad-config":
        (tmp_path / "config.toml").write_text('natoin = "ENG"\n')
        env["REVIEWCLOCK_CONFIG"] = str(tmp_path / "config.toml")
        shutil.copyfile(EXAMPLE, tmp_path / "register.db")
        args = ["--db", "{tmp}/register.db"]
    full = ["status", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    proc = run_process(*full, env=env)
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert line.startswith("reviewclock: error: ") and fragment in line, line
    whole = whole_app(full, env)
    assert (whole.returncode, whole.stdout, whole.stderr) == (1, proc.stdout, proc.stderr)


def test_status_loads_no_typer_and_its_help_does(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    shutil.copyfile(EXAMPLE, db)
    modules, out = imported_modules("status", "--db", str(db), "--as-of", "2025-02-03")
    assert "BSCP-2024-" in out
    assert not {m for m in modules if m.split(".")[0] in {"typer", "click"}}
    assert "reviewclock.cli.typerapp" not in modules
    modules, out = imported_modules("status", "--help")
    assert out.startswith("Usage: reviewclock status [OPTIONS]")
    assert "typer" in modules


def test_an_argument_in_another_encoding_is_refused_as_the_app_refuses_it(tmp_path: Path) -> None:
    import os

    exe = str(Path(sys.executable).parent / "reviewclock")
    args = [b"status", b"--db", os.fsencode(str(tmp_path)) + b"/r\xe9gister.db"]
    proc = subprocess.run([exe.encode(), *args], capture_output=True, timeout=60)
    whole = subprocess.run(
        [sys.executable.encode(), b"-c", WHOLE_APP.encode(), *args], capture_output=True, timeout=60
    )
    assert proc.returncode == 2
    assert b"r\\xe9gister.db" in proc.stderr and proc.stderr.count(b"\n") == 1
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        whole.returncode,
        whole.stdout,
        whole.stderr,
    )
    assert not list(tmp_path.iterdir())  # no register was made


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--as-of", "2025-02-03"],
        ["status", "--as-of", "2025-02-03", "--all", "--json"],
        ["status", "--db", "{db}", "--db", "{db}"],  # given twice: read by Typer
        ["due", "2024-03-28", "-w", "5"],
    ],
)
def test_a_reader_that_has_gone_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    """`reviewclock status | head -1`: once the reader has stopped, the command stops too,
    with no message about the pipe (and no traceback), whichever way it was run."""
    import os

    db = tmp_path / "register.db"
    shutil.copyfile(EXAMPLE, db)
    args = [a.replace("{db}", str(db)) for a in args]
    exe = str(Path(sys.executable).parent / "reviewclock")
    # Output held in Python's buffer until the end (as from cron or a shell), and not.
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    buffered["REVIEWCLOCK_DB"] = str(db)
    for env, command in itertools.product(
        (buffered, {**buffered, "PYTHONUNBUFFERED": "1"}),
        ([exe, *args], [sys.executable, "-c", WHOLE_APP, *args]),
    ):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first line is written
        try:
            proc = subprocess.run(
                command, stdout=write, stderr=subprocess.PIPE, text=True, env=env, timeout=60
            )
        finally:
            os.close(write)
        assert (proc.returncode, proc.stderr) == (1, ""), command
