"""The fast read path: open cases found once, cases read in any order, figures from the
cases that can count, and rows written by stdlib sqlite3 exactly as SQLAlchemy writes them.

Each result is checked against the slow, obvious answer: every case read and
evaluated, then filtered in Python.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from helpers import run
from reviewclock.config import load_settings
from reviewclock.digest import select_cases
from reviewclock.stats import timeliness
from reviewclock.store import Register

AS_OF = "2025-03-03"


def _build(db: str) -> None:
    """Cases in every position: open, closed long ago, closed in the period, amended."""

    def ok(*args: str) -> None:
        r = run(*args, "--db", db)
        assert r.exit_code == 0, (args, r.stderr)

    # Closed in 2022: every stage met long before the period 2024/25.
    ok("add-sin", "OLD-DONE", "--aware", "2022-01-04", "--notified", "2022-01-06")
    ok("record", "OLD-DONE", "rapid-review-sent", "--on", "2022-01-20", "--decision", "no-lcspr")
    ok("record", "OLD-DONE", "panel-response", "--on", "2022-02-03", "--panel-view", "agrees")
    # Opened in 2022 and never notified: still open, so it counts at the end of 2024/25.
    ok("add-sin", "OLD-OPEN", "--aware", "2022-03-01")
    # Done within the period.
    ok("add-sin", "IN-YEAR", "--aware", "2024-06-03", "--notified", "2024-06-05")
    ok("record", "IN-YEAR", "rapid-review-sent", "--on", "2024-06-20", "--decision", "no-lcspr")
    ok("record", "IN-YEAR", "panel-response", "--on", "2024-07-05", "--panel-view", "agrees")
    # Notified, then the notification date corrected: the amendment keeps the event's name.
    ok("add-sin", "AMENDED", "--aware", "2024-11-04", "--notified", "2024-11-08")
    ok("amend", "AMENDED", "notified", "--on", "2024-11-07", "--reason", "typed the 8th")
    # Only aware: the notification stage is open.
    ok("add-sin", "NEW", "--aware", "2025-02-24")


@pytest.mark.parametrize("as_of", [AS_OF, "2024-06-10", "2022-01-05"])
def test_status_reads_exactly_the_open_cases(register_url: str, as_of: str) -> None:
    """Now, and looking back to when cases since closed were open (IN-YEAR on 10 June
    2024, OLD-DONE on 5 January 2022): the cases read are those the clock finds open."""
    _build(register_url)
    settings = load_settings()
    clock = settings.clock()
    today = dt.date.fromisoformat(as_of)
    with Register(register_url) as register:
        every = register.cases(audit=False)
        opened = register.cases(audit=False, open_in=clock.stages, on=today)
    # The obvious answer: every case evaluated as it stood, the closed ones dropped.
    expected = [
        c.ref
        for c, cc in clock.evaluate_all(every, today)
        if any(s.state.is_open for s in cc.stages)
    ]
    assert [c.ref for c in opened] == expected
    assert [c for c in every if c.ref in expected] == opened  # the same events, in order
    want = {AS_OF: {"OLD-OPEN", "AMENDED", "NEW"}, "2024-06-10": {"OLD-OPEN", "IN-YEAR"}}
    assert set(expected) == want.get(as_of, {"OLD-DONE"})
    shown = json.loads(run("status", "--json", "--db", register_url, "--as-of", as_of).stdout)
    assert [c["ref"] for c in shown] == [
        c.ref for c, _ in select_cases(clock.evaluate_all(every, today))
    ]


def test_cases_are_read_in_the_order_asked(register_url: str) -> None:
    _build(register_url)
    with Register(register_url) as register:
        every = list(register.each_case(audit=True))
        wanted = [*[cid for cid, _ in reversed(every)][::2], every[1][0]]  # distinct ids
        got = list(register.cases_by_id(wanted, audit=True))
    by_id = dict(every)
    assert [cid for cid, _ in got] == wanted
    assert [case for _, case in got] == [by_id[cid] for cid in wanted]


def test_status_all_json_is_in_urgency_order_with_every_event(register_url: str) -> None:
    _build(register_url)
    clock = load_settings().clock()
    today = dt.date.fromisoformat(AS_OF)
    with Register(register_url) as register:
        every = register.cases(audit=True)
    expected = [
        c.ref for c, _ in select_cases(clock.evaluate_all(every, today), include_closed=True)
    ]
    r = run("status", "--all", "--json", "--db", register_url, "--as-of", AS_OF)
    shown = json.loads(r.stdout)
    assert [c["ref"] for c in shown] == expected
    amended = next(c for c in shown if c["ref"] == "AMENDED")
    assert [(e["event"], e["on"]) for e in amended["events"]] == [
        ("aware", "2024-11-04"),
        ("notified", "2024-11-07"),
    ]


@pytest.mark.parametrize(
    ("first", "last"), [("2024-04-01", "2025-03-31"), ("2022-01-01", "2022-12-31")]
)
def test_figures_count_the_same_cases_as_reading_them_all(
    register_url: str, first: str, last: str
) -> None:
    _build(register_url)
    clock = load_settings().clock()
    with Register(register_url) as register:
        every = register.cases(audit=False)
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    expected = {
        name: {"open": f.open, "completed": f.completed, "late": f.late}
        for name, f in timeliness(every, clock, a, min(b, dt.date.fromisoformat(AS_OF))).items()
    }
    r = run(
        "stats", "--from", first, "--to", last, "--json", "--db", register_url, "--as-of", AS_OF
    )
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)["stages"]
    assert {n: {k: v[k] for k in ("open", "completed", "late")} for n, v in got.items()} == expected
    if first.startswith("2024"):
        # OLD-OPEN (never notified) counts as open at the end, though nothing happened
        # to it in the period; so does NEW.
        assert got["sin"]["open"] == 2


@pytest.mark.sqlite_only
def test_rows_written_without_sqlalchemy_read_as_sqlalchemy_wrote_them(tmp_path: Path) -> None:
    """A register written before the stdlib path existed, and one written with it, hold the
    same text for dates, times and booleans."""
    from sqlalchemy import create_engine, insert

    from reviewclock.models import Event

    db = str(tmp_path / "r.db")
    r = run("add-sin", "R-1", "--aware", "2024-03-28", "--db", db)
    assert r.exit_code == 0, r.stderr
    r = run("record", "R-1", "notified", "--on", "2024-04-02", "--db", db)
    assert r.exit_code == 0, r.stderr
    r = run(
        "record",
        "R-1",
        "rapid-review-sent",
        "--on",
        "2024-04-10",
        "--decision",
        "lcspr",
        "--db",
        db,
    )
    assert r.exit_code == 0, r.stderr
    at = dt.datetime(2024, 4, 11, 9, 30, 5, 120, tzinfo=dt.UTC)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(
            insert(Event.__table__).values(  # type: ignore[attr-defined]
                case_id=1, name="panel-response", on_date=dt.date(2024, 4, 30), recorded_by="x",
                recorded_at=at, panel_view="agrees", national_review=True,
            )
        )  # fmt: skip
    engine.dispose()
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT on_date, recorded_at, national_review FROM events ORDER BY id"
        ).fetchall()
    sqlalchemy_row = rows[-1]
    assert sqlalchemy_row == ("2024-04-30", "2024-04-11 09:30:05.000120", 1)
    for on, recorded_at, _ in rows[:-1]:
        dt.date.fromisoformat(on)
        # The same layout: date, space, time with six digits of microseconds, no zone.
        assert len(recorded_at) == len(sqlalchemy_row[1]) and recorded_at[10] == " "
        assert dt.datetime.strptime(recorded_at, "%Y-%m-%d %H:%M:%S.%f")
    from reviewclock.store.db import sqlite_value

    assert sqlite_value(at) == sqlalchemy_row[1]
    assert sqlite_value(True) == 1 and sqlite_value(dt.date(2024, 4, 30)) == "2024-04-30"


@pytest.mark.parametrize(
    "command",
    [["status"], ["status", "--all", "--json"], ["stats", "--year", "2024/25"], ["report"]],
)
def test_a_command_builds_its_calendar_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """The calendar's working-day index is built once per command, however many parts of
    it (the clock, the register, the digest) ask the settings for one."""
    from reviewclock.calendar import WorkingCalendar

    db = str(tmp_path / "r.db")
    _build(db)
    built: list[str] = []
    original = WorkingCalendar.__init__

    def counting(self: WorkingCalendar, *args: object, **kwargs: object) -> None:
        built.append(str(args[0] if args else kwargs.get("nation")))
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(WorkingCalendar, "__init__", counting)
    result = run(*command, "--db", db, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert built == ["ENG"]


def test_every_case_is_read_with_its_events_in_date_order_from_the_index(
    tmp_path: Path,
) -> None:
    """Listing every case reads its events in the order of their dates straight from the
    index on (case_id, on_date): SQLite sorts nothing, and a case's events still come in
    date order when they were recorded out of it."""
    from reviewclock.store import reading
    from reviewclock.store.db import Lite

    db = str(tmp_path / "r.db")
    r = run("add-sin", "LATE-NOTE", "--aware", "2024-06-03", "--db", db)
    assert r.exit_code == 0, r.stderr

    # The notification's date corrected after the rapid review: the row that counts for
    # it is newer than the rapid review's, and dated before it.
    for args in (
        ("record", "LATE-NOTE", "notified", "--on", "2024-06-10"),
        ("record", "LATE-NOTE", "rapid-review-sent", "--on", "2024-06-20"),
        ("amend", "LATE-NOTE", "notified", "--on", "2024-06-05", "--reason", "typed wrongly"),
    ):
        r = run(*args, "--db", db)
        assert r.exit_code == 0, r.stderr
    asked: dict[str, Any] = {}

    class Noted(Lite):
        def rows(self, sql: str, params: Any = None) -> Any:
            asked[sql] = params or {}
            return super().rows(sql, params)

    rules = load_settings().clock().rules
    with sqlite3.connect(db) as conn:
        cases = list(reading.cases(Noted(conn), audit=True, rules=rules))
        plans = {
            sql: " | ".join(
                str(step[3]) for step in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            for sql, params in asked.items()
            if "ORDER BY case_id, on_date" in sql
        }
    conn.close()
    assert [e.name for e in cases[0][1].events] == ["aware", "notified", "rapid-review-sent"]
    assert len(plans) == 1, asked
    (plan,) = plans.values()
    assert "ix_events_case_id_on_date" in plan and "TEMP B-TREE" not in plan, plan
