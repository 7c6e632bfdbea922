"""Which cases are open, and which can count in a period: worked out once per command,
from the index on the events' names, so that only those cases are read.

On a date after every recorded event but plans (the usual case) this is set algebra
on event names; looking back past recorded events needs their dates as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reviewclock.rules import Rulebook, Stage
from reviewclock.store.db import Db
from reviewclock.store.location import POSTGRESQL
from reviewclock.store.reading import CURRENT, named


def open_case_ids(db: Db, stages: Sequence[Stage], on: dt.date, rules: Rulebook) -> list[int]:
    """The ids of the cases with a stage open on ``on``: every case the clock finds open
    then is among them (the clock decides the rest).

    On a date after every recorded event but plans (the usual case), a stage is open
    when one of its start events is recorded and its meeting event is not. That is set
    algebra on names alone (an amendment keeps the name of the event it corrects, so
    corrected rows need not be told apart), which the index on events (name, case_id)
    answers without reading the table. Looking back past recorded events needs dates:
    a stage was open when a start event was dated on or before ``on`` (or is a plan,
    which counts whatever its date) and its meeting event was not.
    """
    plans, plan_params = named("plan", rules.plans)
    later = next(
        iter(
            db.rows(
                f"SELECT 1 FROM events WHERE on_date > :on AND name NOT IN ({plans}) LIMIT 1",
                {**plan_params, "on": on},
            )
        ),
        None,
    )
    if later is not None:
        sql, params = _open_on_sql(stages, on, rules.plans)
        return sorted(int(r[0]) for r in db.rows(sql, params))
    return _open_now_ids(db, stages)


def _open_now_ids(db: Db, stages: Sequence[Stage]) -> list[int]:
    """The ids of the cases with a stage open after every event recorded: a start event
    recorded and the meeting event not (set algebra on names, from the index)."""
    # Each name's cases once, straight from the index, then the algebra in Python: the
    # database's own EXCEPT and UNION build and merge a temporary tree per stage, which
    # takes twice as long on a large register.
    having = {
        name: _having(db, name)
        for name in {n for stage in stages for n in (*stage.starts_on, stage.met_by)}
    }
    found: set[int] = set()
    for stage in stages:
        started = set().union(*(having[n] for n in stage.starts_on))
        found |= started - having[stage.met_by]
    return sorted(found)


def _having(db: Db, name: str) -> set[int]:
    """The ids of the cases with an event named ``name`` (from the index)."""
    if db.dialect == POSTGRESQL:
        rows = db.rows("SELECT case_id FROM events WHERE name = :name", {"name": name})
        return {int(case_id) for (case_id,) in rows}
    # SQLite joins the ids into one text in C: reading that is a third quicker than a row
    # per id, on a register where an event name has tens of thousands of cases.
    text = db.value("SELECT group_concat(case_id) FROM events WHERE name = :name", {"name": name})
    return set(map(int, text.split(","))) if text else set()


def _open_on_sql(
    stages: Sequence[Stage], on: dt.date, plan_names: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """SQL for the ids of cases with a stage open on ``on``, tested with dates. Both engines
    run it: each test is a CASE, not a boolean."""
    conditions: list[str] = []
    plans, plan_params = named("plan", plan_names)
    params: dict[str, Any] = {**plan_params, "on": on}
    for i, stage in enumerate(stages):
        starts = ", ".join(f":s{i}_{j}" for j in range(len(stage.starts_on)))
        params |= {f"s{i}_{j}": name for j, name in enumerate(stage.starts_on)}
        params[f"m{i}"] = stage.met_by
        conditions.append(
            f"(MAX(CASE WHEN name IN ({starts}) AND (on_date <= :on OR name IN ({plans}))"
            " THEN 1 ELSE 0 END) = 1"
            f" AND MAX(CASE WHEN name = :m{i} AND on_date <= :on THEN 1 ELSE 0 END) = 0)"
        )
    sql = f"SELECT case_id FROM events WHERE {CURRENT} GROUP BY case_id HAVING " + " OR ".join(
        conditions
    )
    return sql, params


def event_names(db: Db) -> set[str]:
    """The name of every event recorded (the index on events (name, case_id) answers it)."""
    return {str(r[0]) for r in db.rows("SELECT DISTINCT name FROM events")}


def active_case_ids(
    db: Db, stages: Sequence[Stage], since: dt.date, on: dt.date, rules: Rulebook
) -> list[int]:
    """The ids of the cases that had a stage open on ``on``, or have an event dated on or
    after ``since``: every case that can count in figures for a period from ``since`` to
    ``on`` (a case with neither had every stage done before the period began).

    A case with no event dated on or after ``since`` stood on ``on`` (not before
    ``since``) as it stands after all its events, so among those cases the ones open
    on ``on`` are the ones open now, which the names alone tell (no dates to compare).
    A case the register learnt of only after ``on`` (its awareness is later) counts
    nowhere, and is left out."""
    later = db.rows("SELECT DISTINCT case_id FROM events WHERE on_date >= :since", {"since": since})
    still_open = _open_now_ids(db, stages) if since <= on else open_case_ids(db, stages, on, rules)
    unknown = db.rows(
        f"SELECT case_id FROM events WHERE name = :opening AND {CURRENT}"
        " GROUP BY case_id HAVING MIN(on_date) > :on",
        {"opening": rules.opening_event, "on": on},
    )
    known = {int(r[0]) for r in later} | set(still_open)
    return sorted(known - {int(r[0]) for r in unknown})


def all_case_ids(db: Db) -> range:
    """The row ids of the cases, in the order they were added, as the run from the first
    to the last: two lookups in the table's own index, where listing every id reads the
    whole table. An id in the run whose case was deleted is simply not there to read."""
    first, last = next(iter(db.rows("SELECT min(id), max(id) FROM cases")))
    return range(0) if first is None else range(int(first), int(last) + 1)


def stamp(db: Db) -> tuple[Any, ...]:
    """The newest row id of the cases, the events and the deletions. reviewclock only ever
    adds rows, and removes them only with a deletion row of its own, so two reads with
    the same stamp read the same cases and events."""
    sql = (
        "SELECT (SELECT max(id) FROM cases), (SELECT max(id) FROM events),"
        " (SELECT max(id) FROM deletions)"
    )
    return tuple(next(iter(db.rows(sql))))
