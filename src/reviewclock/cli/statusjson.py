"""``status --json``: each case read, worked out and written as JSON once, listed by urgency.

The text of each case waits in a temporary file while the keys are sorted (see
:class:`~reviewclock.cli.runtime.SortedJsonList`), so however large the register,
it is never held at once.

A large SQLite register is worked out in two halves at once, where the machine has a
second core to spare: a second process (forked before this one holds a connection
to the register, since SQLite connections must not cross a fork) works out the
second half while this one works out the first. Each reads the register in one
transaction of its own and notes its stamp (:meth:`~reviewclock.store.Register.case_ids`);
the second half is taken only if both read the register as it stood at the same
moment. Otherwise, or if the second process fails in any way, this process works the
second half out itself, in its own transaction. Either way the output is what one
pass over the register gives.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SPLIT_FROM_BYTES = 4 << 20
"""A register file at least this large (about 5,000 cases) is worked out in two halves."""


def write_status_json(
    db: str | None, settings: Any, clock: Any, today: Any, filters: dict[str, Any]
) -> None:
    """Write the cases ``status`` shows (``filters``: see :func:`reviewclock.digest.shown`)
    as one JSON list, the most urgent first."""
    from reviewclock.cli.runtime import open_register, sorted_json_list, warn_unreadable
    from reviewclock.digest import shown, urgency_text
    from reviewclock.render.data import CaseJson

    encode = CaseJson().case
    open_in = None if filters["include_closed"] else clock.stages
    bad: dict[str, str] = {}

    def add(cases: Any, listed: Any, part: int = 0) -> None:
        for _, case in cases:
            evaluated = clock.evaluate_case(case, today)
            if evaluated is not None and shown(evaluated[1], **filters):
                listed.add(urgency_text(*evaluated), encode(*evaluated), part)

    def work(
        register: Any, ids: Sequence[int], listed: Any, part: int, bad: dict[str, str]
    ) -> None:
        """Add the cases ``ids`` (a run of ``case_ids``) to ``part``."""
        if not ids:
            return
        if open_in is None:  # every case: a run of row ids, read in one pass
            add(register.each_case(audit=True, bad=bad, between=(ids[0], ids[-1])), listed, part)
        else:
            add(register.cases_by_id(ids, audit=True, bad=bad), listed, part)

    with open_register(db, settings, clock=clock) as register:
        if not _worth_halving(register.path):
            with sorted_json_list() as listed:
                add(register.each_case(audit=True, open_in=open_in, on=today, bad=bad), listed)
                warn_unreadable(bad)
                listed.write()
            return
    # The register was opened (and its schema brought up to date) once, and is closed
    # again: nothing of SQLite's is open across the fork.
    with sorted_json_list(parts=2) as listed:

        def second_half() -> bytes:
            import marshal

            with open_register(db, settings, clock=clock) as register, register.snapshot():
                ids, stamp = register.case_ids(open_in, today)
                its_bad: dict[str, str] = {}
                work(register, _halves(ids)[1], listed, 1, its_bad)
                listed.flush()
                listed.sort()  # here, at the same time as the first half is sorted there
            return marshal.dumps((stamp, listed.places(1), its_bad))

        second = _Forked(second_half)
        try:
            with open_register(db, settings, clock=clock) as register, register.snapshot():
                ids, stamp = register.case_ids(open_in, today)
                first, rest = _halves(ids)
                work(register, first, listed, 0, bad)
                listed.sort()
                found = second.result()
                if found is not None and found[0] == stamp:
                    listed.adopt(found[1])
                    bad.update(found[2])
                else:
                    listed.clear(1)
                    work(register, rest, listed, 1, bad)
        finally:
            second.stop()
        warn_unreadable(bad)
        listed.write()


def _halves(ids: Sequence[int]) -> tuple[Sequence[int], Sequence[int]]:
    """The first half of ``ids`` and the rest: both processes split them here, alike. A run
    of row ids (a range) is halved by its bounds: SQLite's row ids run from -2**63 to
    2**63 - 1, so a run can be longer than a length Python can hold."""
    if isinstance(ids, range):
        middle = ids.start + (ids.stop - ids.start) // 2
        return range(ids.start, middle), range(middle, ids.stop)
    middle = len(ids) // 2
    return ids[:middle], ids[middle:]


def _worth_halving(path: Path | None) -> bool:
    """Whether to work the register out in two processes: a large SQLite file, a system
    that can fork, and a second core this process may run on."""
    if path is None or not hasattr(os, "fork"):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this system: every core counts
        cores = os.cpu_count() or 1
    try:
        return cores > 1 and path.stat().st_size >= SPLIT_FROM_BYTES
    except OSError:
        return False


class _Forked:
    """``work`` run in a forked process; :meth:`result` is what it returned (marshalled),
    or None if it failed in any way. The process writes nothing to stdout or stderr."""

    def __init__(self, work: Callable[[], bytes]) -> None:
        self._pid: int | None = None
        self._read: int | None = None
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: this one does all the work
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the second process: it only ever leaves through os._exit
            code = 1
            try:
                # Ctrl-C reaches both processes: this one ends silently, the first says so.
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    out.write(work())
                code = 0
            except BaseException:  # the first process does this work again itself
                pass
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> tuple[Any, list[Any], dict[str, str]] | None:
        """Wait for the work to end; what it returned, or None if it failed."""
        import marshal

        if self._read is None or self._pid is None:
            return None
        with os.fdopen(self._read, "rb") as source:
            self._read = None
            data = source.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            found = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        return found  # type: ignore[no-any-return]

    def stop(self) -> None:
        """End the process if it is still running (this one failed or was interrupted)."""
        if self._read is not None:
            os.close(self._read)
            self._read = None
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._pid = None
