"""Proceedings and delays: flagged and explained, never confused with lapses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import RegisterCopy, assert_refused, run
from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import EventRecord, paired_end, proceedings_of
from reviewclock.clock import Clock, State
from reviewclock.digest import build_digest

D = dt.date.fromisoformat

# A review commissioned on 31 August 2023 is due on 29 February 2024.
REVIEW = [
    EventRecord("aware", D("2023-06-01")),
    EventRecord("notified", D("2023-06-02")),
    EventRecord("rapid-review-sent", D("2023-06-20")),
    EventRecord("panel-response", D("2023-07-05")),
    EventRecord("lcspr-commissioned", D("2023-08-31")),
]
CLOCK = Clock(WorkingCalendar("ENG"))


def lcspr(events: list[EventRecord], today: str, clock: Clock = CLOCK) -> Any:
    return next(s for s in clock.evaluate(events, D(today)).stages if s.stage.name == "lcspr")


def started(on: str, kind: str = "criminal") -> EventRecord:
    return EventRecord("proceedings-started", D(on), kind)


def ended(on: str, kind: str | None = "criminal") -> EventRecord:
    return EventRecord("proceedings-ended", D(on), kind)


def test_overdue_review_with_criminal_proceedings_is_delayed() -> None:
    s = lcspr([*REVIEW, started("2023-11-01")], "2024-03-05")
    assert s.state is State.DELAYED_PROCEEDINGS
    assert s.working_days_left == -3
    assert s.delay.cause == "criminal proceedings"
    assert s.delay.since == D("2023-11-01") and s.delay.running
    assert not s.delay.panel_told


def test_the_same_case_without_proceedings_is_overdue() -> None:
    s = lcspr(REVIEW, "2024-03-05")
    assert s.state is State.OVERDUE and s.delay is None


def test_proceedings_that_start_after_the_due_date_leave_it_overdue() -> None:
    s = lcspr([*REVIEW, started("2024-03-01")], "2024-03-05")
    assert s.state is State.OVERDUE
    # Starting on the due date itself counts: they were running by then.
    assert lcspr([*REVIEW, started("2024-02-29")], "2024-03-05").state is State.DELAYED_PROCEEDINGS


def test_proceedings_that_ended_before_the_stage_started_do_not_count() -> None:
    events = [*REVIEW, started("2023-06-05"), ended("2023-08-30")]
    assert lcspr(events, "2024-03-05").state is State.OVERDUE


def test_after_proceedings_end_the_delay_stays_explained_and_counts_days() -> None:
    events = [*REVIEW, started("2023-11-01"), ended("2024-03-28")]
    s = lcspr(events, "2024-04-05")
    assert s.state is State.DELAYED_PROCEEDINGS
    assert not s.delay.running
    # 28 March (Thu) to 5 April: Good Friday and Easter Monday do not count.
    assert s.delay.working_days_since_ended == 4
    [p] = CLOCK.evaluate(events, D("2024-04-05")).proceedings
    # Wed 1 November 2023 to Thu 28 March 2024, worked by hand: November 21 (2-30),
    # December 19 (25 and 26 Dec are bank holidays), January 22 (1 Jan is one),
    # February 21, March 20 (1-28): 103.
    assert p.working_days == 103


def test_a_delay_notice_while_the_stage_was_open_clears_panel_not_told() -> None:
    events = [*REVIEW, started("2023-11-01")]
    # The review was commissioned on 31 August 2023 and fell due on 29 February 2024.
    early = [*events, EventRecord("delay-notified", D("2024-02-28"))]
    assert lcspr(early, "2024-03-05").delay.panel_told  # told ahead of the due date
    told = [*events, EventRecord("delay-notified", D("2024-02-29"))]
    assert lcspr(told, "2024-03-05").delay.panel_told
    # A notice from before the review was commissioned was about another stage.
    before = [*events, EventRecord("delay-notified", D("2023-08-30"))]
    assert not lcspr(before, "2024-03-05").delay.panel_told


def test_inquests_count_only_when_the_setting_widens_them() -> None:
    events = [*REVIEW, started("2023-11-01", "inquest")]
    assert lcspr(events, "2024-03-05").state is State.OVERDUE
    wide = Clock(WorkingCalendar("ENG"), delay_kinds=("criminal", "inquest"))
    s = lcspr(events, "2024-03-05", wide)
    assert s.state is State.DELAYED_PROCEEDINGS and s.delay.cause == "inquest proceedings"


def test_several_proceedings_pair_by_kind() -> None:
    events = [
        *REVIEW,
        started("2023-10-02", "inquest"),
        started("2023-11-01"),
        ended("2023-12-01", "criminal"),
        started("2024-01-08"),
    ]
    spans = CLOCK.evaluate(events, D("2024-03-05")).proceedings
    assert [(p.kind, p.started, p.ended) for p in spans] == [
        ("inquest", D("2023-10-02"), None),
        ("criminal", D("2023-11-01"), D("2023-12-01")),
        ("criminal", D("2024-01-08"), None),
    ]
    assert lcspr(events, "2024-03-05").delay.running


def test_digest_keeps_overdue_and_delayed_apart() -> None:
    from reviewclock.casefile import CaseRecord

    cases = [
        CaseRecord("DELAYED", None, None, (*REVIEW, started("2023-11-01"))),
        CaseRecord("LATE", None, None, tuple(REVIEW)),
        CaseRecord("SOON", None, None, (EventRecord("aware", D("2024-02-29")),)),
        CaseRecord("FINE", None, None, (EventRecord("aware", D("2024-03-04")),)),
    ]
    digest = build_digest(
        ((c, CLOCK.evaluate(c.events, D("2024-03-05"))) for c in cases), D("2024-03-05")
    )
    assert [(line.ref, line.stage.stage.name) for line in digest.overdue] == [("LATE", "lcspr")]
    assert [(line.ref, line.stage.stage.name) for line in digest.delayed] == [("DELAYED", "lcspr")]
    assert [(line.ref, line.stage.stage.name) for line in digest.due_soon] == [("SOON", "sin")]
    assert digest.panel_not_told == 1
    wider = build_digest(
        ((c, CLOCK.evaluate(c.events, D("2024-03-05"))) for c in cases),
        D("2024-03-05"),
        due_within=5,
    )
    assert [line.ref for line in wider.due_soon] == ["SOON", "FINE"]


# --- through the command line -------------------------------------------------------------


@pytest.fixture
def db(register_url: str, register_copy: RegisterCopy) -> str:
    if "://" in register_url:  # PostgreSQL: built in the test's own new database
        _build(register_url)
        return register_url
    return register_copy("proceedings", _build, Path(register_url))


def _build(path: str) -> None:
    steps = [
        ["add-sin", "CRIM-1", "--aware", "2023-06-01", "--notified", "2023-06-02"],
        ["record", "CRIM-1", "rapid-review-sent", "--on", "2023-06-20"],
        ["record", "CRIM-1", "panel-response", "--on", "2023-07-05"],
        ["record", "CRIM-1", "lcspr-commissioned", "--on", "2023-08-31"],
        [
            "record",
            "CRIM-1",
            "proceedings-started",
            "--on",
            "2023-11-01",
            "--kind",
            "criminal",
            "--note",
            "trial listed",
        ],
        ["add-sin", "LATE-1", "--aware", "2023-06-01", "--notified", "2023-06-02"],
        ["record", "LATE-1", "rapid-review-sent", "--on", "2023-06-20"],
        ["record", "LATE-1", "panel-response", "--on", "2023-07-05"],
        ["record", "LATE-1", "lcspr-commissioned", "--on", "2023-08-31"],
        ["add-sin", "SOON-1", "--aware", "2024-02-29"],
    ]
    for step in steps:
        r = run(*step, "--db", path)
        assert r.exit_code == 0, (step, r.stderr)


def snapshot(db: str) -> str:
    return run("status", "--all", "--json", "--db", db, "--as-of", "2024-03-05").stdout


def test_report_groups_overdue_delayed_and_due_soon(db: str) -> None:
    r = run("report", "--db", db, "--as-of", "2024-03-05")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    assert text.splitlines()[0] == (
        "reviewclock digest for Tue 2024-03-05: 1 overdue, 1 delayed by proceedings, 1 due soon"
    )
    overdue = text[text.index("Overdue (1)") : text.index("Delayed by proceedings (1)")]
    delayed = text[text.index("Delayed by proceedings (1)") : text.index("Due soon (1)")]
    soon = text[text.index("Due soon (1)") :]
    assert "LATE-1" in overdue and "CRIM-1" not in overdue
    assert "CRIM-1" in delayed and "LATE-1" not in delayed
    assert "due Thu 2024-02-29  3 working days late" in delayed
    assert "criminal proceedings since Wed 2023-11-01, still running" in delayed
    assert "PANEL NOT YET TOLD" in delayed
    assert "SOON-1" in soon and "due Thu 2024-03-07  2 working days left" in soon


def test_delay_notice_clears_the_mark_everywhere(db: str) -> None:
    r = run(
        "record",
        "CRIM-1",
        "delay-notified",
        "--on",
        "2024-03-01",
        "--db",
        db,
        "--note",
        "trial in May; publication after verdict",
    )
    assert r.exit_code == 0 and r.stderr == ""
    report = run("report", "--db", db, "--as-of", "2024-03-05").stdout
    assert "PANEL NOT YET TOLD" not in report and "Panel told" in report
    [case] = [c for c in json.loads(snapshot(db)) if c["ref"] == "CRIM-1"]
    lcspr_stage = next(s for s in case["stages"] if s["stage"] == "lcspr")
    assert lcspr_stage["state"] == "delayed-proceedings"
    assert lcspr_stage["delay"] == {
        "cause": "criminal proceedings",
        "since": "2023-11-01",
        "running": True,
        "proceedings": [
            {"kind": "criminal", "started": "2023-11-01", "ended": None, "working_days": 86}
        ],
        "panel_told": True,
        "working_days_since_ended": None,
    }


def test_status_and_show_mark_the_delay(db: str) -> None:
    status = run("status", "--db", db, "--as-of", "2024-03-05").stdout
    row = next(line for line in status.splitlines() if line.startswith("CRIM-1"))
    assert "delayed-proceedings" in row and "Panel not yet told" in row
    assert "1 overdue, 1 delayed by proceedings" in status.splitlines()[-1]
    shown = run("show", "CRIM-1", "--db", db, "--as-of", "2024-03-05").stdout
    assert "delayed by criminal proceedings since Wed 2023-11-01" in shown
    proceedings = shown[shown.index("Proceedings") :]
    assert "criminal" in proceedings and "running" in proceedings and "86" in proceedings


def test_proceedings_end_and_stay_explained(db: str) -> None:
    r = run("record", "CRIM-1", "proceedings-ended", "--on", "2024-03-28", "--db", db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(run("show", "CRIM-1", "--db", db, "--as-of", "2024-04-05", "--json").stdout)
    stage = next(s for s in data["stages"] if s["stage"] == "lcspr")
    assert stage["state"] == "delayed-proceedings"
    assert stage["delay"]["working_days_since_ended"] == 4
    assert data["proceedings"][0]["ended"] == "2024-03-28"
    # Thu 28 March to Tue 2 April 2024: Good Friday and Easter Monday do not count, so the
    # proceedings ended one working day before (said as one, not "1 working days").
    shown = run("show", "CRIM-1", "--db", db, "--as-of", "2024-04-02").stdout
    assert "ended 1 working day ago after 103 working days" in " ".join(shown.split())


def test_publication_replanned_keeps_every_plan(db: str) -> None:
    for on in ("2024-04-05", "2024-06-03"):
        assert run("record", "CRIM-1", "publication-planned", "--on", on, "--db", db).exit_code == 0
    data = json.loads(run("show", "CRIM-1", "--db", db, "--as-of", "2024-03-05", "--json").stdout)
    plans = [e["on"] for e in data["events"] if e["event"] == "publication-planned"]
    assert plans == ["2024-04-05", "2024-06-03"]
    notice = next(s for s in data["stages"] if s["stage"] == "publication-notice")
    assert (notice["starts"], notice["due"]) == ("2024-06-03", "2024-05-22")


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (
            ["proceedings-ended", "--on", "2024-01-02"],
            1,
            [
                "no proceedings are running for LATE-1 on 2024-01-02; record proceedings-started"
                " first, or check the dates"
            ],
        ),
        (
            ["proceedings-ended", "--on", "2024-01-02", "--kind", "inquest"],
            1,
            ["no inquest proceedings are running"],
        ),
        (["proceedings-started", "--on", "2024-01-02"], 2, ["needs --kind"]),
        (
            ["proceedings-started", "--on", "2024-01-02", "--kind", "civil"],
            2,
            ["'civil' is not a kind of proceedings", "criminal, inquest"],
        ),
    ],
)
def test_bad_proceedings_on_a_case_without_them(
    db: str, args: list[str], code: int, fragments: list[str]
) -> None:
    before = snapshot(db)
    assert_refused(run("record", "LATE-1", *args, "--db", db), code, *fragments)
    assert snapshot(db) == before


def test_proceedings_ending_before_they_started_or_twice(db: str) -> None:
    before = snapshot(db)
    assert_refused(
        run("record", "CRIM-1", "proceedings-ended", "--on", "2023-10-31", "--db", db),
        1,
        "before they started on 2023-11-01",
    )
    assert snapshot(db) == before
    assert (
        run("record", "CRIM-1", "proceedings-ended", "--on", "2024-01-10", "--db", db).exit_code
        == 0
    )
    after_end = snapshot(db)
    assert_refused(
        run("record", "CRIM-1", "proceedings-ended", "--on", "2024-01-11", "--db", db),
        1,
        "no proceedings are running for CRIM-1",
    )
    assert snapshot(db) == after_end


def test_an_end_corrected_to_before_the_start_is_refused_as_such(db: str) -> None:
    """Started Wed 1 Nov 2023; an end recorded on 10 Jan 2024 cannot be moved to 31 Oct."""
    assert (
        run("record", "CRIM-1", "proceedings-ended", "--on", "2024-01-10", "--db", db).exit_code
        == 0
    )
    before = snapshot(db)
    amend = ["amend", "CRIM-1", "proceedings-ended", "--reason", "r", "--db", db]
    assert_refused(
        run(*amend, "--on", "2023-10-31"),
        1,
        "proceedings cannot end on 2023-10-31, before they started on 2023-11-01; check the date",
    )
    assert snapshot(db) == before
    # Criminal proceedings started again on Thu 1 Feb 2024: the first end may still move
    # within the first proceedings.
    start_again = ["proceedings-started", "--on", "2024-02-01", "--kind", "criminal"]
    assert run("record", "CRIM-1", *start_again, "--db", db).exit_code == 0
    assert run(*amend, "--on", "2024-01-05").exit_code == 0


def test_amend_says_whether_a_moved_delay_notice_still_counts(db: str) -> None:
    """CRIM-1's rapid review ran from its notification (Fri 2 June 2023) until it was sent
    (Tue 20 June): a notice moved to 21 June counts for no stage, as record would warn."""
    notice = ["delay-notified", "--stage", "Rapid-Review", "--db", db]  # read whatever its case
    r = run("record", "CRIM-1", *notice, "--on", "2023-06-15")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.splitlines()[-1] == "The notice counts for rapid-review."
    amend = ["amend", "CRIM-1", "delay-notified", "--reason", "r", "--db", db]
    r = run(*amend, "--on", "2023-06-21")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (
        "reviewclock: warning: rapid-review was not open for CRIM-1 on 2023-06-21 (started on "
        "or before that date and not yet met); the notice is kept, but counts for no stage\n"
    )
    r = run(*amend, "--was", "2023-06-21 rapid-review", "--on", "2023-06-19")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.splitlines()[-1] == "The notice counts for rapid-review."
    # The stage it names, corrected: the notification was met on 2 June, so not open then.
    r = run(*amend, "--was", "2023-06-19 rapid-review", "--stage", "sin")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "Amended delay-notified for CRIM-1: now on 2023-06-19 (sin)."
    assert "sin was not open for CRIM-1 on 2023-06-19" in r.stderr


def test_amend_corrects_the_kind_of_proceedings(db: str) -> None:
    """CRIM-1's local review was due Thu 29 Feb 2024, and is late while criminal proceedings
    (from 1 Nov 2023) run. Had they been an inquest, which does not explain a delay by
    default, the review would simply be overdue."""

    def lcspr_state() -> str:
        shown = json.loads(
            run("show", "CRIM-1", "--json", "--as-of", "2024-03-05", "--db", db).stdout
        )
        return str(next(s["state"] for s in shown["stages"] if s["stage"] == "lcspr"))

    assert lcspr_state() == "delayed-proceedings"
    amend = ["amend", "CRIM-1", "proceedings-started", "--reason", "typed wrongly", "--db", db]
    before = snapshot(db)
    for options, code, fragment in [
        (["--kind", "magistrates"], 2, "'magistrates' is not a kind of proceedings"),
        (["--kind", "inquest", "--stage", "lcspr"], 2, "give --kind (proceedings) or --stage"),
        (["--stage", "lcspr"], 2, "--stage applies to delay-notified or extension-agreed only"),
        (["--kind", "criminal"], 1, "already recorded on 2023-11-01 (criminal); nothing to amend"),
    ]:
        assert_refused(run(*amend, *options), code, fragment)
    r = run("amend", "CRIM-1", "lcspr-commissioned", "--kind", "inquest", "--reason", "r",
            "--db", db)  # fmt: skip
    assert_refused(r, 2, "--kind applies to proceedings events only, not to 'lcspr-commissioned'")
    r = run("amend", "CRIM-1", "aware", "--kind", "inquest", "--reason", "r", "--db", db)
    assert_refused(r, 2, "--kind applies to proceedings events only, not to 'aware'")
    assert snapshot(db) == before
    r = run(*amend, "--kind", "Inquest")  # read whatever its case, as an imported file is
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        "Amended proceedings-started for CRIM-1: now on 2023-11-01 (inquest)."
    )
    assert lcspr_state() == "overdue"
    history = run("history", "CRIM-1", "--db", db).stdout
    assert "2023-11-01 (criminal)  2023-11-01 (inquest)" in history


def test_correcting_the_kind_of_proceedings_carries_their_end(tmp_path: Path) -> None:
    """An inquest from Wed 10 to Sat 20 April 2024, typed as criminal at both ends, then
    criminal proceedings from Fri 10 May. Correcting the first start corrects the end that
    closes it: 7 working days (11, 12, 15 to 19 April); the later ones, as of Sat 1 June,
    have run 14 (13 May to 31 May, less the bank holiday of 27 May)."""
    db = str(tmp_path / "r.db")
    steps = [
        ["add-sin", "A-1", "--aware", "2024-03-28", "--notified", "2024-04-02"],
        ["record", "A-1", "proceedings-started", "--on", "2024-04-10", "--kind", "criminal"],
        ["record", "A-1", "proceedings-ended", "--on", "2024-04-20", "--kind", "criminal"],
        ["record", "A-1", "proceedings-started", "--on", "2024-05-10", "--kind", "criminal"],
    ]
    for step in steps:
        assert run(*step, "--db", db).exit_code == 0
    amend = ["amend", "A-1", "--reason", "both typed wrongly", "--db", db]
    # The end alone cannot change: it would close nothing. The message says what will.
    assert_refused(run(*amend[:2], "proceedings-ended", "--kind", "inquest", *amend[2:]), 1,
                   "no inquest proceedings are running for A-1 on 2024-04-20",
                   "To correct the kind of the proceedings it closes (started on 2024-04-10), "
                   "amend proceedings-started --was '2024-04-10 criminal' --kind inquest: the "
                   "end follows")  # fmt: skip
    r = run(*amend[:2], "proceedings-started", "--was", "2024-04-10 criminal", "--kind",
            "inquest", *amend[2:])  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[:2] == [
        "Amended proceedings-started for A-1: now on 2024-04-10 (inquest).",
        "Amended proceedings-ended with it: now on 2024-04-20 (inquest).",
    ]
    shown = json.loads(run("show", "A-1", "--json", "--as-of", "2024-06-01", "--db", db).stdout)
    assert [
        (p["kind"], p["started"], p["ended"], p["working_days"]) for p in shown["proceedings"]
    ] == [
        ("inquest", "2024-04-10", "2024-04-20", 7),
        ("criminal", "2024-05-10", None, 14),
    ]
    history = run("history", "A-1", "--db", db).stdout
    assert history.count("both typed wrongly") == 2
    # The later ones end on Fri 31 May and were disciplinary: their own end goes with them.
    end = ["proceedings-ended", "--on", "2024-05-31", "--kind", "criminal", "--db", db]
    assert run("record", "A-1", *end).exit_code == 0
    r = run(*amend[:2], "proceedings-started", "--was", "2024-05-10", "--kind", "disciplinary",
            *amend[2:])  # fmt: skip
    assert r.stdout.splitlines()[1] == (
        "Amended proceedings-ended with it: now on 2024-05-31 (disciplinary)."
    )
    shown = json.loads(run("show", "A-1", "--json", "--as-of", "2024-06-01", "--db", db).stdout)
    assert [(p["kind"], p["ended"]) for p in shown["proceedings"]] == [
        ("inquest", "2024-04-20"),
        ("disciplinary", "2024-05-31"),
    ]
    assert run("doctor", "--db", db).exit_code == 0


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["proceedings-started", "proceedings-ended"]),
            st.integers(0, 6),
            st.sampled_from([None, "criminal", "inquest"]),
        ),
        max_size=8,
    )
)
def test_the_end_paired_with_a_start_is_the_one_that_closes_its_span(
    drawn: list[tuple[str, int, str | None]],
) -> None:
    base = dt.date(2024, 4, 1)
    events = [
        EventRecord(name, base + dt.timedelta(days=offset), kind or "other")
        if name == "proceedings-started"
        else EventRecord(name, base + dt.timedelta(days=offset), kind)
        for name, offset, kind in drawn
    ]
    # proceedings_of makes one span per start, in the order it reads them.
    starts = sorted((e for e in events if e.name == "proceedings-started"), key=lambda e: e.on)
    for start, span in zip(starts, proceedings_of(events), strict=True):
        end = paired_end(events, start)
        assert (None if end is None else end.on) == span.ended


def test_which_proceedings_ended_must_be_said_when_two_kinds_run(db: str) -> None:
    assert (
        run(
            "record",
            "CRIM-1",
            "proceedings-started",
            "--on",
            "2023-12-01",
            "--kind",
            "inquest",
            "--db",
            db,
        ).exit_code
        == 0
    )
    before = snapshot(db)
    assert_refused(
        run("record", "CRIM-1", "proceedings-ended", "--on", "2024-01-10", "--db", db),
        2,
        "CRIM-1 has criminal and inquest proceedings running; say which ended with --kind",
        "--kind",
    )
    assert snapshot(db) == before


def test_delay_notice_for_no_open_stage_is_kept_with_a_warning(db: str) -> None:
    # SOON-1 has no local review: a notice about one counts for nothing.
    r = run(
        "record", "SOON-1", "delay-notified", "--on", "2024-03-01", "--stage", "lcspr", "--db", db
    )
    assert r.exit_code == 0
    assert r.stderr.startswith("reviewclock: warning: lcspr was not open for SOON-1")
    assert r.stderr.count("\n") == 1
    events = json.loads(run("show", "SOON-1", "--json", "--db", db).stdout)["events"]
    assert {"event": "delay-notified", "on": "2024-03-01", "kind": "lcspr"}.items() <= events[
        -1
    ].items()


def test_report_bad_input(db: str, tmp_path: Path) -> None:
    assert_refused(run("report", "--format", "pdf", "--db", db), 2, "'pdf'", "text")
    assert_refused(run("report", "--as-of", "2024-02-30", "--db", db), 2, "'2024-02-30'")
    assert_refused(run("report", "--due-within", "x", "--db", db), 2, "'x'")
    assert_refused(run("report", "--db", str(tmp_path / "none.db")), 1, "no register")
