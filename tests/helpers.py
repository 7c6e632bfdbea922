"""Running reviewclock the way its users do: through Typer's runner, or as a real process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from reviewclock.cli import app

RegisterCopy = Callable[[str, Callable[[str], None], Path], str]
"""The ``register_copy`` fixture: ``register_copy(key, build, dest)`` gives a copy of a
register built once per test process by ``build(path)``."""


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


def run(*args: str, env: dict[str, str] | None = None) -> Run:
    """Invoke a command in-process with CliRunner; stdout and stderr kept apart."""
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def assert_refused(r: Run, code: int, *fragments: str) -> None:
    """A refusal: the exit code, one line on stderr naming what is wrong, no traceback."""
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("reviewclock: error: "), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def imported_modules(
    *args: str, env: dict[str, str] | None = None, exit_code: int | None = None
) -> tuple[set[str], str]:
    """Run reviewclock in a fresh interpreter with -X importtime: what it imported, and its
    output (and, given ``exit_code``, that it ended with it)."""
    code = (
        "import sys; from reviewclock.cli import main; "
        "sys.argv = ['reviewclock', *sys.argv[1:]]; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
        timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if exit_code is not None:
        assert proc.returncode == exit_code, proc.stderr
    modules = {
        line.split("|")[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "reviewclock.cli.funnel" in modules  # the measurement itself works
    return modules, proc.stdout


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point in a subprocess, as cron and a shell would."""
    exe = str(Path(sys.executable).parent / "reviewclock")
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


def _affinity(sql_type: str) -> str:
    """SQLite stores TEXT and unbounded VARCHAR alike; the models say VARCHAR where the
    revisions said TEXT. Every other type, and every length, must match exactly."""
    return "TEXT" if sql_type == "VARCHAR" else sql_type


def schema(path: Path) -> dict[str, object]:
    """Every table's columns (name, type, nullable), indexes, foreign keys and unique
    constraints, as SQLAlchemy reads them back from the file."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(f"sqlite:///{path}")
    inspector = inspect(engine)
    out: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        out[table] = {
            # In any order: a column added by a later revision comes last in the file.
            "columns": sorted(
                (c["name"], _affinity(str(c["type"])), c["nullable"])
                for c in inspector.get_columns(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        }
    engine.dispose()
    return out


def query(db: str, sql: str) -> list[tuple[object, ...]]:
    """Rows from the register behind reviewclock's back: an SQLite file, or a PostgreSQL URL."""
    if "://" in db and db.split("://", 1)[0].startswith("postgres"):
        import psycopg

        with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]  # type: ignore[arg-type]
    import sqlite3

    with contextlib.closing(sqlite3.connect(db.removeprefix("sqlite:///"))) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
