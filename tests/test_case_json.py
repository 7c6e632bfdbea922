"""The JSON contract written fast: the same bytes as the standard encoder over ``case_dict``.

``status --json`` and ``export --format json`` write each case with
:class:`~reviewclock.render.data.CaseJson`, which never builds the dicts. The oracle
is the slow, obvious path: ``json.JSONEncoder(ensure_ascii=False).encode(case_dict(...))``,
one case to a line, in the order ``select_cases`` gives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run
from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, Delay, EventRecord, Proceeding
from reviewclock.cli.runtime import sorted_json_list
from reviewclock.clock import CaseStatus, Clock, StageStatus, State
from reviewclock.config import load_settings
from reviewclock.digest import select_cases
from reviewclock.render.data import CaseJson, case_dict
from reviewclock.rules import DECISIONS, HARMS, PROCEEDING_KINDS, Milestone, rulebook
from reviewclock.store import Register
from reviewclock.transfer_json import deletion_json, log_json

ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class Local:
    """A procedure with local milestones, counted forwards and back."""

    rapid_review_from = "notified"
    milestones = (
        Milestone("letters-out", "Agency letters sent", "rapid-review", 1),
        Milestone("panel-meets", "Review panel meets", "rapid-review", 3, before=True),
    )


RULES = rulebook(Local())
CLOCK = Clock(WorkingCalendar("ENG"), RULES, delay_kinds=("criminal", "inquest"))

# Text that JSON must escape, or must not: quotes, backslashes, every control
# character, DEL, bidi overrides, the line and paragraph separators that JavaScript
# treats as line ends, a lone surrogate, accents and characters beyond the BMP.
AWKWARD = '"\\/\b\f\n\r\t\x00\x01\x1f\x7f\u200e\u202e\u2066\u2028\u2029\ud800é£😀 '
awkward = st.text(st.one_of(st.sampled_from(AWKWARD), st.characters()), max_size=12)
maybe_text = st.one_of(st.none(), awkward)
days = st.dates()
maybe_day = st.one_of(st.none(), days)
ZONES = (dt.UTC, dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=-5)))
stamps = st.one_of(
    st.none(),
    st.datetimes(timezones=st.sampled_from(ZONES)),
    st.datetimes(),  # naive
)
numbers = st.one_of(st.none(), st.integers(-(10**6), 10**6))
words = st.one_of(st.none(), st.sampled_from(sorted(RULES.events)), awkward)


@st.composite
def events(draw: st.DrawFn) -> EventRecord:
    return EventRecord(
        draw(st.one_of(st.sampled_from(sorted(RULES.events)), awkward)),
        draw(days),
        draw(st.one_of(st.none(), st.sampled_from(PROCEEDING_KINDS), awkward)),
        draw(maybe_text),
        draw(maybe_text),
        draw(stamps),
        draw(st.one_of(st.none(), st.sampled_from(DECISIONS), awkward)),
        draw(st.one_of(st.none(), st.sampled_from(("agrees", "disagrees")), awkward)),
        draw(st.one_of(st.none(), st.booleans())),
        draw(numbers),
        draw(maybe_day),
    )


proceedings = st.builds(
    Proceeding, st.one_of(st.sampled_from(PROCEEDING_KINDS), awkward), days, maybe_day, numbers
)
delays = st.builds(
    Delay,
    st.lists(proceedings, min_size=1, max_size=3).map(tuple),
    st.booleans(),
    numbers,
    awkward,
)


@st.composite
def stages(draw: st.DrawFn) -> Any:
    """A stage of the rulebook (national or a local milestone), or one with its wording
    replaced by awkward text: its static text must be escaped too, and stages made and
    dropped one after another must never be mistaken for each other."""
    stage = draw(st.sampled_from(RULES.stages))
    if draw(st.booleans()):
        stage = stage._replace(title=draw(awkward), source=draw(awkward), owed_by=draw(awkward))
    return stage


stage_statuses = st.builds(
    StageStatus,
    stages(),
    days,
    days,
    maybe_day,
    st.sampled_from(State),
    numbers,
    numbers,
    st.one_of(st.none(), delays),
    maybe_day,
    st.one_of(st.none(), events()),
)
statuses = st.builds(
    CaseStatus,
    st.lists(stage_statuses, max_size=6).map(tuple),
    st.lists(proceedings, max_size=3).map(tuple),
)
records = st.builds(
    CaseRecord,
    awkward,
    maybe_text,
    st.one_of(st.none(), st.sampled_from(HARMS), awkward),
    st.lists(events(), max_size=6).map(tuple),
)

SHARED = CaseJson()
"""One encoder across examples, as a command uses one across cases: its memos are hit."""


@settings(max_examples=300, deadline=None)
@given(case=records, status=statuses)
def test_every_shape_of_case_is_written_as_the_standard_encoder_writes_it(
    case: CaseRecord, status: CaseStatus
) -> None:
    expected = ENCODE(case_dict(case, status))
    assert CaseJson().case(case, status) == expected
    assert SHARED.case(case, status) == expected


@settings(max_examples=100, deadline=None)
@given(case=records, status=statuses, log=st.lists(events(), max_size=3))
def test_extra_keys_follow_the_contract_as_export_sets_them(
    case: CaseRecord, status: CaseStatus, log: list[EventRecord]
) -> None:
    from reviewclock.store.records import LogRow

    rows = tuple(LogRow(e, None if i == 0 else i - 1, "typed wrong") for i, e in enumerate(log))
    item = case_dict(case, status)
    item["log"] = log_json(rows)
    assert SHARED.case(case, status, {"log": log_json(rows)}) == ENCODE(item)
    assert SHARED.case(case, status, {}) == ENCODE(case_dict(case, status))


# Cases worked out by the clock: every state, delays by proceedings, agreed extensions,
# plans and local milestones, on dates around Easter and Christmas 2023/24.
window = st.dates(dt.date(2023, 12, 1), dt.date(2024, 6, 30))
recorded = st.lists(
    st.tuples(
        st.sampled_from(sorted(RULES.events)),
        window,
        st.sampled_from((None, "criminal", "inquest", "rapid-review", "lcspr")),
        st.one_of(st.none(), window),
        maybe_text,
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(aware=window, rest=recorded, today=window)
def test_cases_the_clock_works_out_are_written_as_the_standard_encoder_writes_them(
    aware: dt.date,
    rest: list[tuple[str, dt.date, str | None, dt.date | None, str | None]],
    today: dt.date,
) -> None:
    stamp = dt.datetime(2024, 1, 2, 3, 4, 5, 6789, tzinfo=dt.UTC)
    evs = [EventRecord("aware", aware, recorded_by="officer", recorded_at=stamp)]
    evs += [
        EventRecord(n, on, kind, note, "officer", stamp, seq=i, until=until)
        for i, (n, on, kind, until, note) in enumerate(rest)
    ]
    evs.sort(key=lambda e: e.on)
    evaluated = CLOCK.evaluate_case(CaseRecord("R-1", "Northshire", "death", tuple(evs)), today)
    if evaluated is None:
        return
    assert SHARED.case(*evaluated) == ENCODE(case_dict(*evaluated))


def test_equal_times_in_other_zones_are_written_each_as_it_is() -> None:
    """Noon in London in summer is 11:00 UTC: equal times, different text."""
    utc = dt.datetime(2024, 6, 3, 11, tzinfo=dt.UTC)
    bst = dt.datetime(2024, 6, 3, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert utc == bst
    encoder = CaseJson()
    for first, second in ((utc, bst), (bst, utc)):
        case = CaseRecord(
            "R", None, None, (EventRecord("aware", dt.date(2024, 6, 3), recorded_at=first),)
        )
        later = case._replace(
            events=(EventRecord("aware", dt.date(2024, 6, 3), recorded_at=second),)
        )
        status = CaseStatus(())
        assert encoder.case(case, status) == ENCODE(case_dict(case, status))
        assert encoder.case(later, status) == ENCODE(case_dict(later, status))
        assert f'"recorded_at": "{second.isoformat()}"' in encoder.case(later, status)


# -- the sorted list -------------------------------------------------------------------------


def test_the_list_comes_out_in_key_order_equal_keys_as_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    items = [((2, "b"), '{"n": "two"}'), ((1, "z"), '{"n": "one é😀"}'), ((2, "b"), '{"n": "3"}')]
    with sorted_json_list() as listed:
        for key, text in items:
            listed.add(key, text)
        # The text waits in a file no one else can open: none is named in the directory.
        assert list(tmp_path.iterdir()) == []
        listed.write()
    assert capsys.readouterr().out == '[\n{"n": "one é😀"},\n{"n": "two"},\n{"n": "3"}\n]\n'
    with sorted_json_list() as listed:
        listed.write()
    assert capsys.readouterr().out == "[]\n"
    # Stdout redirected to a text stream alone, with no bytes beneath it: the same text.
    for listing in (items, []):
        text = io.StringIO()
        with contextlib.redirect_stdout(text), sorted_json_list() as listed:
            for key, line in listing:
                listed.add(key, line)
            listed.write()
        assert text.getvalue() == (
            '[\n{"n": "one é😀"},\n{"n": "two"},\n{"n": "3"}\n]\n' if listing else "[]\n"
        )


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


@pytest.mark.sqlite_only
def test_no_room_to_sort_is_one_line_that_says_what_to_do(tmp_path: Path) -> None:
    """The file-size limit stands in for a full disk under the temporary directory (the
    register, the size of the limit, is only read)."""
    db = tmp_path / "r.db"
    now = dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC)
    with Register(str(db), create=True) as register:
        for i in range(200):  # about 1,500 bytes of JSON each: more than the limit
            register.add_case(f"F-{i}", aware=dt.date(2024, 3, 28), today=now.date(), now=now)
    exe = str(Path(sys.executable).parent / "reviewclock")
    p = subprocess.run(
        [exe, "status", "--all", "--json", "--as-of", "2024-06-03", "--db", str(db)],
        env=os.environ,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        timeout=60,
    )
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert p.stderr.count("\n") == 1
    assert "cannot write a temporary file in" in p.stderr and "set TMPDIR" in p.stderr
    assert p.stdout == ""


# -- through the commands, on both engines ---------------------------------------------------

# PostgreSQL's text holds no NUL character, so these notes do without one.
NOTES = ['say "no"', "back\\slash", "tab\tand\nnewline\x01\x1b", "\u202eevil\u202c", "é😀\u2028"]


def _build(db: str) -> None:
    now = dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC)
    today = now.date()
    with Register(db, create=True) as register:
        for i, note in enumerate(NOTES):
            ref = f"J-{i}"
            aware = dt.date(2024, 1, 2) + dt.timedelta(days=17 * i)
            register.add_case(
                ref, aware=aware, today=today, now=now, note=note, authority=f'Shire "{i}"'
            )
            register.record(ref, "notified", aware + dt.timedelta(days=2), today=today, now=now)
        register.record(
            "J-0", "proceedings-started", dt.date(2024, 1, 5), kind="criminal", today=today, now=now
        )
        register.record(
            "J-1",
            "extension-agreed",
            dt.date(2024, 2, 1),
            kind="rapid-review",
            until=dt.date(2024, 3, 1),
            note=NOTES[2],
            today=today,
            now=now,
        )
        register.record(
            "J-2",
            "rapid-review-sent",
            dt.date(2024, 2, 26),
            decision="lcspr",
            note=NOTES[0],
            today=today,
            now=now,
        )
        register.record(
            "J-2",
            "panel-response",
            dt.date(2024, 3, 11),
            panel_view="agrees",
            national_review=True,
            today=today,
            now=now,
        )
        register.amend(
            "J-3", "notified", dt.date(2024, 2, 25), reason=NOTES[1], today=today, now=now
        )
        register.add_case("GONE", aware=dt.date(2024, 1, 2), today=today, now=now)
        register.delete("GONE", reason=NOTES[3], now=now)


def _slow_status(db: str, as_of: str, **filters: Any) -> str:
    """The obvious answer: every case read and worked out, filtered and sorted in Python."""
    clock = load_settings().clock()
    with Register(db) as register:
        every = register.cases(audit=True)
    shown = select_cases(clock.evaluate_all(every, dt.date.fromisoformat(as_of)), **filters)
    return _lines(ENCODE(case_dict(c, s)) for c, s in shown)


def _lines(texts: Any) -> str:
    texts = list(texts)
    return "[\n" + ",\n".join(texts) + "\n]\n" if texts else "[]\n"


@pytest.mark.parametrize("as_of", ["2024-06-03", "2024-02-20", "2023-12-01"])
def test_status_json_is_byte_for_byte_the_obvious_answer(register_url: str, as_of: str) -> None:
    _build(register_url)
    for flags, filters in (
        (("--all",), {"include_closed": True}),
        ((), {}),
        (("--overdue",), {"overdue": True}),
        (("--due-within", "3"), {"due_within": 3}),
    ):
        r = run("status", "--json", *flags, "--as-of", as_of, "--db", register_url)
        assert r.exit_code == 0, r.stderr
        assert r.stdout == _slow_status(register_url, as_of, **filters), flags
        if as_of == "2024-06-03" and flags == ("--all",):
            # What the register holds, said outright (the obvious answer reads it the same way).
            j2 = next(line for line in r.stdout.splitlines() if '"ref": "J-2"' in line)
            assert '"panel_view": "agrees", "national_review": true}' in j2
            assert '"note": "say \\"no\\""' in j2


def test_export_json_is_byte_for_byte_the_obvious_answer(register_url: str) -> None:
    """A whole copy (no --as-of: today in London): each case with its log where
    corrected, then the deleted cases."""
    from reviewclock.cli.runtime import london_today

    _build(register_url)
    # A view as of a date: no deleted case, and a log only where the view holds a
    # correction (J-3 notified on 24 Feb 2024, corrected to 25 Feb).
    r = run("export", "--format", "json", "--as-of", "2024-06-03", "--db", register_url)
    assert r.exit_code == 0, r.stderr
    assert "GONE" not in r.stdout
    logs = {c["ref"]: c["log"] for c in json.loads(r.stdout) if "log" in c}
    assert {ref: [(e["on"], e["amends"]) for e in log] for ref, log in logs.items()} == {
        "J-3": [("2024-02-22", None), ("2024-02-24", None), ("2024-02-25", 1)]
    }
    r = run("export", "--format", "json", "--as-of", "2024-02-24", "--db", register_url)
    assert r.exit_code == 0, r.stderr
    assert '"log"' not in r.stdout and '"ref": "J-3"' in r.stdout
    while True:
        today = london_today()
        r = run("export", "--format", "json", "--db", register_url)
        if london_today() == today:  # not run across midnight
            break
    assert r.exit_code == 0, r.stderr
    clock = load_settings().clock()
    with Register(register_url) as register:
        every = register.cases(audit=True)
        logs, deletions = register.logs()
    items = []
    for case, status in clock.evaluate_all(every, today):
        item = case_dict(case, status)
        if case.ref in logs:
            item["log"] = log_json(logs[case.ref])
        items.append(ENCODE(item))
    items += [ENCODE(deletion_json(d)) for d in deletions]
    assert any('"log": [' in i for i in items) and any('"deleted": "GONE"' in i for i in items)
    assert r.stdout == _lines(items)
