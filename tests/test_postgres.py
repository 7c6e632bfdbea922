"""The register on PostgreSQL: what differs from SQLite, its bad inputs, and moving a register.

The journeys, bad inputs, concurrency and migrations run on both engines in the
other test files (the ``register_url`` fixture); this file holds what only a
server has: roles, passwords, grants, pg_dump, and copying between engines.
"""

from __future__ import annotations

import getpass
import os
import shlex
import socket
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import libpq
from helpers import assert_refused, query, run

AS_OF = "2025-02-03"


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    r = run(*args, env=env)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout


def admin_sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(libpq(url), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]


def with_role(url: str, role: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture
def role(pg_server: str, pg_database: str) -> Iterator[tuple[str, str]]:
    """A login role that must give its password: (name, password)."""
    name, password = f"officer_{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    admin_sql(pg_server, f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    yield name, password
    admin_sql(pg_database, f"DROP OWNED BY {name} CASCADE")
    admin_sql(pg_server, f"DROP ROLE IF EXISTS {name}")


def journey(db: str) -> None:
    """A small register with every kind of row: events, a correction, proceedings, a deletion."""
    steps = [
        [
            "add-sin",
            "BSCP-1",
            "--aware",
            "2024-12-20",
            "--authority",
            "Northshire",
            "--harm",
            "death",
        ],
        ["record", "BSCP-1", "notified", "--on", "2024-12-30", "--note", "late: Christmas"],
        ["amend", "BSCP-1", "notified", "--on", "2024-12-27", "--reason", "typed the wrong day"],
        ["record", "BSCP-1", "rapid-review-sent", "--on", "2025-01-17"],
        ["record", "BSCP-1", "lcspr-commissioned", "--on", "2025-01-31"],
        ["add-sin", "BSCP-2", "--aware", "2024-03-28", "--notified", "2024-04-05"],
        ["record", "BSCP-2", "rapid-review-sent", "--on", "2024-04-25"],
        ["record", "BSCP-2", "lcspr-commissioned", "--on", "2024-05-31"],
        ["record", "BSCP-2", "proceedings-started", "--on", "2024-09-02", "--kind", "criminal"],
        ["add-sin", "BSCP-3", "--aware", "2025-01-30"],
        ["add-sin", "GONE-1", "--aware", "2025-01-02"],
        ["delete", "GONE-1", "--reason", "entered twice", "--yes"],
    ]
    for step in steps:
        ok(*step, "--db", db)


def views(db: str) -> dict[str, str]:
    """Everything a user can see of the register, command by command."""
    commands = {
        "status": ["status", "--as-of", AS_OF],
        "status-all-json": ["status", "--all", "--json", "--as-of", AS_OF],
        "show": ["show", "BSCP-1", "--as-of", AS_OF],
        "show-json": ["show", "BSCP-1", "--json", "--as-of", AS_OF],
        "report": ["report", "--as-of", AS_OF],
        "report-md": ["report", "--format", "markdown", "--as-of", AS_OF],
        "report-html": ["report", "--format", "html", "--as-of", AS_OF],
        "report-json": ["report", "--format", "json", "--as-of", AS_OF],
        "report-csv": ["report", "--format", "csv", "--as-of", AS_OF],
        "history": ["history", "BSCP-1"],
        "history-deleted": ["history", "GONE-1"],
        "stats": ["stats", "--year", "2024/25", "--json", "--as-of", AS_OF],
        "export-csv": ["export"],
        "export-json": ["export", "--format", "json", "--as-of", AS_OF],
    }
    return {name: ok(*args, "--db", db) for name, args in commands.items()}


def move(source: str, dest: str) -> None:
    """Pipe export --format json from one register into import on another, as the README says."""
    exe = shlex.quote(str(Path(sys.executable).parent / "reviewclock"))
    pipe = (
        f"{exe} export --format json --db {shlex.quote(source)}"
        f" | {exe} import - --format json --db {shlex.quote(dest)}"
    )
    p = subprocess.run(["bash", "-o", "pipefail", "-c", pipe], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Imported ") and p.stderr == ""


def test_same_output_on_both_engines_and_a_round_trip(pg_database: str, tmp_path: Path) -> None:
    first = str(tmp_path / "first.db")
    journey(first)
    move(first, pg_database)
    on_sqlite, on_postgresql = views(first), views(pg_database)
    for name, text in on_sqlite.items():
        assert on_postgresql[name] == text, name
    assert "typed the wrong day" in on_sqlite["history"]
    assert "entered twice" in on_sqlite["history-deleted"]
    # ... and back again: SQLite -> PostgreSQL -> SQLite changes nothing.
    back = str(tmp_path / "back.db")
    move(pg_database, back)
    assert ok("export", "--format", "json", "--db", back) == ok(
        "export", "--format", "json", "--db", first
    )
    assert views(back) == on_sqlite


def test_history_shows_the_database_role_when_it_differs(pg_database: str) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", pg_database)
    history = ok("history", "R-1", "--db", pg_database)
    user = getpass.getuser()
    assert f"{user} (database role postgres)" in history  # the tests connect as postgres
    assert user != "postgres"


def test_events_are_dates_and_stamps_are_zoned(pg_database: str) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", pg_database)
    [(on, zone)] = query(
        pg_database, "SELECT pg_typeof(on_date)::text, pg_typeof(recorded_at)::text FROM events"
    )
    assert (on, zone) == ("date", "timestamp with time zone")


# -- bad input -------------------------------------------------------------------------------


def test_unknown_dialect_lists_what_is_supported(tmp_path: Path) -> None:
    for url in ("mysql://bsu@db.example/register", "oracle+cx://x@y/z"):
        assert_refused(
            run("status", "--db", url),
            1,
            "is not a database reviewclock supports",
            "sqlite:///",
            "postgresql+psycopg://USER@HOST/DBNAME",
        )


def test_a_server_that_is_down_is_named(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nothing listens once the socket closes
    url = f"postgresql+psycopg://bsu@127.0.0.1:{port}/register"
    for args in (["status"], ["add-sin", "R-1", "--aware", "2024-03-28"]):
        assert_refused(run(*args, "--db", url), 1, f"127.0.0.1:{port}", "is running")


def test_wrong_password_is_refused_and_never_echoed(
    pg_server: str, pg_database: str, role: tuple[str, str]
) -> None:
    name, password = role
    url = with_role(pg_database, name)
    r = run("status", "--db", url, env={"PGPASSWORD": "not-the-" + password})
    assert_refused(r, 1, "refused the password", name, "PGPASSWORD or ~/.pgpass")
    assert password not in r.stderr + r.stdout
    r = run("status", "--db", url)  # no password at all
    assert_refused(r, 1, "refused the password")


def test_connection_options_the_server_refuses_are_said_as_that(pg_database: str) -> None:
    """Not 'cannot reach the server' when it answered: the server's own reason, and where to
    look (the options after '?'). The test server offers no SSL."""
    for given, reason in (
        ("?sslmode=require", "does not support SSL"),
        ("?bogus=1", 'invalid connection option "bogus"'),
    ):
        r = run("status", "--db", pg_database + given)
        assert_refused(r, 1, "refused the connection as the URL", reason, "after '?'")
        assert "cannot reach" not in r.stderr


def test_a_password_in_the_url_is_refused_and_not_shown(pg_database: str) -> None:
    url = pg_database.replace("postgres@", "postgres:s3cret-Value@")
    r = run("status", "--db", url)
    assert_refused(r, 1, "holds a password", "~/.pgpass")
    assert "s3cret-Value" not in r.stderr + r.stdout
    r = run("status", env={"REVIEWCLOCK_DB": url})
    assert_refused(r, 1, "holds a password")
    assert "s3cret-Value" not in r.stderr
    # Given as a connection parameter, in any case, it is a password in the URL all the same.
    for given in ("?password=s3cret-Value", "?sslmode=disable&PASSWORD=s3cret-Value"):
        for command in (("status",), ("doctor",), ("show", "NOPE"), ("backup", "x.dump")):
            r = run(*command, "--db", pg_database + given)
            assert_refused(r, 1, "holds a password", "=***")
            assert "s3cret-Value" not in r.stderr + r.stdout


def test_a_database_with_other_tables_is_refused_and_untouched(pg_database: str) -> None:
    admin_sql(pg_database, "CREATE TABLE invoices (id int)", "INSERT INTO invoices VALUES (7)")
    for args in (["status"], ["add-sin", "R-1", "--aware", "2024-03-28"]):
        assert_refused(run(*args, "--db", pg_database), 1, "not a reviewclock register")
    tables = query(
        pg_database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    )
    assert tables == [("invoices",)]
    assert query(pg_database, "SELECT id FROM invoices") == [(7,)]


def test_an_empty_database_is_not_made_a_register_by_reading(pg_database: str) -> None:
    assert_refused(run("status", "--db", pg_database), 1, "no register in", "add-sin")
    assert query(pg_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
        (0,)
    ]


def test_a_role_that_may_only_read(pg_database: str, role: tuple[str, str]) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", pg_database)
    name, password = role
    admin_sql(
        pg_database,
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}",
    )
    url, env = with_role(pg_database, name), {"PGPASSWORD": password}
    before = ok("status", "--all", "--json", "--as-of", AS_OF, "--db", url, env=env)
    r = run("record", "R-1", "notified", "--on", "2024-04-02", "--db", url, env=env)
    assert_refused(r, 1, f"role {name} may not change the register", "GRANT")
    assert ok("status", "--all", "--json", "--as-of", AS_OF, "--db", url, env=env) == before


def test_a_case_locked_past_the_timeout(pg_database: str) -> None:
    import psycopg

    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", pg_database)
    before = ok("status", "--all", "--json", "--as-of", AS_OF, "--db", pg_database)
    with psycopg.connect(libpq(pg_database)) as holder:
        holder.execute("SELECT id FROM cases WHERE ref = 'R-1' FOR UPDATE")
        r = run(
            "record",
            "R-1",
            "notified",
            "--on",
            "2024-04-02",
            "--db",
            pg_database,
            env={"REVIEWCLOCK_LOCK_TIMEOUT": "0.3"},
        )
        assert_refused(r, 1, "locked by another user for over 0.3 s", "nothing was changed")
    assert ok("status", "--all", "--json", "--as-of", AS_OF, "--db", pg_database) == before


def test_without_the_driver_one_line_says_what_to_install(tmp_path: Path) -> None:
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'psycopg':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    exe = str(Path(sys.executable).parent / "reviewclock")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    p = subprocess.run(
        [exe, "status", "--db", "postgresql+psycopg://bsu@db.example/register"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert p.returncode == 1, p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "pip install 'reviewclock[postgres]'" in p.stderr


# -- backup and doctor -----------------------------------------------------------------------


def test_backup_with_pg_dump(pg_database: str, tmp_path: Path) -> None:
    journey(pg_database)
    dest = tmp_path / "register.dump"
    out = ok("backup", str(dest), "--db", pg_database)
    assert out == f"Backed up 3 cases to {dest} (pg_dump: ok).\n"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert dest.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert_refused(run("backup", str(dest), "--db", pg_database), 1, "already exists")


def test_an_officer_with_the_readme_s_grants_records_and_backs_up(
    pg_database: str, role: tuple[str, str], tmp_path: Path
) -> None:
    """The README's GRANT lines, as they are written, let an officer record and back up;
    without SELECT on the sequences, pg_dump's refusal is the line that says why."""
    import re

    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", pg_database)
    name, password = role
    database = pg_database.rsplit("/", 1)[1]
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    grants = re.findall(r"psql bsu -c '(GRANT [^']+)'", readme)
    assert len(grants) == 4
    admin_sql(
        pg_database,
        *(g.replace(" alice", f" {name}").replace(" bsu ", f" {database} ") for g in grants),
    )
    url, env = with_role(pg_database, name), {"PGPASSWORD": password}
    ok("record", "R-1", "notified", "--on", "2024-04-02", "--db", url, env=env)
    dest = tmp_path / "officer.dump"
    assert ok("backup", str(dest), "--db", url, env=env).startswith("Backed up 1 case")
    admin_sql(pg_database, f"REVOKE SELECT ON ALL SEQUENCES IN SCHEMA public FROM {name}")
    r = run("backup", str(tmp_path / "again.dump"), "--db", url, env=env)
    assert_refused(r, 1, "pg_dump could not back up", "permission denied for sequence")
    assert "Query was" not in r.stderr


def test_backup_without_pg_dump_says_what_to_run(pg_database: str, tmp_path: Path) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--db", pg_database)
    dest = tmp_path / "register.dump"
    r = run("backup", str(dest), "--db", pg_database, env={"PATH": str(tmp_path)})
    assert_refused(r, 1, "pg_dump is not on PATH", "pg_dump --format=custom", str(dest))
    assert not dest.exists()


def test_doctor_on_a_server(pg_database: str) -> None:
    ok("add-sin", "R-1", "--aware", "2024-03-28", "--notified", "2024-04-02", "--db", pg_database)
    ok("record", "R-1", "rapid-review-sent", "--on", "2024-04-19", "--db", pg_database)
    out = ok("doctor", "--db", pg_database)
    assert "file checks (integrity, modes) are skipped" in out
    assert "schema current, not readable by PUBLIC, no contradictory events" in out
    admin_sql(
        pg_database,
        "GRANT SELECT ON events TO PUBLIC",
        "UPDATE events SET on_date = '2024-04-30' WHERE name = 'notified'",
    )
    r = run("doctor", "--db", pg_database)
    assert r.exit_code == 1
    assert "table events is readable by every database role (PUBLIC)" in r.stdout
    assert "REVOKE ALL ON events FROM PUBLIC" in r.stdout
    assert "R-1: that would put rapid-review-sent (2024-04-19) before notified (2024-04-30)" in (
        r.stdout
    )


def test_a_dry_run_into_an_empty_database_writes_nothing(pg_database: str, tmp_path: Path) -> None:
    source = str(tmp_path / "source.db")
    journey(source)
    moved = tmp_path / "register.json"
    moved.write_text(ok("export", "--format", "json", "--db", source))
    out = ok("import", str(moved), "--dry-run", "--db", pg_database)
    # The journey deleted a case: the deletion is counted with what the file adds.
    assert out.startswith("Would import 3 new cases, ") and " and 1 deletion from " in out
    assert query(pg_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
        (0,)
    ]


def test_the_settings_file_may_name_a_server_but_not_a_password(tmp_path: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('register = "postgresql+psycopg://alice:Hunter2-x@db.bsu.example/bsu"\n')
    r = run("status", env={"REVIEWCLOCK_CONFIG": str(conf)})
    assert_refused(r, 1, str(conf), "'register'", "holds a password")
    assert "Hunter2-x" not in r.stderr
    conf.write_text('register = "mysql://alice@db.bsu.example/bsu"\n')
    assert_refused(run("status", env={"REVIEWCLOCK_CONFIG": str(conf)}), 1, "mysql://")
