"""Looking after the register: a backup copy, and what ``reviewclock doctor`` finds wrong.

Each engine's own upkeep (the copy itself, integrity, file modes, grants) lives in
:mod:`~reviewclock.store.sqlite` and :mod:`~reviewclock.store.postgresql`, loaded only
when that engine is in use. This module picks between them, and adds what both engines
share: the schema revision, and cases that contradict themselves or hold a date
reviewclock cannot read.
"""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

from reviewclock.clock import CaseRecord, Clock
from reviewclock.dates import date_fault
from reviewclock.errors import ReviewclockError
from reviewclock.migrations import HEAD
from reviewclock.store import reading, schema
from reviewclock.store.advice import db_option
from reviewclock.store.db import Core, Db
from reviewclock.store.location import Location


def backup(db: Db, where: Location, dest: Path) -> int:
    """Copy the register read through ``db`` to a new private file ``dest``; returns the
    cases copied. SQLite: the online backup API, checked for integrity. PostgreSQL:
    ``pg_dump --format=custom``."""
    if isinstance(db, Core):
        from reviewclock.store import postgresql

        return postgresql.backup(db.conn, where, dest)
    from reviewclock.store import sqlite

    return sqlite.backup(db.conn, dest)


def survey(
    db: Db, where: Location, clock: Clock
) -> tuple[list[str], list[CaseRecord], dict[str, tuple[str, str, str]]]:
    """What one read of the register finds: the engine's problems and a stale schema (in
    words), every readable case, and the cases left unread (ref -> the date they hold,
    and the event that holds it)."""
    found: list[str] = []
    if isinstance(db, Core):
        from reviewclock.store import postgresql

        found += postgresql.problems(db.conn)
    else:
        from reviewclock.store import sqlite

        found += sqlite.problems(db.conn, where.path)
    version = schema.revision(db, schema.tables(db, where.dialect))
    bad: dict[str, str] = {}
    cases = [case for _, case in reading.cases(db, audit=False, rules=clock.rules, bad=bad)]
    if version != HEAD:
        found.append(f"schema revision {version}, expected {HEAD}")
    return found, cases, {ref: (stored, *_holder(db, ref, stored)) for ref, stored in bad.items()}


def _holder(db: Db, ref: str, stored: str) -> tuple[str, str]:
    """The event of ``ref`` (one that counts: not corrected since) that holds ``stored``,
    and the option of ``amend`` that corrects it: ``--on`` for its date, ``--to`` for an
    agreed extension's new due date."""
    for column, option in (("on_date", "--on"), ("agreed_to", "--to")):
        name = db.value(
            "SELECT e.name FROM events e JOIN cases c ON c.id = e.case_id"
            f" WHERE c.ref = :ref AND e.{column} = :stored AND e.{reading.CURRENT}"
            " ORDER BY e.id LIMIT 1",
            {"ref": ref, "stored": stored},
        )
        if name is not None:
            return str(name), option
    return "EVENT", "--on"


def case_problems(
    cases: list[CaseRecord],
    bad: dict[str, tuple[str, str, str]],
    today: dt.date,
    clock: Clock,
    where: str,
) -> list[str]:
    """Each case that contradicts itself as of ``today``, then each that holds a date
    outside the supported range, with how to correct it."""
    from reviewclock.checks import check_case
    from reviewclock.errors import in_register

    found: list[str] = []
    for case in cases:
        try:
            check_case(case.ref, case.events, today, clock)
        except ReviewclockError as e:
            found.append(f"{case.ref}: {in_register(e)}")
    found += [
        f"{ref}: {name} holds the date {stored!r}, {date_fault(stored)}; correct it"
        f" with 'reviewclock amend {shlex.quote(ref)} {name}"
        + (f" --was {shlex.quote(stored)} --on DATE" if option == "--on" else " --to DATE")
        + f" --reason TEXT --db {db_option(where)}'"
        for ref, (stored, name, option) in bad.items()
    ]
    return found
