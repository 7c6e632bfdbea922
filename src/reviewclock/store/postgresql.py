"""PostgreSQL-only upkeep: backup with pg_dump, and who may read the tables."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewclock import interruption
from reviewclock.errors import RegisterError
from reviewclock.store.location import Location
from reviewclock.store.schema import REGISTER_TABLES
from reviewclock.store.sqlite import link_into_place, private_temp


def dump_command(location: Location, dest: Path) -> list[str]:
    """The pg_dump command that writes the register to ``dest`` in pg_dump's custom format."""
    command = ["pg_dump", "--format=custom", "--no-password", f"--file={dest}"]
    if location.host:
        command.append(f"--host={location.host}")
    command.append(f"--port={location.port}")
    if location.user:
        command.append(f"--username={location.user}")
    return [*command, location.database]


def backup(conn: Connection, location: Location, dest: Path) -> int:
    """Dump the register with pg_dump into a private file beside ``dest``, then link it to
    ``dest`` (never replacing anything); returns the cases it holds."""
    command = dump_command(location, dest)
    if shutil.which("pg_dump") is None:
        raise RegisterError(
            "pg_dump is not on PATH, and a PostgreSQL register is backed up with it; "
            f"install the PostgreSQL client tools, or run: {shlex.join(command)}"
        )
    temp = private_temp(dest)
    command = dump_command(location, temp)
    with interruption.temporary(temp):
        try:
            cases = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, env=os.environ.copy()
                )
            except OSError as e:
                raise RegisterError(f"could not run pg_dump: {e.strerror}") from None
            if done.returncode != 0:
                lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
                # Its error line says why; the lines after it (the query it ran) do not.
                errors = [line for line in lines if line.startswith("pg_dump: error: ")]
                why = (
                    (errors or lines)[0].removeprefix("pg_dump: error: ")
                    if lines
                    else f"exit {done.returncode}"
                )
                raise RegisterError(
                    f"pg_dump could not back up {location.text} ({why}); nothing was kept"
                )
            link_into_place(temp, dest)
        finally:
            temp.unlink(missing_ok=True)
    return cases


def public_tables(conn: Connection) -> list[str]:
    """The register's tables that every role (PUBLIC) may read."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            " AND has_table_privilege('public', c.oid, 'SELECT') ORDER BY c.relname"
        )
    )
    return [r[0] for r in rows if r[0] in REGISTER_TABLES]


def problems(conn: Connection) -> list[str]:
    """What doctor finds wrong with who may read a PostgreSQL register."""
    return [
        f"table {t} is readable by every database role (PUBLIC); run: REVOKE ALL ON {t} FROM PUBLIC"
        for t in public_tables(conn)
    ]
