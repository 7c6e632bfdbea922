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
from reviewclock.dates import RANGE, in_range
from reviewclock.errors import CaseNotFound, RegisterError
from reviewclock.rules import PLANS, Stage
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


def unreadable_message(ref: str, stored: str) -> str:
    """Why a case cannot be read, and what to do."""
    return (
        f"case {ref} holds the date {stored!r}, outside the dates reviewclock supports "
        f"({RANGE}); it is left out until corrected: run 'reviewclock doctor'"
    )


def stored_day(value: Any) -> dt.date | None:
    """A stored date, or None if it is not one in the supported range (written by
    something other than reviewclock)."""
    try:
        when = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when if in_range(when) else None


def load(conn: Connection, ref: str, where: str, *, strict: bool = True) -> CaseRecord:
    """One case with its current events, audit fields included. A date outside the
    supported range is refused, unless not ``strict`` (for an amendment that corrects
    it): then that event is left out."""
    head = conn.execute(
        text("SELECT id, ref, authority, harm FROM cases WHERE ref = :ref"), {"ref": ref}
    ).first()
    if head is None:
        raise CaseNotFound(
            f"no case {ref!r} in the register {where}; 'reviewclock status --all' lists the cases"
        )
    plans = ", ".join(f":plan{i}" for i in range(len(PLANS)))
    named = {f"plan{i}": plan for i, plan in enumerate(PLANS)}
    order = plan_order(
        conn.execute(
            text(
                "SELECT id, amends, recorded_at FROM events"
                f" WHERE name IN ({plans}) AND case_id = :id"
            ),
            {**named, "id": head[0]},
        )
    )
    rows = conn.execute(
        text(
            f"SELECT case_id, name, on_date, kind, CASE WHEN name IN ({plans}) THEN id END,"
            f" {OUTCOME_SQL}{AUDIT_COLUMNS} FROM events"
            f" WHERE case_id = :id AND {CURRENT} ORDER BY on_date, id"
        ),
        {**named, "id": head[0]},
    )
    bad: dict[int, str] = {}
    events = events_by_case(rows, audit=True, order=order, bad=bad).get(head[0], ())
    if bad and strict:
        raise RegisterError(unreadable_message(ref, bad[head[0]]))
    return CaseRecord(head[1], head[2], head[3], events)


def _marks(mark: str, count: int) -> str:
    return ", ".join([mark] * count)


def cases(
    conn: Connection,
    *,
    audit: bool,
    open_in: Sequence[Stage] | None = None,
    on: dt.date | None = None,
    bad: dict[str, str] | None = None,
) -> list[CaseRecord]:
    """Every case, in the order they were added, each with its current events in date order;
    read through the driver's own cursor. With ``open_in`` and ``on``, cases that had no
    stage open on ``on`` are left unread (see :meth:`Register.cases`). A case holding a
    date outside the supported range is left out, and named in ``bad`` (ref -> date)."""
    postgres = conn.dialect.name == POSTGRESQL
    mark = "%s" if postgres else "?"
    plans = _marks(mark, len(PLANS))
    where, params = "", list[Any]()
    if open_in is not None and on is None:
        raise ValueError("open_in needs the date the clock is read for (on=)")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if open_in is not None and on is not None:
            on_param: Any = on if postgres else on.isoformat()
            # Looking back past events already recorded needs the slower, dated test.
            cursor.execute(
                f"SELECT 1 FROM events WHERE on_date > {mark} AND name NOT IN ({plans}) LIMIT 1",
                [on_param, *PLANS],
            )
            later = cursor.fetchone()
            where, params = _open_cases_sql(open_in, on_param if later else None, mark)
        cursor.execute(
            f"SELECT id, ref, authority, harm FROM cases"
            f" {'WHERE id IN (' + where + ')' if where else ''} ORDER BY id",
            params,
        )
        heads = cursor.fetchall()
        # Every plan: one quick pass, rather than filtering the plans by case again.
        cursor.execute(f"SELECT id, amends, recorded_at FROM events WHERE name IN ({plans})", PLANS)
        order = plan_order(cursor.fetchall())
        columns = AUDIT_COLUMNS if audit else ""
        cursor.execute(
            f"SELECT case_id, name, on_date, kind, CASE WHEN name IN ({plans}) THEN id END,"
            f" {OUTCOME_SQL}{columns} FROM events WHERE {CURRENT}"
            f" {'AND case_id IN (' + where + ')' if where else ''}"
            " ORDER BY case_id, on_date, id",
            [*PLANS, *params],
        )
        unreadable: dict[int, str] = {}
        by_case = events_by_case(cursor.fetchall(), audit=audit, order=order, bad=unreadable)
    finally:
        cursor.close()
    if bad is not None:
        bad.update((ref, unreadable[cid]) for cid, ref, _, _ in heads if cid in unreadable)
    empty: tuple[EventRecord, ...] = ()
    return [
        CaseRecord(ref, authority, harm, by_case.get(cid, empty))
        for cid, ref, authority, harm in heads
        if cid not in unreadable
    ]


def _open_cases_sql(stages: Sequence[Stage], on: Any, mark: str) -> tuple[str, list[Any]]:
    """SQL for the ids of cases with a stage open on ``on``, built from the rulebook.

    Every case the clock finds open on ``on`` is among them (a plan counts
    whatever its date, as the clock counts it); the clock decides the rest.
    ``on`` None: on a date no event but a plan is dated after, which needs no
    test of dates. Both engines run it: each test is a CASE, not a boolean.
    """
    conditions: list[str] = []
    params: list[Any] = []
    plans = _marks(mark, len(PLANS))
    for stage in stages:
        starts = _marks(mark, len(stage.starts_on))
        if on is None:
            conditions.append(
                f"(MAX(CASE WHEN name IN ({starts}) THEN 1 ELSE 0 END) = 1"
                f" AND MAX(CASE WHEN name = {mark} THEN 1 ELSE 0 END) = 0)"
            )
            params += [*stage.starts_on, stage.met_by]
            continue
        conditions.append(
            f"(MAX(CASE WHEN name IN ({starts}) AND (on_date <= {mark} OR name IN ({plans}))"
            " THEN 1 ELSE 0 END) = 1"
            f" AND MAX(CASE WHEN name = {mark} AND on_date <= {mark} THEN 1 ELSE 0 END) = 0)"
        )
        params += [*stage.starts_on, on, *PLANS, stage.met_by, on]
    sql = f"SELECT case_id FROM events WHERE {CURRENT} GROUP BY case_id HAVING " + " OR ".join(
        conditions
    )
    return sql, params


def plan_order(rows: Iterable[Any]) -> dict[int, int]:
    """Each plan row's place in the order plans were recorded, from rows of
    (id, amends, recorded_at): by the time recorded, then by row on a tie.

    A correction takes the place of the record it corrects: correcting the
    date of an earlier plan does not make it the plan in force.
    """
    rows_by_id = {row[0]: row for row in rows}
    if not rows_by_id:
        return {}

    def key(row_id: int) -> tuple[dt.datetime, int]:
        row = rows_by_id[row_id]
        while row[1] is not None and row[1] in rows_by_id:
            row = rows_by_id[row[1]]
        return utc(row[2]), row[0]

    return {row_id: place for place, row_id in enumerate(sorted(rows_by_id, key=key))}


def events_by_case(
    rows: Iterable[Any],
    *,
    audit: bool,
    order: dict[int, int],
    bad: dict[int, str] | None = None,
) -> dict[int, tuple[EventRecord, ...]]:
    """Group event rows (ordered by case) into each case's tuple of :class:`EventRecord`.

    Rows are (case_id, name, on_date, kind, plan row id or NULL, the outcome columns
    [, note, by, at]); ``order`` gives each plan row its place in the order of recording."""
    grouped: dict[int, list[EventRecord]] = {}
    days: dict[Any, dt.date | None] = {}  # a register repeats the same few thousand dates
    current: list[EventRecord] = []
    current_id = None
    for row in rows:
        cid, name, on, kind, plan_id, decision, view, national = row[:8]
        found = days.get(on, _UNSEEN)
        if found is _UNSEEN:
            found = days[on] = stored_day(on)
        if found is None:
            if bad is not None:
                bad.setdefault(cid, str(on))
            continue
        when = found
        if cid != current_id:
            current = grouped.setdefault(cid, [])
            current_id = cid
        seq = None if plan_id is None else order.get(plan_id)
        national = None if national is None else bool(national)
        if audit:
            note, by, at = row[8:]
            at = utc(at) if at else None
            current.append(
                EventRecord(name, when, kind, note, by, at, decision, view, national, seq)
            )
        elif decision is None and view is None and national is None:
            current.append(EventRecord(name, when, kind, seq=seq))
        else:
            current.append(
                EventRecord(name, when, kind, None, None, None, decision, view, national, seq)
            )
    return {cid: tuple(events) for cid, events in grouped.items()}


_UNSEEN = dt.date.min


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


def event_counts(conn: Connection, cid: Any) -> tuple[int, int]:
    """(events as corrected, corrections) of a case: each correction is a row of its
    own beside the row it corrects, which no longer counts as an event."""
    total, corrections = conn.execute(
        text("SELECT count(*), count(amends) FROM events WHERE case_id = :id"), {"id": cid}
    ).one()
    return int(total) - int(corrections), int(corrections)


def digest_sent(conn: Connection, digest_date: dt.date, fingerprint: str) -> Any:
    from sqlalchemy import Date, bindparam

    query = text(
        "SELECT sent_at, recipients FROM sent_digests"
        " WHERE digest_date = :day AND fingerprint = :fingerprint ORDER BY id LIMIT 1"
    ).bindparams(bindparam("day", type_=Date()))
    return conn.execute(query, {"day": digest_date, "fingerprint": fingerprint}).first()
