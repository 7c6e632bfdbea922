"""Reading a case's past: its history, the deletions, the log of corrected cases, and the
digests already sent. These reads are for people looking back (``history``, ``export``), not
for the clock: the cases themselves are read in :mod:`~reviewclock.store.reading`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reviewclock.clock import EventRecord
from reviewclock.errors import CaseNotFound
from reviewclock.store.advice import listing_cases
from reviewclock.store.db import Db
from reviewclock.store.reading import (
    OUTCOME_SQL,
    named,
    outcomes,
    shown_day,
    stored_day,
    utc,
)
from reviewclock.store.records import DeletionRow, LogRow


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a case's history."""

    action: str
    """``recorded``, ``amended`` or ``deleted``."""
    event: str
    old: dt.date | str | None
    new: dt.date | str | None
    """A date, or the stored text itself where it is not one (written by other means)."""
    kind: str | None
    note: str | None
    by: str
    at: dt.datetime
    reason: str | None
    details: str | None = None
    """What the row records besides its date, in words (see :attr:`EventRecord.details`):
    ``criminal``, ``rapid-review to 2024-05-14``, ``decision lcspr``."""
    old_details: str | None = None
    """For an amendment: the same, on the row it corrects."""


def history(db: Db, ref: str, where: str) -> list[HistoryEntry]:
    """Every record, correction and deletion for ``ref``, oldest first."""
    rows = list(
        db.rows(
            "SELECT e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by, e.recorded_at,"
            f" e.amends, e.reason, e.agreed_to, {OUTCOME_SQL}"
            " FROM events e JOIN cases c ON c.id = e.case_id"
            " WHERE c.ref = :ref ORDER BY e.recorded_at, e.id",
            {"ref": ref},
        )
    )
    gone = deletions(db, ref)
    if not rows and not gone:
        raise CaseNotFound(
            f"no case {ref!r} in the register {where}, and none was deleted; {listing_cases(where)}"
        )
    dates = {r[0]: r[2] for r in rows}
    details: dict[Any, str | None] = {}
    for row_id, name, _, kind, _, _, _, _, _, agreed, *recorded in rows:
        # What the row records besides its date, in words: the words read no date.
        until = None if agreed is None else stored_day(agreed)
        details[row_id] = EventRecord(
            name, dt.date.min, kind, until=until, **outcomes(recorded)
        ).details
    out = [
        HistoryEntry(
            action="amended" if amends else "recorded",
            event=name,
            old=None if amends is None or amends not in dates else shown_day(dates[amends]),
            new=shown_day(on),
            kind=kind,
            note=note,
            by=by,
            at=utc(at),
            reason=reason,
            details=details[row_id],
            old_details=None if amends is None else details.get(amends),
        )
        for row_id, name, on, kind, note, by, at, amends, reason, *_ in rows
    ]
    out += [
        HistoryEntry(
            "deleted", "case", None, None, None, f"{d.events} events", d.by, d.at, d.reason
        )
        for d in gone
    ]
    return sorted(out, key=lambda h: h.at)


def deletions(db: Db, ref: str | None = None) -> list[DeletionRow]:
    """The deletions recorded (for one ref, or all), oldest first."""
    sql = "SELECT ref, reason, events, deleted_by, deleted_at FROM deletions"
    params: dict[str, str] = {}
    if ref is not None:
        sql += " WHERE ref = :ref"
        params["ref"] = ref
    rows = db.rows(sql + " ORDER BY id", params)
    return [DeletionRow(r, why, int(n), by, utc(at)) for r, why, n, by, at in rows]


def logs(
    db: Db, ordered: Sequence[str], bad: dict[str, str] | None = None
) -> dict[str, tuple[LogRow, ...]]:
    """The whole event log, rows in the order written, of each case whose current events
    do not say all it holds: a case with a correction, and a case with two records of one
    of the ``ordered`` events (a plan, an agreed extension: the one recorded last counts)
    stamped with the same time, as an import stamps every row it writes. Their dates do
    not say which was recorded last; the order of the rows does.

    A case whose log holds a date that cannot be read (written by something other than
    reviewclock, and corrected since) has no log here; it is named in ``bad`` (ref -> the
    stored date)."""
    marks, params = named("ord", ordered)
    rows = db.rows(
        "SELECT c.ref, e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by,"
        f" e.recorded_at, e.amends, e.reason, e.agreed_to, {OUTCOME_SQL}"
        " FROM events e JOIN cases c ON c.id = e.case_id"
        " WHERE e.case_id IN (SELECT case_id FROM events WHERE amends IS NOT NULL)"
        " OR e.case_id IN (SELECT case_id FROM events"
        f" WHERE name IN ({marks}) GROUP BY case_id, name, recorded_at HAVING count(*) > 1)"
        " ORDER BY c.id, e.id",
        params,
    )
    out: dict[str, list[LogRow]] = {}
    position: dict[int, int] = {}
    unread: dict[str, str] = {}
    for ref, row_id, name, on, kind, note, by, at, amends, reason, agreed, *recorded in rows:
        log = out.setdefault(ref, [])
        position[row_id] = len(log)
        when, until = shown_day(on), shown_day(agreed)
        if isinstance(when, str) or isinstance(until, str):  # the stored text: no date
            unread.setdefault(ref, str(when if isinstance(when, str) else until))
            continue
        assert when is not None  # on_date is NOT NULL
        event = EventRecord(name, when, kind, note, by, utc(at), until=until, **outcomes(recorded))
        log.append(LogRow(event, None if amends is None else position[amends], reason))
    if bad is not None:
        bad.update(unread)
    return {ref: tuple(log) for ref, log in out.items() if ref not in unread}


def digest_sent(db: Db, digest_date: dt.date, fingerprint: str) -> Any:
    rows = db.rows(
        "SELECT sent_at, recipients FROM sent_digests"
        " WHERE digest_date = :day AND fingerprint = :fingerprint ORDER BY id LIMIT 1",
        {"day": digest_date, "fingerprint": fingerprint},
    )
    return next(iter(rows), None)
