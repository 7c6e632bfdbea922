"""Import and export: round trips, all-or-nothing, dry runs, and the date forms accepted."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from helpers import assert_refused, run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "register.db"
AS_OF = "2025-02-03"
HEADER = (
    "ref,aware,authority,harm,notified,rapid-review-sent,lcspr-commissioned,proceedings-started"
)


def count(db: Path | str) -> int:
    if not Path(db).exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])


def ok(*args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, (args, r.stderr)
    return r.stdout


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_round_trip_is_byte_identical(tmp_path: Path) -> None:
    first = run("export", "--db", str(EXAMPLE))
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[0].startswith("ref,aware,authority,harm,notified,")
    assert "2024-09-02 criminal" in first.stdout
    csv_file = write(tmp_path, first.stdout)
    db = str(tmp_path / "new.db")
    r = run("import", str(csv_file), "--db", db)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("Imported 6 new cases and")
    assert run("export", "--db", db).stdout == first.stdout


def test_csv_round_trip_keeps_the_plan_and_extension_in_force(tmp_path: Path) -> None:
    """Planned for 30 Sep 2025, then re-planned for 31 Jul: the report is due 7 working days
    before Thu 31 Jul (30, 29, 28, 25, 24, 23, 22): Tue 2025-07-22, and so after the round
    trip. Notified Thu 4 Apr 2024, so the rapid review is due Thu 25 Apr; extended on 25 Apr
    to 28 May, then agreed again the same day to 4 Jun, after which the first is corrected
    to 30 May: the extension recorded last, to Tue 4 Jun, stays the one that counts."""
    db, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "Q-1", "--aware", "2024-03-28", "--notified", "2024-04-04", "--db", db)
    ok("record", "Q-1", "lcspr-commissioned", "--on", "2024-05-01", "--db", db)
    for on in ("2025-09-30", "2025-07-31"):
        ok("record", "Q-1", "publication-planned", "--on", on, "--db", db)
    stage = ["--stage", "rapid-review", "--db", db]
    for to in ("2024-05-28", "2024-06-04"):
        ok("record", "Q-1", "extension-agreed", "--on", "2024-04-25", "--to", to, *stage)
    ok("amend", "Q-1", "extension-agreed", "--was", "2024-04-25 rapid-review to 2024-05-28",
       "--to", "2024-05-30", "--reason", "typed wrongly", "--db", db)  # fmt: skip
    exported = ok("export", "--db", db)
    assert ",2025-09-30; 2025-07-31," in exported
    assert ",2024-04-25 rapid-review to 2024-05-30; 2024-04-25 rapid-review to 2024-06-04," in (
        exported
    )
    ok("import", str(write(tmp_path, exported)), "--db", copy)
    assert ok("export", "--db", copy) == exported
    for register in (db, copy):
        shown = json.loads(ok("show", "Q-1", "--json", "--as-of", "2025-06-02", "--db", register))
        due = {s["stage"]: s["due"] for s in shown["stages"]}
        assert (due["rapid-review"], due["publication-notice"]) == ("2024-06-04", "2025-07-22")


def test_json_round_trip_keeps_the_order_extensions_were_recorded_in(tmp_path: Path) -> None:
    """Notified Fri 5 Apr 2024: the rapid review is due Fri 26 Apr. Extended on 25 Apr to
    21 May, then agreed again that day to 28 May; the first is then corrected to 22 May.
    The correction keeps its record's place, first: the one to Tue 28 May counts, in the
    register and in one filled from its export."""
    db, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "M-1", "--aware", "2024-03-28", "--notified", "2024-04-05", "--db", db)
    stage = ["--stage", "rapid-review", "--db", db]
    for to in ("2024-05-21", "2024-05-28"):
        ok("record", "M-1", "extension-agreed", "--on", "2024-04-25", "--to", to, *stage)
    ok("amend", "M-1", "extension-agreed", "--was", "2024-04-25 rapid-review to 2024-05-21",
       "--to", "2024-05-22", "--reason", "typed wrongly", "--db", db)  # fmt: skip
    exported = ok("export", "--format", "json", "--db", db)
    ok("import", str(write(tmp_path, exported, "in.json")), "--db", copy)
    assert ok("export", "--format", "json", "--db", copy) == exported
    for register in (db, copy):
        shown = json.loads(ok("show", "M-1", "--json", "--as-of", "2024-06-03", "--db", register))
        assert [s["due"] for s in shown["stages"] if s["stage"] == "rapid-review"] == ["2024-05-28"]


def test_json_as_of_export_keeps_the_plan_in_force_through_an_import(tmp_path: Path) -> None:
    """Planned for 30 Sep 2025, re-planned for 31 Jul, then the first plan corrected to
    15 Oct: 31 Jul, recorded last, still counts, and the report is due 7 working days
    before Thu 31 Jul (30, 29, 28, 25, 24, 23, 22): Tue 2025-07-22. Criminal proceedings,
    recorded before the plans, start on 3 Nov 2025 (corrected to 4 Nov): after 1 Oct, so
    the view as of 1 Oct leaves them and their correction out, and its log with them."""
    db, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "P-1", "--aware", "2025-01-06", "--notified", "2025-01-08", "--db", db)
    ok("record", "P-1", "rapid-review-sent", "--on", "2025-01-20", "--db", db)
    ok("record", "P-1", "lcspr-commissioned", "--on", "2025-02-10", "--db", db)
    ok("record", "P-1", "proceedings-started", "--on", "2025-11-03", "--kind", "criminal",
       "--db", db)  # fmt: skip
    for on in ("2025-09-30", "2025-07-31"):
        ok("record", "P-1", "publication-planned", "--on", on, "--db", db)
    ok("amend", "P-1", "publication-planned", "--was", "2025-09-30", "--on", "2025-10-15",
       "--reason", "the date moved", "--db", db)  # fmt: skip
    ok("amend", "P-1", "proceedings-started", "--was", "2025-11-03", "--on", "2025-11-04",
       "--reason", "typed wrongly", "--db", db)  # fmt: skip
    as_of = ["--as-of", "2025-10-01"]
    exported = ok("export", "--format", "json", *as_of, "--db", db)
    [case] = json.loads(exported)
    assert [(r["event"], r["on"], r["amends"]) for r in case["log"]] == [
        ("aware", "2025-01-06", None),
        ("notified", "2025-01-08", None),
        ("rapid-review-sent", "2025-01-20", None),
        ("lcspr-commissioned", "2025-02-10", None),
        ("publication-planned", "2025-09-30", None),
        ("publication-planned", "2025-07-31", None),
        ("publication-planned", "2025-10-15", 4),
    ]
    ok("import", str(write(tmp_path, exported, "in.json")), "--db", copy)
    assert ok("export", "--format", "json", *as_of, "--db", copy) == exported
    for register in (db, copy):
        shown = json.loads(ok("show", "P-1", "--json", *as_of, "--db", register))
        due = {s["stage"]: s["due"] for s in shown["stages"]}
        assert due["publication-notice"] == "2025-07-22"
    # A view in which no correction is left carries no log.
    [early] = json.loads(ok("export", "--format", "json", "--as-of", "2025-02-01", "--db", db))
    assert "log" not in early


def test_plans_imported_at_one_moment_keep_their_order_through_json(tmp_path: Path) -> None:
    """A spreadsheet's cell planned 30 Sep 2025, then 31 Jul: an import stamps both with one
    time, so only the order of the rows says 31 Jul was planned last. The report is due
    7 working days before Thu 31 Jul (30, 29, 28, 25, 24, 23, 22): Tue 2025-07-22, in the
    register and in each filled from its JSON, whole or as of 1 Aug. A case with one plan
    needs no log."""
    db = str(tmp_path / "a.db")
    sheet = (
        "ref,aware,notified,rapid-review-sent,lcspr-commissioned,publication-planned\n"
        "M-1,2025-01-06,2025-01-08,2025-01-27,2025-02-03,2025-09-30; 2025-07-31\n"
        "M-2,2025-01-06,2025-01-08,2025-01-27,2025-02-03,2025-09-30\n"
    )
    ok("import", str(write(tmp_path, sheet)), "--db", db)
    as_of = ["--as-of", "2025-08-01"]
    for name, flags in (("whole", []), ("as-of", as_of)):
        exported = ok("export", "--format", "json", *flags, "--db", db)
        assert ["log" in case for case in json.loads(exported)] == [True, False], name
        copy = str(tmp_path / f"{name}.db")
        ok("import", str(write(tmp_path, exported, f"{name}.json")), "--db", copy)
        assert ok("export", "--format", "json", *flags, "--db", copy) == exported, name
        shown = json.loads(ok("show", "M-1", "--json", *as_of, "--db", copy))
        due = {s["stage"]: s["due"] for s in shown["stages"]}
        assert due["publication-notice"] == "2025-07-22", name


@pytest.mark.parametrize(
    "authority",
    ["  Padded Council  ", " =SUM(1)", "=SUM(2)", "'=SUM(3)", "Two\nLines\r", "\u2028Shire\xa0"],
)
def test_csv_carries_an_authority_exactly(tmp_path: Path, authority: str) -> None:
    """The spaces around an authority, a line break, a formula and a leading quote come
    back from a CSV round trip as they were typed, and so export the same bytes; a
    harm cell that reads like an authority's is still read as a harm."""
    db, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "T-1", "--aware", "2024-01-02", "--authority", authority, "--db", db)
    ok("add-sin", "T-2", "--aware", "2024-01-02", "--authority", " death ", "--harm", "death",
       "--db", db)  # fmt: skip
    exported = ok("export", "--db", db)
    rows = exported.replace("death,", " death ,", 1)  # a harm typed with spaces round it
    ok("import", str(write(tmp_path, rows)), "--db", copy)
    cases = {c["ref"]: c for c in json.loads(ok("export", "--format", "json", "--db", copy))}
    assert cases["T-1"]["authority"] == authority
    assert (cases["T-2"]["authority"], cases["T-2"]["harm"]) == (" death ", "death")
    assert ok("export", "--db", copy) == exported


def test_a_blank_authority_is_none(tmp_path: Path) -> None:
    """An authority given blank is no authority, in the register and through a CSV copy."""
    db, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "B-1", "--aware", "2024-01-02", "--authority", "", "--db", db)
    ok("add-sin", "B-2", "--aware", "2024-01-02", "--authority", "  \t", "--db", db)
    exported = ok("export", "--db", db)
    ok("import", str(write(tmp_path, exported)), "--db", copy)
    for register in (db, copy):
        cases = json.loads(ok("export", "--format", "json", "--db", register))
        assert [c["authority"] for c in cases] == [None, None]
    assert ok("export", "--db", copy) == exported


def test_awareness_with_a_kind_is_refused_by_import_and_named_by_doctor(tmp_path: Path) -> None:
    """Awareness carries no kind: a file that gives it one is refused, as add-sin would, and
    a register that holds one (written by another tool) is named by doctor."""
    db = str(tmp_path / "r.db")
    bad = '[{"ref": "K-1", "events": [{"event": "aware", "on": "2024-03-28", "kind": "inquest"}]}]'
    assert_refused(
        run("import", str(write(tmp_path, bad, "in.json")), "--db", db),
        1,
        "case 1 (K-1): --kind applies to proceedings events only, not to 'aware'",
    )
    assert count(db) == 0
    ok("add-sin", "K-1", "--aware", "2024-03-28", "--db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET kind = 'inquest' WHERE name = 'aware'")
    r = run("doctor", "--db", db)
    assert r.exit_code == 1
    assert "--kind applies to proceedings events only, not to 'aware'" in r.stdout + r.stderr


def test_an_end_of_proceedings_that_names_no_kind_among_two_is_refused_by_import(
    tmp_path: Path,
) -> None:
    """Criminal proceedings from Tue 10 Jan 2023 and an inquest from Thu 5 Jan, one end on
    Wed 1 Mar that names no kind: the file does not say which ended. The import says so of
    the end, and gives no command to amend: the case is in the file, not the register."""
    db = str(tmp_path / "r.db")
    events = [
        ("aware", "2023-01-02", None),
        ("proceedings-started", "2023-01-05", "inquest"),
        ("proceedings-started", "2023-01-10", "criminal"),
        ("proceedings-ended", "2023-03-01", None),
    ]
    bad = json.dumps(
        [{"ref": "K-1", "events": [{"event": e, "on": on, "kind": k} for e, on, k in events]}]
    )
    r = run("import", str(write(tmp_path, bad, "in.json")), "--db", db)
    assert_refused(
        r,
        1,
        "case 1 (K-1): the proceedings-ended of 2023-03-01 for K-1 names no kind, and criminal"
        " and inquest proceedings were running then, so it must name the kind that ended;"
        " nothing was imported",
    )
    assert "amend" not in r.stderr
    assert count(db) == 0


def test_json_round_trip_is_identical(tmp_path: Path) -> None:
    first = run("export", "--format", "json", "--as-of", AS_OF, "--db", str(EXAMPLE)).stdout
    cases = json.loads(first)
    assert [c["ref"] for c in cases][:2] == ["BSCP-2023-14", "BSCP-2024-05"]
    assert cases[1]["events"][-1]["note"] == "trial listed for spring 2025"
    db = str(tmp_path / "new.db")
    r = run("import", str(write(tmp_path, first, "in.json")), "--db", db)
    assert r.exit_code == 0, r.stderr
    assert run("export", "--format", "json", "--as-of", AS_OF, "--db", db).stdout == first
    # The export says what status --all --json says about every case (in the register's order).
    status = json.loads(
        run("status", "--all", "--json", "--as-of", AS_OF, "--db", str(EXAMPLE)).stdout
    )
    assert {c["ref"]: c for c in cases} == {c["ref"]: c for c in status}


def test_a_bad_row_at_line_500_imports_nothing(tmp_path: Path) -> None:
    rows = [HEADER]
    for i in range(2, 1001):
        aware = "2024-02-30" if i == 500 else "2024-03-04"
        rows.append(f"R-{i},{aware},Northshire,,2024-03-05,,,")
    db = tmp_path / "r.db"
    r = run("import", str(write(tmp_path, "\n".join(rows) + "\n")), "--db", str(db))
    assert_refused(r, 1, "line 500 (R-500)", "'2024-02-30'", "nothing was imported")
    assert count(db) == 0


def test_the_transaction_is_all_or_nothing_against_the_register(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    assert run("add-sin", "R-700", "--aware", "2024-03-04", "--db", db).exit_code == 0
    rows = [HEADER] + [f"R-{i},2024-03-04,,,,,," for i in range(2, 1001)]
    r = run("import", str(write(tmp_path, "\n".join(rows) + "\n")), "--db", db)
    assert_refused(r, 1, "line 700 (R-700)", "already in the register", "--update")
    assert count(db) == 1


def test_dry_run_lists_every_problem(tmp_path: Path) -> None:
    text = (
        "\n".join(
            [
                HEADER,
                "A-1,2024-03-04,,death,2024-03-05,,,",
                "A-2,31/02/2024,,,,,,",
                "A-3,2024-03-04,,,2024-03-01,,,",
                "A-1,2024-03-04,,,,,,",
                "A-5,2024-03-04,,injured,,,,",
                "A-6,2024-03-04,,,,2024-03-20,,",
                "A-7,2024-03-04,,,,,2024-04-01,2024-05-01",
                "A-8,2099-01-01,,,,,,",
            ]
        )
        + "\n"
    )
    db = tmp_path / "r.db"
    r = run("import", str(write(tmp_path, text)), "--db", str(db), "--dry-run")
    assert r.exit_code == 1
    assert (
        r.stderr
        == f"reviewclock: error: 7 problems in {tmp_path / 'in.csv'}; nothing was imported\n"
    )
    lines = r.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "line 3 (A-2)",
        "line 4 (A-3)",
        "line 5 (A-1)",
        "line 6 (A-5)",
        "line 7 (A-6)",
        "line 8 (A-7)",
        "line 9 (A-8)",
    ]
    assert "also on line 2" in lines[2] and "needs its kind" in lines[5] and "future" in lines[6]
    assert not db.exists()  # a dry run does not even create the register


def test_dry_run_of_a_clean_file(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    r = run(
        "import",
        str(write(tmp_path, HEADER + "\nA-1,2024-03-04,,,2024-03-05,,,\n")),
        "--db",
        str(db),
        "--dry-run",
    )
    assert r.exit_code == 0 and "Would import 1 new case and 2 events" in r.stdout
    assert count(db) == 0


@pytest.mark.parametrize(
    ("aware", "expected"),
    [
        ("2024-01-03", "2024-01-03"),
        ("03/01/2024", "2024-01-03"),
        ("3/1/2024", "2024-01-03"),
        ("29/02/2024", "2024-02-29"),
    ],
)
def test_iso_and_british_dates(tmp_path: Path, aware: str, expected: str) -> None:
    db = str(tmp_path / "r.db")
    assert (
        run("import", str(write(tmp_path, f"ref,aware\nD-1,{aware}\n")), "--db", db).exit_code == 0
    )
    assert json.loads(run("show", "D-1", "--json", "--db", db).stdout)["aware"] == expected


@pytest.mark.parametrize(
    ("aware", "fragment"),
    [
        ("01/13/2024", "reads month first (American)"),
        ("31/04/2024", "is not a real date"),
        ("3/1/24", "2-digit year, which is ambiguous"),
        ("2024/01/03", "YYYY-MM-DD (2024-01-03) or DD/MM/YYYY (03/01/2024)"),
        ("", "the aware date is empty"),
    ],
)
def test_ambiguous_or_invalid_british_dates(tmp_path: Path, aware: str, fragment: str) -> None:
    db = tmp_path / "r.db"
    r = run("import", str(write(tmp_path, f"ref,aware\nD-1,{aware}\n")), "--db", str(db))
    assert_refused(r, 1, "line 2 (D-1)", fragment)
    assert count(db) == 0


def test_update_adds_an_extension_agreed_again_after_those_recorded(tmp_path: Path) -> None:
    """Events an update adds are recorded after the register's own, so a second extension
    counts once added (and one agreed before those recorded is refused). Notified Tue 2 April
    2024: the rapid review is due Tue 23 April; agreed on 15 April to 14 May."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "U-3", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", db)
    first = ["--stage", "rapid-review", "--on", "2024-04-15", "--to", "2024-05-14", "--db", db]
    ok("record", "U-3", "extension-agreed", *first)
    head = "ref,aware,authority,harm,notified,extension-agreed\n"
    agreed = "2024-04-15 rapid-review to 2024-05-14"

    def due() -> str:
        shown = json.loads(ok("show", "U-3", "--json", "--db", db, "--as-of", "2024-06-03"))
        return str(next(s["due"] for s in shown["stages"] if s["stage"] == "rapid-review"))

    earlier = f"U-3,2024-03-28,,,2024-04-02,{agreed}; 2024-04-10 rapid-review to 2024-05-07\n"
    before = run("export", "--format", "json", "--db", db).stdout
    r = run("import", str(write(tmp_path, head + earlier)), "--update", "--db", db)
    assert_refused(
        r, 1, "line 2 (U-3)", "agreed on 2024-04-10 was recorded for U-3 after the one agreed on"
    )
    assert "amend" not in r.stderr  # the record out of order is the file's, not the register's
    assert run("export", "--format", "json", "--db", db).stdout == before
    again = f"U-3,2024-03-28,,,2024-04-02,{agreed}; 2024-04-25 rapid-review to 2024-05-28\n"
    r = run("import", str(write(tmp_path, head + again)), "--update", "--db", db)
    assert r.exit_code == 0, r.stderr
    assert "Imported 0 new cases and 1 event" in r.stdout
    assert due() == "2024-05-28"
    ok("doctor", "--db", db)


def test_update_places_a_record_by_when_the_file_says_it_was_recorded(
    tmp_path: Path, register_url: str
) -> None:
    """A JSON record carries the time it was recorded, and keeps it: among the register's
    own, it stands where that time puts it, and it is checked there, not as the last.

    Notified Tue 2 April 2024: the rapid review is due 15 working days on, Tue 23 April
    (3-5, 8-12, 15-19, 22, 23). The register holds an extension agreed on 15 April to
    14 May, recorded today. A file from another office adds one agreed on 10 April to
    7 May, recorded on 10 April 2024: recorded first, it was agreed first too, so the
    two are in order, and the one agreed on 15 April (recorded last) stays in force.
    One agreed on 20 April to 28 May that the file says was recorded on 1 April would
    stand before both, though agreed after them: refused, as doctor would find it."""
    db = register_url
    ok("add-sin", "U-4", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", db)
    ok("record", "U-4", "extension-agreed", "--stage", "rapid-review", "--on", "2024-04-15",
       "--to", "2024-05-14", "--db", db)  # fmt: skip
    exported = json.loads(ok("export", "--format", "json", "--db", db))

    def adding(on: str, to: str, at: str) -> Path:
        case = json.loads(json.dumps(exported[0]))
        case["events"].append(
            {"event": "extension-agreed", "on": on, "kind": "rapid-review", "to": to,
             "recorded_by": "other-office", "recorded_at": at}
        )  # fmt: skip
        return write(tmp_path, json.dumps([case]), f"add-{on}.json")

    def refused(on: str, to: str, at: str, fragment: str) -> None:
        before = ok("export", "--format", "json", "--db", db)
        r = run("import", str(adding(on, to, at)), "--update", "--db", db)
        assert_refused(r, 1, fragment)
        assert ok("export", "--format", "json", "--db", db) == before

    def taken(on: str, to: str, at: str) -> dict[str, Any]:
        r = run("import", str(adding(on, to, at)), "--update", "--db", db)
        assert r.exit_code == 0, r.stderr
        ok("doctor", "--db", db)
        shown: dict[str, Any] = json.loads(
            ok("show", "U-4", "--json", "--as-of", "2024-06-03", "--db", db)
        )
        return shown

    refused(
        "2024-04-20", "2024-05-28", "2024-04-01T09:00:00+00:00",
        "case 1 (U-4): the extension of rapid-review agreed on 2024-04-15 was recorded for U-4"
        " after the one agreed on 2024-04-20",
    )  # fmt: skip
    shown = taken("2024-04-10", "2024-05-07", "2024-04-10T09:00:00+00:00")
    review = next(s for s in shown["stages"] if s["stage"] == "rapid-review")
    assert (review["due"], review["extension"]["agreed"]) == ("2024-05-14", "2024-04-15")
    added = next(e for e in shown["events"] if e["on"] == "2024-04-10")
    assert (added["recorded_by"], added["recorded_at"]) == (
        "other-office",
        "2024-04-10T09:00:00+00:00",
    )
    # A time with no zone is UTC, as the register keeps it; one from the future is refused,
    # as it would stay in force over every extension recorded until then.
    refused(
        "2024-04-20", "2024-05-28", "2999-01-01T00:00:00+00:00",
        "extension-agreed on 2024-04-20 says it was recorded at 2999-01-01T00:00:00+00:00",
    )  # fmt: skip
    shown = taken("2024-04-11", "2024-05-10", "2024-04-11T09:00:00")
    added = next(e for e in shown["events"] if e["on"] == "2024-04-11")
    assert added["recorded_at"] == "2024-04-11T09:00:00+00:00"


def test_update_keeps_the_plan_in_force_that_the_file_had(tmp_path: Path) -> None:
    """The report is due 7 working days before the publication planned in force. Planned
    for Wed 31 Jul 2024 it is due Mon 22 Jul (30, 29, 26, 25, 24, 23, 22 Jul); for Mon
    15 Jul, Thu 4 Jul (12, 11, 10, 9, 8, 5, 4 Jul); for Mon 5 Aug, Thu 25 Jul (2, 1 Aug,
    31, 30, 29, 26, 25 Jul). An --update from another register must leave in force the
    plan that was in force there."""
    base = ["--aware", "2024-01-08", "--notified", "2024-01-10"]

    def register(name: str) -> str:
        db = str(tmp_path / name)
        ok("add-sin", "P-1", *base, "--db", db)
        ok("record", "P-1", "rapid-review-sent", "--on", "2024-01-25", "--decision", "lcspr",
           "--db", db)  # fmt: skip
        ok("record", "P-1", "lcspr-commissioned", "--on", "2024-02-01", "--db", db)
        return db

    def plan(db: str, on: str) -> None:
        ok("record", "P-1", "publication-planned", "--on", on, "--db", db)

    def due(db: str) -> str:
        shown = json.loads(ok("show", "P-1", "--json", "--as-of", "2024-06-03", "--db", db))
        return str(next(s["due"] for s in shown["stages"] if s["stage"] == "publication-notice"))

    def update(source: str, target: str) -> None:
        exported = write(tmp_path, ok("export", "--format", "json", "--db", source), "u.json")
        r = run("import", str(exported), "--update", "--db", target)
        assert r.exit_code == 0, r.stderr

    # Planned again for a date it held before: a record of its own, and the one in force.
    target = register("target.db")
    plan(target, "2024-07-31")
    source = register("source.db")
    for on in ("2024-07-31", "2024-07-15", "2024-07-31"):
        plan(source, on)
    assert (due(source), due(target)) == ("2024-07-22", "2024-07-22")
    update(source, target)
    assert due(target) == "2024-07-22"
    ok("doctor", "--db", target)
    # The plan of 31 Jul corrected to 5 Aug keeps its place, before the one for 15 Jul.
    corrected, empty = register("corrected.db"), register("empty.db")
    plan(corrected, "2024-07-31")
    plan(corrected, "2024-07-15")
    ok("amend", "P-1", "publication-planned", "--was", "2024-07-31", "--on", "2024-08-05",
       "--reason", "typed wrongly", "--db", corrected)  # fmt: skip
    assert due(corrected) == "2024-07-04"
    update(corrected, empty)
    assert due(empty) == "2024-07-04"
    ok("doctor", "--db", empty)


def test_update_places_a_record_after_the_first_making_of_one_corrected_since(
    tmp_path: Path, register_url: str
) -> None:
    """Notified Tue 2 Apr 2024: the rapid review is due Tue 23 Apr (3-5, 8-12, 15-19, 22,
    23 Apr). The register holds an extension agreed on 15 Apr to 14 May, corrected since to
    20 May: the correction keeps the place of the record it corrects. A file adds one made
    between the two records: it stands after the extension, so one agreed on 10 Apr is out
    of the order agreed, and one agreed on 20 Apr to 28 May is taken, and in force."""
    db = register_url
    ok("add-sin", "U-5", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", db)
    ok("record", "U-5", "extension-agreed", "--stage", "rapid-review", "--on", "2024-04-15",
       "--to", "2024-05-14", "--db", db)  # fmt: skip
    ok("amend", "U-5", "extension-agreed", "--to", "2024-05-20", "--reason", "typed wrongly",
       "--db", db)  # fmt: skip
    [case] = json.loads(ok("export", "--format", "json", "--db", db))
    made, corrected = (
        dt.datetime.fromisoformat(row["recorded_at"])
        for row in case["log"]
        if row["event"] == "extension-agreed"
    )
    between = (made + (corrected - made) / 2).isoformat()

    def adding(on: str, to: str) -> Path:
        """The case as another register would export it, holding one more extension."""
        agreed = {"event": "extension-agreed", "on": on, "kind": "rapid-review", "to": to,
                  "recorded_at": between}  # fmt: skip
        logged = {**agreed, "amends": None, "reason": None}
        more = {**case, "events": [*case["events"], agreed], "log": [*case["log"], logged]}
        return write(tmp_path, json.dumps([more]), "u.json")

    before = ok("export", "--format", "json", "--db", db)
    assert_refused(
        run("import", str(adding("2024-04-10", "2024-05-07")), "--update", "--db", db),
        1,
        "the extension of rapid-review agreed on 2024-04-10 was recorded for U-5 after the one"
        " agreed on 2024-04-15",
    )
    assert ok("export", "--format", "json", "--db", db) == before
    r = run("import", str(adding("2024-04-20", "2024-05-28")), "--update", "--db", db)
    assert r.exit_code == 0, r.stderr
    shown = json.loads(ok("show", "U-5", "--json", "--as-of", "2024-06-03", "--db", db))
    review = next(s for s in shown["stages"] if s["stage"] == "rapid-review")
    assert (review["due"], review["extension"]["agreed"]) == ("2024-05-28", "2024-04-20")
    ok("doctor", "--db", db)


def test_update_keeps_the_order_of_plans_recorded_at_one_time(tmp_path: Path) -> None:
    """A CSV import stamps every record with one time, so only their order says which plan
    was made last: 30 Sep 2025, written after 31 Oct, is in force, and the report is due
    7 working days before it, Fri 19 Sep (29, 26, 25, 24, 23, 22, 19 Sep), not Wed 22 Oct
    (30, 29, 28, 27, 24, 23, 22 Oct). An --update from its JSON keeps that order."""
    head = "ref,aware,notified,rapid-review-sent,decision,lcspr-commissioned,publication-planned\n"
    row = "C-1,2024-03-28,2024-04-02,2024-04-20,lcspr,2024-05-01,"
    planned, bare = str(tmp_path / "planned.db"), str(tmp_path / "bare.db")
    ok("import", str(write(tmp_path, head + row + "2025-10-31; 2025-09-30\n", "p.csv")),
       "--db", planned)  # fmt: skip
    ok("import", str(write(tmp_path, head + row + "\n", "b.csv")), "--db", bare)

    def due(db: str) -> str:
        shown = json.loads(ok("show", "C-1", "--json", "--as-of", "2025-01-06", "--db", db))
        return str(next(s["due"] for s in shown["stages"] if s["stage"] == "publication-notice"))

    assert due(planned) == "2025-09-19"
    exported = write(tmp_path, ok("export", "--format", "json", "--db", planned), "p.json")
    r = run("import", str(exported), "--update", "--db", bare)
    assert r.exit_code == 0, r.stderr
    assert due(bare) == "2025-09-19"
    ok("doctor", "--db", bare)


def test_update_matches_a_plan_by_the_moment_it_was_made(tmp_path: Path) -> None:
    """Two registers share a case; each then plans its publication. The report is due 7
    working days before the plan in force: for Tue 30 Sep 2025, Fri 19 Sep (29, 26, 25, 24,
    23, 22, 19 Sep); for Thu 31 Jul 2025, Tue 22 Jul (30, 29, 28, 25, 24, 23, 22 Jul). A plan
    for 30 Sep made on each side is two records: merged, the one made last is in force. A
    plan made on one side and corrected since on the other is one record that the two now
    disagree about: refused, as a different date for a one-off event is."""
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "C-1", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", a)
    ok("record", "C-1", "rapid-review-sent", "--on", "2024-04-20", "--decision", "lcspr",
       "--db", a)  # fmt: skip
    ok("record", "C-1", "lcspr-commissioned", "--on", "2024-05-01", "--db", a)

    def share(source: str, name: str) -> Path:
        return write(tmp_path, ok("export", "--format", "json", "--db", source), name)

    def due(db: str) -> str:
        shown = json.loads(ok("show", "C-1", "--json", "--as-of", "2025-01-06", "--db", db))
        return str(next(s["due"] for s in shown["stages"] if s["stage"] == "publication-notice"))

    ok("import", str(share(a, "a.json")), "--db", b)
    ok("record", "C-1", "publication-planned", "--on", "2025-09-30", "--db", a)
    ok("record", "C-1", "publication-planned", "--on", "2025-07-31", "--db", b)
    ok("record", "C-1", "publication-planned", "--on", "2025-09-30", "--db", b)
    assert (due(a), due(b)) == ("2025-09-19", "2025-09-19")
    r = run("import", str(share(b, "b.json")), "--update", "--db", a)
    assert r.exit_code == 0, r.stderr
    assert due(a) == "2025-09-19"
    ok("doctor", "--db", a)
    # Shared again, then corrected on one side: the other's copy is that record, stale.
    c = str(tmp_path / "c.db")
    ok("import", str(share(a, "a2.json")), "--db", c)
    ok("amend", "C-1", "publication-planned", "--was", "2025-07-31", "--on", "2025-08-01",
       "--reason", "typed wrongly", "--db", c)  # fmt: skip
    before = ok("export", "--format", "json", "--db", c)
    r = run("import", str(share(a, "a3.json")), "--update", "--db", c)
    assert_refused(
        r, 1, "the publication-planned made at", "is 2025-08-01 in the register but 2025-07-31 in"
        " the file; correct one of them (reviewclock amend changes the register)",
    )  # fmt: skip
    assert ok("export", "--format", "json", "--db", c) == before


def test_update_takes_one_extension_typed_in_two_registers_as_one(tmp_path: Path) -> None:
    """An agreement the Panel made once, typed in each of two registers that share the case,
    is one agreement: merged either way, nothing is added and nothing refused."""
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok("add-sin", "X-1", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", a)
    ok("import", str(write(tmp_path, ok("export", "--format", "json", "--db", a), "a.json")),
       "--db", b)  # fmt: skip
    for db in (a, b):
        ok("record", "X-1", "extension-agreed", "--stage", "rapid-review", "--on", "2024-04-15",
           "--to", "2024-05-14", "--db", db)  # fmt: skip
    for source, target in ((a, b), (b, a)):
        before = ok("export", "--format", "json", "--db", target)
        path = write(tmp_path, ok("export", "--format", "json", "--db", source), "x.json")
        r = run("import", str(path), "--update", "--db", target)
        assert (r.exit_code, r.stderr) == (0, ""), r.stderr
        assert "Imported 0 new cases and 0 events" in r.stdout
        assert ok("export", "--format", "json", "--db", target) == before


def test_update_with_its_own_export_records_no_deletion_twice(tmp_path: Path) -> None:
    """Nor does a file that holds one deletion twice."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "D-1", "--aware", "2024-01-08", "--db", db)
    ok("delete", "D-1", "--reason", "entered in error", "--yes", "--db", db)
    ok("add-sin", "D-2", "--aware", "2024-01-09", "--db", db)
    path = write(tmp_path, ok("export", "--format", "json", "--db", db), "own.json")
    before = ok("export", "--format", "json", "--db", db)
    for _ in range(2):
        r = run("import", str(path), "--update", "--db", db)
        assert r.exit_code == 0, r.stderr
    assert ok("export", "--format", "json", "--db", db) == before
    twice = json.loads(before)
    twice.append(twice[-1])
    assert "deleted" in twice[-1]
    copy = str(tmp_path / "copy.db")
    ok("import", str(write(tmp_path, json.dumps(twice), "twice.json")), "--db", copy)
    for register in (db, copy):
        with sqlite3.connect(register) as conn:
            assert conn.execute("SELECT count(*) FROM deletions").fetchone() == (1,)


def test_update_neither_deletes_a_case_nor_brings_one_back(tmp_path: Path) -> None:
    """Register A deletes a case that register B (a copy made before) still holds. Merged
    into B, A's deletion is refused: deleting is for B's own officer. Merged into A, B's
    older copy of the case is refused: its records were made before A deleted it; from a
    spreadsheet, which gives no times, so is any row of a deleted ref. A case of that ref
    added again in A since is a new case, and moves."""
    a, b, c = (str(tmp_path / f"{n}.db") for n in "abc")
    ok("add-sin", "D-1", "--aware", "2024-01-08", "--db", a)

    def export(db: str, name: str) -> Path:
        return write(tmp_path, ok("export", "--format", "json", "--db", db), name)

    ok("import", str(export(a, "a.json")), "--db", b)
    ok("delete", "D-1", "--reason", "entered in error", "--yes", "--db", a)
    # C: the deletion, no case. What is added is counted, the deletion too.
    assert "Would import 0 new cases, 0 events and 1 deletion from" in ok(
        "import", str(export(a, "a2.json")), "--dry-run", "--db", c
    )
    assert "Imported 0 new cases, 0 events and 1 deletion from" in ok(
        "import", str(export(a, "a2.json")), "--db", c
    )
    before = ok("export", "--format", "json", "--db", b)
    assert_refused(
        run("import", str(export(a, "a3.json")), "--update", "--db", b),
        1,
        "(entered in error), but the register holds D-1; if it should go, delete it here with"
        " 'reviewclock delete D-1 --reason TEXT', then import again",
    )
    assert ok("export", "--format", "json", "--db", b) == before
    before = ok("export", "--format", "json", "--db", a)
    assert_refused(
        run("import", str(export(b, "b.json")), "--update", "--db", a),
        1,
        "D-1 was deleted from the register on",
        "(entered in error), and the file's copy holds records made before then; delete it in"
        " the register the file came from too, or add it again here with 'reviewclock add-sin'",
    )
    assert ok("export", "--format", "json", "--db", a) == before
    # A spreadsheet says nothing of when its rows were made: a deleted ref is refused.
    sheet = write(tmp_path, ok("export", "--format", "csv", "--db", b), "b.csv")
    assert_refused(
        run("import", str(sheet), "--update", "--db", a),
        1,
        "line 2 (D-1): D-1 was deleted from the register on",
        "take it out of the file, or add it again with 'reviewclock add-sin'",
    )
    assert ok("export", "--format", "json", "--db", a) == before
    ok("add-sin", "D-1", "--aware", "2024-02-01", "--db", a)  # the ref, for another case
    r = run("import", str(export(a, "a4.json")), "--update", "--db", c)
    assert r.exit_code == 0, r.stderr
    assert json.loads(ok("show", "D-1", "--json", "--db", c))["aware"] == "2024-02-01"
    # B, told to, deletes its old copy too: then A's case of that ref moves, made since A's
    # deletion of the old one though before B's.
    ok("delete", "D-1", "--reason", "deleted at the other office", "--yes", "--db", b)
    a5 = str(export(a, "a5.json"))
    assert "Would import 1 new case, 1 event and 1 deletion from" in ok(
        "import", a5, "--update", "--dry-run", "--db", b
    )
    r = run("import", a5, "--update", "--db", b)
    assert r.exit_code == 0, r.stderr
    assert "Imported 1 new case, 1 event and 1 deletion from" in r.stdout
    assert json.loads(ok("show", "D-1", "--json", "--db", b))["aware"] == "2024-02-01"
    for register, deletions in ((a, 1), (c, 1), (b, 2)):
        with sqlite3.connect(register) as conn:
            assert conn.execute("SELECT count(*) FROM deletions").fetchone() == (deletions,)


def test_update_says_which_authority_and_harm_it_keeps(tmp_path: Path) -> None:
    """--update adds events and nothing else: a file that gives another authority or harm
    is taken for its events, and the import says it kept the register's."""
    db = str(tmp_path / "r.db")
    ok("import", str(write(tmp_path, "ref,aware,authority,harm\nK-1,2024-01-02,Leeds,death\n")),
       "--db", db)  # fmt: skip
    changed = "ref,aware,authority,harm,notified\nK-1,2024-01-02,Kirklees,serious-harm,2024-01-03\n"
    r = run("import", str(write(tmp_path, changed, "k2.csv")), "--update", "--db", db)
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines() == [
        "reviewclock: warning: K-1: the file gives the authority 'Kirklees' and the register"
        " 'Leeds'; --update adds events only, so the register's is kept",
        "reviewclock: warning: K-1: the file gives the harm 'serious-harm' and the register"
        " 'death'; --update adds events only, so the register's is kept",
    ]
    shown = json.loads(ok("show", "K-1", "--json", "--db", db))
    assert (shown["authority"], shown["harm"], shown["events"][-1]["on"]) == (
        "Leeds",
        "death",
        "2024-01-03",
    )
    same = run("import", str(write(tmp_path, changed, "k2.csv")), "--update", "--db", db)
    assert "authority" in same.stderr  # said each time, as long as they differ
    blank = "ref,aware,authority,harm\nK-1,2024-01-02,,\n"
    assert run("import", str(write(tmp_path, blank, "k3.csv")), "--update", "--db", db).stderr == ""


def test_update_adds_new_events_and_refuses_conflicts(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    assert (
        run(
            "import",
            str(write(tmp_path, HEADER + "\nU-1,2024-03-04,,,2024-03-05,,,\n")),
            "--db",
            db,
        ).exit_code
        == 0
    )
    later = HEADER + "\nU-1,2024-03-04,,,2024-03-05,2024-03-20,,\nU-2,2024-03-06,,,,,,\n"
    assert_refused(
        run("import", str(write(tmp_path, later)), "--db", db),
        1,
        "line 2 (U-1)",
        "already in the register",
    )
    r = run("import", str(write(tmp_path, later)), "--db", db, "--update")
    assert r.exit_code == 0, r.stderr
    assert "Imported 1 new case and 2 events" in r.stdout
    events = [
        e["event"] for e in json.loads(run("show", "U-1", "--json", "--db", db).stdout)["events"]
    ]
    assert events == ["aware", "notified", "rapid-review-sent"]
    # Importing the same file again adds nothing.
    assert (
        "Imported 0 new cases and 0 events"
        in run("import", str(write(tmp_path, later)), "--db", db, "--update").stdout
    )
    before = run("export", "--db", db).stdout
    conflict = HEADER + "\nU-1,2024-03-04,,,2024-03-06,,,\n"
    assert_refused(
        run("import", str(write(tmp_path, conflict)), "--db", db, "--update"),
        1,
        "notified is 2024-03-05 in the register but 2024-03-06 in the file",
    )
    assert run("export", "--db", db).stdout == before


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "ref,aware,colour\nA,2024-01-02,red\n",
            ["line 1 (the header): unknown column 'colour'; the columns are ref, aware,"],
        ),
        # A slip of the keyboard: the column meant is named, not the whole list.
        (
            "ref,aware,notifed\nA,2024-01-02,2024-01-03\n",
            ["line 1 (the header): unknown column 'notifed'; the nearest column is 'notified'"],
        ),
        ("ref,notified\nA,2024-01-02\n", ["line 1 (the header)", "no 'aware' column"]),
        ("ref,aware\n,2024-01-02\n", ["line 2 (no ref): the ref is empty"]),
        ("", ["empty"]),
        ("ref,aware\nA,2024-01-02,extra\n", ["line 2 (A)", "3 cells"]),
        ("ref,aware,notified\nA,2024-01-02,2024-01-03; 2024-01-04\n", ["can be recorded once"]),
        ("ref,aware\nA B,2024-01-02\n", ["line 2 (A B)", "not valid"]),
    ],
)
def test_bad_files(tmp_path: Path, text: str, fragments: list[str]) -> None:
    db = tmp_path / "r.db"
    assert_refused(run("import", str(write(tmp_path, text)), "--db", str(db)), 1, *fragments)
    assert count(db) == 0


def test_import_help_names_every_csv_column() -> None:
    """The help's list of columns is written out for people: it must keep up with the rules."""
    from reviewclock.cli.data import import_
    from reviewclock.rules import rulebook

    help_text = " ".join((import_.__doc__ or "").split())
    listed = help_text.split("one per event (", 1)[1].split(")", 1)[0].split(", ")
    assert listed == list(rulebook().recordable_events)


def test_json_read_as_csv_says_to_give_the_format(tmp_path: Path) -> None:
    """'export --format json | import -' without --format json: said as that, not as an
    unknown column '['."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "J-1", "--aware", "2024-01-02", "--db", db)
    path = tmp_path / "register.txt"  # a name that says nothing of the format
    path.write_text(ok("export", "--format", "json", "--db", db))
    r = run("import", str(path), "--db", str(tmp_path / "new.db"))
    assert_refused(r, 1, "this is JSON, not CSV; import it with --format json")


def test_a_json_record_by_a_name_the_register_cannot_keep_is_refused(tmp_path: Path) -> None:
    """Who made a record is kept to 100 characters: a file's longer name is refused with the
    key, not cut (the file's own history) nor left to fail on PostgreSQL."""
    long = "x" * 150
    path = tmp_path / "long.json"
    path.write_text(
        json.dumps(
            [
                {
                    "ref": "L-1",
                    "events": [
                        {
                            "event": "aware",
                            "on": "2024-01-02",
                            "recorded_by": long,
                            "recorded_at": "2024-01-02T10:00:00+00:00",
                        }
                    ],
                }
            ]
        )
    )
    db = str(tmp_path / "r.db")
    r = run("import", str(path), "--db", db)
    assert_refused(r, 1, "recorded_by 'xxxx", "is 150 characters", "at most 100")
    assert not Path(db).exists()


def test_export_help_says_what_it_gives_without_as_of(tmp_path: Path) -> None:
    """Without --as-of an export is not the register as of today: a JSON one also holds the
    deleted cases and the history, and the help says so."""
    help_text = " ".join(run("export", "--help").stdout.split())
    assert "[default: the register as it is now; with --format json a whole copy" in help_text
    db = str(tmp_path / "r.db")
    ok("add-sin", "G-1", "--aware", "2024-01-08", "--db", db)
    ok("delete", "G-1", "--reason", "entered in error", "--yes", "--db", db)
    today = dt.date.today().isoformat()
    assert '"deleted": "G-1"' in ok("export", "--format", "json", "--db", db)
    assert "G-1" not in ok("export", "--format", "json", "--as-of", today, "--db", db)


AWARE = {"event": "aware", "on": "2024-04-02"}
DELETED = {
    "deleted": "A",
    "reason": "entered in error",
    "events": 1,
    "deleted_by": "officer",
    "deleted_at": "2024-01-01T00:00:00+00:00",
}


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        # A misspelt key would be passed over, and what it holds lost without a word.
        (
            {"ref": "A", "autority": "Leeds", "events": [AWARE]},
            "case 1 (A): unknown case key 'autority'; the nearest case key is 'authority'",
        ),
        (
            {"ref": "A", "events": [{**AWARE, "nite": "phoned"}]},
            "case 1 (A): unknown event key 'nite'; the nearest event key is 'note'",
        ),
        (
            {"ref": "A", "events": [AWARE], "colour": "red"},
            "unknown case key 'colour'; the case keys are ref, aware, authority, harm, stages,",
        ),
        (
            {"ref": "A", "events": [AWARE], "log": [{**AWARE, "amend": None}]},
            "unknown log key 'amend'; the nearest log key is 'amends'",
        ),
        (
            {"ref": "A", "events": [{**AWARE, "recorded_at": "not-a-time"}]},
            "recorded_at 'not-a-time' is not a time; write it as export does",
        ),
        (
            {"ref": "A", "events": [AWARE, "notified"]},
            "an event must be an object with its keys, not 'notified'",
        ),
        # A number or a list where text goes is refused, not stored as something else.
        ({"ref": "A", "authority": 5, "events": [AWARE]}, "authority must be text or null"),
        (
            {"ref": "A", "events": [{**AWARE, "recorded_by": ["x"]}]},
            "recorded_by must be text or null, not '[\"x\"]'",
        ),
        ({"ref": 5, "events": [AWARE]}, "ref must be text or null, not '5'"),
        ({"ref": "A", "events": 5}, "events must be a list, not '5'"),
        ({"ref": "A", "events": [AWARE], "log": "abc"}, "log must be a list, not"),
        (
            {"ref": "A", "events": [{**AWARE, "recorded_at": 20240402}]},
            "recorded_at '20240402' is not a time",
        ),
        ({**DELETED, "deleted": True}, "deleted must be text or null, not 'true'"),
        ({**DELETED, "deleted": "A B"}, "case reference 'A B' is not valid"),
        ({**DELETED, "reason": None}, "case 1 (A): it needs 'reason', as export writes it"),
        ({**DELETED, "events": True}, "events must be a whole number, not 'true'"),
        (
            {**DELETED, "deleted_at": "2999-01-01T00:00:00+00:00"},
            "its deletion says it was made at 2999-01-01T00:00:00+00:00, which is in the future",
        ),
        # A time from the future would place a plan or extension after every record made
        # until then (the one recorded last is in force).
        (
            {"ref": "A", "events": [{**AWARE, "recorded_at": "2999-01-01T09:00:00+00:00"}]},
            "aware on 2024-04-02 says it was recorded at 2999-01-01T09:00:00+00:00, which is"
            " in the future",
        ),
    ],
)
def test_json_keys_and_times_that_would_lose_data_are_refused(
    tmp_path: Path, case: dict[str, object], fragment: str
) -> None:
    db = tmp_path / "r.db"
    path = write(tmp_path, json.dumps([case]), "in.json")
    assert_refused(run("import", str(path), "--db", str(db)), 1, fragment)
    assert count(db) == 0


def test_bad_json_and_unreadable_files(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    typed = '[{"ref": "A", "events": [{"event": "aware", "on": "2024-01-02"},'
    typed += ' {"event": "rapid-reveiw-sent", "on": "2024-01-10"}]}]'
    assert_refused(
        run("import", str(write(tmp_path, typed, "t.json")), "--db", str(db)),
        1,
        "case 1 (A): unknown event 'rapid-reveiw-sent'; the nearest event is 'rapid-review-sent'",
    )
    assert_refused(
        run("import", str(write(tmp_path, "[{", "x.json")), "--db", str(db)), 1, "not valid JSON"
    )
    assert_refused(
        run("import", str(write(tmp_path, "ref,aware,\nA,2024-01-02,\n")), "--db", str(db)),
        1,
        "line 1 (the header): the file has a column with no name (a comma or a key left empty?)",
    )
    assert_refused(
        run("import", str(write(tmp_path, '{"ref": "A"}', "y.json")), "--db", str(db)),
        1,
        "a list of cases",
    )
    assert_refused(
        run(
            "import",
            str(write(tmp_path, '[{"ref": "A", "events": []}]', "z.json")),
            "--db",
            str(db),
        ),
        1,
        "case 1 (A)",
        "no 'aware' event",
    )
    assert_refused(run("import", str(tmp_path / "missing.csv"), "--db", str(db)), 2, "cannot read")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert_refused(run("import", str(binary), "--db", str(db)), 2, "not UTF-8")
    assert_refused(run("import", str(binary), "--format", "xlsx", "--db", str(db)), 2, "'xlsx'")
    assert_refused(run("export", "--format", "xml", "--db", str(EXAMPLE)), 2, "'xml'")
    assert count(db) == 0
