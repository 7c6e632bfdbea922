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
from pathlib import Path

from reviewclock.calendar import FIRST_YEAR, LAST_YEAR, bank_holidays

APP = "reviewclock"


def cache_path(nation: str) -> Path:
    import holidays
    import platformdirs

    version = holidays.__version__  # type: ignore[attr-defined]
    name = f"bank-holidays-{version}-{nation}-{FIRST_YEAR}-{LAST_YEAR}.json"
    return platformdirs.user_cache_path(APP) / name


def cached_bank_holidays(nation: str) -> dict[dt.date, str]:
    """The bank holidays of ``nation`` from :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    nation = nation.upper()
    path = cache_path(nation)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        table = {dt.date.fromisoformat(k): str(v) for k, v in raw.items()}
        if table and all(FIRST_YEAR <= d.year <= LAST_YEAR for d in table):
            return table
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    table = bank_holidays(nation, FIRST_YEAR, LAST_YEAR)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({d.isoformat(): n for d, n in sorted(table.items())}))
        tmp.replace(path)
    return table
