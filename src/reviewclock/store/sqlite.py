"""SQLite-only upkeep: the register file (checked, created private), backup and integrity."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from reviewclock.errors import RegisterError

SQLITE_MAGIC = b"SQLite format 3\x00"


def prepare_file(path: Path, *, create: bool, make_dirs: bool) -> None:
    """Check the path, and create a new private register file where asked to."""
    if path.is_dir():
        raise RegisterError(
            f"{path} is a directory; give the path of a register file, "
            f"for example {path / 'register.db'}"
        )
    if path.exists():
        try:
            with path.open("rb") as f:
                head = f.read(16)
        except OSError as e:
            raise RegisterError(f"cannot read the register {path}: {e.strerror}") from None
        if head and head != SQLITE_MAGIC:
            raise RegisterError(
                f"{path} is not a reviewclock register (not an SQLite database); "
                "check --db or REVIEWCLOCK_DB"
            )
        return
    if not create:
        raise RegisterError(
            f"there is no register at {path} yet; add the first case with "
            "'reviewclock add-sin', or point --db (or REVIEWCLOCK_DB) at your register"
        )
    if not path.parent.exists():
        if not make_dirs:
            raise RegisterError(
                f"the directory {path.parent} does not exist; create it, or choose another --db"
            )
        path.parent.mkdir(mode=0o700, parents=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another process created it a moment ago
    except OSError as e:
        raise RegisterError(f"cannot create the register {path}: {e.strerror}") from None
    os.close(fd)


def new_private_file(dest: Path) -> None:
    """Create ``dest`` empty and private (0600); refuse to overwrite anything."""
    if dest.exists():
        raise RegisterError(
            f"{dest} already exists; choose a new name (a backup never overwrites a file)"
        )
    try:
        fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as e:
        raise RegisterError(f"cannot create the backup {dest}: {e.strerror}") from None
    os.close(fd)


def backup(conn: sqlite3.Connection, dest: Path) -> int:
    """Copy the register to ``dest`` with SQLite's online backup, safe while others write.

    The copy is made private (0600) before anything is written to it, and must
    pass the integrity check. Returns the number of cases copied.
    """
    new_private_file(dest)
    try:
        source = conn
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
            cases = target.execute("SELECT count(*) FROM cases").fetchone()[0]
        finally:
            target.close()
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    if ok != "ok":
        dest.unlink(missing_ok=True)
        raise RegisterError(f"the copy failed its integrity check ({ok}); nothing was kept")
    return int(cases)


def problems(conn: sqlite3.Connection, path: Path | None) -> list[str]:
    """SQLite's integrity check, and file modes that let others read the register."""
    found: list[str] = []
    checks = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if checks != ["ok"]:
        found += [f"integrity check: {c}" for c in checks[:20]]
    if path is not None:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if p.exists():
                mode = p.stat().st_mode & 0o777
                if mode & 0o077:
                    found.append(f"{p} has mode {mode:04o}: others can read it; run: chmod 600 {p}")
    return found
