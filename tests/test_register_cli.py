"""The register through its commands: add-sin, record, show and status on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from helpers import assert_refused, run, run_process

AS_OF = "2025-02-03"


@pytest.fixture
def db(register_url: str) -> str:
    """A register that does not exist yet: a new SQLite file, or an empty PostgreSQL database."""
    return register_url


def ok(*args: str) -> str:
    r = run(*args)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    assert r.stderr == "" or r.stderr.startswith("reviewclock: warning:"), r.stderr
    return r.stdout


def show(db: str, ref: str, as_of: str) -> dict[str, Any]:
    return json.loads(ok("show", ref, "--db", db, "--as-of", as_of, "--json"))


def stages(db: str, ref: str, as_of: str) -> dict[str, tuple[str, str | None, str]]:
    return {s["stage"]: (s["due"], s["done"], s["state"]) for s in show(db, ref, as_of)["stages"]}


def snapshot(db: str) -> str:
    return run("status", "--all", "--json", "--db", db, "--as-of", AS_OF).stdout


def test_a_case_through_its_whole_life(db: str) -> None:
    ok(
        "add-sin",
        "BSCP-2024-07",
        "--aware",
        "2023-12-22",
        "--db",
        db,
        "--authority",
        "Northshire",
        "--harm",
        "death",
    )
    # Day after Christmas week: notification due 3 January, rapid review from awareness until then.
    assert stages(db, "BSCP-2024-07", "2024-01-02") == {
        "sin": ("2024-01-03", None, "due-soon"),
        "rapid-review": ("2024-01-17", None, "on-track"),
    }
    assert stages(db, "BSCP-2024-07", "2024-01-04")["sin"] == ("2024-01-03", None, "overdue")

    ok("record", "BSCP-2024-07", "notified", "--on", "2024-01-02", "--db", db)
    st = stages(db, "BSCP-2024-07", "2024-01-04")
    assert st["sin"] == ("2024-01-03", "2024-01-02", "met")
    assert st["rapid-review"] == ("2024-01-23", None, "on-track")

    # The rapid review goes a day late.
    assert stages(db, "BSCP-2024-07", "2024-01-24")["rapid-review"][2] == "overdue"
    ok("record", "BSCP-2024-07", "rapid-review-sent", "--on", "2024-01-24", "--db", db)
    st = stages(db, "BSCP-2024-07", "2024-01-25")
    assert st["rapid-review"] == ("2024-01-23", "2024-01-24", "met-late")
    assert st["panel-response"] == ("2024-02-14", None, "on-track")
    assert stages(db, "BSCP-2024-07", "2024-02-13")["panel-response"][2] == "due-soon"
    ok("record", "BSCP-2024-07", "panel-response", "--on", "2024-02-12", "--db", db)

    ok("record", "BSCP-2024-07", "lcspr-commissioned", "--on", "2024-02-29", "--db", db)
    st = stages(db, "BSCP-2024-07", "2024-03-01")
    assert st["panel-response"] == ("2024-02-14", "2024-02-12", "met")
    assert st["lcspr"] == ("2024-08-29", None, "on-track")
    # Six months pass with no publication: the review is overdue.
    assert stages(db, "BSCP-2024-07", "2024-08-30")["lcspr"] == ("2024-08-29", None, "overdue")

    ok("record", "BSCP-2024-07", "publication-planned", "--on", "2024-12-02", "--db", db)
    assert stages(db, "BSCP-2024-07", "2024-09-02")["publication-notice"] == (
        "2024-11-21",
        None,
        "on-track",
    )
    ok("record", "BSCP-2024-07", "report-sent", "--on", "2024-11-20", "--db", db)
    ok("record", "BSCP-2024-07", "lcspr-completed", "--on", "2024-11-15", "--db", db)
    ok("record", "BSCP-2024-07", "published", "--on", "2024-12-02", "--db", db)
    final = show(db, "BSCP-2024-07", "2024-12-03")
    assert {s["stage"]: s["state"] for s in final["stages"]} == {
        "sin": "met",
        "rapid-review": "met-late",
        "panel-response": "met",
        "lcspr": "met-late",
        "publication-notice": "met",
    }
    assert final["aware"] == "2023-12-22" and final["harm"] == "death"
    assert [e["event"] for e in final["events"]][:3] == ["aware", "notified", "rapid-review-sent"]
    assert all(e["recorded_by"] for e in final["events"])
    # A closed case leaves status unless --all is given.
    assert json.loads(ok("status", "--db", db, "--as-of", "2024-12-03", "--json")) == []
    assert (
        len(json.loads(ok("status", "--all", "--db", db, "--as-of", "2024-12-03", "--json"))) == 1
    )


def test_json_contract(db: str) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", db)
    data = show(db, "R-1", "2024-04-02")
    assert set(data) >= {"ref", "aware", "authority", "harm", "stages", "events"}
    for s in data["stages"]:
        assert set(s) >= {"stage", "starts", "due", "done", "state", "working_days_left", "source"}
    sin = data["stages"][0]
    assert sin == {
        **sin,
        "stage": "sin",
        "starts": "2024-03-28",
        "due": "2024-04-08",
        "done": None,
        "state": "on-track",
        "working_days_left": 4,
    }
    assert "Children Act 2004" in sin["source"]
    listed = json.loads(ok("status", "--db", db, "--as-of", "2024-04-02", "--json"))
    assert listed == [data]


def test_show_and_status_text(db: str) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", db)
    ok("add-sin", "R-2", "--aware", "2024-04-02", "--notified", "2024-04-03", "--db", db)
    out = ok("status", "--db", db, "--as-of", "2024-04-09")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Case", "Stage", "State"]
    assert lines[1].split()[:3] == ["R-1", "sin", "overdue"]  # the most urgent first
    assert lines[2].split()[:3] == ["R-2", "rapid-review", "on-track"]
    assert lines[-1] == (
        "2 cases; open stages: 1 overdue, 0 delayed by proceedings, 0 due soon, 2 on track "
        "(as of 2024-04-09)"
    )
    assert "\x1b[" not in out and "│" not in out and "─" not in out  # plain when not a terminal
    shown = ok("show", "R-1", "--db", db, "--as-of", "2024-04-09")
    assert "Children Act 2004 s16C" in shown and "notify the Panel now" in shown


def test_status_filters(db: str) -> None:
    ok("add-sin", "LATE", "--aware", "2024-03-28", "--db", db)
    ok("add-sin", "SOON", "--aware", "2024-04-03", "--db", db)
    ok("add-sin", "LATER", "--aware", "2024-04-05", "--notified", "2024-04-05", "--db", db)

    def refs(*flags: str) -> list[str]:
        out = ok("status", "--db", db, "--as-of", "2024-04-09", "--json", *flags)
        return [c["ref"] for c in json.loads(out)]

    assert refs() == ["LATE", "SOON", "LATER"]
    assert refs("--overdue") == ["LATE"]
    assert refs("--due-within", "0") == ["LATE"]
    assert refs("--due-within", "1") == ["LATE", "SOON"]
    assert refs("--due-within", "15") == ["LATE", "SOON", "LATER"]
    assert refs("--overdue", "--due-within", "1") == ["LATE"]


@pytest.mark.sqlite_only
def test_new_register_is_private(db: str) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", db)
    assert stat.S_IMODE(Path(db).stat().st_mode) == 0o600


def test_default_register_lives_in_the_user_data_directory(_isolated_home: Path) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28")
    path = _isolated_home / "data" / "reviewclock" / "register.db"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "R-1" in ok("status", "--as-of", "2024-04-01")


def test_register_from_environment_and_config(tmp_path: Path) -> None:
    env_db = str(tmp_path / "env.db")
    r = run("add-sin", "R-ENV", "--aware", "2024-03-28", env={"REVIEWCLOCK_DB": env_db})
    assert r.exit_code == 0, r.stderr
    assert Path(env_db).exists()
    conf = tmp_path / "config.toml"
    conf_db = tmp_path / "conf.db"
    conf.write_text(f'register = "{conf_db}"\n')
    r = run("add-sin", "R-CONF", "--aware", "2024-03-28", env={"REVIEWCLOCK_CONFIG": str(conf)})
    assert r.exit_code == 0, r.stderr
    assert "R-CONF" in run("status", "--all", env={"REVIEWCLOCK_CONFIG": str(conf)}).stdout
    # A SQLAlchemy URL works as well as a path.
    assert "R-ENV" in ok("status", "--all", "--db", f"sqlite:///{env_db}")


# -- bad input: refused, one line, no traceback, and the register unchanged --------------


@pytest.fixture
def populated(db: str) -> str:
    ok("add-sin", "BSCP-1", "--aware", "2024-03-28", "--db", db)
    ok("record", "BSCP-1", "notified", "--on", "2024-04-03", "--db", db)
    ok("add-sin", "BSCP-2", "--aware", "2024-05-01", "--db", db)
    return db


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (["add-sin", "BSCP-3", "--aware", "2024-02-30"], 2, ["'2024-02-30'", "29 days"]),
        (["add-sin", "BSCP-3", "--aware", "2024/03/28"], 2, ["'2024/03/28'", "YYYY-MM-DD"]),
        (["add-sin", "BSCP-3"], 2, ["--aware"]),
        (["add-sin", "BSCP-1", "--aware", "2024-03-28"], 1, ["BSCP-1", "already in the register"]),
        (["add-sin", "BSCP-3", "--aware", "2099-01-05"], 1, ["in the future"]),
        (
            ["add-sin", "BSCP-3", "--aware", "2024-03-28", "--notified", "2024-03-27"],
            1,
            ["before BSCP-3 became known"],
        ),
        (["add-sin", "BSCP 3", "--aware", "2024-03-28"], 2, ["'BSCP 3'", "never a child's name"]),
        (
            ["add-sin", "_x", "--aware", "2024-03-28"],
            2,
            ["'_x'", "starting with a letter or digit"],
        ),
        (["add-sin", "BSCP-3", "--aware", "2024-03-28", "--harm", "bad"], 2, ["'bad'"]),
        (["record", "BSCP-9", "notified", "--on", "2024-04-03"], 1, ["no case 'BSCP-9'"]),
        (["record", "BSCP-2", "notifed", "--on", "2024-05-02"], 2, ["'notifed'", "notified"]),
        (["record", "BSCP-2", "aware", "--on", "2024-05-02"], 2, ["'aware'"]),
        (["record", "BSCP-2", "notified", "--on", "2024-04-30"], 1, ["before BSCP-2 became known"]),
        (["record", "BSCP-2", "notified", "--on", "2099-01-01"], 1, ["in the future"]),
        (["record", "BSCP-2", "notified", "--on", "2024-13-01"], 2, ["'2024-13-01'"]),
        (
            ["record", "BSCP-1", "notified", "--on", "2024-04-04"],
            1,
            ["notified is already recorded for BSCP-1 on 2024-04-03"],
        ),
        (
            ["record", "BSCP-1", "rapid-review-sent", "--on", "2024-04-02"],
            1,
            ["before notified on 2024-04-03"],
        ),
        (
            ["record", "BSCP-2", "rapid-review-sent", "--on", "2024-05-02"],
            1,
            ["needs notified to be recorded first"],
        ),
        (
            ["record", "BSCP-2", "notified", "--on", "2024-05-02", "--kind", "criminal"],
            2,
            ["--kind applies to proceedings events only"],
        ),
        (["show", "BSCP-9"], 1, ["no case 'BSCP-9'"]),
        (["show", "BSCP-1", "--as-of", "yesterday"], 2, ["'yesterday'"]),
        (["status", "--due-within", "soon"], 2, ["'soon'"]),
        (["status", "--as-of", "2024-02-30"], 2, ["'2024-02-30'"]),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    populated: str, args: list[str], code: int, fragments: list[str]
) -> None:
    before = snapshot(populated)
    assert_refused(run(*args, "--db", populated), code, *fragments)
    assert snapshot(populated) == before


def test_the_advice_for_an_unknown_case_lists_the_cases_of_that_register(
    populated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Followed as given, from another directory, the advice lists the register's cases,
    not the default register's."""
    import shlex

    r = run("record", "BSCP-9", "notified", "--on", "2024-04-03", "--db", populated)
    assert r.exit_code == 1
    advice = shlex.split(r.stderr.split("list the cases with: ", 1)[1])
    assert advice[:3] == ["reviewclock", "status", "--all"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVIEWCLOCK_DB", raising=False)
    listed = run(*advice[1:])
    assert listed.exit_code == 0, listed.stderr
    assert "BSCP-1" in listed.stdout


def test_a_reference_told_apart_only_by_capitals_is_warned_about(populated: str) -> None:
    """bscp-1 beside BSCP-1 is a second case of its own: added, with one warning that says
    so and how to take it out again."""
    r = run("add-sin", "bscp-1", "--aware", "2024-05-01", "--db", populated)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (
        "reviewclock: warning: the register also holds BSCP-1, told apart from bscp-1 only by"
        " capitals: they are separate cases; if this is the same one, delete it with"
        " 'reviewclock delete bscp-1 --reason TEXT'\n"
    )
    assert run("add-sin", "BSCP-77", "--aware", "2024-05-01", "--db", populated).stderr == ""
    ok_delete = run("delete", "bscp-1", "--reason", "typed twice", "--yes", "--db", populated)
    assert ok_delete.exit_code == 0, ok_delete.stderr
    assert "BSCP-1" in run("show", "BSCP-1", "--db", populated).stdout


def test_a_long_login_is_kept_cut_short_not_refused(populated: str) -> None:
    """The register keeps 100 characters of who made a record: a longer login (with, on
    PostgreSQL, the database role after it) is cut, its end marked, and the record made."""
    long = "alexandra.featherstonehaugh." * 6  # 168 characters
    env = {"LOGNAME": long, "USER": long}
    r = run("record", "BSCP-2", "notified", "--on", "2024-05-02", "--db", populated, env=env)
    assert r.exit_code == 0, r.stderr
    events = json.loads(run("show", "BSCP-2", "--json", "--db", populated).stdout)["events"]
    (by,) = [e["recorded_by"] for e in events if e["event"] == "notified"]
    assert len(by) == 100 and by == long[:99] + "…"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("given", ["b.db", "./b.db", "sqlite:///b.db", "o'dd dir.db"])
def test_the_advice_for_an_unknown_case_holds_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """A register given by a relative path: the advice names it by its absolute path."""
    import shlex

    (tmp_path / "office").mkdir()
    monkeypatch.chdir(tmp_path / "office")
    assert run("add-sin", "Q-1", "--aware", "2024-01-02", "--db", given).exit_code == 0
    r = run("show", "NOPE", "--db", given)
    assert r.exit_code == 1
    advice = shlex.split(r.stderr.split("list the cases with: ", 1)[1])
    monkeypatch.chdir(tmp_path)
    listed = run(*advice[1:])
    assert listed.exit_code == 0, listed.stderr
    assert "Q-1" in listed.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["add-sin", "R-2", "--aware", "2024-03-28"],
        ["record", "R-1", "notified", "--on", "2024-04-02"],
        ["status"],
        ["export"],
    ],
)
@pytest.mark.parametrize("blank", ["", " "])
def test_a_blank_register_is_refused_not_taken_for_the_default(
    _isolated_home: Path, args: list[str], blank: str
) -> None:
    """`--db "$REGISTER"` with the variable unset must not read or write the default register
    in the user's data directory, which may hold other cases."""
    ok("add-sin", "R-1", "--aware", "2024-03-28")  # the default register
    default = _isolated_home / "data" / "reviewclock" / "register.db"
    before = default.read_bytes()
    assert_refused(run(*args, "--db", blank), 2, f"{blank!r}", "blank", "--db")
    assert_refused(run(*args, env={"REVIEWCLOCK_DB": " "}), 2, "' '", "blank")
    # A URL whose path is blank names no file either (it would make a file named ' ').
    for url in (f"sqlite:///{blank}", "sqlite:///%20", "sqlite:///file:%20?uri=true"):
        assert_refused(run(*args, "--db", url), 1, f"{url!r} names no file")
    assert default.read_bytes() == before
    assert [p.name for p in Path.cwd().iterdir() if not p.name.strip()] == []
    # An empty REVIEWCLOCK_DB is no REVIEWCLOCK_DB at all, as for any setting from the
    # environment: the default register.
    assert run(*args, env={"REVIEWCLOCK_DB": ""}).exit_code == 0


def test_db_is_a_directory(tmp_path: Path) -> None:
    assert_refused(run("status", "--db", str(tmp_path)), 1, "is a directory")
    assert_refused(
        run("add-sin", "R-1", "--aware", "2024-03-28", "--db", str(tmp_path)), 1, "is a directory"
    )


def test_db_is_not_a_register(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to have a header\n")
    assert_refused(run("status", "--db", str(text)), 1, "not a reviewclock register")
    assert_refused(
        run("add-sin", "R-1", "--aware", "2024-03-28", "--db", str(text)), 1, "not a reviewclock"
    )
    assert text.read_text().startswith("not a database")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    assert_refused(run("status", "--db", str(other)), 1, "not a reviewclock register")
    with sqlite3.connect(other) as conn:  # left exactly as it was
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"things"}


def test_missing_register_is_not_created_by_reading(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    assert_refused(run("status", "--db", str(path)), 1, "no register at", "add-sin")
    assert not path.exists()
    assert_refused(
        run(
            "add-sin",
            "R-1",
            "--aware",
            "2024-03-28",
            "--db",
            str(tmp_path / "no-such-dir" / "r.db"),
        ),
        1,
        "does not exist",
    )


def test_name_like_reference_gets_a_warning(db: str) -> None:
    r = run("add-sin", "Jane-Smith", "--aware", "2024-03-28", "--db", db)
    assert r.exit_code == 0
    assert "looks like a person's name" in r.stderr and "--help" in r.stderr


def test_add_sin_help_warns_against_names() -> None:
    assert "child's name" in run("add-sin", "--help").stdout


def test_entry_point_end_to_end(db: str) -> None:
    env = {"REVIEWCLOCK_DB": db}
    p = run_process("add-sin", "E2E-1", "--aware", "2024-03-28", env=env)
    assert p.returncode == 0, p.stderr
    assert "Added E2E-1." in p.stdout and "2024-04-08" in p.stdout
    p = run_process("record", "E2E-1", "notified", "--on", "2024-04-05", env=env)
    assert p.returncode == 0, p.stderr
    p = run_process("status", "--as-of", "2024-04-26", "--json", env=env)
    [case] = json.loads(p.stdout)
    assert [(s["stage"], s["state"]) for s in case["stages"]] == [
        ("sin", "met"),
        ("rapid-review", "due-soon"),
    ]
    p = run_process("record", "E2E-1", "notified", "--on", "2024-04-05", env=env)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def test_completion_lists_case_references(db: str) -> None:
    env = {"REVIEWCLOCK_DB": db}
    for ref in ("BSCP-1", "BSCP-2", "OTHER-1"):
        assert run_process("add-sin", ref, "--aware", "2024-03-28", env=env).returncode == 0
    comp = {
        "_REVIEWCLOCK_COMPLETE": "complete_bash",
        "COMP_WORDS": "reviewclock show BS",
        "COMP_CWORD": "2",
        **env,
    }
    assert run_process(env=comp).stdout.split() == ["BSCP-1", "BSCP-2"]
    comp["COMP_WORDS"], comp["COMP_CWORD"] = "reviewclock record BSCP-1 rapid", "3"
    assert run_process(env=comp).stdout.split() == ["rapid-review-sent"]


def test_record_refuses_a_backdated_event_that_later_records_contradict(db: str) -> None:
    """What record takes, an import of the register takes too: a record dated before
    others must agree with them as the case is checked on import.

    G-1: notified Wed 3 Jan 2024, an extension of the rapid review agreed on Wed 10 Jan; a
    review sent on Tue 9 Jan would have been met before the extension was agreed.
    K-1: criminal proceedings from 10 Jan 2023, ended 1 Mar with no kind given; an inquest
    started on 5 Jan would have been running too, and the end would not say which ended: the
    refusal gives the amend that names it, and once it is named the inquest is taken."""
    ok("add-sin", "G-1", "--aware", "2024-01-02", "--notified", "2024-01-03", "--db", db)
    ok("record", "G-1", "extension-agreed", "--on", "2024-01-10", "--stage", "rapid-review",
       "--to", "2024-02-14", "--db", db)  # fmt: skip
    ok("add-sin", "K-1", "--aware", "2023-01-02", "--db", db)
    ok("record", "K-1", "proceedings-started", "--on", "2023-01-10", "--kind", "criminal",
       "--db", db)  # fmt: skip
    ok("record", "K-1", "proceedings-ended", "--on", "2023-03-01", "--db", db)
    before = snapshot(db)
    for args, fragments in (
        (
            ["G-1", "rapid-review-sent", "--on", "2024-01-09"],
            ["rapid-review-sent on 2024-01-09 would not agree with what G-1 holds dated on or after it",
             "an extension is agreed while the stage is open"],
        ),
        (
            ["K-1", "proceedings-started", "--on", "2023-01-05", "--kind", "inquest"],
            ["would not agree with what K-1 holds",
             "the proceedings-ended of 2023-03-01 for K-1 names no kind, and criminal and"
             " inquest proceedings were running then",
             "give it one: reviewclock amend K-1 proceedings-ended --was 2023-03-01"
             " --kind KIND --reason ..."],
        ),
    ):  # fmt: skip
        assert_refused(run("record", *args, "--db", db), 1, *fragments)
    assert snapshot(db) == before
    # Dated so that nothing after them is contradicted, each is taken: a review sent the day
    # the extension was agreed may have been sent after it.
    ok("record", "G-1", "rapid-review-sent", "--on", "2024-01-10", "--db", db)
    ok("record", "K-1", "proceedings-started", "--on", "2023-03-05", "--kind", "inquest",
       "--db", db)  # fmt: skip
    # The advice, followed, mends it: the end says it was the criminal proceedings, and the
    # inquest from 5 Jan is taken.
    ok("amend", "K-1", "proceedings-ended", "--was", "2023-03-01", "--kind", "criminal",
       "--reason", "the trial ended", "--db", db)  # fmt: skip
    ok("record", "K-1", "proceedings-started", "--on", "2023-01-05", "--kind", "inquest",
       "--db", db)  # fmt: skip
    shown = json.loads(ok("show", "K-1", "--json", "--db", db))
    assert [(e["event"], e["on"], e["kind"]) for e in shown["events"][1:]] == [
        ("proceedings-started", "2023-01-05", "inquest"),
        ("proceedings-started", "2023-01-10", "criminal"),
        ("proceedings-ended", "2023-03-01", "criminal"),
        ("proceedings-started", "2023-03-05", "inquest"),
    ]
    exported = ok("export", "--format", "json", "--db", db)
    assert [c["ref"] for c in json.loads(exported)] == ["G-1", "K-1"]


def test_an_extension_a_later_record_leaves_moot_is_kept(db: str, tmp_path: Path) -> None:
    """Aware Wed 27 Mar 2024, counted from which the rapid review is due 15 working days
    later, skipping Good Friday and Easter Monday (Thu 28 Mar, Tue 2 Apr to Fri 5, 8-12,
    15-19): Fri 19 Apr, so an extension agreed on 4 Apr to Mon 22 Apr is later. Notified on
    Thu 28 Mar, recorded after, the review is due Mon 22 Apr (2-5 Apr, 8-12, 15-19, 22):
    the Panel's date is no later, so it counts for nothing; but it was agreed, it is kept
    (record warns, show marks it), and the register still moves. A new extension to that date is refused, as ever."""
    ok("add-sin", "E-1", "--aware", "2024-03-27", "--db", db)
    ok("record", "E-1", "extension-agreed", "--on", "2024-04-04", "--stage", "rapid-review",
       "--to", "2024-04-22", "--db", db)  # fmt: skip
    r = run("record", "E-1", "notified", "--on", "2024-03-28", "--db", db)
    assert r.exit_code == 0, r.stderr
    moot = (
        "reviewclock: warning: the extension of rapid-review for E-1 agreed on 2024-04-04 to"
        " Mon 2024-04-22 is no later than the stage's own due date now, Mon 2024-04-22: it is"
        " kept, but changes nothing\n"
    )
    assert r.stderr == moot
    assert stages(db, "E-1", "2024-04-05")["rapid-review"] == ("2024-04-22", None, "on-track")
    # show says so beside the stage, once the extension was agreed (4 Apr), not before.
    idle = "extension agreed Thu 2024-04-04 to Mon 2024-04-22 changes nothing"
    assert idle in r.stdout
    assert idle in ok("show", "E-1", "--as-of", "2024-04-05", "--db", db)
    assert "extension agreed" not in ok("show", "E-1", "--as-of", "2024-04-03", "--db", db)
    # Corrected back to the day of awareness, the extension counts again: no warning; and
    # corrected once more, the warning again.
    fix = ["amend", "E-1", "notified", "--reason", "typed wrongly", "--db", db]
    r = run(*fix, "--was", "2024-03-28", "--on", "2024-03-27")
    assert (r.exit_code, r.stderr) == (0, "")
    counting = ok("show", "E-1", "--as-of", "2024-04-05", "--db", db)
    assert idle not in counting
    assert "extension agreed Thu 2024-04-04; statutory due Fri 2024-04-19" in counting
    r = run(*fix, "--was", "2024-03-27", "--on", "2024-03-28")
    assert (r.exit_code, r.stderr) == (0, moot)
    # A record that leaves it as it was says nothing of it.
    r = run("record", "E-1", "rapid-review-sent", "--on", "2024-04-19", "--db", db)
    assert (r.exit_code, r.stderr) == (0, "")
    assert "no contradictory events" in ok("doctor", "--db", db)
    copy = str(tmp_path / "copy.db")
    for file_format in ("csv", "json"):
        exported = ok("export", "--format", file_format, "--db", db)
        path = tmp_path / f"e.{file_format}"
        path.write_text(exported)
        Path(copy).unlink(missing_ok=True)
        ok("import", str(path), "--db", copy)
        assert ok("export", "--format", file_format, "--db", copy) == exported
    assert_refused(
        run("record", "E-1", "extension-agreed", "--on", "2024-04-05", "--stage", "rapid-review",
            "--to", "2024-04-22", "--db", db),
        1, "--to 2024-04-22 is not after rapid-review's current due date, Mon 2024-04-22",
    )  # fmt: skip
    assert_refused(
        run("amend", "E-1", "extension-agreed", "--was", "2024-04-04", "--to", "2024-04-19",
            "--reason", "typed wrongly", "--db", db),
        1, "--to 2024-04-19 is not after rapid-review's current due date",
    )  # fmt: skip
    # Held, an extension must still be after the one agreed before it: notified Wed 3 Jan
    # 2024, due Wed 24 Jan, extended on 10 Jan to Wed 14 Feb; agreed again on 12 Jan to
    # 7 Feb, it would not be later than the due date then in force.
    sheet = tmp_path / "again.csv"
    sheet.write_text(
        "ref,aware,notified,extension-agreed\n"
        "X-1,2024-01-02,2024-01-03,2024-01-10 rapid-review to 2024-02-14;"
        " 2024-01-12 rapid-review to 2024-02-07\n"
    )
    fresh = str(tmp_path / "fresh.db")
    r = run("import", str(sheet), "--db", fresh)
    assert_refused(
        r, 1,
        "line 2 (X-1): the extension of rapid-review for X-1 agreed on 2024-01-12 to Wed"
        " 2024-02-07 is not later than the one agreed before it, on 2024-01-10 to Wed"
        " 2024-02-14; each extension the Panel agrees is to a later date",
    )  # fmt: skip
    assert "--to" not in r.stderr  # a file's record, not an option typed


@pytest.mark.sqlite_only
def test_record_is_not_refused_for_an_old_fault(tmp_path: Path) -> None:
    """A case that already contradicts itself (written behind reviewclock's back) still
    takes a new record that adds no contradiction: doctor names the old one."""
    db = str(tmp_path / "r.db")
    ok("add-sin", "F-1", "--aware", "2024-04-02", "--notified", "2024-04-04", "--db", db)
    ok("record", "F-1", "rapid-review-sent", "--on", "2024-04-25", "--db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET on_date = '2024-04-30' WHERE name = 'notified'")
    assert run("doctor", "--db", db).exit_code == 1
    ok("record", "F-1", "lcspr-commissioned", "--on", "2024-05-10", "--db", db)
