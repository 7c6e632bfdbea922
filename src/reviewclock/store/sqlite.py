"""SQLite-only upkeep: the register file (checked, created private), backup and integrity."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from reviewclock import interruption
from reviewclock.errors import RegisterError

SQLITE_MAGIC = b"SQLite format 3\x00"


def prepare_file(path: Path, *, create: bool, make_dirs: bool, timeout: float) -> None:
    """Check the path, and create a new private register file where asked to.

    A symbolic link is followed only to an existing register; a new register is
    never made through a link, and an existing empty file is never taken for one.
    """
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_file() or _head(target) != SQLITE_MAGIC:
                raise RegisterError(
                    f"{path} is a symbolic link to {target}, which is not a reviewclock "
                    "register; give the path of the register itself"
                )
            return
        if path.is_dir():
            raise RegisterError(
                f"{path} is a directory; give the path of a register file, "
                f"for example {path / 'register.db'}"
            )
        if path.exists():
            head = _head(path)
            if not head:
                raise RegisterError(
                    f"{path} is an empty file, not a reviewclock register; remove it, "
                    "or choose another --db"
                )
            if head != SQLITE_MAGIC:
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
        _directory_for(path, make_dirs=make_dirs)
        _create_register(path, timeout)
    except OSError as e:
        raise RegisterError(f"cannot use the register {path}: {e.strerror}") from None


@contextlib.contextmanager
def first_import_journal(conn: sqlite3.Connection) -> Iterator[None]:
    """Write an import into a register with no events yet through SQLite's rollback journal,
    not the write-ahead log.

    In WAL mode every page of one large transaction is written twice, to the log and
    then back into the file, which costs a first import of 100,000 cases about a
    second. The rollback journal is as safe (``synchronous = FULL``), but SQLite lets a
    connection leave WAL only while no other connection has the register open: then the
    log is simply kept. WAL is turned back on afterwards (and every connection turns it
    on when it opens the register).
    """
    if conn.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0]:
        yield
        return
    waits = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute("PRAGMA busy_timeout = 0")  # another connection open: keep WAL, do not wait
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = None
    finally:
        conn.execute(f"PRAGMA busy_timeout = {waits}")
    try:
        yield
    finally:
        if mode == "delete":
            with contextlib.suppress(sqlite3.OperationalError):
                conn.execute("PRAGMA journal_mode = WAL")


def _directory_for(path: Path, *, make_dirs: bool) -> None:
    """Make sure the directory a new register goes in exists: made (private) only where
    reviewclock chooses the place itself (``make_dirs``), otherwise a refusal."""
    if path.parent.exists():
        return
    if not make_dirs:
        raise RegisterError(
            f"the directory {path.parent} does not exist; create it, or choose another --db"
        )
    from reviewclock.files import make_private_dirs

    make_private_dirs(path.parent)


def _temp_beside(path: Path) -> Path:
    """A new empty private (0600) file beside ``path``, named after it, to be linked to it
    when done."""
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    return Path(name)


def _head(path: Path) -> bytes:
    """The first 16 bytes of a file (an SQLite database starts with its magic string)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RegisterError(f"{path} is not a regular file; give the path of a register file")
        return os.read(fd, 16)
    finally:
        os.close(fd)


def _create_register(path: Path, timeout: float) -> None:
    """Make a new register at ``path``, all at once.

    The schema is built in a private (0600) file beside ``path``, which is then
    linked into place: ``link`` never replaces anything, so a file or link that
    appeared at ``path`` meanwhile is left alone. If another process made the
    register a moment ago, its register is used.
    """
    temp = _temp_beside(path)
    with interruption.temporary(temp):
        _build_register(temp, path, timeout)


def _write_schema(temp: Path, timeout: float) -> None:
    """The schema every revision makes (see reviewclock.store.schema.SQLITE_SCHEMA), in
    one transaction, through the rollback journal: nothing is left to fold in before the
    file is linked into place (every connection turns WAL on when it opens it)."""
    from reviewclock.store.schema import SQLITE_SCHEMA

    with contextlib.closing(sqlite3.connect(temp, timeout=timeout)) as plain:
        plain.execute("PRAGMA synchronous = FULL")
        plain.executescript(SQLITE_SCHEMA.read_text(encoding="utf-8"))


def _build_register(temp: Path, path: Path, timeout: float) -> None:
    try:
        _write_schema(temp, timeout)
        try:
            os.link(temp, path)
        except FileExistsError:
            if path.is_symlink() or not path.is_file() or _head(path) != SQLITE_MAGIC:
                raise RegisterError(
                    f"{path} appeared while the register was being made, and it is not a "
                    "register; check what made it"
                ) from None
    finally:
        for part in interruption.with_journals(temp):
            part.unlink(missing_ok=True)


@contextlib.contextmanager
def filled_aside(path: Path, *, make_dirs: bool, timeout: float) -> Iterator[Path]:
    """A new register made beside ``path`` under a private temporary name, for the block
    to fill (an import into a new register), then linked to ``path`` when the block ends
    without an error, and removed otherwise: the new register appears whole, or not at all.
    The block closes its connections before it ends."""
    try:
        _directory_for(path, make_dirs=make_dirs)
        temp = _temp_beside(path)
    except OSError as e:
        raise RegisterError(f"cannot use the register {path}: {e.strerror}") from None

    def link() -> None:
        os.link(temp, path)

    try:
        with interruption.temporary(temp), interruption.saved_in_place():
            _write_schema(temp, timeout)
            yield temp
            if Path(f"{temp}-wal").exists():  # never: closing the last connection folds it in
                raise RegisterError(
                    f"the new register {path} was not closed cleanly; run the import again"
                )
            interruption.pause("before-link")
            try:
                interruption.put_in_place(link)
            except FileExistsError:
                raise RegisterError(
                    f"{path} appeared while the import ran, so nothing was imported into it; "
                    "run the import again"
                ) from None
            except OSError as e:
                raise RegisterError(f"cannot use the register {path}: {e.strerror}") from None
    finally:
        for part in interruption.with_journals(temp):
            part.unlink(missing_ok=True)


def private_temp(dest: Path) -> Path:
    """A new empty private (0600) file beside ``dest``, to be linked to ``dest`` when done;
    refuses when ``dest`` already exists (a backup never overwrites a file)."""

    try:
        if dest.is_symlink() or dest.exists():
            raise RegisterError(exists_message(dest))
        return _temp_beside(dest)
    except OSError as e:
        raise RegisterError(f"cannot create the backup {dest}: {e.strerror}") from None


def exists_message(dest: Path) -> str:
    return f"{dest} already exists; choose a new name (a backup never overwrites a file)"


def link_into_place(temp: Path, dest: Path) -> None:
    """Link the finished copy to ``dest``: a link never replaces anything, so a file or a
    symbolic link that appeared at ``dest`` meanwhile is never written through."""
    interruption.pause("before-link")
    try:
        os.link(temp, dest)
    except FileExistsError:
        raise RegisterError(exists_message(dest)) from None
    except OSError as e:
        raise RegisterError(f"cannot create the backup {dest}: {e.strerror}") from None


def backup(conn: sqlite3.Connection, dest: Path) -> int:
    """Copy the register to ``dest`` with SQLite's online backup, safe while others write.

    The copy is written to a private (0600) file beside ``dest``, checked, and
    then linked to ``dest``. Returns the number of cases copied.
    """
    temp = private_temp(dest)
    with interruption.temporary(temp):
        try:
            source = conn
            target = sqlite3.connect(temp)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
                ok = target.execute("PRAGMA integrity_check").fetchone()[0]
                cases = target.execute("SELECT count(*) FROM cases").fetchone()[0]
            finally:
                target.close()
            if ok != "ok":
                raise RegisterError(f"the copy failed its integrity check ({ok}); nothing was kept")
            link_into_place(temp, dest)
        finally:
            temp.unlink(missing_ok=True)
    return int(cases)


def problems(conn: sqlite3.Connection, path: Path | None) -> list[str]:
    """SQLite's integrity check, file modes that let others read the register, and
    registers left half-made beside it."""
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
        found += left_behind(path)
    return found


LEFT_FOR = 3600
"""Seconds a file made beside the register may stand unchanged before ``doctor`` calls
it left behind: an import writing into it changes it far more often than that."""


def left_behind(path: Path) -> list[str]:
    """The files an import or the making of the register started beside ``path`` (see
    :func:`_temp_beside`) and never finished: a process killed outright (power cut,
    ``kill -9``) cannot remove them. They can hold cases, so each is named, with how
    to remove it; one changed within the last hour may be an import still running."""
    import datetime as dt
    import glob
    import shlex
    import time
    from zoneinfo import ZoneInfo

    found = []
    cutoff = time.time() - LEFT_FOR  # the system's clock, as the file system stamps files
    for p in sorted(path.parent.glob(f".{glob.escape(path.name)}.*.new*")):
        try:
            changed = p.stat().st_mtime
        except OSError:  # removed meanwhile
            continue
        if changed < cutoff:
            since = dt.datetime.fromtimestamp(changed, ZoneInfo("Europe/London"))
            found.append(
                f"{p} was left by an import or a new register that never finished (unchanged"
                f" since {since:%Y-%m-%d %H:%M} London time), and may hold cases; remove it:"
                f" rm {shlex.quote(str(p))}"
            )
    return found
