"""`reviewclock due`, the configuration file, and what --help and `due` import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import assert_refused, imported_modules, run, run_process


def test_due_worked_examples() -> None:
    r = run("due", "2023-05-05", "--working-days", "5")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "2023-05-15"
    assert "Coronation of Charles III" in r.stdout
    r = run("due", "2023-08-31", "--months", "6")
    assert r.stdout.splitlines()[0] == "2024-02-29"


def test_due_says_when_a_date_is_at_the_weekend() -> None:
    r = run("due", "2026-08-28", "--months", "6")
    assert r.stdout.splitlines()[0] == "2027-02-28"
    assert "falls on a Sunday" in r.stdout
    assert "weekend" not in run("due", "2023-08-31", "--months", "6").stdout


def test_due_counts_back() -> None:
    assert run("due", "2024-04-15", "-w", "-7", "-q").stdout == "2024-04-04\n"
    assert run("due", "2024-04-15", "--working-days=-7", "-q").stdout == "2024-04-04\n"


def test_due_json() -> None:
    r = run("due", "2022-12-24", "--working-days", "5", "--json")
    data = json.loads(r.stdout)
    assert data["due"] == "2023-01-04" and data["weekend"] is False
    assert [s["date"] for s in data["skipped"]] == ["2022-12-26", "2022-12-27", "2023-01-02"]


def test_due_nation() -> None:
    assert run("due", "2023-12-29", "-w", "1", "-q").stdout == "2024-01-02\n"
    assert run("due", "2023-12-29", "-w", "1", "-q", "--nation", "SCT").stdout == "2024-01-03\n"


def test_numbers_are_read_whatever_their_leading_zeros() -> None:
    """Tue 2 Jan 2024, five working days on: Tue 9 Jan (no holiday between)."""
    assert run("due", "2024-01-02", "-w", "0" * 5000 + "5", "-q").stdout == "2024-01-09\n"
    assert run("due", "2024-01-02", "-w", "\u0665", "-q").stdout == "2024-01-09\n"  # Arabic-Indic 5


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["2023-02-30", "-w", "5"], ["'2023-02-30'", "February 2023 has 28 days", "YYYY-MM-DD"]),
        (["2023-13-01", "-w", "5"], ["'2023-13-01'", "no month 13"]),
        (["tomorrow", "-w", "5"], ["'tomorrow'", "YYYY-MM-DD"]),
        (["2024/01/03", "-w", "5"], ["'2024/01/03'"]),
        (["2023-05-05", "--working-days", "x"], ["'x'", "whole number"]),
        # More digits than Python reads as a number: named by its length, not echoed whole.
        (["2023-05-05", "-w", "9" * 5000], ["'999999999999...' has 5000 digits", "such as 5"]),
        (["2023-05-05", "-w", "-" + "9" * 5000], ["has 5000 digits"]),
        (["2023-05-05", "-m", "1" * 13], ["'111111111111...' has 13 digits, far too many"]),
        (["2023-05-05", "-w", "\u00b2"], ["'\u00b2' is not a whole number"]),
        (["2023-05-05", "-w", "1_000"], ["'1_000' is not a whole number"]),
        (["2023-05-05", "-w", "x" * 5000], ["'xxxxxxxxxxxxxxxxxxxx'... (5000 characters)"]),
        (["9" * 5000, "-w", "5"], ["'99999999999999999999'... (5000 characters) is not a date"]),
        (["2023-05-05", "-w", "5", "-m", "6"], ["exactly one of"]),
        (["2023-05-05"], ["exactly one of"]),
        (["2023-05-05", "-w", "5", "--nation", "XYZ"], ["'XYZ'", "ENG, WLS, SCT, NIR"]),
        # A script's --nation "$NATION" with the variable unset is not taken for England.
        (["2023-05-05", "-w", "5", "--nation", ""], ["--nation is blank", "leave it out"]),
        ([], ["Missing argument 'DATE'"]),
    ],
)
def test_due_bad_input(args: list[str], fragments: list[str]) -> None:
    r = run("due", *args)
    assert_refused(r, 2, *fragments)
    assert len(r.stderr) < 300


def test_due_says_one_in_the_singular() -> None:
    # Tue 2 Jan 2024 + 1 working day = Wed 3 Jan; Wed 31 Jan + 1 month = Thu 29 Feb (leap year).
    assert (
        "Wed 2024-01-03: 1 working day after Tue 2024-01-02"
        in run("due", "2024-01-02", "-w", "1").stdout
    )
    assert (
        "Thu 2024-02-29: 1 month after Wed 2024-01-31"
        in run("due", "2024-01-31", "--months", "1").stdout
    )
    assert "5 working days after" in run("due", "2024-01-02", "-w", "5").stdout


def write_config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return {"REVIEWCLOCK_CONFIG": str(path)}


def test_config_sets_nation_and_closures(tmp_path: Path) -> None:
    env = write_config(tmp_path, 'nation = "SCT"\nextra_closures = [2024-01-03, "2024-01-04"]\n')
    assert run("due", "2023-12-29", "-w", "1", "-q", env=env).stdout == "2024-01-05\n"
    # The command line's --nation wins over the file's; the closures still apply.
    assert (
        run("due", "2023-12-29", "-w", "1", "-q", "--nation", "ENG", env=env).stdout
        == "2024-01-02\n"
    )
    assert (
        run("due", "2024-01-02", "-w", "1", "-q", "--nation", "ENG", env=env).stdout
        == "2024-01-05\n"
    )


def test_config_in_the_platform_directory(_isolated_home: Path) -> None:
    path = _isolated_home / "config" / "reviewclock" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("extra_closures = [2024-01-02]\n")
    assert run("due", "2023-12-29", "-w", "1", "-q").stdout == "2024-01-03\n"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("nation = [", ["not valid TOML"]),
        ('nation = "FR"', ["key 'nation'", "'FR'"]),
        ("due_soon_days = -1", ["key 'due_soon_days'", "-1"]),
        ('due_soon_days = "two"', ["key 'due_soon_days'"]),
        ('extra_closures = ["2024-02-30"]', ["key 'extra_closures'", "'2024-02-30'"]),
        ("extra_closures = 2024-01-01", ["key 'extra_closures'"]),
        # A year typed wrong: the closure meant would be lost without a word.
        ("extra_closures = [2204-12-24]", ["key 'extra_closures'", "2204-12-24", "2100-12-31"]),
        ("extra_closures = [0001-01-01]", ["key 'extra_closures'", "0001-01-01", "2000-01-01"]),
        ('rapid_review_from = "decision"', ["key 'rapid_review_from'", "'decision'"]),
        ('delay_kinds = ["civil"]', ["key 'delay_kinds'", "'civil'"]),
        ('natoin = "ENG"', ["unknown key 'natoin'"]),
    ],
)
def test_malformed_config(tmp_path: Path, text: str, fragments: list[str]) -> None:
    env = write_config(tmp_path, text)
    r = run("due", "2024-01-02", "-w", "1", env=env)
    assert_refused(r, 1, "config.toml", *fragments)


def test_a_config_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    """Saved in Windows' own encoding: the file and the byte are named, not a bug. A UTF-8
    file with a byte order mark first (as Notepad may save it) is read."""
    path = tmp_path / "config.toml"
    path.write_bytes(b'nation = "ENG"\n# caf\xe9\n')
    r = run("due", "2024-01-02", "-w", "1", env={"REVIEWCLOCK_CONFIG": str(path)})
    assert_refused(
        r, 1, str(path), "is not UTF-8 text (byte 0xe9 at offset 20)", "save it as UTF-8"
    )
    # Tue 2 Jan 2024 closed: one working day after Fri 29 Dec 2023 is Wed 3 Jan.
    path.write_bytes(b"\xef\xbb\xbfextra_closures = [2024-01-02]\n")
    r = run("due", "2023-12-29", "-w", "1", "-q", env={"REVIEWCLOCK_CONFIG": str(path)})
    assert (r.exit_code, r.stdout, r.stderr) == (0, "2024-01-03\n", "")


def test_config_named_but_missing(tmp_path: Path) -> None:
    r = run("due", "2024-01-02", "-w", "1", env={"REVIEWCLOCK_CONFIG": str(tmp_path / "nope.toml")})
    assert_refused(r, 1, "nope.toml", "does not exist")


def test_every_command_has_help_with_an_example() -> None:
    from typer.main import get_group

    from reviewclock.cli import app

    group = get_group(app)
    for name, command in group.commands.items():
        assert command.help, name
        r = run(name, "--help")
        assert r.exit_code == 0
        usage = r.stdout.splitlines()[0]  # e.g. "Usage: reviewclock show [OPTIONS] REF"
        assert usage.startswith(f"Usage: reviewclock {name} [OPTIONS]"), usage
        assert "{" not in usage and "}" not in usage, usage
        # In the examples below the options, not the usage line at the top.
        assert "  Examples:\n" in r.stdout, f"{name} --help shows no examples"
        examples = r.stdout.split("  Examples:\n", 1)[1].splitlines()
        assert any(line.strip().startswith(f"reviewclock {name} ") for line in examples), (
            f"{name} --help shows no example of {name}"
        )


STORAGE = {"sqlmodel", "sqlalchemy", "alembic"}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["due", "--help"],
        ["due", "2023-05-05", "-w", "5"],
        ["due", "2023-08-31", "-m", "6"],
    ],
)
def test_help_and_due_do_not_import_the_storage_stack(args: list[str]) -> None:
    modules, _ = imported_modules(*args)
    assert not {m for m in modules if m.split(".")[0] in STORAGE}


def test_completion_does_not_import_the_storage_stack() -> None:
    env = {
        "_REVIEWCLOCK_COMPLETE": "complete_bash",
        "COMP_WORDS": "reviewclock d",
        "COMP_CWORD": "1",
    }
    modules, out = imported_modules(env=env)
    assert "due" in out
    assert not {m for m in modules if m.split(".")[0] in STORAGE}


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--all", "--json"],
        ["report"],
        ["show", "R-1"],
        ["add-sin", "R-2", "--aware", "2024-03-28"],
        ["record", "R-1", "notified", "--on", "2024-04-02"],
    ],
)
def test_an_sqlite_register_is_read_and_written_without_sqlalchemy(
    tmp_path: Path, args: list[str]
) -> None:
    db = str(tmp_path / "r.db")
    assert run("add-sin", "R-1", "--aware", "2024-03-28", "--db", db).exit_code == 0
    modules, out = imported_modules(*args, "--db", db)
    assert "R-" in out
    assert "reviewclock.store.reading" in modules  # the register was opened
    assert not {m for m in modules if m.split(".")[0] in STORAGE}
    # Typer's value checks load pydantic, which only SQLModel needs.
    assert "pydantic" not in modules
    if args[0] not in ("add-sin", "record"):
        # A read loads neither the writes' checks nor the records of history and upkeep.
        assert not modules & {"reviewclock.checks", "reviewclock.store.records"}


def test_due_reads_the_holidays_version_without_importing_holidays() -> None:
    assert run("due", "2023-05-05", "-w", "5").exit_code == 0  # fills the holiday cache
    modules, out = imported_modules("due", "2023-05-05", "-w", "5", "--quiet")
    assert out == "2023-05-15\n"
    assert "holidays" not in modules and "pydantic" not in modules
    # Nor what only other commands need: the metadata reader (the cache is named from the
    # .dist-info directory), the clock and its case records, the phrases of the reports;
    # nor the TOML reader, when there is no settings file to read.
    assert not modules & {
        "tomllib",
        "importlib.metadata",
        "reviewclock.clock",
        "reviewclock.casefile",
        "reviewclock.render.phrases",
    }


def test_entry_point_runs_in_a_subprocess() -> None:
    proc = run_process("due", "2024-03-28", "--working-days", "5", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "2024-04-08\n"
    bad = run_process("due", "2023-02-30", "-w", "5")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


WHOLE_APP = "from reviewclock.cli import app; app(prog_name='reviewclock')"


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--help"],
        ["status", "--bogus"],
        ["statu"],
        ["--help"],
        ["--version"],
        ["due", "2024-03-28", "-w", "5"],
        ["due", "--nation", "XX", "2024-03-28", "-w", "5"],
    ],
)
def test_the_entry_point_answers_as_the_whole_app_does(args: list[str]) -> None:
    """The entry point builds only the command it runs; what it prints, and its exit
    status, are what the app with every command gives."""
    whole = subprocess.run(
        [sys.executable, "-c", WHOLE_APP, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    proc = run_process(*args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        whole.returncode,
        whole.stdout,
        whole.stderr,
    )


@pytest.mark.parametrize(
    ("args", "built"),
    [(["due", "2024-03-28", "-w", "5"], 1), (["--help"], 15), (["statu"], 15)],
)
def test_the_entry_point_builds_only_the_command_it_runs(args: list[str], built: int) -> None:
    code = (
        "import sys; from reviewclock.cli import app, main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(len(app.registered_commands), file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )
    assert proc.stderr.splitlines()[-1] == str(built), proc.stderr
