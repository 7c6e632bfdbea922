"""What a command needs around it: today, the settings, the register, JSON on stdout.

This is the only module that reads the clock (:func:`london_now`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from reviewclock.cli.funnel import PROG


def london_now() -> dt.datetime:
    """The time now in Europe/London (timezone-aware): the one place that reads the clock.

    A command that needs both the time and the date reads the clock once and takes
    ``now.date()``, so the two cannot disagree around midnight. The standard library's
    zone database answers this as pendulum would, without the cost of importing it.
    """
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/London"))


def london_today() -> dt.date:
    """Today's calendar date in Europe/London."""
    return london_now().date()


def user_settings() -> Any:
    from reviewclock.config import load_settings

    settings = load_settings()
    for exposed in settings.exposed:
        warn(exposed)
    return settings


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a large register is read and evaluated.

    Reading builds hundreds of thousands of small tuples and none of them form
    cycles; the collector would otherwise re-scan them over and over.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def emit_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def emit_json_list(items: Iterable[Any], *, encoded: bool = False) -> None:
    """A JSON list written as it is made, one item to a line: a register of any size
    streams out in bounded memory, and each case stays on a line of its own for grep.
    ``encoded``: the items are already JSON text, as the standard encoder would write
    them (see :class:`reviewclock.render.data.CaseJson`)."""
    if not encoded:
        import json

        items = map(json.JSONEncoder(ensure_ascii=False).encode, items)
    write = sys.stdout.write
    first = True
    for item in items:
        write(("[\n" if first else ",\n") + item)
        first = False
    write("[]\n" if first else "\n]\n")


class SortedJsonList:
    """A JSON list of items written as JSON text, each given with a key, and written
    out (as :func:`emit_json_list` does) in the order of the keys; items with equal
    keys keep the order they were given in (a lower ``part`` first).

    The text is held aside in ``spools`` (one per part, so that another process can
    fill a part of its own), so that however large the register, only the keys are
    kept in memory, and each item is made once: nothing is read or worked out again
    to sort. Made by :func:`sorted_json_list`.
    """

    def __init__(self, spools: list[Any]) -> None:
        self._spools = spools
        self._encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        self._errors = getattr(sys.stdout, "errors", None) or "strict"
        self._places: list[tuple[Any, int, int, int]] = []
        """(key, part, offset, size) of each item."""
        self._sizes = [0] * len(spools)

    def add(self, key: Any, text: str, part: int = 0) -> None:
        # Each item is held with the separator that comes before it in the list (the
        # first item's is left out), so that it goes out in one copy.
        data = text.encode(self._encoding, self._errors)
        try:
            self._spools[part].write(b",\n")
            self._spools[part].write(data)
        except OSError as e:
            raise _spool_failed(e) from None
        self._places.append((key, part, self._sizes[part], len(data) + 2))
        self._sizes[part] += len(data) + 2

    def flush(self) -> None:
        """Write what is buffered to the spools."""
        try:
            for spool in self._spools:
                spool.flush()
        except OSError as e:
            raise _spool_failed(e) from None

    def sort(self) -> None:
        """Put the items in order now. Two parts each sorted (in two processes at once)
        and joined sort again as one merge (:meth:`write` sorts once more)."""
        self._places.sort()

    def places(self, part: int) -> list[tuple[Any, int, int, int]]:
        """Where the items of ``part`` are: what :meth:`adopt` takes."""
        return [place for place in self._places if place[1] == part]

    def adopt(self, places: Iterable[tuple[Any, int, int, int]]) -> None:
        """Take the items another process wrote into its part's spool (after it flushed)."""
        self._places.extend(places)

    def clear(self, part: int) -> None:
        """Forget the items of ``part`` and empty its spool, to fill it again."""
        self._places = [place for place in self._places if place[1] != part]
        self._sizes[part] = 0
        spool = self._spools[part]
        spool.seek(0)
        spool.truncate()

    def write(self) -> None:
        """Write the list to stdout, in the order of the keys."""
        import os

        self.flush()
        self._places.sort()
        spools = [spool.fileno() for spool in self._spools]
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text stream alone (stdout redirected in-process)
            decode = self._encoding, self._errors
            emit_json_list(
                (
                    os.pread(spools[part], size - 2, offset + 2).decode(*decode)
                    for _, part, offset, size in self._places
                ),
                encoded=True,
            )
            return
        if not self._places:
            out.write(b"[]\n")
            out.flush()
            return
        out.write(b"[\n")
        out.flush()
        copy = _copier(out)
        skip = 2  # the first item's separator
        for _, part, offset, size in self._places:
            copy(spools[part], offset + skip, size - skip)
            skip = 0
        out.write(b"\n]\n")
        out.flush()


def _copier(out: Any) -> Any:
    """A function that copies ``size`` bytes at ``offset`` of a file to ``out``: within
    the kernel (``sendfile``) where ``out``'s file allows it, else through memory."""
    import errno
    import os

    def through_memory(spool: int, offset: int, size: int) -> None:
        out.write(os.pread(spool, size, offset))

    try:
        target = out.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a stream in memory)
        return through_memory
    if not hasattr(os, "sendfile"):
        return through_memory
    kernel = True

    def copy(spool: int, offset: int, size: int) -> None:
        nonlocal kernel
        while kernel and size:
            try:
                sent = os.sendfile(target, spool, offset, size)
            except OSError as e:
                # A terminal, say, or a system that cannot: copy through memory from now on.
                if e.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EAGAIN):
                    raise
                kernel = False
                break
            if sent == 0:  # pragma: no cover - the spool is never shorter than its places
                kernel = False
                break
            offset += sent
            size -= sent
        if size:
            through_memory(spool, offset, size)

    return copy


@contextlib.contextmanager
def sorted_json_list(parts: int = 1) -> Iterator[SortedJsonList]:
    """A :class:`SortedJsonList` over unnamed temporary files (one per part): private to
    this user, never linked into a directory, and gone when the block ends."""
    import tempfile

    spools: list[Any] = []
    try:
        try:  # only a failure to make a file is told as one; the block's own errors pass
            for _ in range(parts):
                spools.append(tempfile.TemporaryFile(buffering=1 << 20))  # noqa: SIM115
        except OSError as e:
            raise _spool_failed(e) from None
        yield SortedJsonList(spools)
    finally:
        # Their text is thrown away: a write that failed and fails again on closing is
        # already told.
        for spool in spools:
            with contextlib.suppress(OSError):
                spool.close()


def _spool_failed(e: OSError) -> Exception:
    """A failure to write the temporary file (a full disk), said in one line: where, and
    what to do."""
    import tempfile

    from reviewclock.errors import ReviewclockError

    return ReviewclockError(
        f"cannot write a temporary file in {tempfile.gettempdir()} to sort the cases"
        f" ({e.strerror or e}); free some space there, or set TMPDIR to a directory with room"
    )


DB_ENV = "REVIEWCLOCK_DB"
"""The register when no --db is given (an empty value counts as none)."""


def default_register() -> str:
    import platformdirs

    return str(platformdirs.user_data_path(PROG) / "register.db")


def register_location(db: str | None, settings: Any) -> tuple[str, bool]:
    """Where the register is, and whether it is the default (whose directory may be made).

    A blank ``--db`` (``--db "$REGISTER"`` with the variable unset) is refused rather than
    taken as no --db: the command would otherwise read, or write, the default register
    instead of the one meant."""
    if db is not None and not db.strip():
        from reviewclock.errors import UsageProblem

        raise UsageProblem(
            f"the register given, {db!r}, is blank; give --db (or REVIEWCLOCK_DB) the "
            "register's path or URL, or leave it out for the default register"
        )
    if db:
        return db, False
    if settings.register:
        return settings.register, False
    return default_register(), True


def open_register(
    db: str | None,
    settings: Any,
    *,
    create: bool = False,
    may_be_empty: bool = False,
    clock: Any = None,
) -> Any:
    """The register, reading and writing by the settings' rulebook (``clock``, when the
    command has one already)."""
    from reviewclock.store import Register

    location, is_default = register_location(db, settings)
    return Register(
        location,
        create=create,
        make_dirs=is_default,
        may_be_empty=may_be_empty,
        clock=clock or settings.clock(),
    )


def read_cases(register: Any, **options: Any) -> Any:
    """Every case the register can read; each case it cannot is named in one line on stderr
    (a date outside the supported range, written by something other than reviewclock)."""
    from reviewclock.store import unreadable_message

    cases = register.cases(**options)
    for ref, stored in register.unreadable:
        warn(unreadable_message(ref, stored))
    return cases


def warn_unreadable(bad: dict[str, str]) -> None:
    """Name each case a streamed read left out, in one line on stderr (as :func:`read_cases`)."""
    from reviewclock.store import unreadable_message

    for ref, stored in bad.items():
        warn(unreadable_message(ref, stored))


def warn(message: str) -> None:
    """One warning line on stderr: the command goes on."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def tell_what_a_notice_counts_for(clock: Any, ref: str, events: Any, notice: Any) -> None:
    """After a delay notice is recorded or moved: the stages it counts for, or a warning
    that it counts for none."""
    from reviewclock.checks import uncovered_notice

    covered, warning = uncovered_notice(clock, ref, events, notice)
    if warning:
        warn(warning)
    else:
        print(f"The notice counts for {', '.join(covered)}.")


def warn_extensions_made_moot(clock: Any, ref: str, before: Any, after: Any, case: Any) -> None:
    """After a record or a correction (what the clock said of the case ``before`` and
    ``after`` it; ``case`` as it is now): a warning for each agreed extension that counted
    and now does not, because the stage's own due date has caught up with it. It is kept,
    as agreed, but changes nothing."""
    from reviewclock.dates import describe

    was = {s.stage.name: s for s in before.stages}
    moot = clock.moot_extensions(case.events, after)
    for s in after.stages:
        earlier = was.get(s.stage.name)
        agreed = moot.get(s.stage.name)
        if earlier is None or earlier.extension is None or agreed is None or agreed.until is None:
            continue
        warn(
            f"the extension of {s.stage.name} for {ref} agreed on {agreed.on.isoformat()} to "
            f"{describe(agreed.until)} is no later than the stage's own due date now, "
            f"{describe(s.rule_due)}: it is kept, but changes nothing"
        )


def warn_name(ref: str, where: str = "") -> None:
    warn(
        f"{where}{ref!r} looks like a person's name; the register should "
        "hold case references only (see 'reviewclock add-sin --help')"
    )


def tell(message: str) -> None:
    """A progress line for a person at a terminal; cron stays silent unless something fails."""
    if sys.stdout.isatty():
        print(message)
