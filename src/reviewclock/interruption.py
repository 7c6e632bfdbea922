"""Ctrl-C: one line that says whether anything was written, and exit status 130.

The entry point installs :func:`on_interrupt` before it imports anything
heavy, so an interrupt at any moment (even while modules load) ends the
command the same way: no traceback, and a line that says either
``interrupted: nothing was written`` or ``interrupted after the change was
saved``. The register marks a change as saved the moment its transaction
commits (a new register that an import fills aside, the moment it is linked
into place); the commit, or the link, and that mark happen with Ctrl-C held
back, so the two cannot disagree. Ending the process while a transaction is open is safe:
SQLite discards an uncommitted transaction, exactly as after a power cut.

For tests of these moments, ``REVIEWCLOCK_PAUSE_AT`` names a point
(``startup``, ``before-commit``, ``after-commit``, or ``before-link`` when a
backup, or a new register an import filled, is complete but not yet in place) where the command stops,
writes the point's name to the FIFO named by ``REVIEWCLOCK_PAUSE_FIFO``, and
waits for a signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

PAUSE_AT_ENV = "REVIEWCLOCK_PAUSE_AT"
PAUSE_FIFO_ENV = "REVIEWCLOCK_PAUSE_FIFO"

_saved = False
_temporary: set[str] = set()
"""Files being made (a backup, a new register) that an interrupt must not leave behind."""


_in_place_later = False
"""The change goes into a file that is put in place at the end (see :func:`saved_in_place`)."""


def mark_saved() -> None:
    """The command's change is committed: an interrupt from now on says so (unless it is
    committed to a file not yet in place: see :func:`saved_in_place`)."""
    global _saved
    if not _in_place_later:
        _saved = True


@contextlib.contextmanager
def saved_in_place() -> Iterator[None]:
    """For a change committed to a file that is put in place at the end of the block (a new
    register filled aside, see :func:`put_in_place`): until then an interrupt says that
    nothing was written, which is true, since the file is removed."""
    global _in_place_later
    _in_place_later = True
    try:
        yield
    finally:
        _in_place_later = False


def put_in_place(link: Callable[[], None]) -> None:
    """Put the file in place (``link``) and count the change as saved, with Ctrl-C held back
    meanwhile, so that the two cannot disagree."""
    global _saved
    with held():
        link()
        _saved = True


def message() -> str:
    return (
        "interrupted after the change was saved" if _saved else "interrupted: nothing was written"
    )


def with_journals(path: str | Path) -> list[Path]:
    """A half-made register or backup, and the files SQLite may keep beside it (its
    write-ahead log, shared memory and rollback journal): everything to remove."""
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]


def on_interrupt(signum: int, frame: FrameType | None) -> None:
    """End the command at once with one line on stderr and status 130."""
    for name in list(_temporary):  # a half-made backup or register
        for part in with_journals(name):
            with contextlib.suppress(OSError):
                part.unlink()
    with contextlib.suppress(Exception):
        sys.stdout.flush()  # what was already printed (``Added ...``) still reaches the reader
    try:
        os.write(2, f"reviewclock: {message()}\n".encode())
    finally:
        os._exit(130)


@contextlib.contextmanager
def temporary(path: str | os.PathLike[str]) -> Iterator[None]:
    """While the block runs, an interrupt removes ``path`` (and SQLite's files beside it)."""
    name = os.fspath(path)
    _temporary.add(name)
    try:
        yield
    finally:
        _temporary.discard(name)


def install() -> None:
    signal.signal(signal.SIGINT, on_interrupt)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold Ctrl-C back for a moment (a commit and its mark); it takes effect just after."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def pause(point: str) -> None:
    """Stop at ``point`` when ``REVIEWCLOCK_PAUSE_AT`` names it (see the module's notes)."""
    if os.environ.get(PAUSE_AT_ENV) != point:
        return
    fifo = os.environ.get(PAUSE_FIFO_ENV)
    if fifo:
        with Path(fifo).open("w") as f:
            f.write(point)
    while True:
        signal.pause()
