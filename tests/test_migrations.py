"""Schema revisions: a blank register, an old register with data, and one from the future."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from helpers import assert_refused, run, schema
from reviewclock.migrations import HEAD
from reviewclock.models import Case, Deletion, Event, SentDigest
from reviewclock.store import Register, known_revisions

TABLES = (Case, Event, SentDigest, Deletion)

MIGRATIONS = Path(__file__).resolve().parents[1] / "src" / "reviewclock" / "migrations"


def migrate_to(path: Path, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def test_head_names_the_newest_revision() -> None:
    assert max(known_revisions()) == HEAD


def test_blank_register_matches_the_models(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Register(str(path), create=True).close()
    # The tables the models declare, made directly: columns, types, nullability, indexes,
    # foreign keys, unique constraints and primary keys must all match the revisions'.
    models = tmp_path / "models.db"
    engine = create_engine(f"sqlite:///{models}")
    SQLModel.metadata.create_all(engine, tables=[m.__table__ for m in TABLES])  # type: ignore[attr-defined]
    engine.dispose()
    made = schema(path)
    assert {t: v for t, v in made.items() if t != "alembic_version"} == schema(models)
    assert {i[0] for i in made["events"]["indexes"]} == {"ix_events_case_id", "ix_events_amends"}  # type: ignore[index]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_upgrade_from_the_first_revision_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    migrate_to(path, "0001")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO cases (id, ref, authority, harm, created_at, created_by) "
            "VALUES (1, 'OLD-1', 'Northshire', 'death', '2024-03-28 09:00:00', 'officer')"
        )
        conn.executemany(
            "INSERT INTO events (case_id, name, on_date, note, recorded_by, recorded_at) "
            "VALUES (1, ?, ?, ?, 'officer', '2024-04-05 10:00:00')",
            [("aware", "2024-03-28", "from the police"), ("notified", "2024-04-05", None)],
        )
    r = run("show", "OLD-1", "--db", str(path), "--as-of", "2024-04-08", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["authority"] == "Northshire" and data["harm"] == "death"
    assert [(e["event"], e["on"], e["note"], e["recorded_by"]) for e in data["events"]] == [
        ("aware", "2024-03-28", "from the police", "officer"),
        ("notified", "2024-04-05", None, "officer"),
    ]
    assert data["stages"][0]["state"] == "met"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    # Every revision since the first, applied in turn, gives what a new register has.
    blank = tmp_path / "blank.db"
    Register(str(blank), create=True).close()
    assert schema(path) == schema(blank)
    # The upgraded register takes new kinds of data.
    r = run(
        "record",
        "OLD-1",
        "proceedings-started",
        "--on",
        "2024-04-08",
        "--kind",
        "criminal",
        "--db",
        str(path),
    )
    assert r.exit_code == 0, r.stderr


def test_register_from_a_newer_reviewclock_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Register(str(path), create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9001'")
    assert_refused(run("status", "--db", str(path)), 1, "revision 9001", "upgrade reviewclock")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("9001",)]


def test_a_current_register_opens_without_importing_alembic(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    assert run("add-sin", "R-1", "--aware", "2024-03-28", "--db", str(path)).exit_code == 0
    code = (
        "import sys; from reviewclock.cli import main; "
        "sys.argv = ['reviewclock', 'status', '--db', sys.argv[1]]; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert "R-1" in proc.stdout, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "sqlalchemy" in imported
    assert not {m for m in imported if m.split(".")[0] == "alembic"}
