"""Reading the register: cases (with their current events), history, sent digests, the log.

Ordinary reads use SQL that both engines run, with named parameters. The read
that a status makes of every case goes through the driver's own cursor, for
speed (stdlib sqlite3 on SQLite, psycopg on PostgreSQL); only its parameter
marks differ. SQLite hands back dates and times as ISO text, PostgreSQL as
``date`` and ``timestamptz`` values: :func:`day` and :func:`utc` accept both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.errors import CaseNotFound
from reviewclock.rules import Stage
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


def case_id(conn: Connection, ref: str, *, lock: bool = False) -> Any:
    """The row id of the case ``ref``, or None. With ``lock`` on PostgreSQL the case row is
    locked until the transaction ends (SQLite's write transaction already holds the lock)."""
    sql = "SELECT id FROM cases WHERE ref = :ref"
    if lock and conn.dialect.name == POSTGRESQL:
        sql += " FOR UPDATE"
    return conn.execute(text(sql), {"ref": ref}).scalar()


def load(conn: Connection, ref: str, where: str) -> CaseRecord:
    """One case with its current events, audit fields included."""
    head = conn.execute(
        text("SELECT id, ref, authority, harm FROM cases WHERE ref = :ref"), {"ref": ref}
    ).first()
    if head is None:
        raise CaseNotFound(
            f"no case {ref!r} in the register {where}; 'reviewclock status --all' lists the cases"
        )
    rows = conn.execute(
        text(
            f"SELECT case_id, name, on_date, kind, {OUTCOME_SQL}{AUDIT_COLUMNS} FROM events"
            f" WHERE case_id = :id AND {CURRENT} ORDER BY on_date, id"
        ),
        {"id": head[0]},
    )
    events = events_by_case(rows, audit=True).get(head[0], ())
    return CaseRecord(head[1], head[2], head[3], events)


def cases(
    conn: Connection, *, audit: bool, open_in: Sequence[Stage] | None = None
) -> list[CaseRecord]:
    """Every case (or those with a stage open in ``open_in``), in the order they were added,
    each with its current events in date order; read through the driver's own cursor."""
    mark = "%s" if conn.dialect.name == POSTGRESQL else "?"
    where, params = "", list[str]()
    if open_in is not None:
        where, params = _open_cases_sql(open_in, mark)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            f"SELECT id, ref, authority, harm FROM cases"
            f" {'WHERE id IN (' + where + ')' if where else ''} ORDER BY id",
            params,
        )
        heads = cursor.fetchall()
        columns = AUDIT_COLUMNS if audit else ""
        cursor.execute(
            f"SELECT case_id, name, on_date, kind, {OUTCOME_SQL}{columns} FROM events"
            f" WHERE {CURRENT}"
            f" {'AND case_id IN (' + where + ')' if where else ''}"
            " ORDER BY case_id, on_date, id",
            params,
        )
        by_case = events_by_case(cursor.fetchall(), audit=audit)
    finally:
        cursor.close()
    empty: tuple[EventRecord, ...] = ()
    return [
        CaseRecord(ref, authority, harm, by_case.get(cid, empty))
        for cid, ref, authority, harm in heads
    ]


def _open_cases_sql(stages: Sequence[Stage], mark: str) -> tuple[str, list[str]]:
    """SQL for the ids of cases with an open stage, built from the rulebook."""
    conditions: list[str] = []
    params: list[str] = []
    for stage in stages:
        marks = ", ".join([mark] * len(stage.starts_on))
        conditions.append(
            f"(MAX(CASE WHEN name IN ({marks}) THEN 1 ELSE 0 END) = 1"
            f" AND MAX(CASE WHEN name = {mark} THEN 1 ELSE 0 END) = 0)"
        )
        params += [*stage.starts_on, stage.met_by]
    sql = f"SELECT case_id FROM events WHERE {CURRENT} GROUP BY case_id HAVING " + " OR ".join(
        conditions
    )
    return sql, params


def events_by_case(rows: Iterable[Any], *, audit: bool) -> dict[int, tuple[EventRecord, ...]]:
    """Group event rows (ordered by case) into each case's tuple of :class:`EventRecord`."""
    grouped: dict[int, list[EventRecord]] = {}
    days: dict[Any, dt.date] = {}  # a register repeats the same few thousand dates
    current: list[EventRecord] = []
    current_id = None
    for row in rows:
        cid, name, on, kind, decision, view, national = row[:7]
        when = days.get(on)
        if when is None:
            when = days[on] = day(on)
        if cid != current_id:
            current = grouped.setdefault(cid, [])
            current_id = cid
        national = None if national is None else bool(national)
        if audit:
            note, by, at = row[7:]
            at = utc(at) if at else None
            current.append(EventRecord(name, when, kind, note, by, at, decision, view, national))
        elif decision is None and view is None and national is None:
            current.append(EventRecord(name, when, kind))
        else:
            current.append(
                EventRecord(name, when, kind, None, None, None, decision, view, national)
            )
    return {cid: tuple(events) for cid, events in grouped.items()}


def history(conn: Connection, ref: str, where: str) -> list[HistoryEntry]:
    """Every record, correction and deletion for ``ref``, oldest first."""
    rows = conn.execute(
        text(
            "SELECT e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by, e.recorded_at,"
            f" e.amends, e.reason, {OUTCOME_SQL} FROM events e JOIN cases c ON c.id = e.case_id"
            " WHERE c.ref = :ref ORDER BY e.recorded_at, e.id"
        ),
        {"ref": ref},
    ).fetchall()
    gone = deletions(conn, ref)
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


def deletions(conn: Connection, ref: str | None = None) -> list[DeletionRow]:
    """The deletions recorded (for one ref, or all), oldest first."""
    sql = "SELECT ref, reason, events, deleted_by, deleted_at FROM deletions"
    params: dict[str, str] = {}
    if ref is not None:
        sql += " WHERE ref = :ref"
        params["ref"] = ref
    rows = conn.execute(text(sql + " ORDER BY id"), params)
    return [DeletionRow(r, why, int(n), by, utc(at)) for r, why, n, by, at in rows]


def logs(conn: Connection) -> dict[str, tuple[LogRow, ...]]:
    """The whole event log of each case that has a correction, rows in the order written."""
    rows = conn.execute(
        text(
            "SELECT c.ref, e.id, e.name, e.on_date, e.kind, e.note, e.recorded_by,"
            f" e.recorded_at, e.amends, e.reason, {OUTCOME_SQL}"
            " FROM events e JOIN cases c ON c.id = e.case_id"
            " WHERE e.case_id IN (SELECT case_id FROM events WHERE amends IS NOT NULL)"
            " ORDER BY c.id, e.id"
        )
    )
    out: dict[str, list[LogRow]] = {}
    position: dict[int, int] = {}
    for ref, row_id, name, on, kind, note, by, at, amends, reason, *recorded in rows:
        log = out.setdefault(ref, [])
        position[row_id] = len(log)
        event = EventRecord(name, day(on), kind, note, by, utc(at), **outcomes(recorded))
        log.append(LogRow(event, None if amends is None else position[amends], reason))
    return {ref: tuple(log) for ref, log in out.items()}


def digest_sent(conn: Connection, digest_date: dt.date, fingerprint: str) -> Any:
    from sqlalchemy import Date, bindparam

    query = text(
        "SELECT sent_at, recipients FROM sent_digests"
        " WHERE digest_date = :day AND fingerprint = :fingerprint ORDER BY id LIMIT 1"
    ).bindparams(bindparam("day", type_=Date()))
    return conn.execute(query, {"day": digest_date, "fingerprint": fingerprint}).first()
