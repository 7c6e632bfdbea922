"""Annual-report figures, charts and the calendar feed."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import assert_refused, imported_modules, run

# A hand-made year. Financial year 2023/24 runs from 1 April 2023 to 31 March 2024.
CASES = """\
ref,aware,notified,rapid-review-sent,panel-response,lcspr-commissioned,proceedings-started
A,2024-03-22,2024-03-28,,,,
B,2024-03-25,2024-03-31,,,,
C,2024-03-25,2024-04-01,,,,
D,2023-06-01,2023-06-12,,,,
E,2024-03-01,,,,,
F,2023-05-01,2023-05-03,2023-05-20,2023-06-05,2023-06-01,2023-09-01 criminal
"""


@pytest.fixture
def db(tmp_path: Path, register_url: str) -> str:
    path = register_url
    (tmp_path / "cases.csv").write_text(CASES)
    r = run("import", str(tmp_path / "cases.csv"), "--db", str(path))
    assert r.exit_code == 0, r.stderr
    return str(path)


def stats(db: str, *args: str) -> dict[str, dict[str, object]]:
    r = run("stats", "--json", "--db", db, *args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_financial_year_2023_24(db: str) -> None:
    data = stats(db, "--year", "2023/24")
    assert data["period"] == {"from": "2023-04-01", "to": "2024-03-31"}
    sin = data["stages"]["sin"]
    # A (28 March), B (Sunday 31 March), D (late) and F; not C, notified on 1 April.
    assert sin == {
        "completed": 4,
        "on_time": 3,
        "within_extension": 0,
        "late": 1,
        "open": 2,  # E (overdue) and C (due 3 April, after Easter)
        "open_overdue": 1,
        "open_delayed_proceedings": 0,
        "median_working_days": 3.5,  # 4 (A), 3 (B), 7 (D), 2 (F: 1 May 2023 was a bank holiday)
        "max_working_days": 7,
    }
    lcspr = data["stages"]["lcspr"]
    assert (
        lcspr["completed"],
        lcspr["open"],
        lcspr["open_overdue"],
        lcspr["open_delayed_proceedings"],
    ) == (0, 1, 0, 1)
    rr = data["stages"]["rapid-review"]
    # F: 3 to 20 May 2023, the Coronation (8 May) not counted.
    assert (rr["completed"], rr["on_time"], rr["median_working_days"]) == (1, 1, 11)
    # D's rapid review (never sent) and E's (from awareness) are overdue; A, B and C's are not yet due.
    assert (rr["open"], rr["open_overdue"]) == (5, 2)


def test_first_of_april_falls_in_the_next_year(db: str) -> None:
    sin = stats(db, "--year", "2024/25", "--as-of", "2025-03-31")["stages"]["sin"]
    assert (sin["completed"], sin["on_time"], sin["late"]) == (1, 1, 0)  # C, on 1 April
    assert sin["median_working_days"] == 3  # 26, 27, 28 March; Good Friday, Easter Monday skipped


def test_from_and_to_and_a_year_in_progress(db: str) -> None:
    data = stats(db, "--from", "2024-03-28", "--to", "2024-03-31")
    assert data["stages"]["sin"]["completed"] == 2
    # A year not yet over is counted up to today (--as-of here).
    data = stats(db, "--year", "2024/25", "--as-of", "2024-04-15")
    assert data["period"] == {"from": "2024-04-01", "to": "2024-04-15"}


def test_terminal_view_has_a_bar_per_stage(db: str) -> None:
    r = run("stats", "--year", "2023/24", "--db", db)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Timeliness from Sat 2023-04-01 to Sun 2024-03-31 (working days)"
    sin = next(line for line in lines if line.startswith("sin "))
    assert "75%" in sin and "█" * 18 + "░" * 6 in sin
    csv_out = run("stats", "--year", "2023/24", "--csv", "--db", db).stdout.splitlines()
    assert csv_out[0].startswith("stage,completed,on_time,within_extension,late,open,open_overdue")
    assert csv_out[1] == "sin,4,3,0,1,2,1,0,3.5,7"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--year", "2023"], ["'2023'", "2023/24"]),
        (["--year", "2023/25"], ["'2023/25'"]),
        (["--from", "2024-01-01"], ["both --from"]),
        (["--from", "2024-02-01", "--to", "2024-01-01"], ["before --from"]),
        (["--year", "2023/24", "--from", "2024-01-01", "--to", "2024-02-01"], ["either --year"]),
        (["--json", "--csv"], ["either --json or --csv"]),
        (["--chart", "figures.pdf"], ["'figures.pdf'", ".svg or .png"]),
        (["--from", "2024-02-30", "--to", "2024-03-01"], ["'2024-02-30'"]),
        (["--year", "1999/00"], ["the period's start 1999-04-01 is outside", "2000-01-01"]),
        # Figures as they stood before the period began would count what happened after:
        # nothing in the period had happened yet.
        (
            ["--from", "2024-06-01", "--to", "2024-12-31", "--as-of", "2024-01-01"],
            ["starts on 2024-06-01, after 2024-01-01", "a period that began by that date"],
        ),
        (["--year", "2024/25", "--as-of", "2024-03-31"], ["starts on 2024-04-01"]),
        (["--year", "2024/25", "--format", "markdown", "--as-of", "2024-03-31"], ["2024-04-01"]),
    ],
)
def test_bad_periods(db: str, tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    assert_refused(run("stats", *args, "--db", db), 2, *fragments)
    assert not (tmp_path / "figures.pdf").exists()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", ["figures.png", "figures.svg"])
def test_chart_is_a_valid_image(db: str, tmp_path: Path, name: str) -> None:
    chart = tmp_path / name
    r = run("stats", "--year", "2023/24", "--chart", str(chart), "--db", db)
    assert r.exit_code == 0, r.stderr
    data = chart.read_bytes()
    if name.endswith(".png"):
        import matplotlib.image

        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(chart)
        assert pixels.shape[0] > 400 and pixels.shape[1] > 800
    else:
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"Serious incident notification" in data
        # The bars as drawn, read back: each one's length as a share of its axes, whose
        # scale runs from 0 to the number completed (named in the title). Worked by hand
        # for 2023/24:
        #   sin: A, B, F on time, D late (see test_financial_year_2023_24): 3/4 and 1/4
        #   rapid-review: F, 3 to 20 May 2023, on time
        #   panel-response: F, sent Sat 20 May, answered Mon 5 June, due Mon 12 June
        #     (15 working days: 22-26 May, 30 May-2 June, 5-9 and 12 June; 29 May a
        #     bank holiday), on time
        #   lcspr, publication-notice: none completed
        assert b"Serious incident notification (5 working days): 4 completed" in data
        assert drawn_bars(root) == {
            "sin": (0.75, 0.25),
            "rapid-review": (1, 0),
            "panel-response": (1, 0),
            "lcspr": (0, 0),
            "publication-notice": (0, 0),
        }


def drawn_bars(svg: ET.Element) -> dict[str, tuple[float, float]]:
    """Each stage's on-time and late bars as shares of the width of its axes, read from
    the x coordinates of their SVG paths."""
    ns = "{http://www.w3.org/2000/svg}"

    def width(gid: str) -> float:
        group = next(g for g in svg.iter(f"{ns}g") if g.get("id") == gid)
        d = next(group.iter(f"{ns}path")).get("d", "")
        xs = [float(v) for v in re.findall(r"[-\d.]+", d)[0::2]]
        return max(xs) - min(xs)

    ids = [g.get("id", "") for g in svg.iter(f"{ns}g")]
    out = {}
    for name in (i.removesuffix("-axes") for i in ids if i.endswith("-axes")):
        axes = width(f"{name}-axes")
        out[name] = (
            round(width(f"{name}-on-time") / axes, 3),
            round(width(f"{name}-late") / axes, 3),
        )
    return out


@pytest.mark.sqlite_only
def test_charts_do_not_slow_the_other_commands(db: str) -> None:
    for args in (["status", "--db", db], ["stats", "--year", "2023/24", "--db", db]):
        imported, _ = imported_modules(*args, exit_code=0)
        assert "reviewclock.store.reading" in imported  # the measurement itself works
        assert not {m for m in imported if m.split(".")[0] in {"matplotlib", "icalendar"}}


# -- the calendar feed -----------------------------------------------------------------------


def feed(db: str, as_of: str) -> list[object]:
    import icalendar

    r = run("export", "--format", "ics", "--as-of", as_of, "--db", db)
    assert r.exit_code == 0, r.stderr
    cal = icalendar.Calendar.from_ical(r.stdout)
    return list(cal.walk("VEVENT"))


def test_ics_has_one_event_per_open_stage(db: str) -> None:
    # Easter Monday 1 April 2024: A, B and C have been notified (C that day), E has not.
    events = feed(db, "2024-04-01")
    summaries = sorted(str(e["SUMMARY"]).split(" (")[0] for e in events)  # type: ignore[index]
    # Met stages (every notification but E's, F's rapid review and response) are left out.
    assert summaries == [
        "A: rapid-review due",
        "B: rapid-review due",
        "C: rapid-review due",
        "D: rapid-review due",
        "E: rapid-review due",
        "E: sin due",
        "F: lcspr due",
    ]
    c_rr = next(e for e in events if str(e["SUMMARY"]).startswith("C: rapid"))  # type: ignore[index]
    assert c_rr.decoded("DTSTART") == dt.date(2024, 4, 22)  # type: ignore[attr-defined]
    assert "Working Together" in str(c_rr["DESCRIPTION"])  # type: ignore[index]
    [alarm] = c_rr.walk("VALARM")  # type: ignore[attr-defined]
    # Two working days before Monday 22 April: Thursday 18 April, 09:00 in London (BST).
    assert alarm.decoded("TRIGGER") == dt.datetime(2024, 4, 18, 8, 0, tzinfo=dt.UTC)


def test_ics_alarm_counts_back_across_easter(db: str) -> None:
    assert run("add-sin", "G", "--aware", "2024-03-22", "--db", db).exit_code == 0
    g_sin = next(e for e in feed(db, "2024-03-25") if str(e["SUMMARY"]).startswith("G: sin"))  # type: ignore[index]
    assert g_sin.decoded("DTSTART") == dt.date(2024, 4, 2)  # type: ignore[attr-defined]
    [alarm] = g_sin.walk("VALARM")  # type: ignore[attr-defined]
    # Back over Easter Monday and Good Friday: Wednesday 27 March, 09:00 GMT.
    assert alarm.decoded("TRIGGER") == dt.datetime(2024, 3, 27, 9, 0, tzinfo=dt.UTC)


def test_ics_uids_are_stable_across_exports(db: str) -> None:
    first = {str(e["UID"]): str(e["SUMMARY"]) for e in feed(db, "2024-04-01")}  # type: ignore[index]
    assert run("record", "C", "rapid-review-sent", "--on", "2024-04-03", "--db", db).exit_code == 0
    second = {str(e["UID"]): str(e["SUMMARY"]) for e in feed(db, "2024-04-03")}  # type: ignore[index]
    assert len(first) == 7
    # C's rapid review is met now and gone, the Panel's response to it has come, and every
    # other event keeps its UID, so a calendar that imports the new feed updates them in place.
    gone = {u for u, s in first.items() if s.startswith("C: rapid")}
    new = {u for u, s in second.items() if s.startswith("C: panel-response")}
    assert len(gone) == 1 and len(new) == 1
    assert set(second) == (set(first) - gone) | new
    assert {u: second[u] for u in set(first) - gone} == {u: first[u] for u in set(first) - gone}


def test_a_late_stage_is_never_hidden_by_rounding(tmp_path: Path) -> None:
    # 49 notifications on time and 1 late: 49/50 of a 24-character bar is 23.52, which
    # rounds to a bar with no late part at all. The late one keeps one character.
    rows = [f"OK-{n:02d},2023-06-05,2023-06-07" for n in range(49)]
    rows.append("LATE-1,2023-06-05,2023-06-19")  # due Mon 12 June: 5 working days late
    (tmp_path / "many.csv").write_text("ref,aware,notified\n" + "\n".join(rows) + "\n")
    db = str(tmp_path / "many.db")
    assert run("import", str(tmp_path / "many.csv"), "--db", db).exit_code == 0
    r = run("stats", "--year", "2023/24", "--db", db, "--as-of", "2024-04-01")
    assert r.exit_code == 0, r.stderr
    sin = next(line for line in r.stdout.splitlines() if line.startswith("sin "))
    assert "98%" in sin and "█" * 23 + "░" + " " in sin + " "
    assert "█" * 24 not in sin


def test_a_case_closed_on_the_first_day_of_the_year_counts_in_it(tmp_path: Path) -> None:
    # Financial year 2025/26 starts on Tue 1 April 2025. G's last event, the Panel's
    # response, is on that day: the response counts as completed in 2025/26, though
    # G has nothing open any more. H's response came the day before, Mon 31 March:
    # it counts in 2024/25 and nowhere in 2025/26.
    # G's response took 8 working days: rapid review sent Thu 20 March; Fri 21 (1),
    # Mon 24 - Fri 28 (2-6), Mon 31 (7), Tue 1 April (8).
    (tmp_path / "edge.csv").write_text(
        "ref,aware,notified,rapid-review-sent,panel-response\n"
        "G,2025-03-03,2025-03-05,2025-03-20,2025-04-01\n"
        "H,2025-03-03,2025-03-05,2025-03-20,2025-03-31\n"
    )
    db = str(tmp_path / "edge.db")
    assert run("import", str(tmp_path / "edge.csv"), "--db", db).exit_code == 0
    pr = stats(db, "--year", "2025/26", "--as-of", "2025-06-30")["stages"]["panel-response"]
    assert (pr["completed"], pr["on_time"], pr["open"]) == (1, 1, 0)
    assert (pr["median_working_days"], pr["max_working_days"]) == (8, 8)
    earlier = stats(db, "--year", "2024/25", "--as-of", "2025-06-30")["stages"]
    assert (
        earlier["panel-response"]["completed"],
        earlier["panel-response"]["max_working_days"],
    ) == (
        1,
        7,
    )
    assert earlier["sin"]["completed"] == 2


def test_a_case_known_on_the_last_day_counts_and_one_known_after_does_not(tmp_path: Path) -> None:
    # The period ends on Mon 30 June 2025 (--as-of). K became known that day: its
    # notification is open at the end (due Mon 7 July). L became known on Tue 1 July,
    # after the end: it counts nowhere. M was typed in as known on 2 July, then its
    # awareness corrected to Fri 20 June: it counts as it stands now, open and due
    # Fri 27 June, so overdue at the end.
    (tmp_path / "late.csv").write_text("ref,aware\nK,2025-06-30\nL,2025-07-01\nM,2025-07-02\n")
    db = str(tmp_path / "late.db")
    assert run("import", str(tmp_path / "late.csv"), "--db", db).exit_code == 0
    r = run(
        "amend", "M", "aware", "--on", "2025-06-20", "--reason", "typed the wrong day", "--db", db
    )
    assert r.exit_code == 0, r.stderr
    sin = stats(db, "--from", "2025-06-01", "--to", "2025-06-30", "--as-of", "2025-07-05")
    assert (sin["stages"]["sin"]["open"], sin["stages"]["sin"]["open_overdue"]) == (2, 1)
