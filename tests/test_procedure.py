"""The partnership's own procedure: the rulebook object, local milestones and agreed extensions.

Every due date here is worked by hand in a comment, and the working-day ones are
checked once more against numpy's busday_offset with the bank holidays written out.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_refused, run
from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import Clock, State
from reviewclock.config import parse_settings
from reviewclock.digest import build_digest
from reviewclock.errors import ConfigError
from reviewclock.rules import Direction, Event, Milestone, Names, Nature, Rulebook, rulebook
from reviewclock.stats import timeliness

D = dt.date.fromisoformat

# England and Wales bank holidays in May 2023 and spring 2024, for the oracle.
ORACLE_HOLIDAYS = [
    "2023-05-01",  # Early May bank holiday
    "2023-05-08",  # Coronation of King Charles III
    "2023-05-29",  # Spring bank holiday
    "2024-01-01",
    "2024-03-29",  # Good Friday
    "2024-04-01",  # Easter Monday
]


def oracle(start: str, n: int) -> dt.date:
    day = np.busday_offset(np.datetime64(start, "D"), n, roll="forward", holidays=ORACLE_HOLIDAYS)
    return dt.date.fromisoformat(str(day))


MILESTONES_TOML = """
[[milestone]]
name = "letters-out"
title = "Agency letters sent"
stage = "rapid-review"
working_days = 1

[[milestone]]
name = "agency-summaries"          # also the event that meets it
title = "Agency summaries returned"
stage = "rapid-review"
working_days = 10

[[milestone]]
name = "panel-meets"
title = "Review panel meets"
stage = "rapid-review"
working_days = 3
before = true
"""


class Local:
    """Settings as the rulebook reads them."""

    def __init__(self, *milestones: Milestone, rapid_review_from: str = "notified") -> None:
        self.rapid_review_from = rapid_review_from
        self.milestones = milestones


PROCEDURE = Local(
    Milestone("letters-out", "Agency letters sent", "rapid-review", 1),
    Milestone("agency-summaries", "Agency summaries returned", "rapid-review", 10),
    Milestone("panel-meets", "Review panel meets", "rapid-review", 3, before=True),
)
CLOCK = Clock(WorkingCalendar("ENG"), rulebook(PROCEDURE))


def ev(name: str, on: str, kind: str | None = None, until: str | None = None) -> EventRecord:
    return EventRecord(name, D(on), kind, until=None if until is None else D(until))


def by_stage(events: list[EventRecord], today: str, clock: Clock = CLOCK) -> dict[str, object]:
    return {s.stage.name: s for s in clock.evaluate(events, D(today)).stages}


# -- 1. the rulebook ---------------------------------------------------------------------------


def test_behaviours_are_declared_properties() -> None:
    rules = rulebook()
    assert rules.plans == ("publication-planned",)
    assert set(rules.ordered_events) == {"publication-planned", "extension-agreed"}
    assert rules.extendable_stage_names == ("rapid-review", "lcspr")
    assert rules.duty_stage_names == ("sin", "rapid-review", "lcspr", "publication-notice")
    assert rules.opening_event == "aware" and rules.notification_event == "notified"
    assert (rules.proceedings_start, rules.proceedings_end) == (
        "proceedings-started",
        "proceedings-ended",
    )
    extension = rules.events["extension-agreed"]
    assert extension.extends and extension.stage_required and extension.latest_counts
    assert extension.names_stage is Names.EXTENDABLE
    assert rules.events["delay-notified"].delay_notice
    assert rules.events["proceedings-started"].kind_required
    assert [s.nature for s in rules.stages].count(Nature.NATIONAL_TARGET) == 1


def test_milestones_sit_after_their_stage_in_the_rulebook() -> None:
    rules = rulebook(PROCEDURE)
    assert rules.stage_names == (
        "sin",
        "rapid-review",
        "letters-out",
        "agency-summaries",
        "panel-meets",
        "panel-response",
        "lcspr",
        "publication-notice",
    )
    summaries = rules.stage("agency-summaries")
    assert summaries.nature is Nature.LOCAL_TARGET and summaries.parent == "rapid-review"
    assert summaries.met_by == "agency-summaries" and not summaries.nature.is_duty
    assert rules.stage("panel-meets").direction is Direction.BEFORE
    assert rules.events["agency-summaries"].within == "rapid-review"
    assert "agency-summaries" in rules.recordable_events
    assert rules.milestones_of(rules.stage("rapid-review")) == rules.milestones


def test_a_renamed_event_keeps_its_meaning() -> None:
    """The clock reads what an event does, never its name: a delay notice called
    something else still tells the Panel."""
    national = rulebook()
    events = {n: e for n, e in national.events.items() if n != "delay-notified"}
    events["panel-told"] = Event("panel-told", "told", repeatable=True, delay_notice=True)
    renamed = Clock(WorkingCalendar("ENG"), Rulebook(events, national.stages))
    case = [
        ev("aware", "2024-06-03"),
        ev("proceedings-started", "2024-06-04", "criminal"),
        ev("panel-told", "2024-06-05"),
    ]
    sin = by_stage(case, "2024-07-01", renamed)["sin"]
    assert sin.delay is not None and sin.delay.panel_told  # type: ignore[attr-defined]
    assert sin.delay.notice_event == "panel-told"  # type: ignore[attr-defined]


SOURCE = Path(__file__).parent.parent / "src" / "reviewclock"


def test_no_module_but_rules_tests_an_event_or_stage_by_name() -> None:
    """Every string that is exactly an event or stage name lives in the rulebook: the
    national declarations (national.py) or the rulebook that adds local ones (rules.py). The
    exceptions are words that only look like one: the ``aware`` column of the CSV and
    JSON formats (a key of the file format), the partners' decision ``lcspr`` (a value
    of ``rules.DECISIONS``) and the verb "notified" in a sentence of the annual report."""
    rules = rulebook()
    names = set(rules.events) | set(rules.stage_names)
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name in ("rules.py", "national.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names:
                where = (path.relative_to(SOURCE).as_posix(), node.value)
                if where not in {
                    ("transfer_csv.py", "aware"),
                    ("transfer_json.py", "aware"),
                    ("render/data.py", "aware"),
                    ("annual.py", "lcspr"),
                    ("render/annual.py", "notified"),
                }:
                    found.append(f"{where[0]}:{node.lineno} {node.value!r}")
    assert found == []


# -- 2. local milestones -----------------------------------------------------------------------

# Notified Fri 5 May 2023. The rapid review's day 1 is Tue 9 May: Sat 6, Sun 7 and Mon 8
# (the Coronation) are skipped. Day 10 is Mon 22 May (9, 10, 11, 12, 15, 16, 17, 18,
# 19, 22). The rapid review is due on day 15, Tue 30 May (23, 24, 25, 26, then Sat 27,
# Sun 28 and Mon 29, the Spring bank holiday, skipped). Counting back 3 working days from
# Tue 30 May: Mon 29 is a holiday, so Fri 26 (1), Thu 25 (2), Wed 24 (3).
CORONATION = [ev("aware", "2023-05-04"), ev("notified", "2023-05-05")]


def test_milestones_across_the_coronation() -> None:
    st = by_stage(CORONATION, "2023-05-10")
    assert st["letters-out"].due == D("2023-05-09") == oracle("2023-05-05", 1)  # type: ignore[attr-defined]
    assert st["agency-summaries"].due == D("2023-05-22") == oracle("2023-05-05", 10)  # type: ignore[attr-defined]
    assert st["panel-meets"].due == D("2023-05-24") == oracle("2023-05-30", -3)  # type: ignore[attr-defined]
    assert st["rapid-review"].due == D("2023-05-30") == oracle("2023-05-05", 15)  # type: ignore[attr-defined]
    # Day 1 has passed: late, a local target (overdue, never delayed by proceedings).
    assert st["letters-out"].state is State.OVERDUE  # type: ignore[attr-defined]
    assert st["letters-out"].starts == D("2023-05-05")  # type: ignore[attr-defined]


def test_a_milestone_stops_showing_when_it_or_its_stage_is_met() -> None:
    met_itself = [*CORONATION, ev("letters-out", "2023-05-09")]
    assert "letters-out" not in by_stage(met_itself, "2023-05-10")
    assert "agency-summaries" in by_stage(met_itself, "2023-05-10")
    sent = [*CORONATION, ev("rapid-review-sent", "2023-05-19")]
    st = by_stage(sent, "2023-05-23")
    assert not {"letters-out", "agency-summaries", "panel-meets"} & set(st)
    assert st["rapid-review"].state is State.MET  # type: ignore[attr-defined]


def test_a_milestone_counted_back_follows_an_agreed_extension() -> None:
    # Agreed on Thu 25 May to Wed 14 Jun: 3 working days back is Fri 9 Jun (13, 12, 9).
    extended = [*CORONATION, ev("extension-agreed", "2023-05-25", "rapid-review", "2023-06-14")]
    assert by_stage(extended, "2023-05-26")["panel-meets"].due == D("2023-06-09")  # type: ignore[attr-defined]


def _settings_file(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return {"REVIEWCLOCK_CONFIG": str(path)}


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    r = run(*args, env=env)
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr)
    return r.stdout


@pytest.fixture
def procedure(tmp_path: Path, register_url: str) -> tuple[str, dict[str, str]]:
    """A register on each engine, and settings with three milestones."""
    db = register_url
    env = _settings_file(tmp_path, MILESTONES_TOML)
    ok(
        "add-sin",
        "BSCP-2023-05",
        "--aware",
        "2023-05-04",
        "--notified",
        "2023-05-05",
        "--db",
        db,
        env=env,
    )
    return db, env


def test_show_status_and_report_carry_the_milestones(procedure: tuple[str, dict[str, str]]) -> None:
    db, env = procedure
    data = json.loads(
        ok("show", "BSCP-2023-05", "--as-of", "2023-05-23", "--json", "--db", db, env=env)
    )
    stages = {s["stage"]: s for s in data["stages"]}
    summaries = stages["agency-summaries"]
    assert (summaries["nature"], summaries["parent"]) == ("local-target", "rapid-review")
    assert (summaries["due"], summaries["state"]) == ("2023-05-22", "overdue")
    assert summaries["duty"] is False and summaries["delay"] is None
    table = ok("show", "BSCP-2023-05", "--as-of", "2023-05-23", "--db", db, env=env)
    lines = table.splitlines()
    rr = next(i for i, line in enumerate(lines) if line.startswith("rapid-review "))
    assert lines[rr + 2].startswith("  agency-summaries ")  # under its stage
    assert "a local target, not a breach" in lines[rr + 2]
    status = ok("status", "--as-of", "2023-05-23", "--db", db, env=env)
    assert "local targets: 2 overdue, 1 due soon, 0 on track" in status
    # The digest: the statutory groups first, then the local targets in a group of their own.
    text = ok("report", "--as-of", "2023-05-23", "--db", db, env=env)
    assert text.index("Due soon") < text.index("Local targets (3)")
    local = text[text.index("Local targets (3)") :]
    assert "agency-summaries" in local and "panel-meets" in local and "letters-out" in local
    assert "agency-summaries" not in text[: text.index("Local targets (3)")]
    digest = json.loads(
        ok("report", "--as-of", "2023-05-23", "--format", "json", "--db", db, env=env)
    )
    assert digest["counts"]["local-targets"] == 3
    assert [line["stage"] for line in digest["local-targets"]] == [
        "letters-out",
        "agency-summaries",
        "panel-meets",
    ]
    for fmt, heading in (("markdown", "## Local targets (3)"), ("html", "Local targets (3)")):
        assert heading in ok(
            "report", "--as-of", "2023-05-23", "--format", fmt, "--db", db, env=env
        )
    rows = list(
        csv.DictReader(
            io.StringIO(
                ok("report", "--as-of", "2023-05-23", "--format", "csv", "--db", db, env=env)
            )
        )
    )
    assert {r["stage"] for r in rows if r["group"] == "local-targets"} == {
        "letters-out",
        "agency-summaries",
        "panel-meets",
    }


def test_the_calendar_feed_carries_the_milestones(procedure: tuple[str, dict[str, str]]) -> None:
    import icalendar

    db, env = procedure
    feed = run("export", "--format", "ics", "--as-of", "2023-05-10", "--db", db, env=env)
    cal = icalendar.Calendar.from_ical(feed.stdout)
    due = {
        str(e["summary"]).split(": ")[1].split(" ")[0]: e.decoded("dtstart")
        for e in cal.walk("VEVENT")
    }
    assert due["agency-summaries"] == D("2023-05-22")
    assert due["panel-meets"] == D("2023-05-24")
    summary = next(str(e["summary"]) for e in cal.walk("VEVENT") if "agency" in str(e["summary"]))
    assert "local target within rapid-review" in summary


def test_record_a_milestone_and_refuse_one_before_its_stage(
    procedure: tuple[str, dict[str, str]],
) -> None:
    db, env = procedure
    before = ok("export", "--format", "json", "--db", db, env=env)
    # The rapid review starts on the notification, Fri 5 May; Thu 4 May is before it.
    assert_refused(
        run(
            "record", "BSCP-2023-05", "agency-summaries", "--on", "2023-05-04", "--db", db, env=env
        ),
        1,
        "agency-summaries on 2023-05-04 is before rapid-review started on 2023-05-05",
    )
    assert ok("export", "--format", "json", "--db", db, env=env) == before
    out = ok(
        "record", "BSCP-2023-05", "agency-summaries", "--on", "2023-05-19", "--db", db, env=env
    )
    assert "Recorded agency-summaries on 2023-05-19" in out
    # Recorded once, like any event that does not repeat.
    assert_refused(
        run(
            "record", "BSCP-2023-05", "agency-summaries", "--on", "2023-05-22", "--db", db, env=env
        ),
        1,
        "already recorded",
    )
    shown = json.loads(
        ok("show", "BSCP-2023-05", "--as-of", "2023-05-22", "--json", "--db", db, env=env)
    )
    assert "agency-summaries" not in {s["stage"] for s in shown["stages"]}


def test_a_milestone_removed_from_the_settings_stays_in_the_history(
    procedure: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    db, env = procedure
    ok("record", "BSCP-2023-05", "letters-out", "--on", "2023-05-09", "--db", db, env=env)
    (tmp_path / "later").mkdir()
    later = _settings_file(tmp_path / "later", "")
    shown = ok("show", "BSCP-2023-05", "--as-of", "2023-05-10", "--db", db, env=later)
    line = next(x for x in shown.splitlines() if "letters-out" in x)
    assert "no longer in the procedure" in line
    assert "agency-summaries" not in shown  # milestones are computed from the settings
    assert "no contradictory events" in ok("doctor", "--db", db, env=later)
    # Only an agreed extension has a --to, retired milestones included; a name that is
    # neither an event nor recorded is a usage error that lists the events.
    amend = ["amend", "BSCP-2023-05", "--to", "2023-06-01", "--reason", "r", "--db", db]
    r = run(*amend[:2], "letters-out", *amend[2:], env=later)
    assert_refused(r, 2, "--to applies to an agreed extension only, not to 'letters-out'")
    r = run(*amend[:2], "extension-agred", *amend[2:], env=later)
    assert_refused(r, 2, "'extension-agred' is not an event; use one of aware, notified,")
    # A record of it that is not there is told as for any event: with what is recorded.
    was = ["--on", "2023-05-10", "--reason", "r", "--db", db]
    r = run("amend", "BSCP-2023-05", "letters-out", "--was", "2023-05-08", *was, env=later)
    assert_refused(
        r, 1, "BSCP-2023-05 has no letters-out on 2023-05-08 recorded to amend; it has"
        " letters-out on 2023-05-09;",
    )  # fmt: skip
    r = run("amend", "BSCP-2023-05", "letters-out", "--was", "2023-05-08 x", *was, env=later)
    assert_refused(r, 1, "has no letters-out on 2023-05-08 x recorded to amend")
    exported = ok("export", "--db", db, env=later)
    header, row = list(csv.reader(io.StringIO(exported)))
    assert row[header.index("letters-out")] == "2023-05-09"
    # Out of the settings, the file is refused, saying how to import it: as for JSON.
    fresh = str(tmp_path / "fresh.db")
    (tmp_path / "again.csv").write_text(exported)
    (tmp_path / "again.json").write_text(ok("export", "--format", "json", "--db", db, env=later))
    hint = "(a milestone taken out of the settings imports once it is back in them)"
    r = run("import", str(tmp_path / "again.csv"), "--db", fresh, env=later)
    assert_refused(r, 1, "unknown column 'letters-out'", hint)
    r = run("import", str(tmp_path / "again.json"), "--db", fresh, env=later)
    assert_refused(r, 1, "unknown event 'letters-out'; the events are aware, notified,", hint)
    # Back in the settings, the file imports again, milestone and all.
    ok("import", str(tmp_path / "again.csv"), "--db", fresh, env=env)
    assert ok("export", "--db", fresh, env=env).splitlines()[1].count("2023-05-09") == 1


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        ('stage = "trial"', "milestone[1].stage", "use one of sin, rapid-review"),
        ('stage = "publication-notice"', "milestone[1].stage", "use one of"),
        ('name = "notified"', "milestone[1].name", "already a national event"),
        ('name = "lcspr"', "milestone[1].name", "already a national event or stage"),
        # A CSV export gives each event a column named as the event, beside these.
        ('name = "authority"', "milestone[1].name", "a column of a CSV export"),
        ('name = "panel-view"', "milestone[1].name", "a column of a CSV export"),
        ('name = "ref"', "milestone[1].name", "a column of a CSV export"),
        ('title = "\\u001b[2J\\u001b]0;x\\u0007"', "milestone[1].title", "no control characters"),
        ('title = "two\\nlines"', "milestone[1].title", "no control characters"),
        ("working_days = 16", "milestone[1].working_days", "after its due date"),
        ("working_days = 15\nbefore = true", "milestone[1].working_days", "before its start"),
        ("working_days = 0", "milestone[1].working_days", "1 or more"),
        ("working_days = -2", "milestone[1].working_days", "1 or more"),
        ('working_days = "ten"', "milestone[1].working_days", "whole number"),
        ('before = "yes"', "milestone[1].before", "true"),
        ('colour = "red"', "milestone[1].colour", "a milestone's keys are"),
    ],
)
def test_each_bad_milestone_is_one_line_naming_the_key(
    tmp_path: Path, table: str, key: str, fragment: str
) -> None:
    fields = {
        "name": '"agency-summaries"',
        "title": '"Agency summaries"',
        "stage": '"rapid-review"',
        "working_days": "10",
    }
    lines = table.split("\n")
    for line in lines:
        fields[line.split(" = ")[0]] = line.split(" = ")[1]
    text = "[[milestone]]\n" + "\n".join(f"{k} = {v}" for k, v in fields.items()) + "\n"
    env = _settings_file(tmp_path, text)
    db = str(tmp_path / "r.db")
    assert_refused(
        run("status", "--db", db, env=env),
        1,
        str(tmp_path / "config.toml"),
        f"key '{key}'",
        fragment,
    )
    assert not Path(db).exists()


def test_a_missing_milestone_key_and_a_second_bad_table_are_named() -> None:
    good = {"name": "a-step", "title": "A step", "stage": "sin", "working_days": 2}
    with pytest.raises(ConfigError, match=r"key 'milestone\[1\].title' is missing"):
        parse_settings({"milestone": [{k: v for k, v in good.items() if k != "title"}]})
    with pytest.raises(ConfigError, match=r"key 'milestone\[2\].name'.*another milestone"):
        parse_settings({"milestone": [good, good]})
    # A month-long stage is checked against the fewest working days six months can hold.
    with pytest.raises(ConfigError, match=r"milestone\[1\].working_days.*lcspr lasts 6 months"):
        parse_settings({"milestone": [{**good, "stage": "lcspr", "working_days": 115}]})
    assert parse_settings({"milestone": [{**good, "stage": "lcspr", "working_days": 114}]})


def test_closures_take_working_days_out_of_a_month_long_stage() -> None:
    """Commissioned Wed 29 Nov 2023, an LCSPR is due Wed 29 May 2024. With ten closures
    over Christmas (18-22 Dec, 27-29 Dec, 2-3 Jan) the six months hold 113 working days, so
    a milestone 114 working days in would fall on Thu 30 May, after the stage's due date.
    Any six months can take in all ten closures: 114 - 10 = 104 is the most allowed."""
    closures = [f"2023-12-{d}" for d in ("18", "19", "20", "21", "22", "27", "28", "29")] + [
        "2024-01-02",
        "2024-01-03",
    ]
    step = {"name": "draft-report", "title": "Draft report", "stage": "lcspr"}
    with pytest.raises(
        ConfigError,
        match=r"lcspr lasts 6 months \(as few as 104 working days, with 10 of the closures\)",
    ):
        parse_settings({"extra_closures": closures, "milestone": [{**step, "working_days": 114}]})
    settings = parse_settings(
        {"extra_closures": closures, "milestone": [{**step, "working_days": 104}]}
    )
    # The milestone allowed falls inside the stage: before Wed 29 May 2024.
    events = [
        ev("aware", "2023-10-02"),
        ev("notified", "2023-10-03"),
        ev("rapid-review-sent", "2023-10-20"),
        ev("panel-response", "2023-11-03"),
        ev("lcspr-commissioned", "2023-11-29"),
    ]
    stages = {s.stage.name: s for s in settings.clock().evaluate(events, D("2024-05-01")).stages}
    assert stages["lcspr"].due == D("2024-05-29")
    assert stages["draft-report"].due < stages["lcspr"].due
    # Closures at weekends take nothing out; closures years apart only one at a time.
    assert parse_settings(
        {
            "extra_closures": ["2023-12-23", "2023-12-24", "2020-06-01", "2024-06-03"],
            "milestone": [{**step, "working_days": 113}],
        }
    )


# -- 3. agreed extensions ----------------------------------------------------------------------

# Notified Tue 9 Jan 2024: the rapid review is due on working day 15, Tue 30 Jan 2024
# (10, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26, 29, 30). On Thu 25 Jan the Panel
# agrees Wed 14 Feb. Sent Mon 12 Feb: after the statutory date, within the extension.
# Another case with the same extension is sent Fri 16 Feb: late. A third is sent Mon 29
# Jan: on time.
EXTENDED = [
    ev("aware", "2024-01-08"),
    ev("notified", "2024-01-09"),
    ev("extension-agreed", "2024-01-25", "rapid-review", "2024-02-14"),
]


def test_an_extension_moves_the_due_date_and_keeps_the_statutory_one() -> None:
    assert oracle("2024-01-09", 15) == D("2024-01-30")
    before = by_stage(EXTENDED[:2], "2024-01-24")["rapid-review"]
    assert (before.due, before.rule_due, before.extended) == (  # type: ignore[attr-defined]
        D("2024-01-30"),
        D("2024-01-30"),
        False,
    )
    after = by_stage(EXTENDED, "2024-02-01")["rapid-review"]
    assert (after.due, after.rule_due) == (D("2024-02-14"), D("2024-01-30"))  # type: ignore[attr-defined]
    # Judged against the agreed date: Fri 2, 5, 6, 7, 8, 9, 12, 13, 14 Feb = 9 left.
    assert after.state is State.ON_TRACK and after.working_days_left == 9  # type: ignore[attr-defined]
    assert by_stage(EXTENDED, "2024-02-13")["rapid-review"].state is State.DUE_SOON  # type: ignore[attr-defined]
    assert by_stage(EXTENDED, "2024-02-15")["rapid-review"].state is State.OVERDUE  # type: ignore[attr-defined]
    within = by_stage([*EXTENDED, ev("rapid-review-sent", "2024-02-12")], "2024-02-20")
    assert within["rapid-review"].state is State.MET_EXTENDED  # type: ignore[attr-defined]
    late = by_stage([*EXTENDED, ev("rapid-review-sent", "2024-02-16")], "2024-02-20")
    assert late["rapid-review"].state is State.MET_LATE  # type: ignore[attr-defined]
    # The Panel's response counts from the day the rapid review was sent, as always.
    assert within["panel-response"].starts == D("2024-02-12")  # type: ignore[attr-defined]


def test_agreed_again_the_latest_recorded_counts() -> None:
    again = [*EXTENDED, ev("extension-agreed", "2024-02-12", "rapid-review", "2024-02-28")]
    assert by_stage(again, "2024-02-13")["rapid-review"].due == D("2024-02-28")  # type: ignore[attr-defined]
    # Recorded in the other order, the one recorded last counts, whatever its dates.
    swapped = [*EXTENDED[:2], again[3]._replace(seq=0), again[2]._replace(seq=1)]
    assert by_stage(swapped, "2024-02-13")["rapid-review"].due == D("2024-02-14")  # type: ignore[attr-defined]


def _case(ref: str, sent: str | None) -> CaseRecord:
    events = [*EXTENDED] + ([ev("rapid-review-sent", sent)] if sent else [])
    return CaseRecord(ref, None, None, tuple(events))


def test_stats_count_within_extension_apart() -> None:
    cases = [
        _case("ON-TIME", "2024-01-29"),
        _case("WITHIN", "2024-02-12"),
        _case("LATE", "2024-02-16"),
    ]
    figures = timeliness(cases, CLOCK, D("2023-04-01"), D("2024-03-31"))
    rr = figures["rapid-review"]
    assert (rr.completed, rr.on_time, rr.within_extension, rr.late) == (3, 1, 1, 1)
    assert set(figures) == {"sin", "rapid-review", "panel-response", "lcspr", "publication-notice"}


@pytest.fixture
def extended(register_url: str) -> str:
    """Three cases on each engine: on time, within an agreed extension, and late."""
    db = register_url
    for ref in ("ON-TIME", "WITHIN", "LATE"):
        ok("add-sin", ref, "--aware", "2024-01-08", "--notified", "2024-01-09", "--db", db)
    for ref in ("WITHIN", "LATE"):
        ok(
            "record",
            ref,
            "extension-agreed",
            "--on",
            "2024-01-25",
            "--stage",
            "rapid-review",
            "--to",
            "2024-02-14",
            "--note",
            "agreed with the Panel by email",
            "--db",
            db,
        )
    ok("record", "ON-TIME", "rapid-review-sent", "--on", "2024-01-29", "--db", db)
    ok("record", "WITHIN", "rapid-review-sent", "--on", "2024-02-12", "--db", db)
    ok("record", "LATE", "rapid-review-sent", "--on", "2024-02-16", "--db", db)
    return db


def test_extensions_through_the_command_line(extended: str) -> None:
    db = extended
    shown = json.loads(ok("show", "WITHIN", "--json", "--db", db))
    rr = next(s for s in shown["stages"] if s["stage"] == "rapid-review")
    assert (rr["due"], rr["statutory_due"], rr["state"]) == (
        "2024-02-14",
        "2024-01-30",
        "met-extended",
    )
    assert rr["extension"] == {
        "agreed": "2024-01-25",
        "to": "2024-02-14",
        "note": "agreed with the Panel by email",
    }
    table = ok("show", "WITHIN", "--db", db)
    assert "(agreed; statutory Tue 2024-01-30)" in table
    assert "rapid-review to Wed 2024-02-14" in table  # the event, with its agreed date
    # As it stood before the agreement: the statutory date alone.
    earlier = json.loads(ok("show", "WITHIN", "--as-of", "2024-01-24", "--json", "--db", db))
    rr = next(s for s in earlier["stages"] if s["stage"] == "rapid-review")
    assert (rr["due"], rr["statutory_due"], rr["extension"]) == ("2024-01-30", "2024-01-30", None)
    stats = json.loads(
        ok("stats", "--year", "2023/24", "--as-of", "2024-03-31", "--json", "--db", db)
    )
    for figures in stats["stages"].values():
        assert "within_extension" in figures
    rr = stats["stages"]["rapid-review"]
    assert (rr["on_time"], rr["within_extension"], rr["late"]) == (1, 1, 1)
    # The export carries the agreed date, and imports back unchanged.
    exported = ok("export", "--db", db)
    assert "2024-01-25 rapid-review to 2024-02-14" in exported


def test_the_stats_table_and_chart_show_the_extension_in_its_own_colour(
    extended: str, tmp_path: Path
) -> None:
    chart = tmp_path / "timeliness.svg"
    table = ok(
        "stats",
        "--year",
        "2023/24",
        "--as-of",
        "2024-03-31",
        "--chart",
        str(chart),
        "--db",
        extended,
    )
    row = next(line for line in table.splitlines() if line.startswith("rapid-review "))
    assert row.split()[1:4] == ["3", "1", "1"]  # completed, on time, within extension
    svg = chart.read_text()
    assert "within agreed extension" in svg and "#ef6c00" in svg
    # The bars as drawn, read back: a third each (ON-TIME, WITHIN, LATE).
    import re
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(chart.read_bytes())

    def width(gid: str) -> float:
        group = next(g for g in root.iter(f"{ns}g") if g.get("id") == gid)
        d = next(group.iter(f"{ns}path")).get("d", "")
        xs = [float(v) for v in re.findall(r"[-\d.]+", d)[0::2]]
        return max(xs) - min(xs)

    axes = width("rapid-review-axes")
    shares = [
        round(width(f"rapid-review-{part}") / axes, 3) for part in ("on-time", "extended", "late")
    ]
    assert shares == [0.333, 0.333, 0.333]


def test_agreed_again_through_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    ok("add-sin", "R1", "--aware", "2024-01-08", "--notified", "2024-01-09", "--db", db)
    ok(
        "record",
        "R1",
        "extension-agreed",
        "--on",
        "2024-01-25",
        "--stage",
        "rapid-review",
        "--to",
        "2024-02-14",
        "--db",
        db,
    )
    before = ok("export", "--format", "json", "--db", db)
    assert_refused(
        run(
            "record",
            "R1",
            "extension-agreed",
            "--on",
            "2024-02-12",
            "--stage",
            "rapid-review",
            "--to",
            "2024-02-14",
            "--db",
            db,
        ),
        1,
        "--to 2024-02-14 is not after rapid-review's current due date, Wed 2024-02-14",
    )
    assert ok("export", "--format", "json", "--db", db) == before
    ok(
        "record",
        "R1",
        "extension-agreed",
        "--on",
        "2024-02-12",
        "--stage",
        "rapid-review",
        "--to",
        "2024-02-28",
        "--db",
        db,
    )
    shown = json.loads(ok("show", "R1", "--as-of", "2024-02-13", "--json", "--db", db))
    rr = next(s for s in shown["stages"] if s["stage"] == "rapid-review")
    assert (rr["due"], rr["statutory_due"]) == ("2024-02-28", "2024-01-30")
    # The digest judges it against the agreed date, and says both (Tue 27 to Wed 28 Feb:
    # 1 working day left, due soon).
    digest = ok("report", "--as-of", "2024-02-27", "--db", db)
    assert "due Wed 2024-02-28 (agreed; statutory Tue 2024-01-30)" in digest
    assert "Due soon (1)" in digest
    rows = list(
        csv.DictReader(
            io.StringIO(ok("report", "--as-of", "2024-02-27", "--format", "csv", "--db", db))
        )
    )
    assert [(r["due"], r["statutory_due"]) for r in rows] == [("2024-02-28", "2024-01-30")]


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (
            ["--stage", "sin", "--to", "2024-02-14"],
            2,
            ["'sin' is not a stage that can be extended", "only rapid-review or lcspr may"],
        ),
        (["--stage", "panel-response", "--to", "2024-02-14"], 2, ["can be extended"]),
        (["--stage", "nope", "--to", "2024-02-14"], 2, ["'nope'"]),
        (["--to", "2024-02-14"], 2, ["extension-agreed needs --stage"]),
        (["--stage", "rapid-review"], 2, ["needs --to"]),
        (["--stage", "rapid-review", "--to", "2024-01-30"], 1, ["not after", "Tue 2024-01-30"]),
        (["--stage", "rapid-review", "--to", "2024-01-20"], 1, ["not after"]),
        (
            ["--stage", "lcspr", "--to", "2024-12-20"],
            1,
            ["lcspr has not started", "record lcspr-commissioned first"],
        ),
        (["--stage", "rapid-review", "--to", "14/02/2024x"], 2, ["--to"]),
        (["--kind", "criminal", "--to", "2024-02-14"], 2, ["--kind"]),
    ],
)
def test_bad_extensions_are_refused(
    tmp_path: Path, args: list[str], code: int, fragments: list[str]
) -> None:
    db = str(tmp_path / "r.db")
    ok("add-sin", "R1", "--aware", "2024-01-08", "--notified", "2024-01-09", "--db", db)
    before = ok("export", "--format", "json", "--db", db)
    assert_refused(
        run("record", "R1", "extension-agreed", "--on", "2024-01-25", *args, "--db", db),
        code,
        *fragments,
    )
    assert ok("export", "--format", "json", "--db", db) == before


@pytest.mark.parametrize(
    ("names", "text"),
    [
        ([], ""),
        (["lcspr"], "lcspr"),
        (["rapid-review", "lcspr"], "rapid-review or lcspr"),
        (["sin", "rapid-review", "lcspr"], "sin, rapid-review or lcspr"),
    ],
)
def test_choices_read_as_a_list_of_alternatives(names: list[str], text: str) -> None:
    from reviewclock.render import alternatives

    assert alternatives(names) == text


def test_to_belongs_to_an_extension_and_a_met_stage_is_not_extended(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    ok("add-sin", "R1", "--aware", "2024-01-08", "--notified", "2024-01-09", "--db", db)
    assert_refused(
        run(
            "record",
            "R1",
            "rapid-review-sent",
            "--on",
            "2024-01-25",
            "--to",
            "2024-02-14",
            "--db",
            db,
        ),
        2,
        "--to applies to an agreed extension only",
    )
    ok("record", "R1", "rapid-review-sent", "--on", "2024-01-25", "--db", db)
    assert_refused(
        run(
            "record",
            "R1",
            "extension-agreed",
            "--on",
            "2024-01-26",
            "--stage",
            "rapid-review",
            "--to",
            "2024-02-14",
            "--db",
            db,
        ),
        1,
        "rapid-review was met on 2024-01-25 for R1, before the extension agreed on 2024-01-26",
    )
    # Agreed the day it was met, it may have been agreed first: taken, and it changes nothing
    # (notified Tue 9 Jan, due 15 working days later, Tue 30 Jan; met on 25 Jan, on time).
    ok("record", "R1", "extension-agreed", "--on", "2024-01-25", "--stage", "rapid-review",
       "--to", "2024-02-14", "--db", db)  # fmt: skip
    shown = json.loads(ok("show", "R1", "--json", "--as-of", "2024-02-01", "--db", db))
    [rapid] = [s for s in shown["stages"] if s["stage"] == "rapid-review"]
    assert (rapid["statutory_due"], rapid["done"], rapid["state"]) == (
        "2024-01-30",
        "2024-01-25",
        "met",
    )


def test_the_digest_of_an_extended_stage_is_judged_against_the_agreed_date() -> None:
    case = CaseRecord("R1", None, None, tuple(EXTENDED))
    digest = build_digest(CLOCK.evaluate_all([case], D("2024-01-31")), D("2024-01-31"))
    assert not digest.overdue  # past the statutory date, within the agreed one
    digest = build_digest(CLOCK.evaluate_all([case], D("2024-02-13")), D("2024-02-13"))
    assert [line.stage.stage.name for line in digest.due_soon] == ["rapid-review"]


def test_the_readme_shows_the_settings_that_work() -> None:
    import tomllib

    readme = (SOURCE.parent.parent / "README.md").read_text()
    section = readme[readme.index("### Your local procedure") :]
    block = section[section.index("```toml") + len("```toml") : section.index("```\n", 10)]
    settings = parse_settings(tomllib.loads(block))
    assert settings.milestones == (
        Milestone("agency-summaries", "Agency summaries returned", "rapid-review", 10),
    )


def test_the_annual_section_counts_extensions_apart() -> None:
    """The three cases of EXTENDED: sent on time, within the agreed extension and late.
    The section's words and its figure count the middle one apart."""
    from reviewclock.annual import Outcome, annual_section
    from reviewclock.render.annual_formats import annual_markdown

    cases = [
        _case("ON-TIME", "2024-01-29"),
        _case("WITHIN", "2024-02-12"),
        _case("LATE", "2024-02-16"),
    ]
    section = annual_section(cases, CLOCK, D("2023-04-01"), D("2024-03-31"))
    rr = section.part("rapid-review")
    assert rr.within_extension == 1
    assert {b.ref: b.outcome for b in rr.bars} == {
        "ON-TIME": Outcome.ON_TIME,
        "WITHIN": Outcome.EXTENDED,
        "LATE": Outcome.LATE,
    }
    assert [b.ref for b in rr.late] == ["LATE"]
    assert "one within an agreed extension" in annual_markdown(section)
    # Milestones are the unit's own steps: never a part of the national section.
    assert [p.stage.name for p in section.parts] == ["sin", "rapid-review", "panel-response"]


def test_a_closure_added_after_an_extension_leaves_the_register_movable(tmp_path: Path) -> None:
    """Notified Wed 3 Jan 2024: the rapid review is due 15 working days later, Wed 24 Jan
    (4-5, 8-12, 15-19, 22-24 Jan), and the Panel agreed on 10 Jan to Thu 25 Jan. A closure
    on Mon 15 Jan added to the settings afterwards makes the rule's own date Thu 25 Jan:
    the extension is no later, and counts for nothing, but the case does not contradict
    itself, show marks it, and its export imports under the new settings."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "E-1", "--aware", "2024-01-02", "--notified", "2024-01-03", "--db", db)
    ok("record", "E-1", "extension-agreed", "--on", "2024-01-10", "--stage", "rapid-review",
       "--to", "2024-01-25", "--db", db)  # fmt: skip
    shown = json.loads(ok("show", "E-1", "--json", "--as-of", "2024-01-22", "--db", db))
    [rapid] = [s for s in shown["stages"] if s["stage"] == "rapid-review"]
    assert (rapid["statutory_due"], rapid["due"]) == ("2024-01-24", "2024-01-25")
    closed = _settings_file(tmp_path, "extra_closures = [2024-01-15]\n")
    shown = json.loads(ok("show", "E-1", "--json", "--as-of", "2024-01-22", "--db", db, env=closed))
    [rapid] = [s for s in shown["stages"] if s["stage"] == "rapid-review"]
    assert (rapid["statutory_due"], rapid["due"], rapid["extension"]) == (
        "2024-01-25",
        "2024-01-25",
        None,
    )
    # show marks it beside the stage, since nothing said so when the settings changed.
    assert (
        "extension agreed Wed 2024-01-10 to Thu 2024-01-25 changes nothing (not after the"
        " statutory date)"
    ) in ok("show", "E-1", "--as-of", "2024-01-22", "--db", db, env=closed)
    assert "no contradictory events" in ok("doctor", "--db", db, env=closed)
    for file_format in ("csv", "json"):
        exported = ok("export", "--format", file_format, "--db", db, env=closed)
        (tmp_path / f"e.{file_format}").write_text(exported)
        copy = str(tmp_path / f"copy-{file_format}.db")
        ok("import", str(tmp_path / f"e.{file_format}"), "--db", copy, env=closed)
        assert ok("export", "--format", file_format, "--db", copy, env=closed) == exported
