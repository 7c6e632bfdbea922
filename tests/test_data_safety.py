"""Data safety: concurrent writers, killed writers, amendments, backups, privacy, bad files."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import libpq
from helpers import Run, assert_refused, query, run, run_process
from reviewclock.cli import app
from reviewclock.store import Register

AS_OF = "2024-06-03"


def ok(*args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout


def snapshot(db: str) -> str:
    return run("status", "--all", "--json", "--db", db, "--as-of", AS_OF).stdout


def contents(db: str) -> dict[str, list[str]]:
    """Every row of every table, on either engine: the register itself, not a view of it."""
    tables = ("alembic_version", "cases", "events", "sent_digests", "deletions")
    return {t: sorted(repr(row) for row in query(db, f"SELECT * FROM {t}")) for t in tables}


def integrity(path: Path | str) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def refs_in(path: Path | str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT ref FROM cases")}


@pytest.fixture
def db(register_url: str) -> str:
    path = register_url
    ok("add-sin", "CASE-1", "--aware", "2024-03-28", "--db", path)
    ok("record", "CASE-1", "notified", "--on", "2024-04-05", "--db", path)
    ok("record", "CASE-1", "rapid-review-sent", "--on", "2024-04-25", "--db", path)
    return path


# -- concurrency and crashes -----------------------------------------------------------------


# One writer: the three commands an officer would type, run by reviewclock's own entry
# point in one process (one interpreter start instead of three), released by the test
# together with the fifteen others so that their writes really meet.
SIXTEEN = """
import sys
from reviewclock.cli import app
import reviewclock.store  # loaded before the start, so that the writers start together
n = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()
for args in (
    ["add-sin", f"P-{n}", "--aware", "2024-03-28"],
    ["record", f"P-{n}", "notified", "--on", "2024-04-05"],
    ["record", "SHARED", "proceedings-started", "--on", "2024-02-01", "--kind", "other",
     "--note", f"writer {n}"],
):
    try:
        app(args, prog_name="reviewclock")
    except SystemExit as e:
        if e.code:
            raise
"""


def test_sixteen_processes_writing_at_once(register_url: str) -> None:
    path = register_url
    env = {**os.environ, "REVIEWCLOCK_DB": str(path)}
    env.pop("PYTEST_CURRENT_TEST", None)
    assert (
        run_process(
            "add-sin", "SHARED", "--aware", "2024-01-02", env={"REVIEWCLOCK_DB": str(path)}
        ).returncode
        == 0
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SIXTEEN, str(n)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(16)
    ]
    for p in procs:  # all sixteen loaded and waiting
        assert p.stdout is not None and p.stdout.readline() == "ready\n", p.communicate()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 16, errors
    assert not any("locked" in e for e in errors)
    data = json.loads(run("status", "--all", "--json", "--db", str(path), "--as-of", AS_OF).stdout)
    cases = {c["ref"]: c for c in data}
    assert set(cases) == {"SHARED"} | {f"P-{n}" for n in range(16)}
    for n in range(16):
        assert [e["event"] for e in cases[f"P-{n}"]["events"]] == ["aware", "notified"]
    notes = sorted(
        e["note"] for e in cases["SHARED"]["events"] if e["event"] == "proceedings-started"
    )
    assert notes == sorted(f"writer {n}" for n in range(16))
    if "://" not in path:
        assert integrity(path) == "ok"


def test_the_same_event_recorded_at_once_is_accepted_once(register_url: str) -> None:
    """Eight officers record the same notification at the same moment: one is accepted, seven
    are told it is already recorded, and the register holds one row.

    On PostgreSQL the events table is held locked until all eight are waiting, so that they
    all reach the check together; SQLite's writers queue from the start by design."""
    env = {"REVIEWCLOCK_DB": register_url, "REVIEWCLOCK_LOCK_TIMEOUT": "600"}
    assert run_process("add-sin", "SAME", "--aware", "2024-03-28", env=env).returncode == 0
    exe = str(Path(sys.executable).parent / "reviewclock")
    with contextlib.ExitStack() as stack:
        if "://" in register_url:
            import psycopg

            holder = stack.enter_context(psycopg.connect(libpq(register_url)))
            holder.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        procs = [
            subprocess.Popen(
                [exe, "record", "SAME", "notified", "--on", f"2024-04-0{2 + n % 3}"],
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(8)
        ]
        if "://" in register_url:
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND application_name = 'reviewclock' AND datname = current_database()"
            )
            with psycopg.connect(libpq(register_url), autocommit=True) as watcher:
                while watcher.execute(waiting).fetchone() != (8,):
                    assert all(p.poll() is None for p in procs), "a writer ended while locked out"
                    time.sleep(0.05)  # polling for the event: all eight are waiting
            holder.rollback()
    errors = [p.communicate(timeout=300)[1] for p in procs]
    results = [(p.returncode, err) for p, err in zip(procs, errors, strict=True)]
    assert sorted(code for code, _ in results) == [0] + [1] * 7, results
    for code, err in results:
        if code:
            assert err.count("\n") == 1 and "notified is already recorded for SAME" in err, err
    assert query(register_url, "SELECT count(*) FROM events WHERE name = 'notified'") == [(1,)]


WRITER = """
import sys, datetime as dt
from reviewclock.store import Register
register = Register(sys.argv[1], create=True)
now = dt.datetime.now(dt.UTC)
for i in range(100000):
    ref = f"{sys.argv[2]}-{i}"
    register.add_case(ref, aware=dt.date(2024, 3, 28), today=dt.date(2024, 6, 3), now=now,
                      notified=dt.date(2024, 4, 2), note="x" * 200)
    print(ref, flush=True)   # acknowledged: the transaction has committed
"""


def test_writers_killed_at_random_moments_lose_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    Register(str(path), create=True).close()
    rng = random.Random(1234)
    acknowledged: set[str] = set()
    for round_ in range(6):
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(path), f"W{round_}{w}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in range(3)
        ]
        # Events, not the clock: each writer is killed once it has acknowledged a few
        # commits of its own, after a random number more (so mid-transaction at times).
        for w in writers:
            assert w.stdout is not None
            for _ in range(rng.randint(1, 8)):
                line = w.stdout.readline()
                assert line, w.communicate()[1]  # a writer that died by itself is a failure
                acknowledged.add(line.strip())
            w.send_signal(signal.SIGKILL)
        for w in writers:
            # The rest of the output through the same buffer readline() filled (communicate()
            # would read the pipe beneath it, and a line split across the two would be lost
            # in part); the writer is dead, so neither pipe can block.
            assert w.stdout is not None and w.stderr is not None
            out, err = w.stdout.read(), w.stderr.read()
            w.wait(timeout=60)
            assert w.returncode == -signal.SIGKILL, err
            acknowledged |= set(out.split())
        assert integrity(path) == "ok"
    assert len(acknowledged) >= 18  # every writer got work done before its kill
    assert acknowledged <= refs_in(path)
    r = run("doctor", "--db", str(path))
    assert r.exit_code == 0, r.stdout


# -- amendments and history ------------------------------------------------------------------


def test_amend_keeps_the_old_date_and_moves_deadlines(db: str) -> None:
    r = run(
        "amend",
        "CASE-1",
        "notified",
        "--on",
        "2024-04-04",
        "--reason",
        "sent on the 4th",
        "--db",
        db,
    )
    assert r.exit_code == 0, r.stderr
    assert "rapid-review: due 2024-04-26 -> 2024-04-25" in r.stdout
    shown = json.loads(run("show", "CASE-1", "--json", "--db", db, "--as-of", AS_OF).stdout)
    assert [e["on"] for e in shown["events"] if e["event"] == "notified"] == ["2024-04-04"]
    hist = run("history", "CASE-1", "--db", db).stdout
    lines = [line.split() for line in hist.splitlines()]
    amended = next(line for line in lines if "amended" in line)
    assert amended[2:6] == ["amended", "notified", "2024-04-05", "2024-04-04"]
    assert "sent on the 4th" in hist
    recorded = [line for line in lines if "recorded" in line and "notified" in line]
    assert recorded and "2024-04-05" in recorded[0]
    rows = query(db, "SELECT on_date FROM events WHERE name = 'notified' ORDER BY id")
    assert [str(r[0]) for r in rows] == ["2024-04-05", "2024-04-04"]  # both rows are kept


def test_amend_twice_and_amend_awareness(db: str) -> None:
    ok("amend", "CASE-1", "notified", "--on", "2024-04-04", "--reason", "one", "--db", db)
    ok("amend", "CASE-1", "notified", "--on", "2024-04-03", "--reason", "two", "--db", db)
    r = run("amend", "CASE-1", "aware", "--on", "2024-03-27", "--reason", "police log", "--db", db)
    assert r.exit_code == 0 and "sin: due 2024-04-08 -> 2024-04-05" in r.stdout
    shown = json.loads(run("show", "CASE-1", "--json", "--db", db, "--as-of", AS_OF).stdout)
    assert shown["aware"] == "2024-03-27"
    assert [e["on"] for e in shown["events"] if e["event"] == "notified"] == ["2024-04-03"]
    hist = run("history", "CASE-1", "--db", db).stdout
    assert hist.count("amended") == 3 and "2024-04-04  2024-04-03" in hist


def test_history_shows_what_each_record_says_besides_its_date(db: str) -> None:
    """The stage and new due date of an agreed extension, and the kind of proceedings, are
    part of what was recorded: the history shows them on the record and on its correction."""
    ok("add-sin", "CASE-2", "--aware", "2024-03-28", "--db", db)
    ok("record", "CASE-2", "notified", "--on", "2024-04-02", "--db", db)
    extension = ["--stage", "rapid-review", "--to", "2024-05-14", "--db", db]
    ok("record", "CASE-2", "extension-agreed", "--on", "2024-04-15", *extension)
    ok(
        "record",
        "CASE-2",
        "proceedings-started",
        "--kind",
        "criminal",
        "--on",
        "2024-04-20",
        "--db",
        db,
    )
    ok("amend", "CASE-2", "extension-agreed", "--on", "2024-04-16", "--reason", "typo", "--db", db)
    r = run("history", "CASE-2", "--db", db, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    rows = [" ".join(line.split()) for line in r.stdout.splitlines()]
    [agreed] = [row for row in rows if "recorded extension-agreed" in row]
    assert "2024-04-15 (rapid-review to 2024-05-14) root" in agreed
    [corrected] = [row for row in rows if "amended extension-agreed" in row]
    # Was, then Now; then who (on PostgreSQL with the database role) and why.
    assert (
        "2024-04-15 (rapid-review to 2024-05-14) 2024-04-16 (rapid-review to 2024-05-14) root"
        in corrected
    )
    assert corrected.endswith(" typo")
    [started] = [row for row in rows if "recorded proceedings-started" in row]
    assert "2024-04-20 (criminal) root" in started


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("2024-04-25", ("2024-04-25", None, None)),
        ("2024-09-02 Criminal", ("2024-09-02", "criminal", None)),
        ("2024-04-25 rapid-review to 2024-05-14", ("2024-04-25", "rapid-review", "2024-05-14")),
        # As history writes it, and with one bracket lost in a copy and paste.
        ("2024-04-25 (rapid-review to 2024-05-14)", ("2024-04-25", "rapid-review", "2024-05-14")),
        ("2024-04-25 (rapid-review to 2024-05-14", ("2024-04-25", "rapid-review", "2024-05-14")),
        ("25/04/2024 rapid-review to 14/05/2024)", ("2024-04-25", "rapid-review", "2024-05-14")),
    ],
)
def test_was_reads_a_record_as_csv_or_history_writes_it(
    text: str, picked: tuple[str, str | None, str | None]
) -> None:
    from reviewclock.cli.values import record_pick

    pick = record_pick(text)
    assert (pick.on.isoformat(), pick.kind, pick.until and pick.until.isoformat()) == picked


def test_amend_corrects_the_new_due_date_of_an_agreed_extension(db: str) -> None:
    """Notified Tue 2 April 2024: the rapid review is due 15 working days later, Tue 23 April
    (3-5, 8-12, 15-19, 22, 23 April). The Panel agreed 21 May; the officer typed 14 May."""
    ok("add-sin", "CASE-2", "--aware", "2024-03-28", "--db", db)
    ok("record", "CASE-2", "notified", "--on", "2024-04-02", "--db", db)
    extension = ["--stage", "rapid-review", "--on", "2024-04-15", "--db", db]
    ok("record", "CASE-2", "extension-agreed", "--to", "2024-05-14", *extension)

    def due() -> str:
        shown = json.loads(run("show", "CASE-2", "--json", "--db", db, "--as-of", AS_OF).stdout)
        [stage] = [s for s in shown["stages"] if s["stage"] == "rapid-review"]
        assert stage["statutory_due"] == "2024-04-23"
        return str(stage["due"])

    assert due() == "2024-05-14"
    before = snapshot(db)
    amend = ["amend", "CASE-2", "extension-agreed", "--reason", "typo", "--db", db]
    for args, code, fragments in [
        (["--to", "2024-05-14"], 1, ["already recorded", "rapid-review to 2024-05-14"]),
        (["--to", "2024-04-23"], 1, ["--to 2024-04-23 is not after", "Tue 2024-04-23"]),
        (["--to", "2024-05-32"], 2, ["'--to'", "2024-05-32"]),
    ]:
        assert_refused(run(*amend, *args), code, *fragments)
    wrong_event = ["amend", "CASE-2", "notified", "--to", "2024-05-21", "--reason", "r"]
    assert_refused(run(*wrong_event, "--db", db), 2, "--to applies to an agreed extension only")
    assert snapshot(db) == before
    out = ok(*amend, "--to", "2024-05-21")
    assert "now on 2024-04-15 (rapid-review to 2024-05-21)" in out
    assert "rapid-review: due 2024-05-14 -> 2024-05-21" in out
    assert due() == "2024-05-21"
    rows = query(db, "SELECT agreed_to FROM events WHERE name = 'extension-agreed' ORDER BY id")
    assert [str(r[0]) for r in rows] == ["2024-05-14", "2024-05-21"]  # both rows are kept


def test_extensions_agreed_again_stay_in_the_order_they_were_agreed(db: str) -> None:
    """The extension recorded last is the one that counts, so extensions are recorded in the
    order they were agreed, and corrections keep them so. Notified Tue 2 April 2024: the rapid
    review is due Tue 23 April; agreed on 15 April to 14 May, then on 25 April to 28 May."""
    ok("add-sin", "CASE-2", "--aware", "2024-03-28", "--db", db)
    ok("record", "CASE-2", "notified", "--on", "2024-04-02", "--db", db)
    stage = ["--stage", "rapid-review", "--db", db]
    ok("record", "CASE-2", "extension-agreed", "--on", "2024-04-15", "--to", "2024-05-14", *stage)
    ok("record", "CASE-2", "extension-agreed", "--on", "2024-04-25", "--to", "2024-05-28", *stage)
    before = snapshot(db)
    late_entry = ["--on", "2024-04-20", "--to", "2024-06-04", *stage]
    assert_refused(
        run("record", "CASE-2", "extension-agreed", *late_entry),
        1,
        "extension of rapid-review agreed on 2024-04-25 is already recorded",
        '--was "2024-04-25 rapid-review" --on DATE',
    )
    amend = ["amend", "CASE-2", "extension-agreed", "--reason", "r", "--db", db]
    assert_refused(
        run(*amend, "--was", "2024-04-25", "--on", "2024-04-10"),
        1,
        "the extension of rapid-review agreed on 2024-04-25 cannot be moved to 2024-04-10: "
        "the one agreed on 2024-04-15 was recorded before it for CASE-2",
    )
    assert_refused(
        run(*amend, "--was", "2024-04-15", "--on", "2024-04-26"),
        1,
        "agreed on 2024-04-15 cannot be moved to 2024-04-26: the one agreed on 2024-04-25 was "
        "recorded after it for CASE-2",
    )
    # The first moved past the second: the message names the agreement it would pass.
    assert_refused(
        run(*amend, "--was", "2024-04-15", "--to", "2024-06-10"),
        1,
        "--to 2024-06-10 would pass the new due date of the extension of rapid-review agreed on"
        " 2024-04-25, recorded after this one for CASE-2 (to 2024-05-28), which is the one that"
        " counts; give a date before 2024-05-28",
    )
    # Up to the same date, it still does not count: the later one moves nothing on.
    assert_refused(
        run(*amend, "--was", "2024-04-15", "--to", "2024-05-28"),
        1,
        "give a date before 2024-05-28",
    )
    assert snapshot(db) == before
    out = ok(*amend, "--was", "2024-04-15", "--to", "2024-05-21")
    # The correction is named, not the other extension; the later one still counts.
    assert "now on 2024-04-15 (rapid-review to 2024-05-21)" in out
    assert "No deadline moved" in out
    # Agreed again the same day: recorded after it, it counts.
    ok("record", "CASE-2", "extension-agreed", "--on", "2024-04-25", "--to", "2024-06-04", *stage)
    shown = json.loads(ok("show", "CASE-2", "--json", "--db", db, "--as-of", AS_OF))
    [rapid] = [s for s in shown["stages"] if s["stage"] == "rapid-review"]
    assert (rapid["due"], rapid["statutory_due"]) == ("2024-06-04", "2024-04-23")
    ok("doctor", "--db", db)
    # Two records of one day: their new due dates tell them apart, written as history shows
    # them or as the CSV does.
    before = contents(db)
    for was in ([], ["--was", "2024-04-25"], ["--was", "2024-04-25 rapid-review"]):
        assert_refused(
            run(*amend, *was, "--to", "2024-06-11"),
            2,
            "2024-04-25 rapid-review to 2024-05-28, 2024-04-25 rapid-review to 2024-06-04;",
            "--was '2024-04-25 rapid-review to 2024-05-28'",
        )
    assert contents(db) == before
    out = ok(*amend, "--was", "2024-04-25 (rapid-review to 2024-06-04)", "--to", "2024-06-11")
    assert "now on 2024-04-25 (rapid-review to 2024-06-11)" in out
    assert "rapid-review: due 2024-06-04 -> 2024-06-11" in out
    out = ok(*amend, "--was", "25/04/2024 Rapid-Review to 28/05/2024", "--to", "2024-05-30")
    assert "now on 2024-04-25 (rapid-review to 2024-05-30)" in out
    assert "No deadline moved" in out  # the one agreed again later still counts
    assert (
        "The extension-agreed recorded after it, on 2024-04-25 (rapid-review to 2024-06-11), is "
        "the one that counts; to replace that, record extension-agreed again."
    ) in out
    # Moved to the day of those recorded after it, it still comes before them.
    out = ok(*amend, "--was", "2024-04-15", "--on", "2024-04-25")
    assert "now on 2024-04-25 (rapid-review to 2024-05-21)" in out
    assert "No deadline moved" in out


def test_doctor_names_extensions_recorded_out_of_the_order_agreed(tmp_path: Path) -> None:
    """A register written before extensions were kept in order (or by another tool) may hold
    one recorded last but agreed first: doctor says which, and how to correct it."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "CASE-2", "--aware", "2024-03-28", "--db", db)
    ok("record", "CASE-2", "notified", "--on", "2024-04-02", "--db", db)
    stage = ["--stage", "rapid-review", "--db", db]
    ok("record", "CASE-2", "extension-agreed", "--on", "2024-04-15", "--to", "2024-05-14", *stage)
    ok("record", "CASE-2", "extension-agreed", "--on", "2024-04-25", "--to", "2024-05-28", *stage)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE events SET on_date = '2024-04-10' WHERE name = 'extension-agreed'"
            " AND on_date = '2024-04-25'"
        )
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    assert (
        "CASE-2: the extension of rapid-review agreed on 2024-04-10 was recorded for CASE-2 after"
        " the one agreed on 2024-04-15, and the one recorded last counts; extensions are"
        " recorded in the order they were agreed; correct the date with 'reviewclock amend"
        " CASE-2 extension-agreed --was DATE --on DATE --reason TEXT'"
    ) in r.stdout


def test_doctor_gives_the_amend_that_names_an_end_of_proceedings(tmp_path: Path) -> None:
    """Criminal proceedings from Tue 10 Jan 2023, ended Wed 1 Mar with no kind; an inquest
    from Thu 5 Jan written in by another tool leaves the end not saying which ended. doctor
    names the end and the amend that gives it its kind; once given, the case is whole."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "K-1", "--aware", "2023-01-02", "--db", db)
    ok("record", "K-1", "proceedings-started", "--on", "2023-01-10", "--kind", "criminal",
       "--db", db)  # fmt: skip
    ok("record", "K-1", "proceedings-ended", "--on", "2023-03-01", "--db", db)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO events (case_id, name, on_date, kind, recorded_by, recorded_at)"
            " SELECT case_id, name, '2023-01-05', 'inquest', recorded_by, recorded_at"
            " FROM events WHERE name = 'proceedings-started'"
        )
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    assert (
        "K-1: the proceedings-ended of 2023-03-01 for K-1 names no kind, and criminal and inquest"
        " proceedings were running then, so it must name the kind that ended; give it one:"
        " reviewclock amend K-1 proceedings-ended --was 2023-03-01 --kind KIND --reason ..."
    ) in r.stdout
    ok("amend", "K-1", "proceedings-ended", "--was", "2023-03-01", "--kind", "criminal",
       "--reason", "the trial ended", "--db", db)  # fmt: skip
    assert run("doctor", "--db", db).exit_code == 0


def test_amend_names_the_record_it_made_when_plans_are_out_of_date_order(db: str) -> None:
    """The plan recorded first is for the later date; correcting it must say what it now
    holds, not show the other plan (whose place in the order of recording moved)."""
    ok("record", "CASE-1", "lcspr-commissioned", "--on", "2024-05-10", "--db", db)
    ok("record", "CASE-1", "publication-planned", "--on", "2025-06-30", "--db", db)
    ok("record", "CASE-1", "publication-planned", "--on", "2025-05-30", "--db", db)
    out = ok(
        "amend",
        "CASE-1",
        "publication-planned",
        "--was",
        "2025-06-30",
        "--on",
        "2025-07-07",
        "--reason",
        "r",
        "--db",
        db,
    )
    assert out.splitlines()[0] == "Amended publication-planned for CASE-1: now on 2025-07-07."


def test_amend_a_repeated_event_by_its_old_date(db: str) -> None:
    ok("record", "CASE-1", "lcspr-commissioned", "--on", "2024-05-01", "--db", db)
    for on in ("2024-11-01", "2024-12-02"):
        ok("record", "CASE-1", "publication-planned", "--on", on, "--db", db)
    before = snapshot(db)
    assert_refused(
        run(
            "amend",
            "CASE-1",
            "publication-planned",
            "--on",
            "2024-12-09",
            "--reason",
            "r",
            "--db",
            db,
        ),
        2,
        "2024-11-01, 2024-12-02",
        "--was",
    )
    assert snapshot(db) == before
    ok(
        "amend",
        "CASE-1",
        "publication-planned",
        "--was",
        "2024-12-02",
        "--on",
        "2024-12-09",
        "--reason",
        "moved a week",
        "--db",
        db,
    )
    shown = json.loads(run("show", "CASE-1", "--json", "--db", db, "--as-of", AS_OF).stdout)
    plans = [e["on"] for e in shown["events"] if e["event"] == "publication-planned"]
    assert plans == ["2024-11-01", "2024-12-09"]


def test_amend_picks_one_of_two_records_of_a_day_by_its_kind(db: str) -> None:
    """Criminal proceedings and an inquest began the same day, and the inquest was typed a
    day early: the date alone cannot say which to correct, the date and kind can."""
    for kind in ("criminal", "inquest"):
        ok("record", "CASE-1", "proceedings-started", "--on", "2024-09-02", "--kind", kind,
           "--db", db)  # fmt: skip
    amend = ["amend", "CASE-1", "proceedings-started", "--on", "2024-09-03", "--reason", "r"]
    before = contents(db)
    for was in ([], ["--was", "2024-09-02"]):
        assert_refused(
            run(*amend, *was, "--db", db),
            2,
            "recorded on 2024-09-02 criminal, 2024-09-02 inquest",
            "--was '2024-09-02 criminal'",
        )
    assert_refused(run(*amend, "--was", "someday inquest", "--db", db), 2, "'someday'")
    assert_refused(
        run(*amend, "--was", "2024-09-02 (decision lcspr)", "--db", db),
        2,
        "'2024-09-02 (decision lcspr)' is not a record",
        "a decision or the Panel's view is not part of it",
    )
    assert contents(db) == before
    out = ok(*amend, "--was", "2024-09-02 (Inquest)", "--db", db)
    assert out.splitlines()[0] == (
        "Amended proceedings-started for CASE-1: now on 2024-09-03 (inquest)."
    )
    shown = json.loads(ok("show", "CASE-1", "--json", "--db", db, "--as-of", "2024-12-02"))
    events = [(e["event"], e["on"], e["kind"]) for e in shown["events"]]
    started = [(on, kind) for name, on, kind in events if name == "proceedings-started"]
    assert started == [("2024-09-02", "criminal"), ("2024-09-03", "inquest")]
    # What was typed wrong is said so, with what is recorded; nothing is written.
    before = contents(db)
    assert_refused(
        run(*amend, "--was", "2024-09-02 inquest", "--db", db),
        1,
        "no proceedings-started on 2024-09-02 inquest recorded to amend; it has "
        "proceedings-started on 2024-09-02 criminal, 2024-09-03 inquest",
    )
    assert_refused(
        run(*amend, "--was", "2024-09-02 magistrates", "--db", db),
        2,
        "'magistrates' is not a kind of proceedings; use one of criminal, inquest",
    )
    r = run(*amend, "--was", "2024-09-02 crim\x1b[31m", "--db", db)
    assert_refused(r, 2, "'crim\\x1b[31m' is not a kind of proceedings")
    assert "\x1b" not in r.stderr
    notified = ["amend", "CASE-1", "notified", "--on", "2024-04-04", "--reason", "r"]
    assert_refused(
        run(*notified, "--was", "2024-04-05 criminal", "--db", db),
        2,
        "notified has no kind or stage; pick its record by date alone (--was 2024-04-05)",
    )
    assert contents(db) == before


def test_a_correction_that_makes_two_records_alike_can_be_undone(db: str) -> None:
    """Criminal proceedings recorded as starting on 2 and on 10 September; the first is
    corrected to the 10th by mistake. The two are then alike in all --was can name, and
    the one corrected last is the one taken, so the mistake can be put right."""
    for on in ("2024-09-02", "2024-09-10"):
        ok("record", "CASE-1", "proceedings-started", "--on", on, "--kind", "criminal",
           "--db", db)  # fmt: skip
    amend = ["amend", "CASE-1", "proceedings-started", "--reason", "r", "--db", db]
    ok(*amend, "--was", "2024-09-02 criminal", "--on", "2024-09-10")
    [(wrong,)] = query(db, "SELECT max(id) FROM events")
    out = ok(*amend, "--was", "2024-09-10 criminal", "--on", "2024-09-02")
    assert "now on 2024-09-02 (criminal)" in out
    [(amends,)] = query(db, "SELECT amends FROM events WHERE id = (SELECT max(id) FROM events)")
    assert amends == wrong
    shown = json.loads(ok("show", "CASE-1", "--json", "--db", db, "--as-of", "2024-12-02"))
    started = [e["on"] for e in shown["events"] if e["event"] == "proceedings-started"]
    assert started == ["2024-09-02", "2024-09-10"]


def test_amend_tells_a_notice_for_every_stage_from_one_naming_its_stage(db: str) -> None:
    """Two delay notices of one day, one for every open stage and one naming the rapid review:
    the date alone is how the first is written, so it picks that one."""
    ok("add-sin", "CASE-2", "--aware", "2024-03-28", "--db", db)
    ok("record", "CASE-2", "notified", "--on", "2024-04-02", "--db", db)
    ok("record", "CASE-2", "delay-notified", "--on", "2024-04-30", "--db", db)
    ok("record", "CASE-2", "delay-notified", "--on", "2024-04-30", "--stage", "rapid-review",
       "--db", db)  # fmt: skip
    amend = ["amend", "CASE-2", "delay-notified", "--reason", "r", "--db", db]
    before = contents(db)
    assert_refused(
        run(*amend, "--on", "2024-05-01"),
        2,
        "recorded on 2024-04-30, 2024-04-30 rapid-review",
        "--was '2024-04-30 rapid-review'",
    )
    assert contents(db) == before
    assert "now on 2024-05-01." in ok(*amend, "--was", "2024-04-30", "--on", "2024-05-01")
    out = ok(*amend, "--was", "2024-04-30 rapid-review", "--on", "2024-05-02")
    assert "now on 2024-05-02 (rapid-review)." in out
    shown = json.loads(ok("show", "CASE-2", "--json", "--db", db, "--as-of", "2024-12-02"))
    notices = [(e["on"], e["kind"]) for e in shown["events"] if e["event"] == "delay-notified"]
    assert notices == [("2024-05-01", None), ("2024-05-02", "rapid-review")]


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (["CASE-1", "notified", "--on", "2024-04-04"], 2, ["--reason"]),
        (["CASE-1", "notified", "--on", "2024-04-04", "--reason", "  "], 2, ["reason"]),
        (
            ["CASE-1", "notified", "--on", "2024-04-26", "--reason", "r"],
            1,
            ["rapid-review-sent (2024-04-25) before notified (2024-04-26)"],
        ),
        (
            ["CASE-1", "notified", "--on", "2024-03-01", "--reason", "r"],
            1,
            ["notified (2024-03-01) before aware (2024-03-28)"],
        ),
        (
            ["CASE-1", "aware", "--on", "2024-04-06", "--reason", "r"],
            1,
            ["notified (2024-04-05) before aware (2024-04-06)"],
        ),
        (["CASE-1", "notified", "--on", "2099-01-01", "--reason", "r"], 1, ["in the future"]),
        (["CASE-1", "notified", "--on", "2024-04-05", "--reason", "r"], 1, ["nothing to amend"]),
        (
            ["CASE-1", "published", "--on", "2024-04-05", "--reason", "r"],
            1,
            ["no published recorded"],
        ),
        (["CASE-1", "notified", "--on", "2024-02-30", "--reason", "r"], 2, ["'2024-02-30'"]),
        (["CASE-9", "notified", "--on", "2024-04-04", "--reason", "r"], 1, ["no case 'CASE-9'"]),
        (
            ["CASE-1", "notified", "--was", "2024-04-01", "--on", "2024-04-04", "--reason", "r"],
            1,
            ["no notified on 2024-04-01"],
        ),
    ],
)
def test_bad_amendments_change_nothing(
    db: str, args: list[str], code: int, fragments: list[str]
) -> None:
    before = snapshot(db)
    rows = query(db, "SELECT count(*) FROM events")
    assert_refused(run("amend", *args, "--db", db), code, *fragments)
    assert snapshot(db) == before
    assert query(db, "SELECT count(*) FROM events") == rows


def test_recording_twice_points_to_amend(db: str) -> None:
    assert_refused(
        run("record", "CASE-1", "notified", "--on", "2024-04-04", "--db", db),
        1,
        "reviewclock amend CASE-1 notified",
    )


def test_history_of_an_unknown_case(db: str) -> None:
    assert_refused(run("history", "NOPE", "--db", db), 1, "no case 'NOPE'")


# -- delete ----------------------------------------------------------------------------------


def test_delete_needs_confirmation_and_leaves_a_record(db: str) -> None:
    runner = CliRunner()
    before = snapshot(db)
    no = runner.invoke(app, ["delete", "CASE-1", "--reason", "duplicate", "--db", db], input="n\n")
    assert no.exit_code == 1 and "aborted; nothing was changed" in no.stderr
    assert snapshot(db) == before
    yes = runner.invoke(app, ["delete", "CASE-1", "--reason", "duplicate", "--db", db], input="y\n")
    assert yes.exit_code == 0, yes.stderr
    assert "Deleted CASE-1 and its 3 events." in yes.stdout
    assert json.loads(snapshot(db)) == []
    hist = run("history", "CASE-1", "--db", db).stdout
    assert "deleted" in hist and "duplicate" in hist
    assert query(db, "SELECT count(*) FROM events") == [(0,)]


def test_delete_for_scripts_and_bad_deletes(db: str) -> None:
    before = snapshot(db)
    assert_refused(run("delete", "CASE-1", "--db", db), 2, "--reason")
    assert_refused(
        run("delete", "CASE-9", "--reason", "r", "--yes", "--db", db), 1, "no case 'CASE-9'"
    )
    assert_refused(run("delete", "CASE-1", "--reason", " ", "--yes", "--db", db), 2, "reason")
    assert snapshot(db) == before
    ok("delete", "CASE-1", "--reason", "test entry", "--yes", "--db", db)
    assert json.loads(snapshot(db)) == []
    # The reference can be used again afterwards.
    ok("add-sin", "CASE-1", "--aware", "2024-05-01", "--db", db)


# -- backup and doctor -----------------------------------------------------------------------


def test_backup_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    Register(str(path), create=True).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), "LIVE"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        for _ in range(20):  # twenty commits acknowledged, however slow the machine
            assert writer.stdout.readline(), writer.communicate()[1]
        copy = tmp_path / "copy.db"
        r = run("backup", str(copy), "--db", str(path))
        assert r.exit_code == 0, r.stderr
    finally:
        writer.kill()
        writer.communicate()
    assert integrity(copy) == "ok"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    copied = refs_in(copy)
    assert len(copied) >= 20 and copied <= refs_in(path)
    # The copy is a register in its own right.
    assert json.loads(run("show", sorted(copied)[0], "--json", "--db", str(copy)).stdout)["ref"]
    # Once nobody writes, a backup holds exactly the same cases and events.
    still = tmp_path / "still.db"
    assert run("backup", str(still), "--db", str(path)).exit_code == 0
    assert (
        run("status", "--all", "--json", "--db", str(still)).stdout
        == run("status", "--all", "--json", "--db", str(path)).stdout
    )


def test_backup_refuses_to_overwrite(db: str, tmp_path: Path) -> None:
    existing = tmp_path / "existing.db"
    existing.write_text("precious")
    assert_refused(run("backup", str(existing), "--db", db), 1, "already exists")
    assert existing.read_text() == "precious"
    assert_refused(run("backup", str(tmp_path / "no" / "dir.db"), "--db", db), 1, "cannot create")
    # A blank name is no file (it would read as the current directory).
    for blank in ("", " "):
        assert_refused(run("backup", blank, "--db", db), 2, "DEST is blank", "backup file")


@pytest.mark.sqlite_only
def test_doctor_finds_modes_and_contradictions(db: str) -> None:
    assert run("doctor", "--db", db).exit_code == 0
    Path(db).chmod(0o644)
    with sqlite3.connect(db) as conn:  # a contradiction written behind reviewclock's back
        conn.execute("UPDATE events SET on_date = '2024-04-30' WHERE name = 'notified'")
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    assert "mode 0644" in r.stdout and "chmod 600" in r.stdout
    assert (
        "CASE-1: that would put rapid-review-sent (2024-04-25) before notified (2024-04-30)"
        in r.stdout
    )


@pytest.mark.sqlite_only
def test_doctor_names_a_register_left_half_made(tmp_path: Path) -> None:
    """A process killed outright during an import leaves its private file beside the
    register; doctor names it once it has stood unchanged for an hour (the file system's
    time is set back here), and leaves alone one an import may still be writing."""
    db = tmp_path / "my register.db"
    ok("add-sin", "CASE-1", "--aware", "2024-04-02", "--db", str(db))
    stale = tmp_path / ".my register.db.k2j4x9ab.new"
    shutil.copyfile(db, stale)
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    fresh = tmp_path / ".my register.db.q8w3e5rt.new"
    fresh.write_bytes(b"")
    other = tmp_path / ".other.db.a1b2c3d4.new"  # beside another register: not this one's
    other.write_bytes(b"")
    os.utime(other, (two_hours_ago, two_hours_ago))
    r = run("doctor", "--db", str(db))
    assert r.exit_code == 1
    found = [line for line in r.stdout.splitlines() if ".new" in line]
    assert len(found) == 1, r.stdout
    assert str(stale) in found[0] and f"rm '{stale}'" in found[0]
    assert "never finished" in found[0]
    stale.unlink()
    assert run("doctor", "--db", str(db)).exit_code == 0
    # An import into a new register, killed outright, leaves its file where none is yet.
    new = tmp_path / "new.db"
    left = tmp_path / ".new.db.z9y8x7w6.new"
    shutil.copyfile(db, left)
    os.utime(left, (two_hours_ago, two_hours_ago))
    r = run("doctor", "--db", str(new))
    assert r.exit_code == 1
    assert f"rm {left}" in r.stdout and "never finished" in r.stdout
    assert "where there is no register yet" in r.stderr
    left.unlink()
    assert_refused(run("doctor", "--db", str(new)), 1, f"there is no register at {new} yet")


# -- privacy ---------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_register_wal_and_shm_are_private(db: str) -> None:
    register = Register(db)
    try:
        with register.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM cases").fetchall()
            for suffix in ("", "-wal", "-shm"):
                p = Path(db + suffix)
                assert p.exists(), suffix
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, suffix
    finally:
        register.close()


@pytest.mark.sqlite_only
def test_unexpected_errors_are_one_line_with_a_hint(db: str, tmp_path: Path) -> None:
    # A value that must never reach a screen: it is held in the command's local variables.
    named = tmp_path / "Jane-Smith-2019.db"
    Path(db).rename(named)
    db = str(named)
    code = (
        "import sys; from reviewclock import store\n"
        "def broken(self, **kw): raise RuntimeError('simulated fault')\n"
        "store.Register.each_case = broken\n"
        "from reviewclock.cli import main\n"
        "sys.argv = ['reviewclock', 'status', '--db', sys.argv[1]]; main()"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    p = subprocess.run([sys.executable, "-c", code, db], capture_output=True, text=True, env=env)
    assert p.returncode == 1
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "simulated fault" in p.stderr and "REVIEWCLOCK_DEBUG=1" in p.stderr
    p = subprocess.run(
        [sys.executable, "-c", code, db],
        capture_output=True,
        text=True,
        env={**env, "REVIEWCLOCK_DEBUG": "1", "COLUMNS": "400"},  # wide: no value is wrapped
    )
    assert "Traceback" in p.stderr and "simulated fault" in p.stderr
    assert "Jane-Smith" not in p.stderr  # a traceback never shows the values of local variables


# -- bad registers ---------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_corrupt_register(db: str) -> None:
    data = bytearray(Path(db).read_bytes())
    for i in range(200, len(data), 97):
        data[i] = (data[i] + 91) % 256
    Path(db).write_bytes(bytes(data))
    for args in (["status"], ["record", "CASE-1", "published", "--on", "2024-05-01"], ["doctor"]):
        r = run(*args, "--db", db)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        assert r.stderr.count("\n") == 1 or args == ["doctor"]


@pytest.mark.sqlite_only
def test_read_only_register(db: str) -> None:
    before = snapshot(db)
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    assert "CASE-1" in run("status", "--all", "--db", url, "--as-of", AS_OF).stdout
    assert_refused(
        run("record", "CASE-1", "panel-response", "--on", "2024-05-01", "--db", url), 1, "read-only"
    )
    assert snapshot(db) == before


@pytest.mark.sqlite_only
def test_read_only_file(db: str, tmp_path: Path) -> None:
    """A register file its user may only read. Root may write any file, so when the tests
    run as root (as in CI) the command runs as the unprivileged user nobody, who owns the
    file, in a directory of its own (root's temporary directories are closed to others)."""
    exe = str(Path(sys.executable).parent / "reviewclock")
    prefix: list[str] = []
    place = tmp_path / "ro"
    if os.geteuid() == 0:
        import pwd
        import shutil
        import tempfile

        if shutil.which("setpriv") is None:
            pytest.fail("setpriv (util-linux) is needed to run this test as root")
        nobody = pwd.getpwnam("nobody")
        place = Path(tempfile.mkdtemp(prefix="reviewclock-ro-"))
        os.chown(place, nobody.pw_uid, nobody.pw_gid)
        prefix = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}"]
        prefix.append("--clear-groups")
    else:
        place.mkdir()
    try:
        path = place / "register.db"
        with (
            contextlib.closing(sqlite3.connect(db)) as src,
            contextlib.closing(sqlite3.connect(path)) as dst,
        ):
            src.backup(dst)
        if prefix:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        path.chmod(0o400)
        before = contents(str(path))
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(place),
            "XDG_CONFIG_HOME": str(place / "config"),
            "XDG_DATA_HOME": str(place / "data"),
        }
        args = ["record", "CASE-1", "panel-response", "--on", "2024-05-01", "--db", str(path)]
        p = subprocess.run(
            [*prefix, exe, *args], capture_output=True, text=True, env=env, timeout=60
        )
        assert_refused(Run(p.returncode, p.stdout, p.stderr), 1, "read-only")
        assert contents(str(path)) == before
    finally:
        if prefix:
            import shutil

            shutil.rmtree(place)


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))


def test_full_disk(tmp_path: Path) -> None:
    """A register that cannot grow (the file-size limit stands in for a full disk)."""
    path = tmp_path / "full.db"
    env = {**os.environ, "REVIEWCLOCK_DB": str(path)}
    exe = str(Path(sys.executable).parent / "reviewclock")
    assert (
        subprocess.run(
            [exe, "add-sin", "F-0", "--aware", "2024-03-28"], env=env, capture_output=True
        ).returncode
        == 0
    )
    failed = None
    for i in range(1, 200):
        p = subprocess.run(
            [exe, "add-sin", f"F-{i}", "--aware", "2024-03-28", "--note", "n" * 2000],
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=_limit_file_size,
        )
        if p.returncode != 0:
            failed = (i, p)
            break
    assert failed is not None, "the size limit never bit"
    i, p = failed
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.count("\n") == 1 and "disk may be full" in p.stderr
    assert f"F-{i}" not in refs_in(path) and integrity(path) == "ok"


@pytest.mark.sqlite_only
def test_register_locked_past_the_timeout(db: str) -> None:
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = run(
            "record",
            "CASE-1",
            "published",
            "--on",
            "2024-05-01",
            "--db",
            db,
            env={"REVIEWCLOCK_LOCK_TIMEOUT": "0.3"},
        )
        assert_refused(r, 1, "locked by another user for over 0.3 s", "nothing was changed")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_refused(
        run("status", "--db", db, env={"REVIEWCLOCK_LOCK_TIMEOUT": "soon"}),
        1,
        "REVIEWCLOCK_LOCK_TIMEOUT",
    )


# -- random input never crashes and never changes a refused register -------------------------

TOKENS = st.sampled_from(
    [
        "add-sin",
        "record",
        "show",
        "status",
        "amend",
        "history",
        "delete",
        "report",
        "due",
        "CASE-1",
        "CASE-2",
        "Jane Smith",
        "",
        "x" * 70,
        "notified",
        "rapid-review-sent",
        "published",
        "proceedings-started",
        "proceedings-ended",
        "delay-notified",
        "aware",
        "--on",
        "--aware",
        "--as-of",
        "--reason",
        "--kind",
        "criminal",
        "civil",
        "--json",
        "--all",
        "--overdue",
        "--due-within",
        "-w",
        "--months",
        "--was",
        "--format",
        "html",
        "--email",
        "a@b.example",
        "--note",
        "--harm",
        "death",
        "--yes",
        "-1",
        "3",
        "--",
        "-",
    ]
)
DATES = st.one_of(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(
        ["2024-02-30", "2023-13-01", "tomorrow", "31/12/2024", "2024-4-5", "0000-01-01"]
    ),
)


@pytest.mark.sqlite_only
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=st.lists(st.one_of(TOKENS, DATES), min_size=1, max_size=7))
def test_random_command_lines(db: str, args: list[str]) -> None:
    before = contents(db)
    result = CliRunner().invoke(app, [*args, "--db", db], catch_exceptions=False, input="n\n")
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code != 0:
        assert result.exit_code in (1, 2)
        assert contents(db) == before
        if "Usage:" not in result.stderr:
            assert result.stderr.count("\n") == 1, result.stderr


def test_driver_errors_from_the_fast_path_are_one_line(db: str) -> None:
    """Status reads through the driver's own cursor; its errors are translated too."""
    if "://" in db:
        import psycopg

        from conftest import libpq

        with psycopg.connect(libpq(db), autocommit=True) as conn:
            conn.execute("ALTER TABLE events RENAME TO events_moved")
    else:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("ALTER TABLE events RENAME TO events_moved")
    r = run("status", "--all", "--db", db, "--as-of", AS_OF)
    assert_refused(r, 1, f"the register {db} could not be used", "events")
    assert "REVIEWCLOCK_DEBUG" not in r.stderr
