"""A cache of the bank-holiday table, kept in the user's cache directory.

Working out the bank holidays means loading the ``holidays`` package's rules
for every country in the world, which costs more than the rest of a ``status``
run. The table for a nation only changes with a new release of that package,
so it is cached in a file named by the package's version: upgrading the
package makes a new file. A missing, unreadable or damaged cache file is
simply worked out again; the cache never changes an answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from reviewclock.calendar import FIRST_YEAR, LAST_YEAR, bank_holidays
from reviewclock.files import make_private_dirs, others_can_write

APP = "reviewclock"


def cache_path(nation: str) -> Path:
    import holidays
    import platformdirs

    version = holidays.__version__  # type: ignore[attr-defined]
    name = f"bank-holidays-{version}-{nation}-{FIRST_YEAR}-{LAST_YEAR}.json"
    return platformdirs.user_cache_path(APP) / name


def cached_bank_holidays(nation: str) -> dict[dt.date, str]:
    """The bank holidays of ``nation`` from :data:`FIRST_YEAR` to :data:`LAST_YEAR`.

    A cache file that another user could change (not ours, or group- or
    world-writable) is not believed: a planted holiday would move every deadline.
    It is worked out again and written afresh, atomically and with mode 0644.
    """
    nation = nation.upper()
    path = cache_path(nation)
    try:
        table = _read(path)
        if table:
            return table
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    table = bank_holidays(nation, FIRST_YEAR, LAST_YEAR)
    with contextlib.suppress(OSError):
        _write(path, json.dumps({d.isoformat(): n for d, n in sorted(table.items())}))
    return table


def _read(path: Path) -> dict[dt.date, str] | None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        if others_can_write(os.fstat(fd)):
            return None
        raw = json.loads(f.read().decode("utf-8"))
    table = {dt.date.fromisoformat(k): str(v) for k, v in raw.items()}
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
