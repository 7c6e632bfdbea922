"""Reading the register: cases with their current events.

Ordinary reads use SQL that both engines run, with named parameters. The read
that a status makes of every case goes through the driver's own cursor, for
speed (stdlib sqlite3 on SQLite, psycopg on PostgreSQL); only its parameter
marks differ. SQLite hands back dates and times as ISO text, PostgreSQL as
``date`` and ``timestamptz`` values: :func:`day` and :func:`utc` accept both.
A case's past (history, deletions, the log) is read in :mod:`~reviewclock.store.history`,
and which cases are open in :mod:`~reviewclock.store.opencases`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.dates import in_range
from reviewclock.errors import CaseNotFound, RegisterError
from reviewclock.rules import Rulebook, Stage
from reviewclock.store.advice import listing_cases, unreadable_message
from reviewclock.store.db import Db
from reviewclock.store.location import POSTGRESQL

AUDIT_COLUMNS = ", note, recorded_by, recorded_at"
OUTCOME_SQL = "decision, panel_view, national_review"
"""What an event records besides its date (``rules.OUTCOMES``), in this order."""
CURRENT = "id NOT IN (SELECT amends FROM events WHERE amends IS NOT NULL)"
"""The events that count: those no amendment has corrected."""
CURRENT_OF_CASE = "id NOT IN (SELECT amends FROM events WHERE case_id = :id AND amends IS NOT NULL)"
""":data:`CURRENT` for the events of the case ``:id``. A correction is a row of the case it
corrects, so only that case's rows are looked at: a write then reads the same few rows
however large the register, and whatever PostgreSQL's statistics say about it."""


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
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        # No command can correct when a record was made: a copy from before is the mend.
        raise RegisterError(
            f"the register holds {str(value)!r} where the time a record was made belongs,"
            " which is not a time (written by something other than reviewclock); restore the"
            " register from a backup made before"
        ) from None


def case_id(db: Db, ref: str, *, lock: bool = False) -> Any:
    """The row id of the case ``ref``, or None. With ``lock`` on PostgreSQL the case row is
    locked until the transaction ends (SQLite's write transaction already holds the lock)."""
    sql = "SELECT id FROM cases WHERE ref = :ref"
    if lock and db.dialect == POSTGRESQL:
        sql += " FOR UPDATE"
    return db.value(sql, {"ref": ref})


def shown_day(value: Any) -> dt.date | str | None:
    """A stored date as a person looking back is shown it: the date, or the stored text
    itself where it is not a date (written by something other than reviewclock)."""
    if value is None:
        return None
    try:
        return day(value)
    except (TypeError, ValueError):
        return str(value)


def stored_day(value: Any) -> dt.date | None:
    """A stored date, or None if it is not one in the supported range (written by
    something other than reviewclock)."""
    try:
        when = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when if in_range(when) else None


def named(prefix: str, names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """``names`` as the marks of an ``IN (...)`` list and their named parameters (``NULL``,
    which matches nothing, when there are none)."""
    marks = ", ".join(f":{prefix}{i}" for i in range(len(names))) or "NULL"
    return marks, {f"{prefix}{i}": name for i, name in enumerate(names)}


HEAD_COLUMNS = "id, ref, authority, harm"


def event_columns(audit: bool, rules: Rulebook, table: str = "") -> tuple[str, dict[str, str]]:
    """An event row: (case_id, name, on_date, kind, agreed_to, ordered row id or NULL, the
    outcome columns, note, recorded_by, recorded_at), and its parameters; without
    ``audit`` the last three are NULL. The ordered row id places an event whose latest
    recording counts (a plan, an agreed extension) in the order of recording."""
    t = f"{table}." if table else ""
    marks, params = named("ord", rules.ordered_events)
    columns = (
        f"{t}case_id, {t}name, {t}on_date, {t}kind, {t}agreed_to,"
        f" CASE WHEN {t}name IN ({marks}) THEN {t}id END,"
        f" {t}decision, {t}panel_view, {t}national_review"
    )
    # Without the audit fields the columns are still there, empty: one shape of row.
    if audit:
        columns += f", {t}note, {t}recorded_by, {t}recorded_at"
    else:
        columns += ", NULL, NULL, NULL"
    return columns, params


def load(db: Db, ref: str, where: str, rules: Rulebook, *, strict: bool = True) -> CaseRecord:
    """One case with its current events, audit fields included. A date outside the
    supported range is refused, unless not ``strict`` (for an amendment that corrects
    it): then that event is left out. ``rules`` says which events' latest recording
    counts (plans, agreed extensions), so the order they were recorded in is read."""
    head = next(
        iter(db.rows(f"SELECT {HEAD_COLUMNS} FROM cases WHERE ref = :ref", {"ref": ref})), None
    )
    if head is None:
        raise CaseNotFound(f"no case {ref!r} in the register {where}; {listing_cases(where)}")
    columns, ordered = event_columns(True, rules)
    params = {**ordered, "id": head[0]}
    marks, _ = named("ord", rules.ordered_events)
    order = plan_order(
        db.rows(
            f"SELECT id, amends, recorded_at FROM events WHERE name IN ({marks}) AND case_id = :id",
            params,
        )
    )
    rows = db.rows(
        f"SELECT {columns} FROM events WHERE case_id = :id AND {CURRENT_OF_CASE}"
        " ORDER BY on_date, id",
        params,
    )
    bad: dict[int, str] = {}
    found = list(_merge([head], rows, order=order, bad=bad, keep_bad=True))
    if bad and strict:
        raise RegisterError(unreadable_message(ref, bad[head[0]]))
    return found[0][1]


def cases(
    db: Db,
    *,
    audit: bool,
    rules: Rulebook,
    open_in: Sequence[Stage] | None = None,
    on: dt.date | None = None,
    bad: dict[str, str] | None = None,
    between: tuple[int, int] | None = None,
) -> Iterator[tuple[int, CaseRecord]]:
    """Every case, in the order they were added, each with its row id and its current
    events in date order, one at a time as they are read; with ``between`` (and no
    ``open_in``), only the cases whose row ids are in that range. With ``open_in`` and
    ``on``, cases that had no stage open on ``on`` are left unread (see
    :meth:`Register.cases`): they are worked out once, by set algebra on the events'
    names (see :func:`~reviewclock.store.opencases.open_case_ids`), or with dates when
    looking back past recorded events. A case holding a date outside the supported range
    is left out, and named in ``bad`` (ref -> date)."""
    if open_in is not None and on is None:
        raise ValueError("open_in needs the date the clock is read for (on=)")
    if open_in is not None and on is not None:
        from reviewclock.store.opencases import open_case_ids  # it builds on this module

        ids = open_case_ids(db, open_in, on, rules)
        yield from cases_by_id(db, ids, audit=audit, rules=rules, bad=bad)
        return
    columns, ordered = event_columns(audit, rules)
    marks, _ = named("ord", rules.ordered_events)
    only, within, params = "", "", dict[str, Any](ordered)
    if between is not None:
        only, within = " WHERE id BETWEEN :lo AND :hi", " AND case_id BETWEEN :lo AND :hi"
        params |= {"lo": between[0], "hi": between[1]}
    heads = db.rows(f"SELECT {HEAD_COLUMNS} FROM cases{only} ORDER BY id", params)
    # Every plan and agreed extension: one quick pass, rather than by case again.
    order = plan_order(
        db.rows(
            f"SELECT id, amends, recorded_at FROM events WHERE name IN ({marks}){within}", params
        )
    )
    rows = db.rows(
        f"SELECT {columns} FROM events WHERE {CURRENT}{within} ORDER BY case_id, on_date, id",
        params,
    )
    yield from _merge(heads, rows, order=order, bad=bad)


def cases_by_id(
    db: Db,
    ids: Sequence[int],
    *,
    audit: bool,
    rules: Rulebook,
    bad: dict[str, str] | None = None,
) -> Iterator[tuple[int, CaseRecord]]:
    """The cases with the (distinct) row ids ``ids``, in the order of ``ids``, read in
    batches (the database puts them in that order)."""
    picked = _picked(db)
    columns, ordered = event_columns(audit, rules, "e")
    marks, _ = named("ord", rules.ordered_events)
    for lo in range(0, len(ids), BATCH):
        batch = {**ordered, "ids": _ids(db, list(ids[lo : lo + BATCH]))}
        heads = db.rows(
            f"SELECT c.id, c.ref, c.authority, c.harm FROM {picked}"
            " JOIN cases c ON c.id = picked.value ORDER BY picked.place",
            batch,
        )
        # The plans of these cases: their order among themselves is all that counts.
        order = plan_order(
            db.rows(
                "SELECT id, amends, recorded_at FROM events"
                f" WHERE case_id IN (SELECT picked.value FROM {picked})"
                f" AND name IN ({marks})",
                batch,
            )
        )
        rows = db.rows(
            f"SELECT {columns} FROM {picked}"
            " JOIN events e ON e.case_id = picked.value"
            f" WHERE e.{CURRENT} ORDER BY picked.place, e.on_date, e.id",
            batch,
        )
        yield from _merge(heads, rows, order=order, bad=bad)


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


def event_counts(db: Db, cid: Any) -> tuple[int, int]:
    """(events as corrected, corrections) of a case: each correction is a row of its
    own beside the row it corrects, which no longer counts as an event."""
    total, corrections = next(
        iter(db.rows("SELECT count(*), count(amends) FROM events WHERE case_id = :id", {"id": cid}))
    )
    return int(total) - int(corrections), int(corrections)


def first_made(rows: Iterable[Any]) -> dict[Any, tuple[dt.datetime, Any]]:
    """Each row's (time, row) of the record first made behind it, from rows of (id,
    amends, recorded_at): a correction stands for the record it corrects, and that one for
    the record it corrected, and so on back."""
    rows_by_id = {row[0]: row for row in rows}
    made = {}
    times: dict[Any, dt.datetime] = {}  # an import stamps every row it stores with one time
    for row_id, row in rows_by_id.items():
        while row[1] is not None and row[1] in rows_by_id:
            row = rows_by_id[row[1]]
        at = times.get(row[2])
        if at is None:
            at = times[row[2]] = utc(row[2])
        made[row_id] = (at, row[0])
    return made


def plan_order(rows: Iterable[Any]) -> dict[int, int]:
    """Each row's place in the order its kind of event was recorded (plans, agreed
    extensions: the events whose latest recording counts), from rows of
    (id, amends, recorded_at): by the time recorded, then by row on a tie.

    A correction takes the place of the record it corrects (:func:`first_made`):
    correcting the date of an earlier plan does not make it the plan in force.
    """
    made = first_made(rows)
    return {row_id: place for place, row_id in enumerate(sorted(made, key=made.__getitem__))}


def first_recorded(db: Db, rules: Rulebook) -> dict[Any, list[dt.datetime]]:
    """For each case (by row id) with plans or agreed extensions, the times they were first
    recorded (a correction's record by the time of the record it corrects), in the order
    of recording that :func:`plan_order` gives them: the order of their ``seq``. Where a
    record added later (by an import) will stand among them depends on these."""
    marks, params = named("ord", rules.ordered_events)
    by_case: dict[Any, list[Any]] = {}
    for row in db.rows(
        f"SELECT case_id, id, amends, recorded_at FROM events WHERE name IN ({marks})", params
    ):
        by_case.setdefault(row[0], []).append(row[1:])
    times: dict[Any, list[dt.datetime]] = {}
    for cid, rows in by_case.items():
        corrected = {row[1] for row in rows if row[1] is not None}
        made = first_made(rows)
        current = sorted(key for row_id, key in made.items() if row_id not in corrected)
        times[cid] = [at for at, _ in current]
    return times


def with_first_recorded(case: CaseRecord, times: Sequence[dt.datetime]) -> CaseRecord:
    """``case`` with each plan and agreed extension's ``recorded_at`` the time it was first
    recorded (``times``, from :func:`first_recorded`): what an import checks a record it
    adds against."""
    ordered = sorted((e.seq, i) for i, e in enumerate(case.events) if e.seq is not None)
    if len(ordered) != len(times):  # pragma: no cover - both read in one transaction
        return case
    events = list(case.events)
    for (_, i), at in zip(ordered, times, strict=True):
        events[i] = events[i]._replace(recorded_at=at)
    return case._replace(events=tuple(events))


_UNSEEN = dt.date.min
_FIELDS = len(EventRecord._fields)
_new = tuple.__new__


def _merge(
    heads: Iterable[Sequence[Any]],
    rows: Iterable[Sequence[Any]],
    *,
    order: dict[int, int],
    bad: dict[Any, str] | None = None,
    keep_bad: bool = False,
) -> Iterator[tuple[int, CaseRecord]]:
    """Each case head with its event rows (see :func:`event_columns`); both are ordered by
    case in the same order.

    A case holding a date outside the supported range is left out (named in ``bad``,
    ref -> date), unless ``keep_bad``: then only that event is left out, and ``bad``
    is keyed by case id."""
    # A register repeats the same few thousand dates, times and users: each is made once.
    days: dict[Any, dt.date | None] = {}
    stamps: dict[Any, dt.datetime] = {}
    users: dict[Any, Any] = {}
    groups = groupby(rows, itemgetter(0))
    group = next(groups, None)
    for cid, ref, authority, harm in heads:
        events: list[EventRecord] = []
        unreadable = None
        if group is not None and group[0] == cid:
            for (
                _,
                name,
                on,
                kind,
                agreed_to,
                plan_id,
                decision,
                view,
                national,
                note,
                by,
                at,
            ) in group[1]:
                when = days.get(on, _UNSEEN)
                if when is _UNSEEN:
                    when = days[on] = stored_day(on)
                if when is None:
                    unreadable = unreadable or str(on)
                    continue
                until = None
                if agreed_to is not None:
                    until = stored_day(agreed_to)
                    if until is None:  # an agreed extension's new due date, unreadable
                        unreadable = unreadable or str(agreed_to)
                        continue
                if national is not None:
                    national = bool(national)
                stamp = None
                if at:
                    stamp = stamps.get(at)
                    if stamp is None:
                        stamp = stamps[at] = utc(at)
                    by = users.setdefault(by, by)
                # The record made as its class would, without a call per event (the
                # fields in order; _FIELDS checks there are as many as given here).
                events.append(
                    _new(
                        EventRecord,
                        (
                            name,
                            when,
                            kind,
                            note,
                            by,
                            stamp,
                            decision,
                            view,
                            national,
                            None if plan_id is None else order.get(plan_id),
                            until,
                        ),
                    )
                )
            group = next(groups, None)
        if unreadable is not None:
            if keep_bad:
                if bad is not None:
                    bad[cid] = unreadable
            else:
                if bad is not None:
                    bad[ref] = unreadable
                continue
        yield cid, CaseRecord(ref, authority, harm, tuple(events))


if _FIELDS != 11:  # pragma: no cover - a new field must be read above too
    raise ImportError(f"EventRecord has {_FIELDS} fields; store.reading._merge makes 11")
