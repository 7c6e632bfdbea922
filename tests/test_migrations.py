"""Schema revisions: a blank register, an old register with data, and one from the future."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Date, Engine, bindparam, create_engine, inspect, text
from sqlmodel import SQLModel

from helpers import assert_refused, imported_modules, query, run, schema
from reviewclock.migrations import HEAD
from reviewclock.models import Case, Deletion, Event, SentDigest
from reviewclock.store import Register, known_revisions

TABLES = (Case, Event, SentDigest, Deletion)

MIGRATIONS = Path(__file__).resolve().parents[1] / "src" / "reviewclock" / "migrations"


def engine_for(db: str) -> Engine:
    """A plain SQLAlchemy engine on the register (PostgreSQL sessions in UTC)."""
    if "://" in db:
        return create_engine(db, connect_args={"options": "-c timezone=UTC"})
    return create_engine(f"sqlite:///{db}")


def migrate_to(db: str, revision: str) -> None:
    engine = engine_for(db)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def test_head_names_the_newest_revision() -> None:
    assert max(known_revisions()) == HEAD


def test_blank_register_matches_the_models(register_url: str) -> None:
    Register(register_url, create=True).close()
    engine = engine_for(register_url)
    inspector = inspect(engine)
    for model in (Case, Event, SentDigest, Deletion):
        table = model.__table__  # type: ignore[attr-defined]
        expected = {c.name: c.nullable for c in table.columns}
        actual = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        assert actual == expected, table.name
    assert query(register_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    if "://" not in register_url:
        # On SQLite, everything: the tables the models declare, made directly, against the
        # revisions' (columns, types, nullability, indexes, foreign keys, unique constraints
        # and primary keys).
        models = Path(register_url).with_name("models.db")
        made_directly = create_engine(f"sqlite:///{models}")
        SQLModel.metadata.create_all(made_directly, tables=[m.__table__ for m in TABLES])  # type: ignore[attr-defined]
        made_directly.dispose()
        made = schema(register_url)
        assert {t: v for t, v in made.items() if t != "alembic_version"} == schema(models)
        indexes = {i[0] for i in made["events"]["indexes"]}  # type: ignore[index]
        assert indexes == {
            "ix_events_case_id_on_date",
            "ix_events_amends",
            "ix_events_name_case_id",
        }
    if "://" in register_url:  # timestamps keep their zone, dates are dates
        types = {c["name"]: str(c["type"]) for c in inspector.get_columns("events")}
        assert types["recorded_at"] == "TIMESTAMP" and types["on_date"] == "DATE"
        zoned = query(
            register_url,
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE data_type = 'timestamp with time zone' AND table_schema = 'public'"
            " ORDER BY 1, 2",
        )
        assert zoned == [
            ("cases", "created_at"),
            ("deletions", "deleted_at"),
            ("events", "recorded_at"),
            ("sent_digests", "sent_at"),
        ]
    engine.dispose()


def test_upgrade_from_the_first_revision_keeps_every_row(register_url: str) -> None:
    path = register_url
    migrate_to(path, "0001")
    engine = engine_for(path)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (id, ref, authority, harm, created_at, created_by) "
                "VALUES (1, 'OLD-1', 'Northshire', 'death', '2024-03-28 09:00:00', 'officer')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO events (case_id, name, on_date, note, recorded_by, recorded_at) "
                "VALUES (1, :name, :on, :note, 'officer', '2024-04-05 10:00:00')"
            ).bindparams(bindparam("on", type_=Date())),
            [
                {"name": "aware", "on": dt.date(2024, 3, 28), "note": "from the police"},
                {"name": "notified", "on": dt.date(2024, 4, 5), "note": None},
            ],
        )
    engine.dispose()
    r = run("show", "OLD-1", "--db", str(path), "--as-of", "2024-04-08", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["authority"] == "Northshire" and data["harm"] == "death"
    assert [(e["event"], e["on"], e["note"], e["recorded_by"]) for e in data["events"]] == [
        ("aware", "2024-03-28", "from the police", "officer"),
        ("notified", "2024-04-05", None, "officer"),
    ]
    assert data["stages"][0]["state"] == "met"
    assert [e["recorded_at"] for e in data["events"]] == ["2024-04-05T10:00:00+00:00"] * 2
    assert query(path, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    engine = engine_for(path)
    columns = {c["name"] for c in inspect(engine).get_columns("events")}
    engine.dispose()
    assert {"kind", "amends", "reason"} <= columns
    if "://" not in path:
        # Every revision since the first, applied in turn, gives what a new register has.
        blank = Path(path).with_name("blank.db")
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


def test_register_from_a_newer_reviewclock_is_refused(register_url: str) -> None:
    Register(register_url, create=True).close()
    engine = engine_for(register_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9001'"))
    engine.dispose()
    assert_refused(run("status", "--db", register_url), 1, "revision 9001", "upgrade reviewclock")
    assert query(register_url, "SELECT version_num FROM alembic_version") == [("9001",)]


def test_a_current_register_opens_without_importing_alembic(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    assert run("add-sin", "R-1", "--aware", "2024-03-28", "--db", str(path)).exit_code == 0
    imported, out = imported_modules("status", "--db", str(path))
    assert "R-1" in out
    assert "reviewclock.store.reading" in imported  # the measurement itself works
    assert not {m for m in imported if m.split(".")[0] == "alembic"}


def test_the_sqlite_schema_file_is_what_the_revisions_make() -> None:
    """A new SQLite register is made from a file, not by running every revision; the file
    must say exactly what the revisions make."""
    from reviewclock.store.schema import SQLITE_SCHEMA, sqlite_schema_from_revisions

    assert SQLITE_SCHEMA.read_text(encoding="utf-8") == sqlite_schema_from_revisions(), (
        "the revisions changed: write the file anew with "
        "python -c 'from reviewclock.store.schema import *; "
        "SQLITE_SCHEMA.write_text(sqlite_schema_from_revisions())'"
    )
    assert f"VALUES ('{HEAD}')" in SQLITE_SCHEMA.read_text(encoding="utf-8")


def test_a_new_register_from_the_file_is_the_one_the_revisions_make(tmp_path: Path) -> None:
    by_revisions = tmp_path / "revisions.db"
    migrate_to(str(by_revisions), "head")
    made = tmp_path / "new.db"
    Register(str(made), create=True).close()
    assert schema(made) == schema(by_revisions)
    assert query(f"sqlite:///{made}", "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert made.stat().st_mode & 0o777 == 0o600


def test_a_new_register_is_made_without_alembic_or_sqlalchemy(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    imported, out = imported_modules("add-sin", "R-1", "--aware", "2024-03-28", "--db", db)
    assert "R-1" in out
    assert "reviewclock.store.writing" in imported or "reviewclock.checks" in imported
    assert not {m for m in imported if m.split(".")[0] in ("alembic", "sqlalchemy", "sqlmodel")}
