"""Looking back: every reading command shows the register as it stood on --as-of.

On a date, a case exists only from its awareness date, and only events dated on
or before that date count; a plan counts whatever its date. Expected dates are
worked by hand in the comments (England and Wales bank holidays).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers import assert_refused, run
from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.cli import app
from reviewclock.clock import Clock, State, as_it_stood
from reviewclock.rules import Nature
from test_mail import Sink, smtp  # noqa: F401  (the real SMTP server on loopback)

D = dt.date.fromisoformat
CLOCK = Clock(WorkingCalendar("ENG"))
AS_OF = "2024-01-05"  # a Friday

# The register as it stands now, and what it was on Friday 5 January 2024:
#
# A1      aware Tue 2024-01-02, notified Wed 2024-01-10 (after the look-back date).
#         On 5 Jan nothing had been notified: sin due Tue 2024-01-09 (3, 4, 5, 8, 9 Jan),
#         2 working days left (Mon 8, Tue 9), due-soon. The rapid review runs from
#         awareness: 15 working days from Tue 2 Jan = 3-5 (3), 8-12 (8), 15-19 (13),
#         22, 23 (15): due Tue 2024-01-23, 12 working days left, on-track.
# LATER   aware Mon 2024-02-05: not yet known on 5 January.
# CLOSED  aware Fri 2023-12-01, notified Mon 2023-12-04 (sin due Fri 2023-12-08: met).
#         Rapid review from Mon 4 Dec: 5-8 (4), 11-15 (9), 18-22 (14), 27 (15; 25 and
#         26 December are bank holidays): due Wed 2023-12-27. Sent Mon 2024-01-08, the
#         Panel answered Fri 2024-01-19: every stage met now, so closed. On 5 January the
#         rapid review was overdue by 28, 29 Dec, 2, 3, 4, 5 Jan (1 Jan a holiday) = 6.
REGISTER = """\
ref,aware,notified,rapid-review-sent,panel-response
A1,2024-01-02,2024-01-10,,
LATER,2024-02-05,,,
CLOSED,2023-12-01,2023-12-04,2024-01-08,2024-01-19
"""


@pytest.fixture
def db(tmp_path: Path, register_url: str) -> str:
    path = register_url
    (tmp_path / "r.csv").write_text(REGISTER)
    r = run("import", str(tmp_path / "r.csv"), "--db", str(path))
    assert r.exit_code == 0, r.stderr
    return str(path)


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    r = run(*args, env=env)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout


def stage_map(case: dict[str, Any]) -> dict[str, tuple[str, str, str | None, str, int | None]]:
    return {
        s["stage"]: (s["starts"], s["due"], s["done"], s["state"], s["working_days_left"])
        for s in case["stages"]
    }


A1_ON_5_JAN = {
    "sin": ("2024-01-02", "2024-01-09", None, "due-soon", 2),
    "rapid-review": ("2024-01-02", "2024-01-23", None, "on-track", 12),
}
CLOSED_ON_5_JAN = {
    "sin": ("2023-12-01", "2023-12-08", "2023-12-04", "met", None),
    "rapid-review": ("2023-12-04", "2023-12-27", None, "overdue", -6),
}


# -- the core: one function says what "as it stood" means ------------------------------------


def case_of(*events: tuple[str, str]) -> CaseRecord:
    return CaseRecord("C", None, None, tuple(EventRecord(n, D(on)) for n, on in events))


def test_as_it_stood_keeps_events_up_to_the_date_and_every_plan() -> None:
    case = case_of(
        ("aware", "2024-01-02"),
        ("notified", "2024-01-10"),
        ("lcspr-commissioned", "2024-02-01"),
        ("publication-planned", "2024-09-30"),
    )
    assert as_it_stood(case, D("2024-01-01")) is None  # not yet known
    on_5_jan = as_it_stood(case, D("2024-01-05"))
    assert on_5_jan is not None and [e.name for e in on_5_jan.events] == ["aware"]
    # A plan is dated by the day it points to: on 1 July the September plan counts.
    on_1_jul = as_it_stood(case, D("2024-07-01"))
    assert on_1_jul is not None
    assert [e.name for e in on_1_jul.events] == [
        "aware",
        "notified",
        "lcspr-commissioned",
        "publication-planned",
    ]
    # On and after the last event nothing is hidden, and the record is the same object.
    assert as_it_stood(case, D("2024-09-30")) is case
    assert as_it_stood(case, D("2024-01-02")).events == case.events[:1]  # type: ignore[union-attr]


def test_a_plan_waits_for_the_review_it_belongs_to() -> None:
    # On 15 January no review had been commissioned, so there was no plan to count.
    case = case_of(
        ("aware", "2024-01-02"),
        ("lcspr-commissioned", "2024-02-01"),
        ("publication-planned", "2024-09-30"),
    )
    stood = as_it_stood(case, D("2024-01-15"))
    assert stood is not None and [e.name for e in stood.events] == ["aware"]
    assert "publication-notice" not in {
        s.stage.name for s in CLOCK.evaluate(stood.events, D("2024-01-15")).stages
    }


# -- every reading command, with a past --as-of ----------------------------------------------


def test_show_the_case_as_it_stood(db: str) -> None:
    data = json.loads(ok("show", "A1", "--as-of", AS_OF, "--json", "--db", db))
    assert stage_map(data) == A1_ON_5_JAN
    assert [e["event"] for e in data["events"]] == ["aware"]  # the notification came later
    text = ok("show", "A1", "--as-of", AS_OF, "--db", db)
    assert text.startswith("A1 as it stood on Fri 2024-01-05: aware Tue 2024-01-02")
    assert "notified" not in text.split("Recorded by")[1]
    # Today the notification counts.
    assert "notified" in [
        e["event"] for e in json.loads(ok("show", "A1", "--json", "--db", db))["events"]
    ]


def test_show_a_case_not_yet_known(db: str) -> None:
    assert_refused(
        run("show", "LATER", "--as-of", AS_OF, "--db", db),
        1,
        "LATER was not yet known on 2024-01-05",
        "aware 2024-02-05",
    )


def test_status_lists_cases_as_they_stood(db: str) -> None:
    listed = json.loads(ok("status", "--as-of", AS_OF, "--json", "--db", db))
    # CLOSED is closed today but was open (and overdue) on 5 January; LATER was unknown.
    assert [c["ref"] for c in listed] == ["CLOSED", "A1"]
    assert stage_map(listed[0]) == CLOSED_ON_5_JAN and stage_map(listed[1]) == A1_ON_5_JAN
    text = ok("status", "--as-of", AS_OF, "--db", db)
    assert "LATER" not in text and "CLOSED" in text
    assert text.splitlines()[-1] == (
        "2 cases; open stages: 1 overdue, 0 delayed by proceedings, 1 due soon, 1 on track"
        " (as of 2024-01-05)"
    )


def test_status_all_as_it_stood(db: str) -> None:
    listed = json.loads(ok("status", "--all", "--as-of", AS_OF, "--json", "--db", db))
    assert {c["ref"]: stage_map(c) for c in listed} == {
        "CLOSED": CLOSED_ON_5_JAN,
        "A1": A1_ON_5_JAN,
    }
    # Before any case was known, there was nothing at all.
    assert json.loads(ok("status", "--all", "--as-of", "2023-01-03", "--json", "--db", db)) == []
    assert "LATER" in ok("status", "--all", "--db", db)  # today it is listed


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json", "csv"])
def test_report_as_it_stood_in_every_format(db: str, fmt: str) -> None:
    out = ok("report", "--as-of", AS_OF, "--format", fmt, "--db", db)
    assert "LATER" not in out
    if fmt == "json":
        data = json.loads(out)
        assert data["as_of"] == AS_OF
        assert [(x["ref"], x["stage"], x["due"]) for x in data["overdue"]] == [
            ("CLOSED", "rapid-review", "2023-12-27")
        ]
        assert [(x["ref"], x["stage"], x["due"]) for x in data["due-soon"]] == [
            ("A1", "sin", "2024-01-09")
        ]
        return
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [
            (r["group"], r["ref"], r["stage"], r["due"], r["working_days_left"]) for r in rows
        ] == [
            ("overdue", "CLOSED", "rapid-review", "2023-12-27", "-6"),
            ("due-soon", "A1", "sin", "2024-01-09", "2"),
        ]
        return
    assert "Fri 2024-01-05" in out and "1 overdue, 0 delayed by proceedings, 1 due soon" in out
    assert "Wed 2023-12-27" in out and "6 working days late" in out  # CLOSED's rapid review
    assert "Tue 2024-01-09" in out and "2 working days left" in out  # A1's notification


def test_email_digest_as_it_stood(db: str, smtp: tuple[Sink, dict[str, str]]) -> None:  # noqa: F811
    sink, env = smtp
    r = run("report", "--as-of", AS_OF, "--email", "m@n.example", "--db", db, env=env)
    assert r.exit_code == 0, r.stderr
    [(_, _, msg)] = sink.messages
    assert msg["Subject"] == "reviewclock: 1 overdue, 0 delayed by proceedings, 1 due soon"
    text = msg.get_body(("plain",)).get_content()
    assert "CLOSED" in text and "A1" in text and "LATER" not in text
    assert "Tue 2024-01-09" in text


def test_export_ics_as_it_stood(db: str) -> None:
    import icalendar

    r = run("export", "--format", "ics", "--as-of", AS_OF, "--db", db)
    assert r.exit_code == 0, r.stderr
    events = icalendar.Calendar.from_ical(r.stdout).walk("VEVENT")
    due = sorted((str(e["SUMMARY"]).split(" (")[0], e.decoded("DTSTART")) for e in events)
    assert due == [
        ("A1: rapid-review due", dt.date(2024, 1, 23)),
        ("A1: sin due", dt.date(2024, 1, 9)),
        ("CLOSED: rapid-review due", dt.date(2023, 12, 27)),
    ]


def test_export_json_and_csv_as_they_stood(db: str) -> None:
    cases = json.loads(ok("export", "--format", "json", "--as-of", AS_OF, "--db", db))
    assert {c["ref"]: stage_map(c) for c in cases} == {"A1": A1_ON_5_JAN, "CLOSED": CLOSED_ON_5_JAN}
    rows = list(csv.DictReader(io.StringIO(ok("export", "--as-of", AS_OF, "--db", db))))
    assert [(r["ref"], r["notified"], r["rapid-review-sent"]) for r in rows] == [
        ("A1", "", ""),
        ("CLOSED", "2023-12-04", ""),
    ]
    # Without --as-of, the export is the whole register.
    assert len(list(csv.DictReader(io.StringIO(ok("export", "--db", db))))) == 3


def test_stats_as_they_stood(db: str) -> None:
    def figures(*args: str) -> dict[str, Any]:
        out = ok("stats", "--from", "2023-12-01", "--to", "2024-02-29", "--json", "--db", db, *args)
        return json.loads(out)  # type: ignore[no-any-return]

    then = figures("--as-of", AS_OF)
    assert then["period"] == {"from": "2023-12-01", "to": "2024-01-05"}
    # sin: CLOSED notified on time; A1's notification (10 Jan) had not happened, and on
    # 5 January it was not yet late. LATER was unknown.
    assert {k: then["stages"]["sin"][k] for k in ("completed", "on_time", "open")} == {
        "completed": 1,
        "on_time": 1,
        "open": 1,
    }
    # rapid review: CLOSED's (sent 8 Jan) and A1's were open; CLOSED's overdue.
    rr = then["stages"]["rapid-review"]
    assert (rr["completed"], rr["open"], rr["open_overdue"]) == (0, 2, 1)
    assert then["stages"]["panel-response"]["open"] == 0
    # Up to 29 February (as of then), the later events and LATER count.
    later = figures("--as-of", "2024-02-29")
    sin = later["stages"]["sin"]
    # A1 notified Wed 10 Jan against Tue 9 Jan: late; LATER (aware 5 Feb, due 12 Feb) overdue.
    assert (sin["completed"], sin["late"], sin["open"], sin["open_overdue"]) == (2, 1, 1, 1)


def test_a_future_as_of_judges_what_is_recorded_so_far(db: str) -> None:
    # LATER: aware Mon 5 Feb 2024, never notified: sin due Mon 12 Feb 2024 (6-9, 12).
    data = json.loads(ok("show", "LATER", "--as-of", "2030-01-02", "--json", "--db", db))
    assert data["stages"][0]["due"] == "2024-02-12" and data["stages"][0]["state"] == "overdue"


# -- 1. the reproduction, through the commands as a user types them ---------------------------


def test_a_notification_typed_in_later_is_not_seen_before_its_date(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    ok("add-sin", "A1", "--aware", "2024-01-02", "--db", db)
    ok("record", "A1", "notified", "--on", "2024-01-10", "--db", db)
    assert stage_map(
        json.loads(ok("show", "A1", "--as-of", "2024-01-05", "--json", "--db", db))
    ) == (A1_ON_5_JAN)
    # On 10 January: notified a day late (due Tue 9 Jan); the rapid review now runs from
    # the notification: 11, 12 (2), 15-19 (7), 22-26 (12), 29, 30, 31 (15): Wed 2024-01-31.
    on_10 = stage_map(json.loads(ok("show", "A1", "--as-of", "2024-01-10", "--json", "--db", db)))
    assert on_10["sin"][1:4] == ("2024-01-09", "2024-01-10", "met-late")
    assert on_10["rapid-review"][:2] == ("2024-01-10", "2024-01-31")


# -- 2. the most recently recorded plan counts -----------------------------------------------


def p1(db: str) -> None:
    ok("add-sin", "P1", "--aware", "2024-01-02", "--notified", "2024-01-05", "--db", db)
    ok("record", "P1", "lcspr-commissioned", "--on", "2024-02-01", "--db", db)
    ok("record", "P1", "publication-planned", "--on", "2024-09-30", "--db", db)
    ok("record", "P1", "publication-planned", "--on", "2024-07-31", "--db", db)


def notice(db: str, ref: str, as_of: str) -> tuple[str, str]:
    data = json.loads(ok("show", ref, "--as-of", as_of, "--json", "--db", db))
    [stage] = [s for s in data["stages"] if s["stage"] == "publication-notice"]
    return stage["starts"], stage["due"]


def test_a_publication_brought_forward_brings_its_deadline_forward(
    tmp_path: Path, register_url: str
) -> None:
    db = register_url
    p1(db)
    # 7 working days before Wed 31 July 2024: 30, 29, 26, 25, 24, 23, 22: Mon 2024-07-22
    # (the September plan would give Thu 2024-09-19). Plans are not hidden by their dates.
    assert notice(db, "P1", "2024-07-01") == ("2024-07-31", "2024-07-22")
    assert notice(db, "P1", "2024-02-01") == ("2024-07-31", "2024-07-22")
    # Moved back again: the latest recording counts, not the latest date, nor the first.
    ok("record", "P1", "publication-planned", "--on", "2024-09-30", "--db", db)
    amend = ["amend", "P1", "publication-planned", "--on", "2024-10-07", "--reason", "r"]
    with pytest.raises(AssertionError):  # recorded on 31 Jul and 30 Sep: say which with --was
        ok(*amend, "--db", db)
    assert notice(db, "P1", "2024-07-01") == ("2024-09-30", "2024-09-19")
    # Two plans for 30 Sep: the one recorded last, in force, is corrected. 7 working days
    # before Mon 7 Oct 2024: 4, 3, 2, 1 Oct, 30, 27, 26 Sep: Thu 2024-09-26.
    assert "is the one that counts" not in ok(*amend, "--was", "2024-09-30", "--db", db)
    assert notice(db, "P1", "2024-07-01") == ("2024-10-07", "2024-09-26")


def test_correcting_an_older_plan_does_not_put_it_back_in_force(
    tmp_path: Path, register_url: str
) -> None:
    db = register_url
    p1(db)
    # The September plan was typed wrongly; correcting it keeps its place (recorded first),
    # so the July plan, recorded after it, stays in force.
    out = ok(
        "amend", "P1", "publication-planned", "--was", "2024-09-30", "--on", "2024-10-01",
        "--reason", "typed wrongly", "--db", db,
    )  # fmt: skip
    assert out.splitlines()[-1] == (
        "The publication-planned recorded after it, on 2024-07-31, is the one that counts; to "
        "replace that, record publication-planned again."
    )
    assert notice(db, "P1", "2024-07-01") == ("2024-07-31", "2024-07-22")
    status = json.loads(ok("status", "--all", "--json", "--as-of", "2024-07-01", "--db", db))
    assert [s["due"] for s in status[0]["stages"] if s["stage"] == "publication-notice"] == [
        "2024-07-22"
    ]


def test_recording_time_decides_before_row_order(tmp_path: Path, register_url: str) -> None:
    """An imported plan keeps the time it was first recorded: here the July plan comes
    first in the file (the lower row) but was recorded in May, after the September plan
    (recorded in March). The July plan is in force, in every way the register is read."""
    db = register_url
    plans = [
        ("2024-07-31", "2024-05-02T10:00:00+00:00"),
        ("2024-09-30", "2024-03-04T10:00:00+00:00"),
    ]
    case = {
        "ref": "P2",
        "events": [
            {"event": "aware", "on": "2024-01-02"},
            {"event": "lcspr-commissioned", "on": "2024-02-01"},
            *(
                {"event": "publication-planned", "on": on, "recorded_by": "bsu", "recorded_at": at}
                for on, at in plans
            ),
        ],
    }
    (tmp_path / "p2.json").write_text(json.dumps([case]))
    ok("import", str(tmp_path / "p2.json"), "--db", db)
    # 7 working days before Wed 31 July 2024: 30, 29, 26, 25, 24, 23, 22: Mon 2024-07-22.
    assert notice(db, "P2", "2024-07-01") == ("2024-07-31", "2024-07-22")
    # status and report read without the audit columns; they must agree.
    [row] = json.loads(ok("status", "--as-of", "2024-07-01", "--json", "--db", db))
    assert [s["due"] for s in row["stages"] if s["stage"] == "publication-notice"] == ["2024-07-22"]
    # On Fri 19 July one working day is left (Mon 22).
    report = json.loads(ok("report", "--as-of", "2024-07-19", "--format", "json", "--db", db))
    assert [(x["ref"], x["due"], x["working_days_left"]) for x in report["due-soon"]] == [
        ("P2", "2024-07-22", 1)
    ]


# -- 3. the Panel's own lateness is never the partnership's delay ----------------------------


def px(db: str) -> None:
    ok("add-sin", "PX", "--aware", "2024-06-03", "--notified", "2024-06-05", "--db", db)
    ok(
        "record",
        "PX",
        "proceedings-started",
        "--on",
        "2024-06-10",
        "--kind",
        "criminal",
        "--db",
        db,
    )
    ok("record", "PX", "rapid-review-sent", "--on", "2024-06-20", "--db", db)


def test_the_panels_lateness_is_chased_not_notified(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    px(db)
    # The Panel's response: 15 working days from Thu 20 June 2024: 21 (1), 24-28 (6),
    # 1-5 July (11), 8, 9, 10, 11 (15): Thu 2024-07-11. On Mon 22 July it is 7 working
    # days late (12, 15, 16, 17, 18, 19, 22), though criminal proceedings run since 10 June.
    out = ok("report", "--as-of", "2024-07-22", "--db", db)
    assert "PANEL NOT YET TOLD" not in out and "Delayed by proceedings: none" in out
    assert (
        "  PX  panel-response  due Thu 2024-07-11  7 working days late  "
        "chase the Panel (the Panel's own target, not a breach)"
    ) in out.splitlines()
    [case] = json.loads(ok("status", "--as-of", "2024-07-22", "--json", "--db", db))
    [pr] = [s for s in case["stages"] if s["stage"] == "panel-response"]
    assert (pr["state"], pr["delay"], pr["duty"], pr["nature"]) == (
        "overdue",
        None,
        False,
        "national-target",
    )
    row = ok("status", "--as-of", "2024-07-22", "--db", db).splitlines()[1]
    assert "chase the Panel (the Panel's own target, not a breach)" in row
    assert "Panel not yet told" not in row


def test_nature_not_name_decides() -> None:
    """A statutory stage under the same proceedings is delayed; the same stage declared a
    national target is overdue, whatever it is called."""

    from reviewclock.rules import Rulebook, rulebook

    national = rulebook()

    events = [
        EventRecord("aware", D("2024-06-03")),
        EventRecord("notified", D("2024-06-05")),
        EventRecord("proceedings-started", D("2024-06-10"), "criminal"),
        EventRecord("rapid-review-sent", D("2024-06-20")),
    ]
    swapped = tuple(
        s._replace(nature=Nature.STATUTORY if s.nature is Nature.NATIONAL_TARGET else s.nature)
        for s in national.stages
    )
    duty = Clock(WorkingCalendar("ENG"), Rulebook(national.events, swapped)).evaluate(
        events, D("2024-07-22")
    )
    [pr] = [s for s in duty.stages if s.stage.name == "panel-response"]
    assert pr.state is State.DELAYED_PROCEEDINGS


# -- 4. a delay notice sent before the due date counts ---------------------------------------

# A local review commissioned Thu 31 Aug 2023 is due Thu 29 Feb 2024 (six months; 2024 is a
# leap year). Criminal proceedings from Wed 1 Nov 2023. On Tue 5 March 2024 it is
# delayed-proceedings, 3 working days late (1, 4, 5 March).


@pytest.fixture
def review(tmp_path: Path) -> str:
    db = str(tmp_path / "r.db")
    ok("add-sin", "R1", "--aware", "2023-06-01", "--notified", "2023-06-02", "--db", db)
    ok("record", "R1", "rapid-review-sent", "--on", "2023-06-20", "--db", db)
    ok("record", "R1", "panel-response", "--on", "2023-07-05", "--db", db)
    ok("record", "R1", "lcspr-commissioned", "--on", "2023-08-31", "--db", db)
    ok(
        "record",
        "R1",
        "proceedings-started",
        "--on",
        "2023-11-01",
        "--kind",
        "criminal",
        "--db",
        db,
    )
    return db


def told(db: str) -> bool:
    data = json.loads(ok("show", "R1", "--as-of", "2024-03-05", "--json", "--db", db))
    [lcspr] = [s for s in data["stages"] if s["stage"] == "lcspr"]
    assert lcspr["state"] == "delayed-proceedings" and lcspr["working_days_left"] == -3
    return bool(lcspr["delay"]["panel_told"])


def test_a_notice_before_the_due_date_counts(review: str) -> None:
    assert not told(review)
    r = run("record", "R1", "delay-notified", "--on", "2024-01-15", "--db", review)
    assert r.exit_code == 0 and r.stderr == ""
    assert "The notice counts for lcspr." in r.stdout
    assert told(review)
    report = ok("report", "--as-of", "2024-03-05", "--db", review)
    assert "Panel told" in report and "PANEL NOT YET TOLD" not in report


def test_looking_back_before_a_notice(review: str) -> None:
    ok("record", "R1", "delay-notified", "--on", "2024-03-04", "--db", review)
    # On Fri 1 March the review was a working day late and the Panel not yet told.
    before = json.loads(ok("report", "--as-of", "2024-03-01", "--format", "json", "--db", review))
    assert [(x["ref"], x["working_days_left"]) for x in before["delayed-proceedings"]] == [
        ("R1", -1)
    ]
    assert before["panel_not_told"] == 1
    assert told(review)


def test_a_notice_naming_another_stage_does_not_count(review: str) -> None:
    r = run(
        "record", "R1", "delay-notified", "--on", "2024-01-15", "--stage", "rapid-review",
        "--db", review,
    )  # fmt: skip
    assert r.exit_code == 0
    # The rapid review was met in June 2023, long before the notice.
    assert r.stderr.startswith(
        "reviewclock: warning: rapid-review was not open for R1 on 2024-01-15"
    )
    assert not told(review)
    ok("record", "R1", "delay-notified", "--on", "2024-01-16", "--stage", "lcspr", "--db", review)
    assert told(review)


def test_a_notice_naming_a_stage_is_widened_to_every_stage_by_amend(review: str) -> None:
    """Sent on Mon 15 Jan 2024 about the whole case but recorded as naming the rapid review
    (met in June 2023), the notice counts for nothing; amended to be about every stage, it
    counts for the local review, open then and held up by the proceedings."""
    ok("record", "R1", "delay-notified", "--on", "2024-01-15", "--stage", "rapid-review",
       "--db", review)  # fmt: skip
    assert not told(review)
    amend = ["amend", "R1", "delay-notified", "--reason", "it was about the case", "--db", review]
    before = ok("history", "R1", "--db", review)
    for args, code, fragment in (
        (["--every-stage", "--stage", "lcspr"], 2, "give --stage STAGE or --every-stage, not both"),
        (["--every-stage", "--kind", "criminal"], 2, "names its stage with --stage"),
    ):
        assert_refused(run(*amend, *args), code, fragment)
    wrong = ["amend", "R1", "proceedings-started", "--every-stage", "--reason", "r", "--db", review]
    assert_refused(
        run(*wrong), 2, "--every-stage applies to delay-notified only, not to 'proceedings-started'"
    )
    assert ok("history", "R1", "--db", review) == before
    out = ok(*amend, "--every-stage")
    assert "Amended delay-notified for R1: now on 2024-01-15." in out
    assert "The notice counts for lcspr." in out
    assert told(review)
    assert_refused(
        run(*amend, "--every-stage"),
        1,
        "delay-notified for R1 is already recorded on 2024-01-15, naming no stage: it is about"
        " every duty stage open then; nothing to amend",
    )


def test_a_notice_with_no_duty_stage_open_warns(review: str) -> None:
    # On 4 August 2023 every stage so far was met and no review was commissioned yet.
    r = run("record", "R1", "delay-notified", "--on", "2023-08-04", "--db", review)
    assert r.exit_code == 0
    assert r.stderr == (
        "reviewclock: warning: no duty stage was open for R1 on 2023-08-04 (started on or "
        "before that date and not yet met); the notice is kept, but counts for no stage\n"
    )
    assert not told(review)


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (
            ["delay-notified", "--on", "2024-01-15", "--stage", "panel-response"],
            2,
            ["'panel-response' is not a stage a delay notice can name", "sin, rapid-review, lcspr"],
        ),
        (["delay-notified", "--on", "2024-01-15", "--stage", "trial"], 2, ["'trial'", "lcspr"]),
        (["delay-notified", "--on", "2024-01-15", "--kind", "criminal"], 2, ["--stage"]),
        (
            ["published", "--on", "2024-01-15", "--stage", "lcspr"],
            2,
            ["--stage applies to delay-notified or extension-agreed only", "published"],
        ),
        (
            ["proceedings-ended", "--on", "2024-01-15", "--kind", "criminal", "--stage", "lcspr"],
            2,
            ["not both"],
        ),
    ],
)
def test_bad_stages_are_refused(
    review: str, args: list[str], code: int, fragments: list[str]
) -> None:
    before = ok("export", "--format", "json", "--db", review)
    assert_refused(run("record", "R1", *args, "--db", review), code, *fragments)
    assert ok("export", "--format", "json", "--db", review) == before


def test_a_named_stage_travels_through_csv(review: str, tmp_path: Path) -> None:
    ok("record", "R1", "delay-notified", "--on", "2024-01-16", "--stage", "lcspr", "--db", review)
    exported = ok("export", "--db", review)
    [row] = csv.DictReader(io.StringIO(exported))
    assert row["delay-notified"] == "2024-01-16 lcspr"
    (tmp_path / "out.csv").write_text(exported)
    copy = str(tmp_path / "copy.db")
    ok("import", str(tmp_path / "out.csv"), "--db", copy)
    assert ok("export", "--db", copy) == exported and told(copy)
    (tmp_path / "bad.csv").write_text(
        exported.replace("2024-01-16 lcspr", "2024-01-16 panel-response")
    )
    assert_refused(
        run("import", str(tmp_path / "bad.csv"), "--db", str(tmp_path / "bad.db")),
        1,
        "'panel-response' is not a stage a delay notice can name",
    )
    assert not (tmp_path / "bad.db").exists()


# -- 5. smaller wrong answers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        ("2025-01-24", State.DUE_SOON, 0),  # Friday: no working day before the Saturday
        ("2025-01-25", State.DUE_SOON, 0),  # the Saturday itself
        ("2025-01-26", State.OVERDUE, -1),  # Sunday: late is late
        ("2025-01-27", State.OVERDUE, -1),  # Monday, the first working day after
        ("2025-01-28", State.OVERDUE, -2),  # Mon 27, Tue 28
        ("2025-02-03", State.OVERDUE, -6),  # 27-31 January and Monday 3 February
    ],
)
def test_working_days_left_after_a_weekend_due_date(today: str, state: State, left: int) -> None:
    # Commissioned Thu 25 July 2024: six months later is Saturday 25 January 2025.
    events = [
        EventRecord("aware", D("2024-06-03")),
        EventRecord("lcspr-commissioned", D("2024-07-25")),
    ]
    [lcspr] = [s for s in CLOCK.evaluate(events, D(today)).stages if s.stage.name == "lcspr"]
    assert lcspr.due == D("2025-01-25")
    assert (lcspr.state, lcspr.working_days_left) == (state, left)


@pytest.mark.parametrize(
    ("today", "left"),
    [
        ("2024-04-09", -1),  # Tue after a Monday due date
        ("2024-04-12", -4),  # Fri: 9, 10, 11, 12
        ("2024-04-13", -4),  # Saturday: no working day has passed since Friday
        ("2024-04-15", -5),  # Mon 15: 9-12 and 15
    ],
)
def test_working_days_late_after_a_working_due_date(today: str, left: int) -> None:
    # Aware Thu 28 March 2024: notification due Mon 8 April (Good Friday, Easter Monday skipped).
    [sin] = CLOCK.evaluate([EventRecord("aware", D("2024-03-28"))], D(today)).stages[:1]
    assert sin.due == D("2024-04-08") and sin.working_days_left == left


def test_amend_prints_moves_and_state_changes_apart(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    # Aware Thu 28 Mar 2024, notified Fri 5 Apr: sin due Mon 8 Apr, met. Rapid review from
    # Fri 5 Apr: due Fri 26 Apr. Corrected to Tue 9 Apr: sin met late (due date unchanged);
    # rapid review from Tue 9 Apr: 10, 11, 12 (3), 15-19 (8), 22-26 (13), 29, 30: Tue 30 Apr.
    ok("add-sin", "M1", "--aware", "2024-03-28", "--notified", "2024-04-05", "--db", db)
    out = ok("amend", "M1", "notified", "--on", "2024-04-09", "--reason", "typo", "--db", db)
    assert out.splitlines()[1:] == [
        "Deadlines that moved:",
        "  rapid-review: due 2024-04-26 -> 2024-04-30",
        "States that changed:",
        "  sin: met -> met-late",
    ]


def test_delete_counts_the_same_things_twice(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    ok("add-sin", "W1", "--aware", "2024-03-28", "--notified", "2024-04-05", "--db", db)
    ok("record", "W1", "rapid-review-sent", "--on", "2024-04-25", "--db", db)
    ok("amend", "W1", "notified", "--on", "2024-04-04", "--reason", "typo", "--db", db)
    r = CliRunner().invoke(app, ["delete", "W1", "--reason", "duplicate", "--db", db], input="y\n")
    assert r.exit_code == 0, r.stderr
    assert "Delete W1 and its 3 events (and 1 correction)? This cannot be undone" in r.stdout
    assert "Deleted W1 and its 3 events (and 1 correction). The deletion is in its history." in (
        r.stdout
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT events FROM deletions").fetchall() == [(3,)]


def test_one_is_singular(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    (tmp_path / "one.csv").write_text("ref,aware\nS1,2024-03-28\n")
    assert "Imported 1 new case and 1 event from" in ok(
        "import", str(tmp_path / "one.csv"), "--db", str(db)
    )
    (tmp_path / "bad.csv").write_text("ref,aware\nS2,2024-02-30\n")
    r = run("import", str(tmp_path / "bad.csv"), "--dry-run", "--db", str(db))
    assert (
        r.stderr
        == f"reviewclock: error: 1 problem in {tmp_path / 'bad.csv'}; nothing was imported\n"
    )
    with sqlite3.connect(db) as conn:  # one problem: a notification before awareness
        conn.execute(
            "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at)"
            " VALUES (1, 'notified', '2024-03-01', 'x', '2024-03-28 10:00:00')"
        )
    r = run("doctor", "--db", str(db))
    assert r.exit_code == 1 and r.stderr == f"1 problem in {db}\n"
