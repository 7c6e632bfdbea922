"""Running reviewclock the way its users do: through Typer's runner, or as a real process."""

from __future__ import annotations

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


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point in a subprocess, as cron and a shell would."""
    exe = str(Path(sys.executable).parent / "reviewclock")
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )
