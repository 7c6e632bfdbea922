"""`status --json` over a large SQLite register, worked out in two halves at once.

A second process works out the second half of the cases. Its half is taken only when
it read the register as it stood when this process read it; otherwise, or when it
fails, this process works that half out itself. Either way, the output and the
warnings are those of one pass over the register, which each test takes from the same
register worked out in one pass (a small register is not halved).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import run
from reviewclock.cli import statusjson
from reviewclock.store import Register

AS_OF = "2025-03-03"


def _csv() -> str:
    """Eighty cases a week apart from January 2023, each stopped at a different point of
    the chain: some only aware, some notified late, some with the Panel's answer, some
    held up by proceedings."""
    lines = ["ref,aware,notified,rapid-review-sent,panel-response,proceedings-started"]
    start = dt.date(2023, 1, 2)
    for i in range(80):
        aware = start + dt.timedelta(days=7 * i)
        row = [f"H-{i:03d}", aware.isoformat(), "", "", "", ""]
        if i % 5:
            row[2] = (aware + dt.timedelta(days=3 + i % 9)).isoformat()
        if i % 5 > 1:
            row[3] = (aware + dt.timedelta(days=18 + i % 11)).isoformat()
        if i % 5 > 2:
            row[4] = (aware + dt.timedelta(days=40)).isoformat()
        if i % 7 == 3:
            row[5] = (aware + dt.timedelta(days=30)).isoformat() + " criminal"
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "register.db"
    (tmp_path / "cases.csv").write_text(_csv())
    r = run("import", str(tmp_path / "cases.csv"), "--db", str(path))
    assert r.exit_code == 0, r.stderr
    for args in (
        ("record", "H-001", "rapid-review-sent", "--on", "2023-01-20", "--note", 'sent é😀 "x"'),
        ("amend", "H-006", "notified", "--on", "2023-02-15", "--reason", "typed wrongly"),
        ("delete", "H-010", "--reason", "entered twice", "--yes"),
    ):
        r = run(*args, "--db", str(path))
        assert r.exit_code == 0, (args, r.stderr)
    # A date no reviewclock would write, in a case of each half: both halves warn.
    with sqlite3.connect(path) as conn:
        for ref in ("H-004", "H-070"):
            conn.execute(
                "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at)"
                " SELECT id, 'publication-planned', '9999-12-31', 'x', '2024-02-01 10:00:00'"
                " FROM cases WHERE ref = ?",
                (ref,),
            )
    conn.close()
    return str(path)


class Halves:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
        self.monkeypatch, self.log = monkeypatch, log

    def on(self) -> None:
        """From now on, halve every register, however small."""
        self.monkeypatch.setattr(statusjson, "SPLIT_FROM_BYTES", 0)

    def readers(self) -> list[int]:
        """The ids of the processes that read a run of cases, in the order they began."""
        return [int(line) for line in self.log.read_text().split()] if self.log.exists() else []


@pytest.fixture
def halves(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Halves]:
    """Note which process reads each run of cases; ``on()`` halves every register."""
    log = tmp_path / "readers.log"
    for name in ("each_case", "cases_by_id"):
        original = getattr(Register, name)

        def noted(self: Register, *args: Any, _original: Any = original, **kw: Any) -> Any:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(fd, f"{os.getpid()}\n".encode())
            os.close(fd)
            return _original(self, *args, **kw)

        monkeypatch.setattr(Register, name, noted)
    yield Halves(monkeypatch, log)


def _one_pass(db: str, *args: str) -> tuple[str, str]:
    r = run("status", "--json", *args, "--db", db)
    assert r.exit_code == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--all", "--as-of", AS_OF),
        ("--as-of", AS_OF),
        ("--overdue", "--as-of", AS_OF),
        ("--due-within", "3", "--as-of", AS_OF),
        # Looking back past recorded events: the open cases are found with dates.
        ("--as-of", "2023-06-30"),
        ("--all", "--as-of", "2023-06-30"),
    ],
)
def test_two_halves_give_what_one_pass_gives(
    db: str, halves: Halves, args: tuple[str, ...]
) -> None:
    expected = _one_pass(db, *args)
    assert len(halves.readers()) == 1  # a small register is worked out in one pass
    halves.on()
    assert expected[0].count('"ref"') > 5
    # Both halves warn, in the order of the cases.
    assert [line.split()[3] for line in expected[1].splitlines()] == ["H-004", "H-070"]
    got = _one_pass(db, *args)
    assert got == expected
    # Each process read its half once: the second half was taken from the other process.
    readers = halves.readers()[1:]
    assert len(readers) == 2 and readers.count(os.getpid()) == 1, readers


def test_halves_of_a_register_with_cases_deleted_give_what_one_pass_gives(
    db: str, halves: Halves
) -> None:
    """Every case is halved by its row id, from the first to the last: the first and the
    last case deleted, and most of the first half, leave gaps in that run, and the halves
    are uneven, but no case is read twice or left out."""
    refs = ["H-000", "H-079", *(f"H-{i:03d}" for i in range(2, 38, 2) if i != 10)]
    for ref in refs:
        r = run("delete", ref, "--reason", "entered twice", "--yes", "--db", db)
        assert r.exit_code == 0, r.stderr
    for args in (("--all", "--as-of", AS_OF), ("--as-of", AS_OF)):
        halves.monkeypatch.setattr(statusjson, "SPLIT_FROM_BYTES", 1 << 40)
        expected = _one_pass(db, *args)
        halves.on()
        before = len(halves.readers())
        got = _one_pass(db, *args)
        assert got == expected
        # Each process read its half once: the second half was taken from the other process.
        assert len(set(halves.readers()[before:])) == 2
        assert not any(f'"ref": "{ref}"' in got[0] for ref in refs)
        if "--all" in args:  # the cases next to the deleted ends are there
            assert '"ref": "H-078"' in got[0] and '"ref": "H-001"' in got[0]


def test_row_ids_at_the_ends_of_sqlites_range_are_halved_too(db: str, halves: Halves) -> None:
    """A register written by another tool, with case ids at both ends of what SQLite allows:
    the run between them is longer than a Python length can be, and is halved all the same."""
    with sqlite3.connect(db) as conn:
        for case_id, ref in ((-(2**63), "LOWEST"), (2**63 - 1, "HIGHEST")):
            conn.execute(
                "INSERT INTO cases (id, ref, created_at, created_by)"
                " VALUES (?, ?, '2025-01-01 00:00:00', 'x')",
                (case_id, ref),
            )
            conn.execute(
                "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at)"
                " VALUES (?, 'aware', '2025-01-06', 'x', '2025-01-06 10:00:00')",
                (case_id,),
            )
    conn.close()
    expected = _one_pass(db, "--all", "--as-of", AS_OF)
    halves.on()
    got = _one_pass(db, "--all", "--as-of", AS_OF)
    assert got == expected
    assert '"ref": "LOWEST"' in got[0] and '"ref": "HIGHEST"' in got[0]


def test_the_run_of_every_case_spans_the_first_to_the_last(tmp_path: Path) -> None:
    from reviewclock.store.opencases import all_case_ids

    path = str(tmp_path / "r.db")
    now = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    with Register(path, create=True) as register:
        assert register.case_ids(None, now.date())[0] == range(0)
        for ref in ("A-1", "A-2", "A-3", "A-4"):
            register.add_case(ref, aware=dt.date(2025, 2, 24), today=now.date(), now=now)
    with sqlite3.connect(path) as conn:
        ids = [i for (i,) in conn.execute("SELECT id FROM cases ORDER BY id")]
    conn.close()
    with Register(path) as register:
        got, _ = register.case_ids(None, now.date())
    assert list(got) == ids and len(ids) == 4
    for ref in ("A-1", "A-4"):  # both ends gone: the run shrinks to what is left
        r = run("delete", ref, "--reason", "entered twice", "--yes", "--db", path)
        assert r.exit_code == 0, r.stderr
    with Register(path) as register:
        got, _ = register.case_ids(None, now.date())
    assert list(got) == ids[1:3]
    assert all_case_ids  # the function the register asks


def test_a_half_read_at_another_moment_is_worked_out_again(
    db: str, halves: Halves, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case added between the two processes' reads: the other process's half holds it,
    so that half is not taken, and the output is the register as this process read it."""
    expected = _one_pass(db, "--all", "--as-of", AS_OF)
    halves.on()
    first = os.getpid()
    taken, wait = os.pipe()
    original = Register.case_ids

    def case_ids(self: Register, *args: Any) -> Any:
        if os.getpid() == first:
            found = original(self, *args)
            os.write(wait, b".")  # this process has read: now the case is added
            return found
        os.read(taken, 1)
        now = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
        with Register(str(self.location)) as other:
            other.add_case("LATE-1", aware=dt.date(2025, 2, 24), today=now.date(), now=now)
        return original(self, *args)

    monkeypatch.setattr(Register, "case_ids", case_ids)
    try:
        got = _one_pass(db, "--all", "--as-of", AS_OF)
    finally:
        os.close(taken)
        os.close(wait)
    assert got == expected
    assert "LATE-1" not in got[0]
    # This process read its half, then the second half again.
    assert halves.readers()[1:].count(first) == 2
    # The case was added, and a fresh read shows it.
    assert "LATE-1" in _one_pass(db, "--all", "--as-of", AS_OF)[0]


def test_a_half_that_fails_is_worked_out_again(
    db: str, halves: Halves, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _one_pass(db, "--as-of", AS_OF)
    halves.on()
    first = os.getpid()
    original = Register.case_ids

    def case_ids(self: Register, *args: Any) -> Any:
        if os.getpid() != first:
            raise OSError(28, "No space left on device")
        return original(self, *args)

    monkeypatch.setattr(Register, "case_ids", case_ids)
    assert _one_pass(db, "--as-of", AS_OF) == expected
    assert halves.readers()[1:] == [first, first]


def test_a_missing_register_is_one_line_in_halves_too(tmp_path: Path, halves: Halves) -> None:
    halves.on()
    r = run("status", "--all", "--json", "--db", str(tmp_path / "nowhere.db"))
    assert r.exit_code == 1, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "nowhere.db").exists()
    assert halves.readers() == []


def test_only_a_large_sqlite_file_on_a_machine_with_two_cores_is_halved(tmp_path: Path) -> None:
    small, large = tmp_path / "small.db", tmp_path / "large.db"
    small.write_bytes(b"\0" * 1024)
    with large.open("wb") as f:
        f.truncate(statusjson.SPLIT_FROM_BYTES)
    two = len(os.sched_getaffinity(0)) > 1
    assert statusjson._worth_halving(large) is two
    assert not statusjson._worth_halving(small)
    assert not statusjson._worth_halving(None)  # PostgreSQL: no file
    assert not statusjson._worth_halving(tmp_path / "gone.db")


def test_urgency_text_sorts_as_urgency_key(db: str) -> None:
    """The one-string key that status --json sorts by puts the cases in the order of the
    tuple the terminal's status sorts by, on dates that give every state."""
    from reviewclock.config import load_settings
    from reviewclock.digest import urgency_key, urgency_text

    clock = load_settings().clock()
    with Register(db) as register:
        cases = register.cases()
    states = set()
    for day in ("2023-01-03", "2023-06-30", AS_OF, "2030-01-01"):
        evaluated = [clock.evaluate_case(c, dt.date.fromisoformat(day)) for c in cases]
        found = [e for e in evaluated if e is not None]
        states |= {e[1].most_urgent.state for e in found if e[1].most_urgent is not None}
        by_tuple = [e[0].ref for e in sorted(found, key=lambda e: urgency_key(*e))]
        assert [e[0].ref for e in sorted(found, key=lambda e: urgency_text(*e))] == by_tuple
    assert len(states) >= 4, states


# The entry point: a real process, the register halved, with stdout a pipe (the list is
# copied within the kernel) and a file opened to append to (which the kernel cannot copy
# into: the list goes through memory).
HALVED = (
    "import sys; from reviewclock.cli import statusjson; statusjson.SPLIT_FROM_BYTES = 0;"
    " from reviewclock.__main__ import main; sys.argv[0] = 'reviewclock'; main()"
)


def test_the_entry_point_halves_and_copies_the_list_to_a_pipe(db: str) -> None:
    import subprocess
    import sys

    expected = _one_pass(db, "--all", "--as-of", AS_OF)
    args = ["status", "--all", "--json", "--as-of", AS_OF, "--db", db]
    done = subprocess.run(
        [sys.executable, "-c", HALVED, *args], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, *expected)


def test_the_entry_point_appends_the_list_to_a_file(db: str, tmp_path: Path) -> None:
    """As ``reviewclock status --json >> cases.json`` in a cron job."""
    import subprocess
    import sys

    expected = _one_pass(db, "--all", "--as-of", AS_OF)[0]
    out = tmp_path / "cases.json"
    out.write_text("yesterday\n")
    args = ["status", "--all", "--json", "--as-of", AS_OF, "--db", db]
    with out.open("a") as appended:
        done = subprocess.run(
            [sys.executable, "-c", HALVED, *args], stdout=appended, stderr=subprocess.PIPE
        )
    assert done.returncode == 0, done.stderr
    assert out.read_text() == "yesterday\n" + expected


def test_ctrl_c_ends_both_processes_with_one_line(db: str, tmp_path: Path) -> None:
    """Ctrl-C reaches every process of the command: the second ends silently, and the
    first says once that nothing was written."""
    import select
    import signal
    import subprocess
    import sys

    fifo = tmp_path / "second.fifo"
    os.mkfifo(fifo)
    # The second process says it has begun, then waits there for the signal.
    code = (
        "import os, signal; from reviewclock.store import Register; first = os.getpid();"
        " original = Register.case_ids\n"
        "def case_ids(self, *args):\n"
        "    if os.getpid() != first:\n"
        f"        with open({str(fifo)!r}, 'w') as f: f.write(str(os.getpid()))\n"
        "        signal.pause()\n"
        "    return original(self, *args)\n"
        "Register.case_ids = case_ids\n" + HALVED.replace("; ", "\n")
    )
    args = ["status", "--all", "--json", "--as-of", AS_OF, "--db", db]
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep = os.open(fifo, os.O_WRONLY)  # a writer held open: select waits for the data
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    said = b""
    while not said:
        ready, _, _ = select.select([reader], [], [], 60)
        assert ready, "the second process never began"
        said = os.read(reader, 64)
    os.close(reader)
    os.close(keep)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "reviewclock: interrupted: nothing was written\n"


def test_with_no_process_to_spare_one_process_does_both_halves(
    db: str, halves: Halves, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _one_pass(db, "--all", "--as-of", AS_OF)
    halves.on()

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert _one_pass(db, "--all", "--as-of", AS_OF) == expected
    assert halves.readers()[1:] == [os.getpid(), os.getpid()]


@pytest.mark.parametrize(
    ("args", "refs"),
    [
        # As of Monday 3 February 2025 (examples/build-register.sh): the Panel's answer to
        # BSCP-2024-08 late since 31 December, the rapid review of BSCP-2024-09 late since
        # Friday, BSCP-2024-05 held up by a trial; BSCP-2024-11's notification due Tuesday
        # (1 working day); BSCP-2024-10's rapid review due Thursday 13 February (8 left);
        # BSCP-2023-14 closed. --all lets the closed case in; the other filters still hold.
        (("--all",), ["BSCP-2024-08", "BSCP-2024-09", "BSCP-2024-05", "BSCP-2024-11",
                      "BSCP-2024-10", "BSCP-2023-14"]),
        (("--all", "--overdue"), ["BSCP-2024-08", "BSCP-2024-09", "BSCP-2024-05"]),
        (("--all", "--due-within", "3"), ["BSCP-2024-08", "BSCP-2024-09", "BSCP-2024-05",
                                          "BSCP-2024-11"]),
        (("--due-within", "8"), ["BSCP-2024-08", "BSCP-2024-09", "BSCP-2024-05",
                                 "BSCP-2024-11", "BSCP-2024-10"]),
    ],
)  # fmt: skip
def test_all_combines_with_the_other_filters(
    args: tuple[str, ...], refs: list[str], tmp_path: Path
) -> None:
    import json
    import shutil

    example = tmp_path / "register.db"
    shutil.copy(Path(__file__).parent.parent / "examples" / "register.db", example)
    r = run("status", "--json", *args, "--as-of", "2025-02-03", "--db", str(example))
    assert r.exit_code == 0, r.stderr
    assert [case["ref"] for case in json.loads(r.stdout)] == refs
