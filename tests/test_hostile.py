"""Hostile input and bad moments: nothing written that breaks the register, nothing leaked,
one clear line every time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers import assert_refused, run

AS_OF = "2024-06-03"


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    r = run(*args, env=env)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout


def dump(path: Path | str) -> list[tuple[object, ...]]:
    """Every row of every table: what 'the register is unchanged' compares."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, *row) for t in sorted(tables) for row in conn.execute(f"SELECT * FROM {t}")]


def export(db: str, *args: str) -> str:
    """What export writes, byte for byte (the runner's ``stdout`` turns CR LF into LF)."""
    from typer.testing import CliRunner

    from reviewclock.cli import app

    result = CliRunner().invoke(app, ["export", *args, "--db", db], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "register.db")
    ok("add-sin", "Y-1", "--aware", "2024-01-02", "--db", path)
    ok("record", "Y-1", "lcspr-commissioned", "--on", "2024-02-01", "--db", path)
    return path


# -- the supported date range ---------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "9998-12-31", "2101-01-01"])
def test_a_plan_beyond_the_supported_range_is_refused_and_nothing_is_written(
    db: str, day: str
) -> None:
    before = dump(db)
    r = run("record", "Y-1", "publication-planned", "--on", day, "--db", db)
    assert r.exit_code in (1, 2)
    assert_refused(r, r.exit_code, day, "2100-12-31")
    assert dump(db) == before


def test_the_last_supported_day_is_accepted(db: str) -> None:
    ok("record", "Y-1", "publication-planned", "--on", "2100-12-31", "--db", db)
    assert "Y-1" in ok("status", "--db", db, "--as-of", AS_OF)


def test_import_of_a_date_beyond_the_range_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("ref,aware,publication-planned\nY-2,02/01/2024,31/12/9999\n")
    db = str(tmp_path / "reg.db")
    ok("add-sin", "Y-1", "--aware", "2024-01-02", "--db", db)
    before = dump(db)
    r = run("import", str(path), "--db", db)
    assert_refused(r, 1, "Y-2", "2100-12-31")
    assert dump(db) == before


def test_a_json_import_beyond_the_range_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    events = [{"event": "aware", "on": "1999-12-31"}]
    path.write_text(json.dumps([{"ref": "Y-3", "events": events}]))
    db = str(tmp_path / "reg.db")
    r = run("import", str(path), "--db", db)
    assert_refused(r, 1, "Y-3", "2000-01-01")


def test_amend_beyond_the_range_is_refused(db: str) -> None:
    ok("record", "Y-1", "publication-planned", "--on", "2025-01-01", "--db", db)
    before = dump(db)
    r = run(
        "amend", "Y-1", "publication-planned", "--on", "9999-12-31", "--reason", "x", "--db", db
    )
    assert r.exit_code in (1, 2)
    assert_refused(r, r.exit_code, "9999-12-31")
    assert dump(db) == before


def test_the_register_refuses_out_of_range_dates_given_through_its_interface(db: str) -> None:
    """The check lives where every write is checked, not only in the command-line parser."""
    from reviewclock.errors import ReviewclockError
    from reviewclock.store import Register

    now = dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC)
    before = dump(db)
    with Register(db) as register, pytest.raises(ReviewclockError, match="2100-12-31"):
        register.record(
            "Y-1", "publication-planned", dt.date(9999, 12, 31), today=now.date(), now=now
        )
    assert dump(db) == before


def poison(db: str, ref: str = "Y-1", day: str = "9999-12-31") -> None:
    """Write an out-of-range date behind reviewclock's back, as an older version could."""
    with sqlite3.connect(db) as conn:
        (case_id,) = conn.execute("SELECT id FROM cases WHERE ref = ?", (ref,)).fetchone()
        conn.execute(
            "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at)"
            " VALUES (?, 'publication-planned', ?, 'x', '2024-02-01 10:00:00')",
            (case_id, day),
        )


def test_doctor_flags_an_out_of_range_date(db: str) -> None:
    Path(db).chmod(0o600)
    poison(db)
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    assert "Y-1: publication-planned holds the date '9999-12-31', outside the dates" in r.stdout


@pytest.mark.parametrize("stored", ["2025-06-31", "garbage", "9999-12-31"])
def test_doctor_s_amend_mends_one_of_two_plans(tmp_path: Path, stored: str) -> None:
    """Of two plans, one's date overwritten by other means: the amend doctor gives names it
    with --was, as it is stored, and mends it; --was with a text no record holds is still
    refused as not a date."""
    db = str(tmp_path / "register.db")
    ok("add-sin", "P-1", "--aware", "2024-01-02", "--notified", "2024-01-04", "--db", db)
    ok("record", "P-1", "rapid-review-sent", "--on", "2024-01-19", "--db", db)
    ok("record", "P-1", "panel-response", "--on", "2024-02-02", "--db", db)
    ok("record", "P-1", "lcspr-commissioned", "--on", "2024-02-05", "--db", db)
    for day in ("2024-07-31", "2024-08-05"):
        ok("record", "P-1", "publication-planned", "--on", day, "--db", db)
    Path(db).chmod(0o600)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET on_date = ? WHERE on_date = '2024-07-31'", (stored,))
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    advice = r.stdout.split("correct it with '", 1)[1].split("'", 1)[0]
    assert advice.startswith(f"reviewclock amend P-1 publication-planned --was {stored} --on DATE")
    before = dump(db)
    refused = run("amend", "P-1", "publication-planned", "--was", "2024-02-30", "--on",
                  "2024-07-30", "--reason", "typed by hand", "--db", db)  # fmt: skip
    assert_refused(refused, 2, "--was", "'2024-02-30'")
    assert dump(db) == before
    ok("amend", "P-1", "publication-planned", "--was", stored, "--on", "2024-07-30", "--reason",
       "typed by hand", "--db", db)  # fmt: skip
    assert run("doctor", "--db", db).exit_code == 0
    plans = [
        e["on"]
        for e in json.loads(ok("show", "P-1", "--json", "--db", db))["events"]
        if e["event"] == "publication-planned"
    ]
    assert plans == ["2024-07-30", "2024-08-05"]


def test_an_extension_s_new_due_date_that_is_no_date_is_named_and_mended(tmp_path: Path) -> None:
    """Notified Tue 9 Jan 2024, the rapid review is due Tue 30 Jan; the Panel agreed Wed 14
    Feb, overwritten by other means with 30 February. The case is left out with one line,
    not shown as due on 30 January; doctor gives the amend with --to, which mends it."""
    db = str(tmp_path / "register.db")
    ok("add-sin", "E-1", "--aware", "2024-01-08", "--notified", "2024-01-09", "--db", db)
    ok("record", "E-1", "extension-agreed", "--stage", "rapid-review", "--on", "2024-01-25",
       "--to", "2024-02-14", "--db", db)  # fmt: skip
    Path(db).chmod(0o600)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET agreed_to = '2024-02-30' WHERE agreed_to IS NOT NULL")
    r = run("status", "--all", "--db", db, "--as-of", "2024-02-01")
    assert r.exit_code == 0 and "E-1" not in r.stdout
    assert r.stderr.count("\n") == 1 and "E-1 holds the date '2024-02-30'" in r.stderr
    d = run("doctor", "--db", db)
    assert d.exit_code == 1
    assert (
        "E-1: extension-agreed holds the date '2024-02-30', which is not a real date; correct it"
        f" with 'reviewclock amend E-1 extension-agreed --to DATE --reason TEXT --db {db}'"
    ) in d.stdout
    ok("amend", "E-1", "extension-agreed", "--to", "2024-02-14", "--reason", "typed by hand",
       "--db", db)  # fmt: skip
    assert run("doctor", "--db", db).exit_code == 0
    shown = json.loads(ok("show", "E-1", "--json", "--as-of", "2024-02-01", "--db", db))
    review = next(s for s in shown["stages"] if s["stage"] == "rapid-review")
    assert (review["due"], review["statutory_due"]) == ("2024-02-14", "2024-01-30")


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--all"),
        ("show", "T-1"),
        ("history", "T-1"),
        ("export", "--format", "json"),
        ("doctor",),
    ],
)
def test_a_record_time_that_is_no_time_is_one_line_not_a_bug(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    """When a plan was recorded, overwritten by other means with text that is no time: no
    command can correct it, so each says what it found and that a backup is the mend."""
    db = str(tmp_path / "register.db")
    ok("add-sin", "T-1", "--aware", "2024-01-02", "--notified", "2024-01-04", "--db", db)
    ok("record", "T-1", "rapid-review-sent", "--on", "2024-01-19", "--db", db)
    ok("record", "T-1", "panel-response", "--on", "2024-02-02", "--db", db)
    ok("record", "T-1", "lcspr-commissioned", "--on", "2024-02-05", "--db", db)
    ok("record", "T-1", "publication-planned", "--on", "2024-07-31", "--db", db)
    Path(db).chmod(0o600)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET recorded_at = 'garbage' WHERE name = 'publication-planned'")
    r = run(*args, "--db", db)
    assert_refused(r, 1, "'garbage' where the time a record was made belongs", "from a backup")
    assert "bug" not in r.stderr


@pytest.mark.parametrize("update", [False, True])
def test_an_import_of_a_case_the_register_cannot_read_says_so(tmp_path: Path, update: bool) -> None:
    """The register holds the case with 30 February for a date: the file's copy is refused
    with the case and the date named, not taken for a new case (which the register's unique
    references then refuse, as if the register were broken)."""
    db = str(tmp_path / "register.db")
    ok("add-sin", "B-9", "--aware", "2024-01-02", "--notified", "2024-01-04", "--db", db)
    sheet = tmp_path / "b9.csv"
    sheet.write_text(ok("export", "--db", db))
    Path(db).chmod(0o600)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET on_date = '2024-02-30' WHERE name = 'notified'")
    before = dump(db)
    flags = ["--update"] if update else []
    for dry in ([], ["--dry-run"]):
        r = run("import", str(sheet), *flags, *dry, "--db", db)
        assert r.exit_code == 1, r.stdout
        assert "line 2 (B-9): is in the register, where it holds the date '2024-02-30'" in (
            r.stderr + r.stdout
        )
        assert "restore it from a backup" not in r.stderr and "Would import 1" not in r.stdout
    assert dump(db) == before


def test_a_date_that_is_no_date_is_named_mended_and_kept_in_the_history(tmp_path: Path) -> None:
    """30 February, written over an awareness date by other means: history shows it as
    stored, doctor names the event and the amend that mends it, and once mended every
    command reads the case again. The record stays in the history; a JSON export, which
    cannot carry a date that is no date, gives the case without that history and says so."""
    db = str(tmp_path / "register.db")
    ok("add-sin", "B-3", "--aware", "2024-01-02", "--notified", "2024-01-04", "--db", db)
    Path(db).chmod(0o600)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET on_date = '2024-02-30' WHERE name = 'aware'")
    shown = run("history", "B-3", "--db", db)
    assert shown.exit_code == 0 and "bug" not in shown.stderr, shown.stderr
    assert "2024-02-30" in shown.stdout
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    advice = f"'reviewclock amend B-3 aware --was 2024-02-30 --on DATE --reason TEXT --db {db}'"
    assert (
        f"B-3: aware holds the date '2024-02-30', which is not a real date; correct it with {advice}"
        in r.stdout
    )
    ok("amend", "B-3", "aware", "--was", "2024-02-30", "--on", "2024-01-02", "--reason",
       "typed by hand", "--db", db)  # fmt: skip
    assert run("doctor", "--db", db).exit_code == 0
    assert "2024-01-02" in ok("show", "B-3", "--db", db)
    shown = run("history", "B-3", "--db", db)
    assert shown.exit_code == 0, shown.stderr
    amended = next(line for line in shown.stdout.splitlines() if "amended" in line)
    assert "2024-02-30" in amended and "2024-01-02" in amended and "typed by hand" in amended
    for args in ((), ("--as-of", AS_OF)):
        r = run("export", "--format", "json", *args, "--db", db)
        assert r.exit_code == 0, r.stderr
        assert r.stderr.count("\n") == 1 and "bug" not in r.stderr
        assert "the history of B-3 holds the date '2024-02-30', which is not a real date" in (
            r.stderr
        )
        (case,) = json.loads(r.stdout)
        assert case["aware"] == "2024-01-02" and "log" not in case


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--all"),
        ("status", "--json"),
        ("report",),
        ("report", "--format", "html"),
        ("export",),
        ("export", "--format", "json"),
        ("export", "--format", "ics"),
        ("stats", "--year", "2023/24"),
        ("show", "Y-1"),
    ],
)
@pytest.mark.parametrize("day", ["9999-12-31", "2024-02-30"])
def test_readers_survive_an_out_of_range_date_with_one_line(
    db: str, args: tuple[str, ...], day: str
) -> None:
    """A date outside the range, or no date at all (30 February), written by other means."""
    ok("add-sin", "Z-2", "--aware", "2024-05-01", "--db", db)
    poison(db, day=day)
    r = (
        run(*args, "--db", db, "--as-of", AS_OF)
        if args[0] != "export" or len(args) > 1
        else run(*args, "--db", db)
    )
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Y-1" in lines[0] and day in lines[0] and "doctor" in lines[0]
    fault = "not a real date" if day == "2024-02-30" else "outside the dates"
    assert fault in lines[0]
    assert "bug" not in r.stderr and "Traceback" not in r.stderr
    if args[0] == "show":
        assert_refused(r, 1, "Y-1")
    else:
        assert r.exit_code == 0, r.stderr
        if args[0] in ("status", "export"):
            assert "Z-2" in r.stdout


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-30", "1999-12-31", "2101-01-01"])
def test_as_of_outside_the_range_is_refused(db: str, as_of: str) -> None:
    for command in ("status", "report", "show Y-1"):
        r = run(*command.split(), "--as-of", as_of, "--db", db)
        assert_refused(r, 2, as_of, "2000-01-01", "2100-12-31")


@pytest.mark.parametrize(
    "args",
    [
        ("9999-12-31", "-w", "1"),
        ("2024-01-01", "-w", "10000000"),
        ("2024-01-01", "-w", "-10000000"),
        ("2024-01-01", "-m", "99999999999"),
        ("2024-01-01", "-m", "1300"),
        ("2100-12-30", "-w", "5"),
        ("0001-01-01", "-m", "1"),
    ],
)
def test_due_outside_the_range_is_a_plain_refusal(args: tuple[str, ...]) -> None:
    r = run("due", *args)
    assert_refused(r, 2, "2100-12-31")


@pytest.mark.parametrize("year", ["2150/51", "1999/00", "2100/01"])
def test_stats_for_a_year_outside_the_range_is_refused(db: str, year: str) -> None:
    assert_refused(run("stats", "--year", year, "--db", db), 2, "2100-12-31")


def test_due_at_the_edge_of_the_range_still_works() -> None:
    # Worked by hand: Christmas 2100 is a Saturday and Boxing Day a Sunday, so the bank
    # holidays move to Mon 27 and Tue 28 December. After Fri 24 (day 0) the working days
    # are Wed 29, Thu 30 and Fri 31 December 2100: the last supported day.
    assert ok("due", "2100-12-24", "-w", "3", "-q").strip() == "2100-12-31"


# -- edges that used to print "This is a bug" ------------------------------------------------


def test_a_reference_that_is_not_utf8_is_refused(db: str) -> None:
    exe = str(Path(sys.executable).parent / "reviewclock")
    r = subprocess.run(
        [exe.encode(), b"show", b"\xff\xfe", b"--db", db.encode()],
        capture_output=True,
        timeout=60,
    )
    assert r.returncode == 2, r.stderr
    err = r.stderr.decode()
    assert err.startswith("reviewclock: error: ") and len(err.strip().splitlines()) == 1, err
    assert "UTF-8" in err and "bug" not in err


def test_a_name_too_long_for_the_filesystem_is_refused(tmp_path: Path, db: str) -> None:
    long = str(tmp_path / ("x" * 300 + ".db"))
    r = run("status", "--db", long)
    assert_refused(r, 1, "too long")
    r = run("add-sin", "A-1", "--aware", "2024-01-02", "--db", long)
    assert_refused(r, 1, "too long")
    r = run("backup", long, "--db", db)
    assert_refused(r, 1, "too long")


@pytest.mark.parametrize("url", ["mysql://u:secret@localhost/db", "oracle://u:secret@h/db"])
def test_a_database_url_without_its_driver_is_refused(url: str) -> None:
    r = run("status", "--db", url)
    assert_refused(r, 1, "driver")
    assert "secret" not in r.stderr and "bug" not in r.stderr


def test_a_non_ascii_mail_password_is_refused_without_showing_it(db: str) -> None:
    env = {
        "REVIEWCLOCK_SMTP_HOST": "127.0.0.1",
        "REVIEWCLOCK_SMTP_PORT": "9",
        "REVIEWCLOCK_SMTP_USER": "bsu",
        "REVIEWCLOCK_SMTP_PASSWORD": "hunter2ésecret",
        "REVIEWCLOCK_MAIL_FROM": "bsu@example.org",
    }
    r = run("report", "--email", "m@example.org", "--always", "--db", db, env=env)
    assert_refused(r, 1, "REVIEWCLOCK_SMTP_PASSWORD")
    for leak in ("é", "\\xe9", "position", "hunter", "secret"):
        assert leak not in r.stderr, leak


def test_the_error_funnel_hides_the_traceback_unless_debugging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Production code never asks whether it runs under a test: only REVIEWCLOCK_DEBUG
    lets an unexpected exception through."""
    import reviewclock.cli as cli
    import reviewclock.config

    def boom() -> None:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(reviewclock.config, "load_settings", boom)
    r = run("due", "2024-01-01", "-w", "1")
    assert_refused(r, 1, "ZeroDivisionError", "REVIEWCLOCK_DEBUG")
    monkeypatch.setenv("REVIEWCLOCK_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        run("due", "2024-01-01", "-w", "1")
    for module in Path(cli.__file__).parent.glob("*.py"):
        assert "PYTEST" not in module.read_text(), module


# -- links and races -------------------------------------------------------------------------


def test_a_link_to_a_missing_file_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "reg.db").symlink_to(tmp_path / "planted.db")
    r = run("add-sin", "S-2", "--aware", "2024-01-02", "--db", str(tmp_path / "reg.db"))
    assert_refused(r, 1, "link")
    assert not (tmp_path / "planted.db").exists()


def test_a_link_to_an_empty_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.touch(mode=0o644)
    (tmp_path / "reg.db").symlink_to(target)
    r = run("add-sin", "S-2", "--aware", "2024-01-02", "--db", str(tmp_path / "reg.db"))
    assert_refused(r, 1, "link")
    assert target.stat().st_size == 0


def test_an_existing_empty_file_is_not_made_a_register(tmp_path: Path) -> None:
    target = tmp_path / "reg.db"
    target.touch(mode=0o644)
    r = run("add-sin", "S-2", "--aware", "2024-01-02", "--db", str(target))
    assert_refused(r, 1, "empty")
    assert target.stat().st_size == 0


def test_a_link_to_an_existing_register_is_used(tmp_path: Path, db: str) -> None:
    (tmp_path / "link.db").symlink_to(db)
    ok("add-sin", "S-3", "--aware", "2024-01-02", "--db", str(tmp_path / "link.db"))
    assert "S-3" in ok("status", "--db", db, "--as-of", AS_OF)


def test_a_new_register_is_never_seen_half_made(tmp_path: Path) -> None:
    """Creation builds the schema in a private file and links it into place."""
    path = tmp_path / "reg.db"
    ok("add-sin", "S-4", "--aware", "2024-01-02", "--db", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("reg.db")) == []


def test_backup_cannot_be_redirected_by_swapping_dest_for_a_link(
    tmp_path: Path, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim.db"
    ok("add-sin", "V-1", "--aware", "2024-01-02", "--db", str(victim))
    victim_rows = dump(victim)
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "backup.db"
    real_connect = sqlite3.connect

    def swapping_connect(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        # The moment the backup file is opened for writing: plant a link at DEST.
        if str(target).startswith(str(out)) and not dest.is_symlink():
            if dest.exists():
                dest.unlink()
            dest.symlink_to(victim)
        return real_connect(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", swapping_connect)
    r = run("backup", str(dest), "--db", db)
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    assert_refused(r, 1, "exists")
    assert dump(victim) == victim_rows
    assert [p.name for p in out.iterdir()] == ["backup.db"]  # the planted link, nothing else


def test_backup_refuses_an_existing_link(tmp_path: Path, db: str) -> None:
    dest = tmp_path / "b.db"
    dest.symlink_to(tmp_path / "nowhere.db")
    assert_refused(run("backup", str(dest), "--db", db), 1, "exists")
    assert not (tmp_path / "nowhere.db").exists()


def test_backup_is_private_and_complete(tmp_path: Path, db: str) -> None:
    dest = tmp_path / "b.db"
    ok("backup", str(dest), "--db", db)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert "Y-1" in ok("status", "--db", str(dest), "--as-of", AS_OF)


def test_directories_and_cache_made_under_umask_000_are_private(
    _isolated_home: Path,
) -> None:
    old = os.umask(0)
    try:
        ok("add-sin", "U-1", "--aware", "2024-01-02")
    finally:
        os.umask(old)
    made = list(_isolated_home.rglob("*"))
    assert made
    for p in made:
        mode = stat.S_IMODE(p.lstat().st_mode)
        assert not mode & 0o022, (p, oct(mode))
    caches = list((_isolated_home / "cache").rglob("*.json"))
    assert caches and all(stat.S_IMODE(c.stat().st_mode) & 0o022 == 0 for c in caches)


def test_a_holiday_cache_others_can_write_is_not_believed(_isolated_home: Path) -> None:
    from reviewclock.holidaycache import cache_path

    path = cache_path("ENG")
    path.parent.mkdir(parents=True, mode=0o700)
    # Planted: Tuesday 2 January 2024 as a bank holiday. Without it, one working day after
    # Monday 1 January 2024 (New Year's Day) is Tuesday 2 January.
    planted = {"holidays": {"2024-01-01": "New Year's Day", "2024-01-02": "Planted"}}
    path.write_text(json.dumps(planted))
    Path(path).chmod(0o666)
    assert ok("due", "2024-01-01", "-w", "1", "-q").strip() == "2024-01-02"
    Path(path).chmod(0o644)
    path.write_text(json.dumps(planted))
    # A cache only its owner can write is believed: the cache is not re-read needlessly.
    assert ok("due", "2024-01-01", "-w", "1", "-q").strip() == "2024-01-03"


def test_a_bad_lock_timeout_creates_nothing(tmp_path: Path) -> None:
    csv_file = tmp_path / "in.csv"
    csv_file.write_text("ref,aware\nL-1,2024-01-02\n")
    new = tmp_path / "new.db"
    r = run("import", str(csv_file), "--db", str(new), env={"REVIEWCLOCK_LOCK_TIMEOUT": "abc"})
    assert_refused(r, 1, "REVIEWCLOCK_LOCK_TIMEOUT")
    assert not new.exists()
    r = run(
        "add-sin",
        "L-1",
        "--aware",
        "2024-01-02",
        "--db",
        str(new),
        env={"REVIEWCLOCK_LOCK_TIMEOUT": "0"},
    )
    assert_refused(r, 1, "more than 0")
    assert not new.exists()
    ok(
        "add-sin",
        "L-1",
        "--aware",
        "2024-01-02",
        "--db",
        str(new),
        env={"REVIEWCLOCK_LOCK_TIMEOUT": "3600"},
    )


# -- what goes out ---------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x.example","x")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("authority", DANGEROUS)
def test_export_neutralises_formulas_and_import_restores_them(
    tmp_path: Path, authority: str
) -> None:
    db = str(tmp_path / "a.db")
    ok("add-sin", "F-1", "--aware", "2024-01-02", "--authority", authority, "--db", db)
    first = export(db)
    cells = next(r for r in csv.reader(io.StringIO(first, newline="")) if r[0] == "F-1")
    assert cells[2] == "'" + authority
    (tmp_path / "out.csv").write_text(first, newline="")
    db2 = str(tmp_path / "b.db")
    ok("import", str(tmp_path / "out.csv"), "--db", db2)
    assert export(db2) == first
    assert ok("show", "F-1", "--json", "--db", db2, "--as-of", AS_OF).count(
        json.dumps(authority)[1:-1]
    )


FREE_TEXT = [
    "Line one\nline two",
    "carriage\rreturn",
    "crlf\r\nend",
    'a "quoted" word',
    "commas, commas, commas",
    "Ynys Môn — Cyngor Sir; \u2018curly\u2019 😀",
    "'=already quoted",
    "'plain apostrophe",
]


def test_free_text_round_trips_through_csv_and_json(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    for i, text in enumerate(FREE_TEXT):
        ok(
            "add-sin",
            f"T-{i}",
            "--aware",
            "2024-01-02",
            "--authority",
            text,
            "--note",
            text,
            "--db",
            db,
        )
    first = export(db)
    (tmp_path / "out.csv").write_text(first, newline="")
    db2 = str(tmp_path / "b.db")
    ok("import", str(tmp_path / "out.csv"), "--db", db2)
    assert export(db2) == first
    cases = json.loads(export(db2, "--format", "json"))
    assert [c["authority"] for c in cases] == FREE_TEXT
    as_json = export(db, "--format", "json")
    (tmp_path / "out.json").write_text(as_json)
    db3 = str(tmp_path / "c.db")
    ok("import", str(tmp_path / "out.json"), "--db", db3)
    again = json.loads(export(db3, "--format", "json"))
    assert [c["events"][0]["note"] for c in again] == FREE_TEXT
    assert [c["authority"] for c in again] == FREE_TEXT


def test_a_reference_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    r = run("add-sin", "NL-1\n", "--aware", "2024-01-02", "--db", str(db))
    assert_refused(r, 2, "NL-1")
    assert not db.exists() or "NL-1" not in str(dump(db))


def test_an_address_with_a_trailing_newline_is_refused(db: str) -> None:
    r = run("report", "--email", "c@b.example\n", "--db", db)
    assert_refused(r, 2, "c@b.example")


def test_a_long_note_is_refused(db: str) -> None:
    before = dump(db)
    r = run("record", "Y-1", "notified", "--on", "2024-01-03", "--note", "x" * 2001, "--db", db)
    assert_refused(r, 2, "2,000")
    assert dump(db) == before
    r = run(
        "amend",
        "Y-1",
        "lcspr-commissioned",
        "--on",
        "2024-02-02",
        "--reason",
        "y" * 2001,
        "--db",
        db,
    )
    assert_refused(r, 2, "2,000")
    assert dump(db) == before
    ok("record", "Y-1", "notified", "--on", "2024-01-03", "--note", "x" * 2000, "--db", db)


ESCAPE = "\x1b[2J\x1b]0;owned\x07 evil\u202e"


def test_control_characters_are_shown_as_visible_escapes(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    ok(
        "add-sin",
        "E-1",
        "--aware",
        "2024-05-28",
        "--authority",
        ESCAPE,
        "--note",
        ESCAPE,
        "--db",
        db,
    )
    ok("record", "E-1", "notified", "--on", "2024-05-29", "--note", ESCAPE, "--db", db)
    with sqlite3.connect(db) as conn:  # a reference written behind reviewclock's back
        conn.execute("UPDATE cases SET ref = 'E-1\x1b[31m' WHERE ref = 'E-1'")
    outputs = [
        run("show", "E-1\x1b[31m", "--db", db, "--as-of", AS_OF),
        run("history", "E-1\x1b[31m", "--db", db),
        run("status", "--db", db, "--as-of", AS_OF),
        *(
            run("report", "--format", f, "--db", db, "--as-of", "2024-06-20")
            for f in ("text", "markdown", "html")
        ),
    ]
    for r in outputs:
        assert r.exit_code == 0, r.stderr
        for bad in ("\x1b", "\x07", "\u202e"):
            assert bad not in r.stdout, (bad, r.stdout)
        assert "\\x1b" in r.stdout or "\\u001b" in r.stdout, r.stdout
    # Data formats carry the text exactly.
    data = json.loads(run("export", "--format", "json", "--db", db).stdout)
    assert data[0]["authority"] == ESCAPE


def write_config(home: Path, text: str, mode: int) -> Path:
    path = home / "config" / "reviewclock" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


MAIL_CONFIG = (
    '[mail]\nhost = "127.0.0.1"\nuser = "bsu"\npassword = "s3cret"\nfrom = "b@x.example"\n'
)


def test_a_readable_config_holding_the_password_is_warned_about(
    _isolated_home: Path, db: str
) -> None:
    Path(db).chmod(0o600)
    path = write_config(_isolated_home, MAIL_CONFIG, 0o644)
    r = run("status", "--db", db, "--as-of", AS_OF)
    assert r.exit_code == 0
    assert "warning" in r.stderr and str(path) in r.stderr and "chmod 600" in r.stderr
    assert "s3cret" not in r.stderr
    d = run("doctor", "--db", db)
    assert d.exit_code == 1 and str(path) in d.stdout
    Path(path).chmod(0o600)
    r = run("status", "--db", db, "--as-of", AS_OF)
    assert r.stderr == ""
    assert run("doctor", "--db", db).exit_code == 0
    write_config(_isolated_home, '[mail]\nhost = "127.0.0.1"\nfrom = "b@x.example"\n', 0o644)
    assert run("status", "--db", db, "--as-of", AS_OF).stderr == ""


@pytest.mark.parametrize("mode", [0o666, 0o620])
def test_a_config_others_can_change_is_warned_about(
    _isolated_home: Path, db: str, mode: int
) -> None:
    """A closure moves every deadline: a settings file others may write is told, as a
    holiday cache others may write is not trusted."""
    Path(db).chmod(0o600)
    path = write_config(_isolated_home, "extra_closures = [2024-01-02]\n", mode)
    r = run("status", "--db", db, "--as-of", AS_OF)
    assert r.exit_code == 0
    assert r.stderr.count("\n") == 1 and f"has mode {mode:04o}, so others can change it" in r.stderr
    assert f"chmod go-w {path}" in r.stderr
    d = run("doctor", "--db", db)
    assert d.exit_code == 1 and "so others can change it" in d.stdout
    path.chmod(0o644)
    assert run("status", "--db", db, "--as-of", AS_OF).stderr == ""
    assert run("doctor", "--db", db).exit_code == 0


@pytest.mark.parametrize("given", ["team.db", "sqlite:///team.db"])
def test_a_relative_register_in_the_settings_is_read_from_their_directory(
    _isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """The same register, whichever directory a command is run in."""
    path = write_config(_isolated_home, f'register = "{given}"\n', 0o600)
    for place in ("one", "two"):
        (tmp_path / place).mkdir()
    monkeypatch.chdir(tmp_path / "one")
    r = run("add-sin", "R-1", "--aware", "2024-01-02")
    assert r.exit_code == 0, r.stderr
    monkeypatch.chdir(tmp_path / "two")
    assert "R-1" in run("status", "--all", "--as-of", AS_OF).stdout
    assert (path.parent / "team.db").exists()
    assert not (tmp_path / "one" / "team.db").exists()


# -- interrupted -----------------------------------------------------------------------------


def interrupt_at(point: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command that stops at ``point`` and says so through a FIFO; then press Ctrl-C."""
    fifo = tmp_path / "reached"
    os.mkfifo(fifo)
    exe = str(Path(sys.executable).parent / "reviewclock")
    env = {**os.environ, "REVIEWCLOCK_PAUSE_AT": point, "REVIEWCLOCK_PAUSE_FIFO": str(fifo)}
    proc = subprocess.Popen(
        [exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    fd = os.open(fifo, os.O_RDWR)  # never blocks, and the command's open never does either
    try:
        # If the command ends without reaching the point, say so rather than wait for ever.
        watcher = threading.Thread(target=lambda: (proc.wait(), os.write(fd, b"ended")))
        watcher.start()
        assert os.read(fd, 100).decode() == point, proc.communicate()
        proc.send_signal(signal.SIGINT)
        watcher.join()
    finally:
        os.close(fd)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize(
    ("point", "message", "written"),
    [
        ("startup", "interrupted: nothing was written", False),
        ("before-commit", "interrupted: nothing was written", False),
        ("after-commit", "interrupted after the change was saved", True),
    ],
)
def test_ctrl_c_says_whether_anything_was_written(
    tmp_path: Path, point: str, message: str, written: bool
) -> None:
    db = tmp_path / "reg.db"
    ok("add-sin", "I-0", "--aware", "2024-01-02", "--db", str(db))
    r = interrupt_at(point, tmp_path, "add-sin", "I-1", "--aware", "2024-01-02", "--db", str(db))
    assert r.returncode == 130, r.stderr
    assert r.stderr == f"reviewclock: {message}\n"
    with sqlite3.connect(db) as conn:
        refs = {x[0] for x in conn.execute("SELECT ref FROM cases")}
    assert ("I-1" in refs) is written


def test_ctrl_c_during_a_backup_leaves_no_copy(tmp_path: Path, db: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    r = interrupt_at("before-link", tmp_path, "backup", str(out / "b.db"), "--db", db)
    assert (r.returncode, r.stderr) == (130, "reviewclock: interrupted: nothing was written\n")
    assert list(out.iterdir()) == []  # not even the private copy it was making


def test_ctrl_c_during_a_large_import(tmp_path: Path) -> None:
    rows = "".join(f"IM-{i},2024-01-02\n" for i in range(2000))
    (tmp_path / "in.csv").write_text("ref,aware\n" + rows)
    place = tmp_path / "registers"
    place.mkdir()
    db = place / "reg.db"
    # Into a new register: it is filled beside its place and appears only once it is
    # linked there, so until then nothing is written, not even an empty register.
    for point in ("before-commit", "after-commit", "before-link"):
        r = interrupt_at(point, tmp_path, "import", str(tmp_path / "in.csv"), "--db", str(db))
        assert (r.returncode, r.stderr) == (130, "reviewclock: interrupted: nothing was written\n")
        assert list(place.iterdir()) == [], point
        (tmp_path / "reached").unlink()
    # Into a register that exists: saved from the commit on.
    ok("add-sin", "IM-FIRST", "--aware", "2024-01-02", "--db", str(db))
    r = interrupt_at("before-commit", tmp_path, "import", str(tmp_path / "in.csv"), "--db", str(db))
    assert (r.returncode, r.stderr) == (130, "reviewclock: interrupted: nothing was written\n")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    (tmp_path / "reached").unlink()
    r = interrupt_at("after-commit", tmp_path, "import", str(tmp_path / "in.csv"), "--db", str(db))
    assert (r.returncode, r.stderr) == (
        130,
        "reviewclock: interrupted after the change was saved\n",
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 2001


# -- the officer's data ----------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["John-Brown", "MaryJones", "mary.jones", "Jane_Smith"])
def test_name_like_references_are_warned_about_everywhere(tmp_path: Path, ref: str) -> None:
    from reviewclock.textchecks import looks_like_a_name

    assert looks_like_a_name(ref)
    db = str(tmp_path / "a.db")
    r = run("add-sin", ref, "--aware", "2024-01-02", "--db", db)
    assert r.exit_code == 0 and "looks like a person's name" in r.stderr
    (tmp_path / "in.csv").write_text(f"ref,aware\n{ref}-x,2024-01-02\n{ref},2024-01-02\n")
    r = run("import", str(tmp_path / "in.csv"), "--db", str(tmp_path / "b.db"))
    assert r.exit_code == 0, r.stderr
    assert "looks like a person's name" in r.stderr and "line 3" in r.stderr


@pytest.mark.parametrize(
    "ref", ["BSCP-2024-07", "LCSPR-23-01", "CSPR/2024/3", "NSCP-RR-12", "Y-1", "A1", "SIN2024"]
)
def test_typical_references_are_not_mistaken_for_names(ref: str) -> None:
    from reviewclock.textchecks import looks_like_a_name

    assert not looks_like_a_name(ref)


@pytest.mark.parametrize("ref", ["A" * 63 + "1", "Ab" * 31 + "-1", "a." * 31 + "1"])
def test_a_long_reference_is_judged_at_once(ref: str) -> None:
    """Letters and separators up to the 64 characters a reference may hold, then a digit: a
    pattern that could split the letters many ways would try 2**62 of them (and hang here)."""
    from reviewclock.textchecks import check_ref, looks_like_a_name

    check_ref(ref)
    assert not looks_like_a_name(ref)


def test_import_headers_and_choices_ignore_case(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(
        "Ref,Aware,Harm,Proceedings-Started,Notified,Rapid-Review-Sent,Decision\n"
        "H-1,2024-01-02,Death,2024-02-01 Criminal,2024-01-03,2024-01-20,No-LCSPR\n"
    )
    db = str(tmp_path / "a.db")
    ok("import", str(tmp_path / "in.csv"), "--db", db)
    case = json.loads(ok("show", "H-1", "--json", "--db", db, "--as-of", AS_OF))
    assert case["harm"] == "death"
    assert any(e.get("kind") == "criminal" for e in case["events"])
    assert any(e.get("decision") == "no-lcspr" for e in case["events"]), case["events"]
    ok("add-sin", "H-2", "--aware", "2024-01-02", "--harm", "Serious-Harm", "--db", db)


def test_a_cp1252_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(
        "ref,aware,authority\nW-1,02/01/2024,Caerffili \u2013 Sir £\n".encode("cp1252")
    )
    db = str(tmp_path / "a.db")
    r = run("import", str(tmp_path / "in.csv"), "--db", db)
    assert r.exit_code == 0, r.stderr
    assert "Windows-1252" in r.stderr
    case = json.loads(ok("show", "W-1", "--json", "--db", db, "--as-of", AS_OF))
    assert case["authority"] == "Caerffili \u2013 Sir £"


def test_a_file_in_no_known_encoding_is_refused_with_how_to_fix(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(b"ref,aware,authority\nW-1,02/01/2024,\x81\x8d\n")
    r = run("import", str(tmp_path / "in.csv"), "--db", str(tmp_path / "a.db"))
    assert_refused(r, 2, "UTF-8")
    assert not (tmp_path / "a.db").exists()


def test_the_command_line_reads_british_dates(db: str) -> None:
    ok("record", "Y-1", "notified", "--on", "05/01/2024", "--db", db)
    case = json.loads(ok("show", "Y-1", "--json", "--db", db, "--as-of", AS_OF))
    assert {"event": "notified", "on": "2024-01-05"}.items() <= next(
        e for e in case["events"] if e["event"] == "notified"
    ).items()
    assert ok("due", "05/04/2024", "-w", "1", "-q").strip() == "2024-04-08"


@pytest.mark.parametrize(
    ("text", "says", "never"),
    [
        ("04/31/2024", "not a real date", "31/04/2024"),
        ("01/13/2024", "13/01/2024", None),
        ("31/02/2024", "not a real date", None),
        ("05/04/24", "ambiguous", None),
        ("24-04-05", "not a date", None),
    ],
)
def test_ambiguous_and_impossible_dates_are_refused(
    db: str, text: str, says: str, never: str | None
) -> None:
    r = run("record", "Y-1", "notified", "--on", text, "--db", db)
    assert_refused(r, 2, says)
    if never:
        assert never not in r.stderr


def test_an_out_of_range_date_can_be_corrected(db: str) -> None:
    """What doctor suggests works: amend replaces the bad date, and the case is read again."""
    Path(db).chmod(0o600)
    poison(db)
    r = run(
        "amend", "Y-1", "publication-planned", "--on", "2025-03-03", "--reason", "typo", "--db", db
    )
    assert r.exit_code == 0, r.stderr
    assert run("doctor", "--db", db).exit_code == 0
    r = run("status", "--db", db, "--as-of", AS_OF)
    assert r.exit_code == 0 and r.stderr == "" and "Y-1" in r.stdout
    assert "9999-12-31" in run("history", "Y-1", "--db", db).stdout  # the old date is kept


# --- text a database cannot keep -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["record", "R-1", "notified", "--on", "2024-04-02", "--note", "seen\x00by"], ["NUL"]),
        (["add-sin", "R-2", "--aware", "2024-03-28", "--authority", "North\x00shire"], ["NUL"]),
        (["add-sin", "R-2", "--aware", "2024-03-28", "--authority", "N" * 201], ["200"]),
        (["delete", "R-1", "--yes", "--reason", "typed\x00twice"], ["NUL"]),
    ],
)
def test_text_a_register_cannot_keep_is_refused_on_both_engines(
    register_url: str, args: list[str], fragments: list[str]
) -> None:
    """PostgreSQL cannot store a NUL character, and keeps an authority to 200 characters;
    SQLite would take both. Both engines refuse them alike, in one line, before writing (as
    a value given wrongly, like a note that is too long)."""
    assert run("add-sin", "R-1", "--aware", "2024-03-28", "--db", register_url).exit_code == 0
    before = run("export", "--format", "json", "--db", register_url).stdout
    assert_refused(run(*args, "--db", register_url), 2, *fragments)
    assert run("export", "--format", "json", "--db", register_url).stdout == before


def test_an_import_with_text_a_register_cannot_keep_imports_nothing(
    register_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "ref,aware,authority,notified\n"
        "R-1,2024-03-28,Northshire,2024-04-02\n"
        "R-2,2024-03-28,North\x00shire,2024-04-02\n",
        encoding="utf-8",
    )
    assert run("add-sin", "R-0", "--aware", "2024-03-28", "--db", register_url).exit_code == 0
    before = run("export", "--format", "json", "--db", register_url).stdout
    assert_refused(run("import", str(path), "--db", register_url), 1, "line 3", "NUL")
    assert run("export", "--format", "json", "--db", register_url).stdout == before


@pytest.mark.parametrize("command", ["status", "report"])
@pytest.mark.parametrize("value", ["-3", "-0x1", "five", "7" * 5000])
def test_due_within_takes_days_ahead_only(tmp_path: Path, command: str, value: str) -> None:
    db = str(tmp_path / "r.db")
    assert run("add-sin", "R-1", "--aware", "2024-03-28", "--db", db).exit_code == 0
    r = run(command, "--due-within", value, "--db", db)
    assert_refused(r, 2, repr(value) if len(value) < 20 else f"{value[:12]}...' has 5000 digits")
    assert len(r.stderr) < 300
    assert run(command, "--due-within", "0", "--db", db, "--as-of", "2024-04-02").exit_code == 0


def test_a_refused_import_into_a_new_register_leaves_no_file(tmp_path: Path) -> None:
    """The import is checked as it is written: a new register is filled beside its place
    and appears there only when every case is in."""
    place = tmp_path / "registers"
    place.mkdir()
    db = place / "new.db"
    # Line 3 is notified before the incident was known of.
    (tmp_path / "in.csv").write_text(
        "ref,aware,notified\nN-1,2024-01-02,2024-01-04\nN-2,2024-03-05,2024-03-01\n"
    )
    r = run("import", str(tmp_path / "in.csv"), "--db", str(db))
    assert_refused(r, 1, "line 3", "N-2")
    assert list(place.iterdir()) == []
    # Made good, the same import makes the register, private, and nothing else.
    (tmp_path / "in.csv").write_text(
        "ref,aware,notified\nN-1,2024-01-02,2024-01-04\nN-2,2024-03-05,2024-03-06\n"
    )
    r = run("import", str(tmp_path / "in.csv"), "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert [p.name for p in place.iterdir()] == ["new.db"]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert ok("status", "--all", "--db", str(db), "--as-of", "2024-03-06").count("N-") >= 2
