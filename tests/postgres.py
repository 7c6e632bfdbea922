"""A throwaway PostgreSQL server for the tests: the one place that starts and stops it.

Used by the test session (tests/conftest.py) and by .ci/run, with the standard
library alone:

    python3 tests/postgres.py start DIR    # prints: export REVIEWCLOCK_TEST_PG=...
    python3 tests/postgres.py stop DIR

The cluster lives in DIR, listens on 127.0.0.1 on a free port, and trusts the
superuser ``postgres`` there; every other role must give its password, so that
refused passwords can be tested. ``initdb`` refuses to run as root, so as root
the cluster runs as the ``postgres`` user. It is for tests only: fsync is off.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ENV = "REVIEWCLOCK_TEST_PG"
SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The directory holding initdb and pg_ctl (PATH, or Debian's versioned directory)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SUPERUSER, "--", *command]


def start(base: Path) -> str:
    """Create and start a cluster under ``base``; returns the superuser's URL. Raises
    RuntimeError, saying why, when PostgreSQL is not installed or will not start."""
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("initdb and pg_ctl are not installed (apt-get install postgresql)")
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, SUPERUSER)
    port = _free_port()
    steps = [
        [
            str(bindir / "initdb"),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "-D",
            str(data),
        ],
    ]
    for step in steps:
        done = subprocess.run(_as_owner(step), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{step[0]} failed: {done.stderr.strip()[-500:]}")
    hba = data / "pg_hba.conf"
    hba.write_text(
        f"host all {SUPERUSER} 127.0.0.1/32 trust\n" + hba.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    ctl = [
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "server.log"),
        "-o",
        options,
        "-w",
        "-t",
        "60",
        "start",
    ]
    done = subprocess.run(_as_owner(ctl), capture_output=True, text=True)
    if done.returncode:
        log = (base / "server.log").read_text(errors="replace")[-500:]
        raise RuntimeError(f"pg_ctl could not start PostgreSQL: {done.stderr.strip()} {log}")
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"


def stop(base: Path) -> None:
    """Stop the cluster under ``base`` (if it runs) and remove it."""
    bindir = binaries()
    data = base / "data"
    if bindir is not None and (data / "postmaster.pid").exists():
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    action, where = sys.argv[1], Path(sys.argv[2])
    if action == "start":
        try:
            print(f"export {ENV}={start(where)}")
        except RuntimeError as e:
            print(f"postgres.py: {e}", file=sys.stderr)
            sys.exit(1)
    else:
        stop(where)
