"""Running reviewclock the way its users do: through Typer's runner, or as a real process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from reviewclock.cli import app


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


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point in a subprocess, as cron and a shell would."""
    exe = str(Path(sys.executable).parent / "reviewclock")
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


def query(db: str, sql: str) -> list[tuple[object, ...]]:
    """Rows from the register behind reviewclock's back: an SQLite file, or a PostgreSQL URL."""
    if "://" in db and db.split("://", 1)[0].startswith("postgres"):
        import psycopg

        with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]  # type: ignore[arg-type]
    import sqlite3

    with contextlib.closing(sqlite3.connect(db.removeprefix("sqlite:///"))) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
