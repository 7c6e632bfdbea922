"""``reviewclock explain``: how a due date was reached, day by day, with hand-worked dates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from helpers import assert_refused, run
from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import Clock
from reviewclock.explain import NotStarted, explain
from reviewclock.rules import Milestone, rulebook

D = dt.date.fromisoformat
CLOCK = Clock(WorkingCalendar("ENG"))
# A unit that closes on Wed 27 Dec 2023 as well as the bank holidays.
CLOSED_27_DEC = Clock(WorkingCalendar("ENG", [D("2023-12-27")]))


def ev(name: str, on: str, kind: str | None = None, until: str | None = None) -> EventRecord:
    return EventRecord(name, D(on), kind, until=None if until is None else D(until))


def case(ref: str, *events: EventRecord) -> CaseRecord:
    return CaseRecord(ref, None, None, events)


def test_the_coronation_example_reads_as_a_colleague_would_count() -> None:
    # Notified Fri 5 May 2023. Sat 6, Sun 7 and Mon 8 (the Coronation) skipped; day 1 is
    # Tue 9; days 2-14 run Wed 10 to Fri 26 over two ordinary weekends; Sat 27, Sun 28 and
    # Mon 29 (Spring bank holiday) skipped; day 15 is Tue 30 May. Sent Thu 25 May: 12
    # working days after Tue 9 (10, 11, 12, 15, ... 25) plus day 1 = 13 taken.
    c = case(
        "BSCP-2023-05",
        ev("aware", "2023-05-04"),
        ev("notified", "2023-05-05"),
        ev("rapid-review-sent", "2023-05-25"),
    )
    text = explain(c, "rapid-review", CLOCK, D("2023-06-01")).text()
    assert text.splitlines()[0].startswith(
        "rapid-review for BSCP-2023-05: 15 working days after notified"
    )
    assert text.splitlines()[1:] == [
        "  start   Fri 2023-05-05  notified (day 0, not counted)",
        "  skipped Sat 2023-05-06, Sun 2023-05-07, Mon 2023-05-08 bank holiday "
        "(Coronation of Charles III)",
        "  day 1   Tue 2023-05-09",
        "  days 2-14: Wed 2023-05-10 to Fri 2023-05-26 (skipped Sat 13, Sun 14, Sat 20, Sun 21 May)",
        "  skipped Sat 2023-05-27, Sun 2023-05-28, Mon 2023-05-29 bank holiday "
        "(Spring Bank Holiday)",
        "  day 15  Tue 2023-05-30  due",
        "  done    Thu 2023-05-25  rapid-review-sent: met, 13 working days taken",
    ]


def test_christmas_2023_with_a_local_closure_counting_from_awareness() -> None:
    # Aware Fri 15 Dec 2023, no notification yet: the rapid review counts from awareness.
    # Mon 18 is day 1; 19-22 are days 2-5; Sat 23 and Sun 24, Christmas Day, Boxing Day and
    # the unit's own closure on Wed 27 are skipped; Thu 28 and Fri 29 are days 6-7; Sat 30,
    # Sun 31 and New Year's Day are skipped; Tue 2 to Wed 10 Jan are days 8-14 (over Sat 6
    # and Sun 7); day 15 is Thu 11 Jan 2024.
    c = case(
        "BSCP-2023-12",
        ev("aware", "2023-12-15"),
        ev("proceedings-started", "2023-12-20", "criminal"),
        ev("delay-notified", "2024-01-19", "rapid-review"),
    )
    found = explain(c, "rapid-review", CLOSED_27_DEC, D("2024-02-01"))
    assert found.text().splitlines()[1:] == [
        "  start   Fri 2023-12-15  aware (day 0, not counted)",
        "  skipped Sat 2023-12-16, Sun 2023-12-17",
        "  day 1   Mon 2023-12-18",
        "  days 2-5: Tue 2023-12-19 to Fri 2023-12-22",
        "  skipped Sat 2023-12-23, Sun 2023-12-24, Mon 2023-12-25 bank holiday (Christmas Day), "
        "Tue 2023-12-26 bank holiday (Boxing Day), Wed 2023-12-27 local closure",
        "  days 6-7: Thu 2023-12-28 to Fri 2023-12-29",
        "  skipped Sat 2023-12-30, Sun 2023-12-31, Mon 2024-01-01 bank holiday (New Year's Day)",
        "  days 8-14: Tue 2024-01-02 to Wed 2024-01-10 (skipped Sat 6, Sun 7 Jan)",
        "  day 15  Thu 2024-01-11  due",
        "  notified not yet recorded: counting from aware",
        "  proceedings criminal from Wed 2023-12-20 still running (ran while the stage was "
        "running: the lateness is a delay caused by proceedings)",
        "  notice  Fri 2024-01-19  delay notified, naming rapid-review: counts for this stage",
        "  open    on Thu 2024-02-01: delayed-proceedings, 15 working days late",
    ]
    assert found.status.due == D("2024-01-11")
    data = found.data()
    assert data["start_event"] == "aware"
    assert data["start_reason"] == "notified not yet recorded: counting from aware"
    assert data["proceedings"] == [
        {"kind": "criminal", "started": "2023-12-20", "ended": None, "counted": True}
    ]
    assert data["delay_notices"][0]["counts"] is True
    skipped = [s for line in data["lines"] for s in line.get("skipped", [])]
    assert {"on": "2023-12-27", "why": "local closure", "name": None} in skipped
    assert {"on": "2023-12-25", "why": "bank holiday", "name": "Christmas Day"} in skipped


def test_easter_2024_counted_back_from_a_planned_publication() -> None:
    # Publication planned for Fri 5 Apr 2024; the final report is due 7 working days before.
    # Back from Fri 5: Thu 4 (1), Wed 3 (2), Tue 2 (3); Easter Monday 1 Apr, Sun 31, Sat 30
    # and Good Friday 29 Mar skipped; Thu 28 (4), Wed 27 (5), Tue 26 (6), Mon 25 Mar (7).
    c = case(
        "BSCP-2023-09",
        ev("aware", "2023-08-01"),
        ev("lcspr-commissioned", "2023-08-31"),
        ev("publication-planned", "2024-04-19"),
        ev("publication-planned", "2024-04-05"),
    )
    found = explain(c, "publication-notice", CLOCK, D("2024-03-01"))
    assert found.text().splitlines()[1:] == [
        "  anchor  Fri 2024-04-05  publication-planned (day 0, not counted; counting back)",
        "  day 1   Thu 2024-04-04",
        "  days 2-3: Wed 2024-04-03 to Tue 2024-04-02",
        "  skipped Mon 2024-04-01 bank holiday (Easter Monday), Sun 2024-03-31, "
        "Sat 2024-03-30, Fri 2024-03-29 bank holiday (Good Friday)",
        "  days 4-6: Thu 2024-03-28 to Tue 2024-03-26",
        "  day 7   Mon 2024-03-25  due",
        "  publication-planned recorded 2 times: the latest recorded, Fri 2024-04-05, counts",
        "  open    on Fri 2024-03-01: on-track, 16 working days left",
    ]


def test_a_local_review_commissioned_on_31_august_ends_on_the_last_day_of_february() -> None:
    # 31 Aug 2023 + 6 months: there is no 31 Feb, so the count ends on Thu 29 Feb 2024
    # (2024 is a leap year). A review commissioned 31 Aug 2022 ends Tue 28 Feb 2023.
    for commissioned, due in (("2023-08-31", "Thu 2024-02-29"), ("2022-08-31", "Tue 2023-02-28")):
        c = case("R", ev("aware", "2022-08-01"), ev("lcspr-commissioned", commissioned))
        lines = explain(c, "lcspr", CLOCK, D(commissioned)).text().splitlines()
        assert lines[1] == f"  start   Thu {commissioned}  lcspr-commissioned".replace(
            "Thu 2022", "Wed 2022"
        )
        assert "has no day 31" in lines[2]
        assert f"31 Aug + 6 months is {due.split('-')[-1]} Feb" in lines[2]
        assert lines[3] == f"  due     {due}"


def test_an_extension_is_listed_and_moves_the_due_date() -> None:
    c = case(
        "R",
        ev("aware", "2024-01-08"),
        ev("notified", "2024-01-09"),
        EventRecord(
            "extension-agreed", D("2024-01-25"), "rapid-review", "by email", until=D("2024-02-14")
        ),
        ev("rapid-review-sent", "2024-02-12"),
    )
    found = explain(c, "rapid-review", CLOCK, D("2024-03-01"))
    lines = found.text().splitlines()
    assert "  day 15  Tue 2024-01-30  due" in lines
    assert (
        "  extended Thu 2024-01-25  agreed with the Panel: due Wed 2024-02-14 (in force); by email"
        in lines
    )
    assert "  due     Wed 2024-02-14  agreed (statutory Tue 2024-01-30)" in lines
    assert (
        lines[-1]
        == "  done    Mon 2024-02-12  rapid-review-sent: met-extended, 24 working days taken"
    )
    assert found.data()["statutory_due"] == "2024-01-30"
    assert found.data()["extensions"][0]["in_force"] is True
    # As it stood before the agreement, no extension: the statutory date.
    earlier = explain(case("R", *c.events[:2]), "rapid-review", CLOCK, D("2024-01-24"))
    assert "extensions" not in earlier.data() and earlier.status.due == D("2024-01-30")


def test_a_milestone_counted_back_and_a_stage_not_started() -> None:
    class Local:
        rapid_review_from = "notified"
        milestones = (Milestone("panel-meets", "Review panel meets", "rapid-review", 3, True),)

    local = Clock(WorkingCalendar("ENG"), rulebook(Local()))
    c = case("R", ev("aware", "2023-05-04"), ev("notified", "2023-05-05"))
    lines = explain(c, "panel-meets", local, D("2023-05-10")).text().splitlines()
    assert (
        lines[2] == "  anchor  Tue 2023-05-30  rapid-review due (day 0, not counted; counting back)"
    )
    assert (
        lines[3]
        == "  skipped Mon 2023-05-29 bank holiday (Spring Bank Holiday), Sun 2023-05-28, Sat 2023-05-27"
    )
    assert "  day 3   Wed 2023-05-24  due" in lines
    with pytest.raises(NotStarted, match="lcspr had not started"):
        explain(c, "lcspr", local, D("2023-05-10"))


# -- the command ------------------------------------------------------------------------------


def ok(*args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr)
    return r.stdout


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "r.db")
    ok("add-sin", "BSCP-2023-05", "--aware", "2023-05-04", "--notified", "2023-05-05", "--db", path)
    ok("record", "BSCP-2023-05", "rapid-review-sent", "--on", "2023-05-25", "--db", path)
    return path


def test_explain_command_text_and_json(db: str) -> None:
    text = ok("explain", "BSCP-2023-05", "rapid-review", "--as-of", "2023-06-01", "--db", db)
    assert "  day 15  Tue 2023-05-30  due" in text
    data = json.loads(
        ok("explain", "BSCP-2023-05", "rapid-review", "--as-of", "2023-06-01", "--json", "--db", db)
    )
    assert (data["due"], data["state"], data["working_days_taken"]) == ("2023-05-30", "met", 13)
    assert [line["line"] for line in data["lines"]][:3] == ["start", "skipped", "day 1"]
    # As it stood before the rapid review was sent: open. From Wed 24 May to Tue 30 May:
    # Thu 25, Fri 26 and Tue 30 (Mon 29 is a bank holiday) = 3 working days left.
    before = ok("explain", "BSCP-2023-05", "rapid-review", "--as-of", "2023-05-24", "--db", db)
    assert before.splitlines()[-1] == "  open    on Wed 2023-05-24: on-track, 3 working days left"


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (["BSCP-2023-05", "trial"], 2, ["'trial' is not a stage", "rapid-review"]),
        (["NOPE-1", "sin"], 1, ["no case 'NOPE-1'"]),
        (["BSCP-2023-05", "lcspr"], 1, ["lcspr had not started", "lcspr-commissioned"]),
        (["BSCP-2023-05", "sin", "--as-of", "2023-05-01"], 1, ["not yet known on 2023-05-01"]),
        (["BSCP-2023-05", "sin", "--as-of", "31/02/2023"], 2, ["--as-of"]),
        (["BSCP-2023-05"], 2, ["STAGE"]),
    ],
)
def test_explain_refuses_bad_input(
    db: str, args: list[str], code: int, fragments: list[str]
) -> None:
    assert_refused(run("explain", *args, "--db", db), code, *fragments)
