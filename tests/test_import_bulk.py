"""A bulk import writes what recording the same cases one by one writes, and checks alike.

An import stores each case as soon as it has passed its checks, from a second
thread, thousands of rows to a statement; once it has stored as many events as
the register held (at once into a new register) it sets the events' indexes
aside and builds them again before the commit; and it checks each case through
tables worked out once per rulebook. These tests hold the result
to the slow, plain way: the register equals one built case by case through
``add_case`` and ``record`` (same clock), row for row, type for type, with the
same schema; and :func:`check_case` gives the answer (and the words) that
checking each event with :func:`check_new_event` against the events dated on or
before it gives, on random cases.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.checks import check_case, check_date, check_new_event
from reviewclock.clock import Clock
from reviewclock.config import Settings
from reviewclock.errors import ReviewclockError
from reviewclock.importing import plan_import
from reviewclock.rules import DECISIONS, PANEL_VIEWS, PROCEEDING_KINDS, Milestone, Span, rulebook
from reviewclock.store import Register, bulk, writing
from reviewclock.store.records import ImportCounts, NewCase
from reviewclock.transfer import Incoming
from reviewclock.transfer_csv import read_csv, write_csv

NOW = dt.datetime(2025, 3, 3, 9, 15, 30, 123456, tzinfo=dt.UTC)
TODAY = dt.date(2025, 3, 3)
CLOCK = Clock(WorkingCalendar("ENG"))
RULES = CLOCK.rules


def generated(count: int, seed: int) -> list[CaseRecord]:
    """Cases along the chain, with decisions, the Panel's view, proceedings and delay
    notices here and there, kept only if the register would record them one by one."""
    rng = random.Random(seed)
    out: list[CaseRecord] = []
    number = 0
    while len(out) < count:
        number += 1
        day = dt.date(2022, 1, 3) + dt.timedelta(days=rng.randrange(900))
        events = [EventRecord("aware", day)]
        for name, gap in (("notified", 4), ("rapid-review-sent", 18), ("panel-response", 20)):
            if rng.random() < 0.15:
                break
            day += dt.timedelta(days=rng.randint(1, gap))
            extra: dict[str, object] = {}
            if name == "rapid-review-sent" and rng.random() < 0.6:
                extra["decision"] = rng.choice(DECISIONS)
            if name == "panel-response" and rng.random() < 0.6:
                extra["panel_view"] = rng.choice(PANEL_VIEWS)
                extra["national_review"] = rng.random() < 0.3
            events.append(EventRecord(name, day)._replace(**extra))
        if rng.random() < 0.3:
            events.append(EventRecord("lcspr-commissioned", day + dt.timedelta(days=5)))
            if rng.random() < 0.5:
                plan = day + dt.timedelta(days=rng.randint(100, 200))
                events.append(EventRecord("publication-planned", plan))
        if rng.random() < 0.15:
            kind = rng.choice(PROCEEDING_KINDS)
            start = events[0].on + dt.timedelta(days=rng.randint(1, 60))
            events.append(EventRecord("proceedings-started", start, kind))
            if rng.random() < 0.5:
                events.append(EventRecord("proceedings-ended", start + dt.timedelta(days=30), kind))
        if rng.random() < 0.1:
            stage = rng.choice(("sin", None))
            notice = events[0].on + dt.timedelta(days=rng.randint(1, 3))
            events.append(EventRecord("delay-notified", notice, stage))
        harm = rng.choice(("death", "serious-harm", None))
        authority = rng.choice(("Northshire County Council", None))
        case = CaseRecord(f"BULK-{number:04d}", authority, harm, tuple(events))
        try:
            check_case(case.ref, case.events, TODAY, CLOCK)
            for i, e in enumerate(case.events[1:], 1):
                check_new_event(case.ref, case.events[:i], e, TODAY, CLOCK)
        except ReviewclockError:
            continue
        out.append(case)
    return out


def dump(path: Path) -> tuple[list[tuple[object, ...]], dict[str, list[tuple[object, ...]]]]:
    """The schema, and every row of every table with each value's SQLite type."""
    conn = sqlite3.connect(path)
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()
    tables = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        tables[table] = conn.execute(
            f'SELECT rowid, {typed} FROM "{table}" ORDER BY rowid'
        ).fetchall()
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    return schema, tables


def one_by_one(path: Path, cases: Sequence[CaseRecord]) -> None:
    with Register(str(path), create=True) as register:
        for case in cases:
            aware, *rest = case.events
            register.add_case(
                case.ref,
                aware=aware.on,
                today=TODAY,
                now=NOW,
                authority=case.authority,
                harm=case.harm,
            )
            for e in rest:
                register.record(
                    case.ref,
                    e.name,
                    e.on,
                    kind=e.kind,
                    decision=e.decision,
                    panel_view=e.panel_view,
                    national_review=e.national_review,
                    today=TODAY,
                    now=NOW,
                )


def imported(path: Path, incoming: Sequence[Incoming], *, update: bool = False) -> ImportCounts:
    with Register(str(path), create=True) as register:
        return register.import_cases(
            lambda existing, store=None, deleted=(), unreadable=None: plan_import(
                incoming,
                existing,
                update=update,
                now=NOW,
                clock=CLOCK,
                store=store,
                deleted=deleted,
                unreadable=unreadable,
            ),
            dry_run=False,
            now=NOW,
        )


def test_a_bulk_import_writes_what_recording_case_by_case_writes(tmp_path: Path) -> None:
    cases = generated(300, seed=3)
    assert sum(len(c.events) for c in cases) > 1000
    shapes = {
        (e.kind is None, e.decision is None, e.panel_view is None) for c in cases for e in c.events
    }
    assert len(shapes) >= 4  # plain events and several kinds of extra columns, interleaved
    text = write_csv(cases, RULES)
    incoming, problems = read_csv(text, RULES)
    assert problems == []
    assert [i.case for i in incoming] == cases
    assert imported(tmp_path / "bulk.db", incoming) == ImportCounts(
        300, sum(len(c.events) for c in cases)
    )
    one_by_one(tmp_path / "slow.db", cases)
    bulk, slow = dump(tmp_path / "bulk.db"), dump(tmp_path / "slow.db")
    assert bulk[0] == slow[0]  # the same indexes, from the same SQL
    assert {"ix_events_case_id_on_date", "ix_events_amends", "ix_events_name_case_id"} <= {
        row[1] for row in bulk[0]
    }
    assert bulk[1] == slow[1]


def test_a_small_import_into_a_large_register_keeps_its_indexes(tmp_path: Path) -> None:
    cases = generated(120, seed=5)
    big, small = cases[:100], cases[100:]
    incoming, _ = read_csv(write_csv(big, RULES), RULES)
    imported(tmp_path / "bulk.db", incoming)
    more, _ = read_csv(write_csv(small, RULES), RULES)
    conn = sqlite3.connect(tmp_path / "bulk.db")
    pages = conn.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'index'").fetchall()
    conn.close()
    imported(tmp_path / "bulk.db", more)
    conn = sqlite3.connect(tmp_path / "bulk.db")
    assert (
        conn.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'index'").fetchall()
        == pages
    )
    conn.close()
    one_by_one(tmp_path / "slow.db", cases)
    assert dump(tmp_path / "bulk.db") == dump(tmp_path / "slow.db")


def test_a_failed_bulk_import_leaves_the_register_and_its_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bulk.db"
    Register(str(path), create=True).close()
    before = dump(path)
    incoming, _ = read_csv(write_csv(generated(50, seed=9), RULES), RULES)

    def full(*args: object) -> int:  # the disk fills up after the events went in
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(writing, "shaped_events", full)
    with pytest.raises(ReviewclockError):
        imported(path, incoming)
    # The rows, and the indexes set aside for them, are as they were.
    assert dump(path) == before


# -- checking a case is checking each event against those dated on or before it ------------


def by_definition(ref: str, events: Sequence[EventRecord], today: dt.date, clock: Clock) -> None:
    """check_case as its docstring defines it, one event at a time."""
    for e in events:
        check_date(f"{ref}: {e.name}", e.on)
    rules = clock.rules
    known = [e for e in events if e.name in rules.events]
    awares = [e for e in known if e.name == rules.opening_event]
    if len(awares) != 1:
        raise ReviewclockError(f"{ref} has {len(awares)} awareness dates; it must have exactly one")
    aware = awares[0]
    if aware.on > today:
        raise ReviewclockError(
            f"{ref} became known on {aware.on.isoformat()}, which is in the future "
            f"(today is {today.isoformat()})"
        )
    check_new_event(ref, [], aware, today, clock)  # awareness alone, as add-sin checks it
    # Extensions of a stage, in the order recorded (seq, then place: as in_force goes), were
    # agreed in that order; one agreed again the same day does not count against those
    # recorded before it.
    recorded = sorted(
        range(len(events)), key=lambda i: (-1 if events[i].seq is None else events[i].seq, i)
    )
    place = {id(events[i]): n for n, i in enumerate(recorded)}
    stages = set(rules.extendable_stage_names)
    seen: list[EventRecord] = []
    for e in (events[i] for i in recorded):
        rule = rules.events.get(e.name)
        if rule is None or not rule.extends or e.kind not in stages:
            continue
        agreed_later = [x.on for x in seen if x.name == e.name and x.kind == e.kind and x.on > e.on]
        if agreed_later:
            raise ReviewclockError(
                f"the extension of {e.kind} agreed on {e.on.isoformat()} was recorded for "
                f"{ref} after the one agreed on {max(agreed_later).isoformat()}, and the one "
                "recorded last counts; extensions are recorded in the order they were agreed"
            )
        seen.append(e)

    def recorded_later(x: EventRecord, e: EventRecord) -> bool:
        return (
            rules.events[e.name].extends
            and x.name == e.name
            and x.kind == e.kind
            and place[id(x)] > place[id(e)]
        )

    for e in known:
        if e is aware:
            continue
        for needed in rules.events[e.name].requires:
            dates = [x.on for x in known if x.name == needed]
            if dates and e.on < min(dates):
                raise ReviewclockError(
                    f"that would put {e.name} ({e.on.isoformat()}) before {needed} "
                    f"({min(dates).isoformat()}) for {ref}; check the dates"
                )
        context = [
            aware,
            *(
                x
                for x in known
                if x is not e and x is not aware and x.on <= e.on and not recorded_later(x, e)
            ),
        ]
        # Proceedings that end before every start of their kind (the starts come later,
        # outside the context) are told so, as record tells it.
        if rules.events[e.name].span is Span.ENDS:
            starts = [
                x.on
                for x in known
                if x.name == rules.proceedings_start and (e.kind is None or x.kind == e.kind)
            ]
            if starts and e.on < min(starts):
                what = f"{e.kind} proceedings" if e.kind else "proceedings"
                raise ReviewclockError(
                    f"{what} cannot end on {e.on.isoformat()}, before they started on "
                    f"{min(starts).isoformat()}; check the date"
                )
        check_new_event(ref, context, e, today, clock, held=True)


def outcome(check: object, *args: object) -> str | None:
    try:
        check(*args)  # type: ignore[operator]
    except ReviewclockError as e:
        return str(e)
    return None


MILESTONES = Clock(
    WorkingCalendar("ENG"),
    rulebook(Settings(milestones=(Milestone("panel-draft", "Draft to the Panel", "lcspr", 20),))),
)
BASE = dt.date(2024, 3, 1)
offsets = st.integers(-3, 40)
names = st.sampled_from([*MILESTONES.rules.events, "aware", "retired-milestone"])
plain = st.builds(
    lambda name, offset: EventRecord(name, BASE + dt.timedelta(days=offset)), names, offsets
)
"""An event with a date alone: most events, and those whose order matters."""
full = st.builds(
    lambda name, offset, kind, until, decision, view, review, note: EventRecord(
        name,
        BASE + dt.timedelta(days=offset),
        kind,
        note,
        decision=decision,
        panel_view=view,
        national_review=review,
        until=None if until is None else BASE + dt.timedelta(days=until),
    ),
    names,
    offsets,
    st.sampled_from((None, "criminal", "inquest", "rapid-review", "sin", "lcspr")),
    st.one_of(st.none(), offsets, st.just(400)),
    st.sampled_from((None, "lcspr", "no-lcspr", "maybe")),
    st.sampled_from((None, "agrees")),
    st.sampled_from((None, True)),
    st.sampled_from((None, "x" * 2001)),
)
event = st.one_of(plain, plain, plain, full)


def _agreed(offset: int, until: int) -> EventRecord:
    """The rapid review's extension agreed ``offset`` days after BASE, to ``until`` days after."""
    return EventRecord(
        "extension-agreed",
        BASE + dt.timedelta(days=offset),
        "rapid-review",
        until=BASE + dt.timedelta(days=until),
    )


_NOTIFIED = EventRecord("notified", BASE + dt.timedelta(days=1))
"""Notified on Saturday 2 March 2024: the rapid review is due 15 working days on, 22 March."""


@settings(max_examples=400, deadline=None)
@given(
    events=st.lists(event, max_size=9),
    today=st.sampled_from((BASE + dt.timedelta(days=10), BASE + dt.timedelta(days=60))),
    clock=st.sampled_from((CLOCK, MILESTONES)),
)
# Two extensions of the rapid review, the later-agreed one recorded first; and two agreed the
# same day, the one recorded second to a later date (so it counts, and the first still fits).
@example(
    events=[_NOTIFIED, _agreed(9, 40), _agreed(5, 50)],
    today=BASE + dt.timedelta(days=60),
    clock=CLOCK,
)
@example(
    events=[_NOTIFIED, _agreed(5, 30), _agreed(5, 40)],
    today=BASE + dt.timedelta(days=60),
    clock=CLOCK,
)
# Proceedings that end the day before they start.
@example(
    events=[
        EventRecord("proceedings-ended", BASE),
        EventRecord("proceedings-started", BASE + dt.timedelta(days=1)),
    ],
    today=BASE + dt.timedelta(days=10),
    clock=CLOCK,
)
def test_check_case_says_what_checking_each_event_says(
    events: list[EventRecord], today: dt.date, clock: Clock
) -> None:
    # Events are shared between examples, as an import shares them between cases, so a
    # check remembered for one case (or one today) must not answer for another.
    cases = [events, [EventRecord("aware", BASE), *events]]
    for case in cases:
        assert outcome(check_case, "C-1", case, today, clock) == outcome(
            by_definition, "C-1", case, today, clock
        )


def test_an_event_that_passed_is_checked_again_on_another_day() -> None:
    planned = EventRecord("rapid-review-sent", dt.date(2024, 3, 20))
    case = [
        EventRecord("aware", dt.date(2024, 3, 1)),
        EventRecord("notified", dt.date(2024, 3, 4)),
        planned,
    ]
    check_case("C-2", case, dt.date(2024, 3, 20), CLOCK)  # recorded the day it happened
    # 20 March 2024 is after 19 March: the same event is now in the future.
    assert "is in the future (today is 2024-03-19)" in (
        outcome(check_case, "C-2", case, dt.date(2024, 3, 19), CLOCK) or ""
    )


# --- the first import's journal ---------------------------------------------------------


def _csv_of(tmp_path: Path, count: int) -> Path:
    csv_path = tmp_path / "cases.csv"
    csv_path.write_text(write_csv(generated(count, seed=7), rulebook()), encoding="utf-8")
    return csv_path


def _journal(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_first_import_leaves_the_register_in_wal_with_every_event(tmp_path: Path) -> None:
    """The first import writes through the rollback journal, and the register is back in
    WAL mode afterwards, with no journal file left and every row in place."""
    from helpers import run

    db = tmp_path / "r.db"
    result = run("import", str(_csv_of(tmp_path, 40)), "--db", str(db))
    assert result.exit_code == 0, result.stderr
    assert _journal(db) == "wal"
    assert not Path(f"{db}-journal").exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 40
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_first_import_beside_an_open_reader_keeps_wal_and_does_not_wait(
    tmp_path: Path,
) -> None:
    """SQLite lets a connection leave WAL only when no other has the register open: with a
    reader open, the import keeps the log, at once, and the reader sees the cases after."""
    from reviewclock.store.sqlite import first_import_journal

    db = tmp_path / "r.db"
    Register(str(db), create=True).close()
    reader = sqlite3.connect(db)
    reader.execute("SELECT count(*) FROM cases").fetchone()
    register = Register(str(db))
    try:
        conn = register._sqlite()
        before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        with first_import_journal(conn):
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == before
    finally:
        register.close()
    reader.close()
    assert _journal(db) == "wal"


# --- storing cases while the rest are checked ---------------------------------------------


_shapes: set[tuple[str, ...]] = set()
"""The columns of the chunks the writer stored."""
_aside: list[bool] = []
"""Whether the events' indexes were set aside after each chunk."""


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "reviewclock-import"]


def _rows_so_far(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Cut the writer's chunks and statements small, so that a small import goes through
    many of each; returns a list that grows by the cases each chunk stores."""
    monkeypatch.setattr(bulk, "CHUNK", 7)
    monkeypatch.setattr(bulk, "MAX_VARIABLES", 40)  # 6 narrow or 3 wide rows a statement
    chunks: list[int] = []
    write = bulk.CaseWriter._write

    def counted(self: bulk.CaseWriter, chunk: list[NewCase]) -> None:
        write(self, chunk)
        chunks.append(len(chunk))
        _shapes.add(self.shape)
        _aside.append(bool(self.set_aside))

    monkeypatch.setattr(bulk.CaseWriter, "_write", counted)
    return chunks


NO_OUTCOME = {"decision": None, "panel_view": None, "national_review": None}


@pytest.mark.parametrize("held", [0, 1], ids=["new register", "register in use"])
def test_cases_stored_chunk_by_chunk_are_what_recording_case_by_case_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    chunks = _rows_so_far(monkeypatch)
    # Outcomes in a few cases only: some chunks hold none (a narrower insert), some do.
    cases = [
        c if i % 20 == 0 else c._replace(events=tuple(e._replace(**NO_OUTCOME) for e in c.events))
        for i, c in enumerate(generated(120, seed=11))
    ]
    incoming, _ = read_csv(write_csv(cases, RULES), RULES)
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)  # not the default: the import must give back this one
    _shapes.clear()
    _aside.clear()
    one_by_one(tmp_path / "slow.db", cases)
    # Into a new register the indexes are set aside; into one that holds a case, ids go on
    # from it and the indexes stay in place.
    Register(str(tmp_path / "bulk.db"), create=True).close()
    one_by_one(tmp_path / "bulk.db", cases[:held])
    added = ImportCounts(120 - held, sum(len(c.events) for c in cases[held:]))
    assert imported(tmp_path / "bulk.db", incoming[held:]) == added
    assert sum(chunks) == 120 - held and len(chunks) == 18 - held
    assert _shapes == {bulk.NARROW, writing.EVENT_COLUMNS}
    assert dump(tmp_path / "bulk.db") == dump(tmp_path / "slow.db")
    assert sys.getswitchinterval() == pytest.approx(0.004)
    sys.setswitchinterval(before)
    assert not _writers()


def _csv_with_a_bad_row(tmp_path: Path, count: int, bad: int) -> Path:
    """``count`` cases, the one on line ``bad`` notified before it became known."""
    rows = ["ref,aware,notified"]
    for line in range(2, count + 2):
        notified = "2024-03-01" if line == bad else "2024-03-05"
        rows.append(f"R-{line},2024-03-04,{notified}")
    path = tmp_path / "in.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("first", [True, False], ids=["new register", "register in use"])
def test_a_case_refused_after_others_were_stored_leaves_the_register_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: bool
) -> None:
    from helpers import assert_refused, run

    chunks = _rows_so_far(monkeypatch)
    db = tmp_path / "r.db"
    if first:
        Register(str(db), create=True).close()
    else:
        assert run("add-sin", "KEPT-1", "--aware", "2024-03-04", "--db", str(db)).exit_code == 0
    before = dump(db)
    r = run("import", str(_csv_with_a_bad_row(tmp_path, 60, bad=45)), "--db", str(db))
    assert_refused(r, 1, "line 45 (R-45)", "notified", "nothing was imported")
    assert sum(chunks) >= 35  # the cases before it had been stored, in the transaction
    assert dump(db) == before
    assert not _writers()


def test_a_failure_in_the_writer_reaches_the_user_as_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import assert_refused, run

    _rows_so_far(monkeypatch)
    db = tmp_path / "r.db"
    Register(str(db), create=True).close()
    before = dump(db)
    insert = bulk.CaseWriter._insert
    calls: list[str] = []

    def full(self: bulk.CaseWriter, table: str, *args: Any) -> None:
        calls.append(table)
        if len(calls) == 5:  # the disk fills up while the cases go in
            raise sqlite3.OperationalError("database or disk is full")
        insert(self, table, *args)

    monkeypatch.setattr(bulk.CaseWriter, "_insert", full)
    r = run("import", str(_csv_with_a_bad_row(tmp_path, 60, bad=0)), "--db", str(db))
    assert_refused(r, 1, "could not write the register", "database or disk is full")
    assert dump(db) == before
    assert not _writers()
