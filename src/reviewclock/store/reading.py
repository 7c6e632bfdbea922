"""Reading the register: cases (with their current events), history, sent digests, the log.

Ordinary reads use SQL that both engines run, with named parameters. The read
that a status makes of every case goes through the driver's own cursor, for
speed (stdlib sqlite3 on SQLite, psycopg on PostgreSQL); only its parameter
marks differ. SQLite hands back dates and times as ISO text, PostgreSQL as
``date`` and ``timestamptz`` values: :func:`day` and :func:`utc` accept both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.errors import CaseNotFound
from reviewclock.rules import Stage
from reviewclock.store.db import Db
from reviewclock.store.location import POSTGRESQL
from reviewclock.store.records import DeletionRow, LogRow

AUDIT_COLUMNS = ", note, recorded_by, recorded_at"
OUTCOME_SQL = "decision, panel_view, national_review"
"""What an event records besides its date (``rules.OUTCOMES``), in this order."""
CURRENT = "id NOT IN (SELECT amends FROM events WHERE amends IS NOT NULL)"
"""The events that count: those no amendment has corrected."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a case's history."""

    action: str
    """``recorded``, ``amended`` or ``deleted``."""
    event: str
    old: dt.date | None
    new: dt.date | None
    kind: str | None
    note: str | None
    by: str
    at: dt.datetime
    reason: str | None
    outcome: str | None = None
    """What the row records besides its date, in words (``decision lcspr``)."""
    old_outcome: str | None = None
    """For an amendment: the same, on the row it corrects."""


def outcomes(values: Sequence[Any]) -> dict[str, Any]:
    """The outcome columns of a row (see ``OUTCOME_SQL``) as EventRecord fields. SQLite
    keeps a boolean as 0 or 1, PostgreSQL as a boolean."""
    decision, panel_view, national = values
    return {
        "decision": decision,
        "panel_view": panel_view,
        "national_review": None if national is None else bool(national),
    }


def day(value: Any) -> dt.date:
    """A date column's value as a date (SQLite gives ISO text, PostgreSQL a date)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def utc(value: Any) -> dt.datetime:
    """A timestamp column's value as an aware UTC datetime (SQLite stores naive UTC text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def case_id(db: Db, ref: str, *, lock: bool = False) -> Any:
    """The row id of the case ``ref``, or None. With ``lock`` on PostgreSQL the case row is
    locked until the transaction ends (SQLite's write transaction already holds the lock)."""
    sql = "SELECT id FROM cases WHERE ref = :ref"
    if lock and db.dialect == POSTGRESQL:
        sql += " FOR UPDATE"
    return db.value(sql, {"ref": ref})


def load(db: Db, ref: str, where: str) -> CaseRecord:
    """One case with its current events, audit fields included."""
    head = next(
        iter(db.rows(f"SELECT {HEAD_COLUMNS} FROM cases WHERE ref = :ref", {"ref": ref})), None
    )
    if head is None:
        raise CaseNotFound(
            f"no case {ref!r} in the register {where}; 'reviewclock status --all' lists the cases"
        )
    rows = db.rows(
        f"SELECT {event_columns(True)} FROM events WHERE case_id = :id AND {CURRENT}"
        " ORDER BY on_date, id",
        {"id": head[0]},
    )
    return next(_merge([head], rows, audit=True))[1]


HEAD_COLUMNS = "id, ref, authority, harm"


def event_columns(audit: bool) -> str:
    return f"case_id, name, on_date, kind, {OUTCOME_SQL}" + (AUDIT_COLUMNS if audit else "")


def cases(
    db: Db, *, audit: bool, open_in: Sequence[Stage] | None = None
) -> Iterator[tuple[int, CaseRecord]]:
    """Every case (or those with a stage open in ``open_in``), in the order they were added,
    each with its current events in date order and its row id, one at a time as read.

    The open cases are worked out once, by set algebra on the events' names
    (see :func:`open_case_ids`); a register of any size is read in one pass.
    """
    if open_in is not None:
        yield from cases_by_id(db, open_case_ids(db, open_in), audit=audit)
        return
    heads = db.rows(f"SELECT {HEAD_COLUMNS} FROM cases ORDER BY id")
    rows = db.rows(
        f"SELECT {event_columns(audit)} FROM events WHERE {CURRENT} ORDER BY case_id, on_date, id"
    )
    yield from _merge(heads, rows, audit=audit)


def cases_by_id(db: Db, ids: Sequence[int], *, audit: bool) -> Iterator[tuple[int, CaseRecord]]:
    """The cases with the (distinct) row ids ``ids``, in the order of ``ids``, read in batches (the
    database puts them in that order)."""
    picked = _picked(db)
    columns = ", ".join(f"e.{c.strip()}" for c in event_columns(audit).split(","))
    for lo in range(0, len(ids), BATCH):
        batch = {"ids": _ids(db, list(ids[lo : lo + BATCH]))}
        heads = db.rows(
            f"SELECT c.id, c.ref, c.authority, c.harm FROM {picked}"
            " JOIN cases c ON c.id = picked.value ORDER BY picked.place",
            batch,
        )
        rows = db.rows(
            f"SELECT {columns} FROM {picked} JOIN events e ON e.case_id = picked.value"
            f" WHERE e.{CURRENT} ORDER BY picked.place, e.on_date, e.id",
            batch,
        )
        yield from _merge(heads, rows, audit=audit)


BATCH = 5000
"""Cases read per query when they are picked by id."""


def _picked(db: Db) -> str:
    """A table ``picked (value, place)`` of the ids in the parameter ``:ids``, in order."""
    if db.dialect == POSTGRESQL:
        return "unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS picked (value, place)"
    return "(SELECT value, key AS place FROM json_each(:ids)) AS picked"


def _ids(db: Db, ids: list[int]) -> Any:
    if db.dialect == POSTGRESQL:
        return ids
    import json

    return json.dumps(ids)


def open_case_ids(db: Db, stages: Sequence[Stage]) -> list[int]:
    """The ids of the cases with a stage open: one of its start events is recorded and its
    meeting event is not. Worked out once, from the names alone (an amendment keeps the
    name of the event it corrects, so corrected rows need not be told apart), by set
    algebra that the index on events (name, case_id) answers without reading the table."""
    selects: list[str] = []
    params: dict[str, str] = {}
    for i, stage in enumerate(stages):
        starts = ", ".join(f":s{i}_{j}" for j in range(len(stage.starts_on)))
        params |= {f"s{i}_{j}": name for j, name in enumerate(stage.starts_on)}
        params[f"m{i}"] = stage.met_by
        selects.append(
            f"SELECT case_id FROM (SELECT case_id FROM events WHERE name IN ({starts})"
            f" EXCEPT SELECT case_id FROM events WHERE name = :m{i}) AS open{i}"
        )
    if not selects:
        return []
    return sorted(int(r[0]) for r in db.rows(" UNION ".join(selects), params))


def active_case_ids(db: Db, stages: Sequence[Stage], since: dt.date) -> list[int]:
    """The ids of the cases that still have a stage open, or an event dated on or after
    ``since``: every case that can count in figures for a period starting on ``since``
    (a case with neither had every stage done before it)."""
    later = db.rows("SELECT DISTINCT case_id FROM events WHERE on_date >= :since", {"since": since})
    return sorted({int(r[0]) for r in later} | set(open_case_ids(db, stages)))


def _merge(
    heads: Iterable[Sequence[Any]], rows: Iterable[Sequence[Any]], *, audit: bool
) -> Iterator[tuple[int, CaseRecord]]:
    """Each case head with its event rows; both are ordered by case in the same order."""
    days: dict[Any, dt.date] = {}  # a register repeats the same few thousand dates
    stamps: dict[Any, dt.datetime] = {}
    users: dict[Any, Any] = {}
    rows = iter(rows)
    row = next(rows, None)
    for cid, ref, authority, harm in heads:
        events: list[EventRecord] = []
        while row is not None and row[0] == cid:
            _, name, on, kind, decision, view, national = row[:7]
            when = days.get(on)
            if when is None:
                when = days[on] = day(on)
            if national is not None:
                national = bool(national)
            if audit:
                note, by, at = row[7:10]
                by = users.setdefault(by, by)
                stamp = stamps.get(at)
                if stamp is None and at:
                    stamp = stamps[at] = utc(at)
                events.append(
                    EventRecord(name, when, kind, note, by, stamp, decision, view, national)
                )
            elif decision is None and view is None and national is None:
                events.append(EventRecord(name, when, kind))
            else:
                events.append(
                    EventRecord(name, when, kind, None, None, None, decision, view, national)
                )
            row = next(rows, None)
        yield cid, CaseRecord(ref, authority, harm, tuple(events))


def history(db: Db, ref: str, where: str) -> list[HistoryEntry]:
    """Every record, correction and deletion for ``ref``, oldest first."""
    rows = list(
        db.rows(
            "SELECT e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by, e.recorded_at,"
            f" e.amends, e.reason, {OUTCOME_SQL} FROM events e JOIN cases c ON c.id = e.case_id"
            " WHERE c.ref = :ref ORDER BY e.recorded_at, e.id",
            {"ref": ref},
        )
    )
    gone = deletions(db, ref)
    if not rows and not gone:
        raise CaseNotFound(
            f"no case {ref!r} in the register {where}, and none was deleted; "
            "'reviewclock status --all' lists the cases"
        )
    dates = {r[0]: r[2] for r in rows}
    recorded = {r[0]: outcomes(r[9:]) for r in rows}
    out = [
        HistoryEntry(
            action="amended" if amends else "recorded",
            event=name,
            old=None if amends is None or amends not in dates else day(dates[amends]),
            new=day(on),
            kind=kind,
            note=note,
            by=by,
            at=utc(at),
            reason=reason,
            outcome=EventRecord(name, day(on), **recorded[row_id]).outcome,
            old_outcome=None
            if amends is None or amends not in recorded
            else EventRecord(name, day(on), **recorded[amends]).outcome,
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


def logs(db: Db) -> dict[str, tuple[LogRow, ...]]:
    """The whole event log of each case that has a correction, rows in the order written."""
    rows = db.rows(
        "SELECT c.ref, e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by,"
        f" e.recorded_at, e.amends, e.reason, {OUTCOME_SQL}"
        " FROM events e JOIN cases c ON c.id = e.case_id"
        " WHERE e.case_id IN (SELECT case_id FROM events WHERE amends IS NOT NULL)"
        " ORDER BY c.id, e.id"
    )
    out: dict[str, list[LogRow]] = {}
    position: dict[int, int] = {}
    for ref, row_id, name, on, kind, note, by, at, amends, reason, *recorded in rows:
        log = out.setdefault(ref, [])
        position[row_id] = len(log)
        event = EventRecord(name, day(on), kind, note, by, utc(at), **outcomes(recorded))
        log.append(LogRow(event, None if amends is None else position[amends], reason))
    return {ref: tuple(log) for ref, log in out.items()}


def digest_sent(db: Db, digest_date: dt.date, fingerprint: str) -> Any:
    rows = db.rows(
        "SELECT sent_at, recipients FROM sent_digests"
        " WHERE digest_date = :day AND fingerprint = :fingerprint ORDER BY id LIMIT 1",
        {"day": digest_date, "fingerprint": fingerprint},
    )
    return next(iter(rows), None)
