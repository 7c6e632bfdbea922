"""The annual report's case-review section: decisions recorded, the section written in words
and figures, and its numbers agreeing with ``stats --json``."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from helpers import RegisterCopy, assert_refused, run, schema
from reviewclock.annual import Bar, Outcome, StagePart, annual_section
from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import Clock
from reviewclock.migrations import HEAD
from reviewclock.models import Case, Deletion, Event, SentDigest  # noqa: F401  (the tables)
from reviewclock.render.annual import number
from reviewclock.render.annual_formats import annual_html, annual_markdown, md_escape
from reviewclock.stats import StageStats

MIGRATIONS = Path(__file__).resolve().parents[1] / "src" / "reviewclock" / "migrations"
SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def register(tmp_path: Path, csv_text: str, name: str = "r.db") -> str:
    path = tmp_path / name
    (tmp_path / f"{name}.csv").write_text(csv_text)
    r = run("import", str(tmp_path / f"{name}.csv"), "--db", str(path))
    assert r.exit_code == 0, r.stderr
    return str(path)


def show(db: str, ref: str) -> dict[str, object]:
    r = run("show", ref, "--json", "--db", db)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def event(data: dict[str, object], name: str) -> dict[str, object]:
    return next(e for e in data["events"] if e["event"] == name)  # type: ignore[attr-defined,index]


# -- 1. decisions are recorded ----------------------------------------------------------------


@pytest.fixture
def case_db(register_url: str) -> str:
    """A case with its notification, on each engine."""
    db = register_url
    assert run("add-sin", "R-1", "--aware", "2024-03-28", "--db", db).exit_code == 0
    assert run("record", "R-1", "notified", "--on", "2024-04-05", "--db", db).exit_code == 0
    return db


def test_rapid_review_decision_defaults_to_not_decided(case_db: str, tmp_path: Path) -> None:
    r = run("record", "R-1", "rapid-review-sent", "--on", "2024-04-25", "--db", case_db)
    assert r.exit_code == 0, r.stderr
    rr = event(show(case_db, "R-1"), "rapid-review-sent")
    assert (rr["decision"], rr["panel_view"], rr["national_review"]) == ("not-decided", None, None)
    # Events that carry no decision say so with nulls, not with a guess.
    assert event(show(case_db, "R-1"), "notified")["decision"] is None


def test_decision_and_panel_view_in_show_and_json(case_db: str) -> None:
    args = ("--db", case_db)
    r = run(
        "record", "R-1", "rapid-review-sent", "--on", "2024-04-25", "--decision", "lcspr", *args
    )
    assert r.exit_code == 0, r.stderr
    r = run(
        "record", "R-1", "panel-response", "--on", "2024-05-10", "--panel-view", "disagrees",
        "--national-review", *args,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    data = show(case_db, "R-1")
    assert event(data, "rapid-review-sent")["decision"] == "lcspr"
    pr = event(data, "panel-response")
    assert (pr["panel_view"], pr["national_review"], pr["decision"]) == ("disagrees", True, None)
    text = run("show", "R-1", *args).stdout
    assert "decision lcspr" in text
    assert "Panel disagrees, national review" in text


def test_a_panel_view_without_the_flag_means_no_national_review(case_db: str) -> None:
    args = ("--db", case_db)
    assert run("record", "R-1", "rapid-review-sent", "--on", "2024-04-25", *args).exit_code == 0
    r = run(
        "record", "R-1", "panel-response", "--on", "2024-05-10", "--panel-view", "agrees", *args
    )
    assert r.exit_code == 0, r.stderr
    pr = event(show(case_db, "R-1"), "panel-response")
    assert (pr["panel_view"], pr["national_review"]) == ("agrees", False)


def test_a_response_recorded_without_its_view_records_none(case_db: str) -> None:
    args = ("--db", case_db)
    assert run("record", "R-1", "rapid-review-sent", "--on", "2024-04-25", *args).exit_code == 0
    assert run("record", "R-1", "panel-response", "--on", "2024-05-10", *args).exit_code == 0
    pr = event(show(case_db, "R-1"), "panel-response")
    assert (pr["panel_view"], pr["national_review"]) == (None, None)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["notified", "--decision", "lcspr"], ["the partners' decision", "rapid-review-sent only", "'notified'"]),
        (["rapid-review-sent", "--panel-view", "agrees"], ["the Panel's view", "panel-response only"]),
        (["rapid-review-sent", "--national-review"], ["national review", "panel-response only"]),
        (["rapid-review-sent", "--decision", "maybe"], ["'maybe'", "lcspr, no-lcspr, not-decided"]),
        (["panel-response", "--panel-view", "agree"], ["'agree'", "agrees, disagrees"]),
        (["lcspr-commissioned", "--no-national-review"], ["panel-response only"]),
    ],
)  # fmt: skip
def test_decisions_on_the_wrong_event_are_refused(
    case_db: str, args: list[str], fragments: list[str]
) -> None:
    before = show(case_db, "R-1")
    assert_refused(run("record", "R-1", *args, "--db", case_db), 2, *fragments)
    assert show(case_db, "R-1") == before


def test_amend_corrects_a_decision_and_keeps_the_history(case_db: str) -> None:
    args = ("--db", case_db)
    r = run(
        "record", "R-1", "rapid-review-sent", "--on", "2024-04-25", "--decision", "no-lcspr", *args
    )
    assert r.exit_code == 0
    r = run(
        "amend", "R-1", "rapid-review-sent", "--decision", "lcspr",
        "--reason", "partners decided on 24 April; typed wrongly", *args,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "now on 2024-04-25 (decision lcspr)" in r.stdout
    rr = event(show(case_db, "R-1"), "rapid-review-sent")
    assert (rr["on"], rr["decision"]) == ("2024-04-25", "lcspr")
    history = run("history", "R-1", *args).stdout
    amended = next(line for line in history.splitlines() if "amended" in line)
    assert "2024-04-25 (decision no-lcspr)" in amended
    assert "2024-04-25 (decision lcspr)" in amended
    assert "partners decided on 24 April" in history
    # The Panel's view is corrected the same way; a date and a view at once too.
    assert run("record", "R-1", "panel-response", "--on", "2024-05-10", *args).exit_code == 0
    r = run(
        "amend", "R-1", "panel-response", "--on", "2024-05-09", "--panel-view", "agrees",
        "--no-national-review", "--reason", "from the Panel's letter", *args,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    pr = event(show(case_db, "R-1"), "panel-response")
    assert (pr["on"], pr["panel_view"], pr["national_review"]) == ("2024-05-09", "agrees", False)


def test_amend_refuses_what_it_cannot_correct(case_db: str) -> None:
    args = ("--db", case_db)
    r = run(
        "record", "R-1", "rapid-review-sent", "--on", "2024-04-25", "--decision", "lcspr", *args
    )
    assert r.exit_code == 0
    before = run("history", "R-1", *args).stdout
    assert_refused(
        run("amend", "R-1", "rapid-review-sent", "--reason", "x", *args),
        2,
        "--on DATE",
        "--decision",
    )
    assert_refused(
        run("amend", "R-1", "rapid-review-sent", "--decision", "lcspr", "--reason", "x", *args),
        1,
        "already recorded on 2024-04-25 (decision lcspr)",
        "nothing to amend",
    )
    assert_refused(
        run("amend", "R-1", "notified", "--decision", "lcspr", "--reason", "x", *args),
        2,
        "rapid-review-sent only",
    )
    assert_refused(
        run("amend", "R-1", "panel-response", "--panel-view", "agrees", "--reason", "x", *args),
        1,
        "no panel-response recorded",
    )
    assert run("history", "R-1", *args).stdout == before


# -- import and export ---------------------------------------------------------------------------

DECIDED = """\
ref,aware,notified,rapid-review-sent,panel-response,decision,panel-view,national-review
D-1,2024-01-02,2024-01-05,2024-01-19,2024-02-02,no-lcspr,agrees,no
D-2,2024-01-02,2024-01-05,2024-01-19,2024-02-02,lcspr,disagrees,yes
D-3,2024-01-02,2024-01-05,2024-01-19,,,,
D-4,2024-01-02,2024-01-05,,,,,
"""


def test_decisions_round_trip_through_csv_and_json(tmp_path: Path) -> None:
    db = register(tmp_path, DECIDED)
    out = run("export", "--db", db).stdout
    header, *rows = out.splitlines()
    assert header.endswith(",delay-notified,extension-agreed,decision,panel-view,national-review")
    assert rows[0].endswith(",no-lcspr,agrees,no") and rows[1].endswith(",lcspr,disagrees,yes")
    # Not recorded stays not recorded: an import never guesses a decision.
    assert (
        rows[2].endswith(",,,") and event(show(db, "D-3"), "rapid-review-sent")["decision"] is None
    )
    (tmp_path / "again.csv").write_text(out)
    db2 = str(tmp_path / "again.db")
    assert run("import", str(tmp_path / "again.csv"), "--db", db2).exit_code == 0
    assert run("export", "--db", db2).stdout == out
    as_json = run("export", "--format", "json", "--db", db).stdout
    d2 = next(c for c in json.loads(as_json) if c["ref"] == "D-2")
    assert (
        event(d2, "panel-response")["national_review"],
        event(d2, "rapid-review-sent")["decision"],
    ) == (True, "lcspr")
    (tmp_path / "again.json").write_text(as_json)
    db3 = str(tmp_path / "again3.db")
    assert run("import", str(tmp_path / "again.json"), "--db", db3).exit_code == 0
    assert run("export", "--format", "json", "--db", db3).stdout == as_json


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        ("X,2024-01-02,2024-01-05,2024-01-19,,maybe,,", ["line 2 (X)", "decision 'maybe'", "lcspr, no-lcspr"]),
        ("X,2024-01-02,2024-01-05,,,lcspr,,", ["decision 'lcspr' needs a rapid-review-sent date"]),
        ("X,2024-01-02,2024-01-05,2024-01-19,2024-02-02,,agrees,perhaps", ["national-review 'perhaps' is not yes or no"]),
        ("X,2024-01-02,2024-01-05,2024-01-19,,,agrees,", ["panel-view 'agrees' needs a panel-response date"]),
    ],
)  # fmt: skip
def test_bad_decisions_in_a_csv_import_nothing(
    tmp_path: Path, row: str, fragments: list[str]
) -> None:
    header = (
        "ref,aware,notified,rapid-review-sent,panel-response,decision,panel-view,national-review"
    )
    (tmp_path / "bad.csv").write_text(f"{header}\n{row}\n")
    db = tmp_path / "bad.db"
    assert_refused(run("import", str(tmp_path / "bad.csv"), "--db", str(db)), 1, *fragments)
    assert not db.exists()


def test_json_decision_on_the_wrong_event_is_refused(tmp_path: Path) -> None:
    cases = [
        {
            "ref": "J-1",
            "events": [
                {"event": "aware", "on": "2024-01-02"},
                {"event": "notified", "on": "2024-01-05", "decision": "lcspr"},
            ],
        }
    ]
    (tmp_path / "bad.json").write_text(json.dumps(cases))
    assert_refused(
        run("import", str(tmp_path / "bad.json"), "--db", str(tmp_path / "j.db")),
        1,
        "case 1 (J-1)",
        "the partners' decision is recorded with rapid-review-sent only, not with 'notified'",
    )


def test_update_refuses_a_different_decision(tmp_path: Path, register_url: str) -> None:
    (tmp_path / "decided.csv").write_text(DECIDED)
    db = register_url
    assert run("import", str(tmp_path / "decided.csv"), "--db", db).exit_code == 0
    changed = DECIDED.replace("no-lcspr,agrees,no", "lcspr,agrees,no")
    (tmp_path / "changed.csv").write_text(changed)
    before = run("export", "--db", db).stdout
    assert_refused(
        run("import", str(tmp_path / "changed.csv"), "--update", "--db", db),
        1,
        "D-1",
        "decision 'no-lcspr' in the register but 'lcspr' in the file",
        "amend",
    )
    assert run("export", "--db", db).stdout == before
    # A decision the register never had is not filled in by an update either.
    (tmp_path / "d3.csv").write_text(DECIDED.replace("2024-01-19,,,,", "2024-01-19,,no-lcspr,,"))
    assert_refused(
        run("import", str(tmp_path / "d3.csv"), "--update", "--db", db),
        1,
        "D-3",
        "decision none in the register but 'no-lcspr' in the file",
    )
    assert run("export", "--db", db).stdout == before


# -- the schema revision -------------------------------------------------------------------------


def migrate(path: Path, revision: str, *, down: bool = False) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def test_revision_0005_gives_old_events_no_decision(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    migrate(old, "0004")
    with sqlite3.connect(old) as conn:
        conn.execute(
            "INSERT INTO cases (id, ref, created_at, created_by) VALUES (1, 'OLD-1',"
            " '2024-01-02 09:00:00', 'officer')"
        )
        conn.executemany(
            "INSERT INTO events (case_id, name, on_date, recorded_by, recorded_at)"
            " VALUES (1, ?, ?, 'officer', '2024-02-01 10:00:00')",
            [
                ("aware", "2024-01-02"),
                ("notified", "2024-01-05"),
                ("rapid-review-sent", "2024-01-19"),
                ("panel-response", "2024-02-01"),
            ],
        )
    data = show(str(old), "OLD-1")  # opening the register upgrades it
    rr, pr = event(data, "rapid-review-sent"), event(data, "panel-response")
    assert (rr["decision"], pr["panel_view"], pr["national_review"]) == (None, None, None)
    assert rr["on"] == "2024-01-19" and rr["recorded_by"] == "officer"
    # The upgraded file has exactly the schema of a new register, and the tables of the
    # models: columns, types, nullability, indexes, foreign keys and unique constraints.
    new = tmp_path / "new.db"
    assert run("add-sin", "N-1", "--aware", "2024-01-02", "--db", str(new)).exit_code == 0
    assert schema(old) == schema(new)
    models = tmp_path / "models.db"
    engine = create_engine(f"sqlite:///{models}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    expected = schema(models)
    assert {t: v for t, v in schema(old).items() if t != "alembic_version"} == expected
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    # And the revision can be taken back without losing a date.
    migrate(old, "0004", down=True)
    with sqlite3.connect(old) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
        dates = conn.execute("SELECT name, on_date FROM events ORDER BY id").fetchall()
    assert not {"decision", "panel_view", "national_review"} & columns
    assert dates[2] == ("rapid-review-sent", "2024-01-19")


# -- 2. the section ------------------------------------------------------------------------------

# Birmingham's 2023/24 as a register. Six incidents in the year, each notified within
# 5 working days, its rapid review sent within 15 and answered within 15; the partners
# decided no local review was needed, and the Panel agreed. Eleven local reviews were
# running on 1 April 2023; none was commissioned in the year; two were published.
#
# Working by hand (bank holidays: 1 and 8 May, 29 May, 28 Aug, 25 and 26 Dec 2023,
# 1 Jan, 29 Mar 2024):
#   S-1 aware Mon 5 Jun, notified Fri 9 Jun (4), rapid review Fri 23 Jun (10), Panel Fri 7 Jul (10)
#   S-2 aware Mon 3 Jul, notified Wed 5 Jul (2), RR Wed 19 Jul (10), Panel Wed 2 Aug (10)
#   S-3 aware Tue 5 Sep, notified Mon 11 Sep (4), RR Mon 25 Sep (10), Panel Mon 9 Oct (10)
#   S-4 aware Wed 1 Nov, notified Tue 7 Nov (4), RR Tue 21 Nov (10), Panel Tue 5 Dec (10)
#   S-5 aware Fri 22 Dec, notified Wed 3 Jan (5: 27, 28, 29 Dec, 2, 3 Jan; due that day),
#       RR Mon 22 Jan (13; due Wed 24 Jan), Panel Mon 5 Feb (10)
#   S-6 aware Thu 1 Feb 2024, notified Wed 7 Feb (4), RR Wed 21 Feb (10), Panel Wed 6 Mar (10)
#   L-00 commissioned 4 Apr 2022 and published 3 Oct 2022: done before the year began
#   L-01 commissioned 10 Jun 2022, published 30 Jun 2023 (late: due 10 Dec 2022)
#   L-02 commissioned 1 Nov 2022, published 28 Apr 2023 (on time: due Mon 1 May 2023)
#   L-03..L-11 commissioned 4 Jul 2022 (due 4 Jan 2023), still open on 31 Mar 2024:
#       L-03..L-05 under criminal proceedings since 1 Sep 2022 (delayed; L-03, L-04 told),
#       L-06..L-11 overdue (L-06 told on 2 May 2023).
SEED_HEADER = (
    "ref,aware,notified,rapid-review-sent,panel-response,lcspr-commissioned,published,"
    "proceedings-started,delay-notified,decision,panel-view,national-review"
)
SEED_ROWS = [
    "S-1,2023-06-05,2023-06-09,2023-06-23,2023-07-07,,,,,no-lcspr,agrees,no",
    "S-2,2023-07-03,2023-07-05,2023-07-19,2023-08-02,,,,,no-lcspr,agrees,no",
    "S-3,2023-09-05,2023-09-11,2023-09-25,2023-10-09,,,,,no-lcspr,agrees,no",
    "S-4,2023-11-01,2023-11-07,2023-11-21,2023-12-05,,,,,no-lcspr,agrees,no",
    "S-5,2023-12-22,2024-01-03,2024-01-22,2024-02-05,,,,,no-lcspr,agrees,no",
    "S-6,2024-02-01,2024-02-07,2024-02-21,2024-03-06,,,,,no-lcspr,agrees,no",
    "L-00,2022-03-01,2022-03-04,2022-03-18,2022-04-01,2022-04-04,2022-10-03,,,lcspr,agrees,no",
    "L-01,2022-05-03,2022-05-06,2022-05-20,2022-06-06,2022-06-10,2023-06-30,,,lcspr,agrees,no",
    "L-02,2022-10-03,2022-10-05,2022-10-19,2022-11-01,2022-11-01,2023-04-28,,,lcspr,agrees,no",
    *(
        f"L-{n:02d},2022-06-01,2022-06-06,2022-06-20,2022-07-01,2022-07-04,,"
        + ("2022-09-01 criminal" if n <= 5 else "")
        + ","
        + ({3: "2023-02-01", 4: "2023-02-01", 6: "2023-05-02"}.get(n, ""))
        + ",lcspr,agrees,no"
        for n in range(3, 12)
    ),
]
SEED = SEED_HEADER + "\n" + "\n".join(SEED_ROWS) + "\n"


@pytest.fixture
def seed_db(tmp_path: Path, register_copy: RegisterCopy) -> str:
    def build(path: str) -> None:
        register(Path(path).parent, SEED, Path(path).name)

    return register_copy("seed", build, tmp_path / "seed.db")


@pytest.fixture
def seed_either(tmp_path: Path, register_url: str) -> str:
    """The seed year on each engine."""
    (tmp_path / "seed.csv").write_text(SEED)
    r = run("import", str(tmp_path / "seed.csv"), "--db", register_url)
    assert r.exit_code == 0, r.stderr
    return register_url


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=\.)\s+|\n\n+", text) if s.strip()]


def sentence_with(text: str, fragment: str) -> str:
    found = [s for s in sentences(text) if fragment in s]
    assert len(found) == 1, (fragment, sentences(text))
    return found[0]


def test_the_seed_year_in_words(seed_either: str) -> None:
    seed_db = seed_either
    r = run("stats", "--year", "2023/24", "--format", "markdown", "--db", seed_db)
    assert r.exit_code == 0, r.stderr
    md = r.stdout
    assert md.startswith("# Case reviews, 2023/24\n")
    sins = sentence_with(md, "serious incident notifications (SINs)")
    assert "From 1 April 2023 to 31 March 2024" in sins and "submitted six serious" in sins
    assert sentence_with(md, "All notifications") == (
        "All notifications were submitted within the 5 working day target."
    )
    assert "sent six rapid reviews" in sentence_with(md, "rapid reviews.")
    assert sentence_with(md, "All rapid reviews") == (
        "All rapid reviews were sent within the 15 working day target."
    )
    assert sentence_with(md, "The partners decided") == (
        "The partners decided that none of the six cases met the criteria for a local child "
        "safeguarding practice review."
    )
    assert sentence_with(md, "The National Panel agreed") == (
        "The National Panel agreed with the partners' decision in all six cases, and did not "
        "decide to carry out a national review."
    )
    assert "responded to six rapid reviews, all within its target" in md
    assert sentence_with(md, "were ongoing") == (
        "On 1 April 2023, 11 local child safeguarding practice reviews (LCSPRs) were ongoing."
    )
    assert sentence_with(md, "further LCSPRs") == (
        "No further LCSPRs were commissioned during the year."
    )
    assert sentence_with(md, "finalised and published") == (
        "During 2023/24, two reviews were finalised and published, one of them within the "
        "6 month target."
    )
    assert sentence_with(md, "reviews were still open") == (
        "On 31 March 2024, nine reviews were still open: six past the 6 month target with no "
        "recorded cause (the Panel had been told of the delay in one) and three delayed by "
        "proceedings (the Panel had been told of the delay in two)."
    )
    # The footnote on counting by the year of each stage's own event.
    assert "[^1]" in sins
    assert "[^1]: Each stage is counted in the period in which its own event fell" in md
    assert "aware of in March and notified in April" in md


def test_counts_in_the_section_equal_stats_json(seed_either: str, tmp_path: Path) -> None:
    seed_db = seed_either
    from reviewclock.config import load_settings
    from reviewclock.store import Register

    r = run("stats", "--year", "2023/24", "--json", "--db", seed_db)
    assert r.exit_code == 0, r.stderr
    figures = json.loads(r.stdout)["stages"]
    clock = load_settings().clock()
    with Register(seed_db) as reg:
        section = annual_section(reg.cases(), clock, dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    for part in section.parts:
        expected = figures[part.stage.name]
        assert {k: getattr(part.stats, k) for k in expected} == expected
        # The figure has a bar for every stage counted, and the text says the same count.
        assert sum(not b.is_open for b in part.bars) == expected["completed"]
        assert sum(b.is_open for b in part.bars) == expected["open"]
    lcspr = figures["lcspr"]
    assert (section.local.published, section.local.published_on_time) == (
        lcspr["completed"],
        lcspr["on_time"],
    )
    assert (
        section.local.open_at_end,
        section.local.overdue,
        section.local.delayed_proceedings,
    ) == (
        lcspr["open"],
        lcspr["open_overdue"],
        lcspr["open_delayed_proceedings"],
    )
    assert (section.decisions.no_lcspr, section.panel.agrees) == (6, 6)
    md = annual_markdown(section)
    assert f"submitted {number(figures['sin']['completed'])} serious" in md
    assert f"sent {number(figures['rapid-review']['completed'])} rapid reviews" in md


# A hand-made year around Easter 2024 (Good Friday 29 March, Easter Monday 1 April).
EASTER = """\
ref,aware,notified,rapid-review-sent,panel-response
A,2024-03-22,2024-03-28,,
B,2024-03-25,2024-03-31,,
C,2024-03-25,2024-04-01,,
D,2023-06-01,2023-06-12,,
E,2024-03-01,,,
F,2023-05-01,2023-05-03,2023-05-20,2023-06-05
"""


def test_figure_bars_are_the_working_days_of_each_case(tmp_path: Path) -> None:
    db = register(tmp_path, EASTER)
    from reviewclock.config import load_settings
    from reviewclock.store import Register

    with Register(db) as reg:
        section = annual_section(
            reg.cases(), load_settings().clock(), dt.date(2023, 4, 1), dt.date(2024, 3, 31)
        )
    sin = section.part("sin")
    # In order of awareness. Worked by hand:
    #   F aware Mon 1 May 2023 (bank holiday), notified Wed 3 May: 2 (2, 3 May), on time
    #   D aware Thu 1 Jun, notified Mon 12 Jun: 7 (2, 5-9, 12 Jun), late (due Thu 8 Jun)
    #   E aware Fri 1 Mar 2024, not notified by 31 Mar: 19 so far (4-8, 11-15, 18-22,
    #     25-28 Mar; Good Friday skipped), past due (Fri 8 Mar)
    #   A aware Fri 22 Mar, notified Thu 28 Mar: 4
    #   B aware Mon 25 Mar, notified Sun 31 Mar: 3 (26, 27, 28; Good Friday skipped)
    #   C aware Mon 25 Mar, notified 1 April (the next year): open, 3 so far, due Wed 3 Apr
    assert [(b.ref, b.working_days, b.outcome, b.is_open) for b in sin.bars] == [
        ("F", 2, Outcome.ON_TIME, False),
        ("D", 7, Outcome.LATE, False),
        ("E", 19, Outcome.OPEN_LATE, True),
        ("A", 4, Outcome.ON_TIME, False),
        ("B", 3, Outcome.ON_TIME, False),
        ("C", 3, Outcome.OPEN, True),
    ]
    assert [b.ref for b in sin.late] == ["D"] and sin.target == 5
    # The drawn figure carries the same data: labels, values and bar heights.
    from reviewclock.render.chart import case_figure_svg

    root = ET.fromstring(case_figure_svg(sin, standalone=True))
    assert root.tag == f"{SVG}svg"
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert texts[: len(texts)].count("target: 5 working days") == 1
    values = [
        "".join(g.itertext()).strip()
        for g in root.iter(f"{SVG}g")
        if g.get("id", "").startswith("sin-value-")
    ]
    assert values == ["2", "7", "19 so far", "4", "3", "3 so far"]
    heights = []
    for x in range(6):
        group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == f"sin-bar-{x}")
        path = next(group.iter(f"{SVG}path"))
        ys = [float(v) for v in re.findall(r"[-\d.]+", path.get("d", ""))[1::2]]
        heights.append(max(ys) - min(ys))
        style = path.get("style", "")
        # On time green, late red; the open ones hatched (a pattern), in red when past due.
        fill = {0: "#2e7d32", 1: "#b71c1c", 3: "#2e7d32", 4: "#2e7d32"}.get(x, "url(#h")
        assert f"fill: {fill}" in style, (x, style)
        if x == 2:
            assert "stroke: #b71c1c" in style
    unit = heights[0] / 2
    assert [round(h / unit, 2) for h in heights] == [2, 7, 19, 4, 3, 3]
    ticks = [t for t in texts if t in {"A", "B", "C", "D", "E", "F"}]
    assert ticks == ["F", "D", "E", "A", "B", "C"]


def html_problems(page: str) -> list[str]:
    """Every reference to something outside the page: src attributes, and links or
    stylesheets that point anywhere but an anchor in the page."""

    class Finder(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                value = value or ""
                if name == "src" or (name.endswith("href") and not value.startswith("#")):
                    self.found.append(f"<{tag} {name}={value}>")
                if "url(" in value and "url(#" not in value:
                    self.found.append(f"<{tag} {name}={value}>")
            if tag in {"script", "link", "img", "iframe", "object"}:
                self.found.append(f"<{tag}>")

    finder = Finder()
    finder.feed(page)
    return finder.found


def test_html_is_self_contained_and_well_formed(seed_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report"
    r = run("stats", "--year", "2023/24", "--format", "html", "--output", str(out), "--db", seed_db)
    assert r.exit_code == 0, r.stderr
    page_path = out / "case-reviews-2023-24.html"
    assert r.stdout.strip() == f"Written to {page_path}."
    assert page_path.stat().st_mode & 0o777 == 0o600
    page = page_path.read_text()
    root = ET.fromstring(page)  # well-formed: it parses as XML
    assert root.tag == f"{XHTML}html"
    assert html_problems(page) == []
    svgs = list(root.iter(f"{SVG}svg"))
    assert len(svgs) == 3
    # Each figure is SVG in its own right.
    for svg in svgs:
        ET.fromstring(ET.tostring(svg))
    # No markup of the figures' files leaks in: no XML prolog inside the page.
    assert page.count("<?xml") == 0 and "<!DOCTYPE svg" not in page
    body = "".join(root.itertext())
    assert "All notifications were submitted within the 5 working day target." in body
    assert "Figure 2: Working days from notification to rapid review, by case" in body


def test_markdown_writes_its_figures_beside_it(seed_db: str, tmp_path: Path) -> None:
    out = tmp_path / "annual"
    r = run(
        "stats", "--year", "2023/24", "--format", "markdown", "--output", str(out), "--db", seed_db
    )
    assert r.exit_code == 0, r.stderr
    md = (out / "case-reviews-2023-24.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links == [
        "case-reviews-2023-24-figure-1-sin.svg",
        "case-reviews-2023-24-figure-2-rapid-review.svg",
        "case-reviews-2023-24-figure-3-panel-response.svg",
    ]
    for link in links:
        path = out / link
        assert path.stat().st_mode & 0o777 == 0o600
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg"
        # Six cases in each figure, named by reference in date order.
        labels = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        assert [t for t in labels if t.startswith("S-")] == [f"S-{n}" for n in range(1, 7)]


def test_markdown_to_stdout_leaves_out_the_figures_with_a_notice(seed_db: str) -> None:
    r = run("stats", "--year", "2023/24", "--format", "markdown", "--db", seed_db)
    assert r.exit_code == 0
    assert "![" not in r.stdout and "six serious incident" in r.stdout
    assert r.stderr.strip() == (
        "reviewclock: notice: figures left out: markdown writes them as files only with "
        "--output DIR"
    )


def test_without_matplotlib_the_text_is_still_written(
    seed_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if matplotlib were not installed: importing it fails.
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    notice = "reviewclock: notice: figures left out: they need matplotlib (pip install 'reviewclock[charts]')"
    r = run("stats", "--year", "2023/24", "--format", "html", "--db", seed_db)
    assert r.exit_code == 0, r.stderr
    assert "<svg" not in r.stdout and "Figure 1" not in r.stdout
    assert "All notifications were submitted" in r.stdout
    assert r.stderr.strip() == notice
    out = tmp_path / "md"
    r = run(
        "stats", "--year", "2023/24", "--format", "markdown", "--output", str(out), "--db", seed_db
    )
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["case-reviews-2023-24.md"]
    assert "![" not in (out / "case-reviews-2023-24.md").read_text()
    assert r.stderr.strip() == notice


def test_an_empty_year(tmp_path: Path) -> None:
    db = register(tmp_path, EASTER)
    r = run("stats", "--year", "2021/22", "--format", "markdown", "--db", db)
    assert r.exit_code == 0, r.stderr
    md = r.stdout
    assert "No serious incident notifications were made.[^1]" in md
    assert "No rapid reviews were sent." in md
    assert "The Panel had no rapid reviews to respond to." in md
    assert (
        "On 1 April 2021, no local child safeguarding practice reviews (LCSPRs) were ongoing." in md
    )
    assert "During 2021/22, no reviews were published." in md
    assert "%" not in md and "![" not in md and r.stderr == ""
    html = run("stats", "--year", "2021/22", "--format", "html", "--db", db).stdout
    ET.fromstring(html)
    assert "No serious incident notifications were made." in html and "<svg" not in html


def test_a_stage_with_none_done_but_some_open_claims_no_timeliness(tmp_path: Path) -> None:
    """A year with one notification and no rapid review sent yet: the section says none
    was sent and one is still to be, not that every rapid review was sent in time."""
    db = str(tmp_path / "r.db")
    added = run("add-sin", "Z-1", "--aware", "2024-06-03", "--notified", "2024-06-05", "--db", db)
    assert added.exit_code == 0, added.stderr
    r = run(
        "stats", "--year", "2024/25", "--format", "markdown", "--as-of", "2025-03-31", "--db", db
    )
    assert r.exit_code == 0, r.stderr
    md = " ".join(r.stdout.split())
    assert "the safeguarding partners sent no rapid reviews. On 31 March 2025" in md
    assert "All rapid reviews were" not in md


def hostile_section() -> tuple[str, str, str]:
    """A section whose references carry markup, rendered three ways."""
    from reviewclock.config import Settings

    ref = "<script>x</script>_*[A](http://x)&amp;"
    case = CaseRecord(
        ref,
        None,
        None,
        (
            EventRecord("aware", dt.date(2023, 6, 1)),
            EventRecord("notified", dt.date(2023, 6, 12)),  # 7 working days: late
        ),
    )
    clock = Settings().clock()
    section = annual_section([case], clock, dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    from reviewclock.render.chart import case_figure_svg

    svg = case_figure_svg(section.part("sin"))
    html = annual_html(
        section,
        {
            "figure-1-sin": svg,
            "figure-2-rapid-review": case_figure_svg(section.part("rapid-review")),
        },
    )
    return annual_markdown(section), html, svg


def test_markup_in_a_reference_is_escaped() -> None:
    md, html, svg = hostile_section()
    assert "late: \\<script\\>x\\</script\\>\\_\\*\\[A\\]\\(http://x\\)\\&amp;" in md
    assert "<script" not in html.replace("&lt;script", "")
    root = ET.fromstring(html)
    assert not list(root.iter(f"{XHTML}script")) and not list(root.iter(f"{SVG}script"))
    assert html_problems(html) == []
    strong = next(root.iter(f"{XHTML}strong"))
    assert strong.text == "<script>x</script>_*[A](http://x)&amp;"
    # In the figure the reference is a label, escaped by the SVG writer.
    labels = ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "<script>x</script>_*[A](http://x)&amp;" in labels


def test_md_escape() -> None:
    assert md_escape("BSCP_2024_07") == "BSCP\\_2024\\_07"
    assert md_escape("a|b <i>") == "a\\|b \\<i\\>"
    assert md_escape("BSCP-2024/07.1") == "BSCP-2024/07.1"


def test_numbers_in_words_up_to_ten() -> None:
    assert [number(n) for n in (0, 1, 6, 10, 11, 250)] == ["no", "one", "six", "ten", "11", "250"]


def test_an_agreed_extension_is_counted_apart_when_there_is_one() -> None:
    """A stage met within an agreed extension (state met-extended) is counted apart from
    on time and late, and its bar takes the extension's colour."""
    from dataclasses import replace

    from reviewclock.render.chart import case_figure_svg
    from reviewclock.rules import rulebook

    rr = rulebook().stage("rapid-review")
    bars = (
        Bar("R-1", dt.date(2023, 5, 2), dt.date(2023, 5, 19), 13, Outcome.ON_TIME),
        Bar("R-2", dt.date(2023, 6, 1), dt.date(2023, 6, 28), 19, Outcome.EXTENDED),
        Bar("R-3", dt.date(2023, 7, 3), dt.date(2023, 8, 4), 25, Outcome.LATE),
    )
    stats = StageStats(3, 1, 1, 0, 0, 0, 19, 25)
    part = StagePart(rr, stats, 1, (bars[2],), bars)
    section = annual_section(
        [], Clock(WorkingCalendar()), dt.date(2023, 4, 1), dt.date(2024, 3, 31)
    )
    with_extension = replace(section, parts=(section.parts[0], part, section.parts[2]))
    md = annual_markdown(with_extension)
    assert sentence_with(md, "agreed extension") == (
        "One was sent within the 15 working day target, one within an agreed extension, "
        "and one was late: R-3 (25 working days)."
    )
    svg = case_figure_svg(part)
    assert "within agreed extension" in svg and "#ef6c00" in svg
    # Without one, extensions are not mentioned at all.
    plain = replace(
        part,
        within_extension=0,
        bars=(bars[0], bars[2]),
        stats=StageStats(2, 1, 1, 0, 0, 0, 19, 25),
    )
    md = annual_markdown(replace(section, parts=(section.parts[0], plain, section.parts[2])))
    assert "extension" not in md
    assert "within agreed extension" not in case_figure_svg(plain)


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (["--format", "pdf"], 2, ["'pdf' is not a stats format", "markdown, html"]),
        (["--format", "html", "--json"], 2, ["either --format html or --json"]),
        (["--format", "markdown", "--csv"], 2, ["either --format markdown or --csv"]),
        (["--output", "OUT"], 2, ["--output DIR goes with --format markdown or --format html"]),
        (["--format", "json", "--output", "OUT"], 2, ["--output DIR goes with"]),
        (["--format", "html", "--output", "FILE"], 2, ["that is a file; give a directory"]),
        (["--format", "html", "--year", "2023"], 2, ["'2023'"]),
        (["--format", "markdown", "--chart", "OUT"], 2, ["--chart goes with the table"]),
    ],
)
def test_bad_section_options(
    seed_db: str, tmp_path: Path, args: list[str], code: int, fragments: list[str]
) -> None:
    (tmp_path / "FILE").write_text("keep me")
    args = [str(tmp_path / a) if a in ("OUT", "FILE") else a for a in args]
    assert_refused(run("stats", *args, "--db", seed_db), code, *fragments)
    assert not (tmp_path / "OUT").exists()
    assert (tmp_path / "FILE").read_text() == "keep me"


def test_format_json_is_the_same_as_the_json_flag(seed_db: str) -> None:
    a = run("stats", "--year", "2023/24", "--format", "json", "--db", seed_db)
    b = run("stats", "--year", "2023/24", "--json", "--db", seed_db)
    assert a.exit_code == 0 and a.stdout == b.stdout
