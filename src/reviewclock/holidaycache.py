"""A cache of the bank-holiday table, in the user's cache directory.

Working out the bank holidays means loading the ``holidays`` package's rules
for every country in the world, which costs more than the rest of a ``status``
run. The table for a nation only changes with a new release of that package,
so it is cached in a file named by the package's installed version (read from
the name of its ``.dist-info`` directory, without importing it): upgrading the
package makes a new file.
The calendar works the working days out from the table each time: that is
quicker than reading them from the file and checking them. A missing,
unreadable or damaged cache file is simply worked out again; the cache never
changes an answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from reviewclock.calendar import FIRST_YEAR, LAST_YEAR, bank_holidays
from reviewclock.files import make_private_dirs, others_can_write

APP = "reviewclock"
FORMAT = 3
"""Bumped when the file's layout changes, so that an older file is never misread."""


def cache_path(nation: str) -> Path:
    import platformdirs

    version = installed_version("holidays")
    name = f"bank-holidays-{version}-{nation}-{FIRST_YEAR}-{LAST_YEAR}-v{FORMAT}.json"
    return platformdirs.user_cache_path(APP) / name


def installed_version(distribution: str) -> str:
    """The installed version of ``distribution``, as ``importlib.metadata.version`` gives it.

    An installer names the package's metadata directory ``NAME-VERSION.dist-info``
    (the wheel format), so the first such directory on ``sys.path`` gives the
    version for the price of a directory listing; importing ``importlib.metadata``
    (and the email parser it reads metadata with) would cost more than the whole of
    ``due``. Anything unusual (an egg, a source checkout) is left to ``importlib.metadata``.
    """
    prefix, suffix = f"{distribution}-", ".dist-info"
    for entry in sys.path:
        try:  # the names alone: a Path for each of hundreds of entries would cost 0.5 ms
            names = os.listdir(entry or ".")  # noqa: PTH208
        except OSError:
            continue
        for name in names:
            if name.startswith(prefix) and name.endswith(suffix):
                version = name[len(prefix) : -len(suffix)]
                if version and "-" not in version:
                    return version
    from importlib.metadata import version as metadata_version

    return metadata_version(distribution)


def cached_bank_holidays(nation: str) -> dict[dt.date, str]:
    """The bank holidays of ``nation`` from :data:`FIRST_YEAR` to :data:`LAST_YEAR`.

    A cache file that another user could change (not ours, or group- or
    world-writable) is not believed: a planted holiday would move every deadline.
    It is worked out again and written afresh, atomically and with mode 0644.
    """
    nation = nation.upper()
    path = cache_path(nation)
    table = None
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError, KeyError):
        table = _read(path)
    if not table:
        table = bank_holidays(nation, FIRST_YEAR, LAST_YEAR)
        data = {"holidays": {d.isoformat(): n for d, n in sorted(table.items())}}
        with contextlib.suppress(OSError):
            _write(path, json.dumps(data))
    return table


def _read(path: Path) -> dict[dt.date, str] | None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        if others_can_write(os.fstat(fd)):
            return None
        raw = json.loads(f.read().decode("utf-8"))
    table = {dt.date.fromisoformat(k): str(v) for k, v in raw["holidays"].items()}
    if table and all(FIRST_YEAR <= d.year <= LAST_YEAR for d in table):
        return table
    return None


def _write(path: Path, text: str) -> None:
    """Write the cache file whole, readable by all and writable by its owner alone."""
    make_private_dirs(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o644)
            f.write(text)
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
