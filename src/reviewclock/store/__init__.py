"""The register behind one interface, on SQLite or PostgreSQL.

- :mod:`~reviewclock.store.location`: path, URL and ``~`` (light: no SQLAlchemy);
- :mod:`~reviewclock.store.engine`: one engine per dialect, and error translation;
- :mod:`~reviewclock.store.schema`: Alembic revisions applied on either engine;
- :mod:`~reviewclock.store.reading`: cases and which of them are open;
- :mod:`~reviewclock.store.history`: a case's history, the deletions and the log;
- :mod:`~reviewclock.store.writing`: each change a unit of work, and how writers are serialised;
- :mod:`~reviewclock.store.sqlite` and :mod:`~reviewclock.store.postgresql`: each engine's upkeep
  (backup, integrity, file modes, grants);
- :mod:`~reviewclock.store.upkeep`: backup and what ``doctor`` checks, on either engine;
- :mod:`~reviewclock.store.register`: :class:`Register`, the one interface the commands use.

Importing this package loads nothing heavy; ``Register`` and friends load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewclock.store.advice import history_left_out_message, unreadable_message
    from reviewclock.store.engine import current_user, lock_timeout
    from reviewclock.store.history import HistoryEntry
    from reviewclock.store.records import describe_record
    from reviewclock.store.register import Register
    from reviewclock.store.schema import known_revisions

__all__ = [
    "HistoryEntry",
    "Register",
    "current_user",
    "describe_record",
    "history_left_out_message",
    "known_revisions",
    "lock_timeout",
    "unreadable_message",
]

_HOMES = {
    "Register": "reviewclock.store.register",
    "HistoryEntry": "reviewclock.store.history",
    "current_user": "reviewclock.store.engine",
    "lock_timeout": "reviewclock.store.engine",
    "known_revisions": "reviewclock.store.schema",
    "describe_record": "reviewclock.store.records",
    "unreadable_message": "reviewclock.store.advice",
    "history_left_out_message": "reviewclock.store.advice",
}


def __getattr__(name: str) -> Any:
    import importlib

    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'reviewclock.store' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
