"""Import and export as JSON: the register as a list of ``show --json`` objects.

JSON carries what CSV cannot: notes and the audit trail (who recorded each event, and
when). A case with corrections, or with two plans or extensions of one kind stamped with
the same time (as an import stamps them), also carries its whole ``log`` (every row in the
order written, superseded or not, each correction naming the position of the row it
corrects, with its reason), and
each deleted case is an object ``{"deleted": REF, ...}`` after the cases: so a register
moved through JSON keeps its history.

Pure: these functions read and write text; the register does the storing. What the two
codecs share (problems, dates, outcomes) is in :mod:`reviewclock.transfer`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.errors import quoted
from reviewclock.rules import HARMS, OUTCOMES, Rulebook
from reviewclock.store.records import DeletionRow, LogRow
from reviewclock.textchecks import check_user
from reviewclock.transfer import Incoming, Problem, date_value, outcome_value, unknown_name

EVENT_KEYS = (
    "event",
    "on",
    "kind",
    "to",
    "note",
    "recorded_by",
    "recorded_at",
    *OUTCOMES,
)
"""The keys of an event, as ``show --json`` and export write it."""
CASE_KEYS = ("ref", "aware", "authority", "harm", "stages", "proceedings", "events", "log")
"""The keys of a case: those of ``show --json``, and export's ``log`` (``aware``,
``stages`` and ``proceedings`` are worked out again, from the events)."""
LOG_KEYS = (*EVENT_KEYS, "amends", "reason")
DELETION_KEYS = ("deleted", "reason", "events", "deleted_by", "deleted_at")


_KEYS = {"case": CASE_KEYS, "event": EVENT_KEYS, "log": LOG_KEYS, "deletion": DELETION_KEYS}
"""The keys each kind of object in the file may have."""
_ALLOWED = {what: frozenset(keys) for what, keys in _KEYS.items()}


def _keys(item: dict[str, Any], what: str) -> None:
    """Refuse a key the file's ``what`` object should not have: a misspelt one would
    otherwise be passed over, and what it holds (an authority, a note) lost without a word."""
    if _ALLOWED[what].issuperset(item):  # every event of a large file: one test in C
        return
    key = next(k for k in item if k not in _ALLOWED[what])
    raise ValueError(unknown_name(f"{what} key", str(key), _KEYS[what], retired=False))


def read_json(text: str, rules: Rulebook) -> tuple[list[Incoming], list[Problem]]:
    """Cases from a list of ``show --json`` objects; ``stages`` and ``proceedings`` are
    worked out again, so only the events count. Who recorded each event, and when, is kept."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return [], [Problem(e.lineno, "", f"not valid JSON: {e.msg}")]
    if not isinstance(data, list):
        return [], [
            Problem(1, "", "the file must hold a list of cases, as export --format json writes")
        ]
    cases: list[Incoming] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    deletions: set[DeletionRow] = set()
    for number, item in enumerate(data, start=1):
        ref = str(item.get("ref") or item.get("deleted") or "") if isinstance(item, dict) else ""
        try:
            if isinstance(item, dict) and "deleted" in item:
                _keys(item, "deletion")
                deletion = DeletionRow(
                    _given_text(item, "deleted"),
                    _given_text(item, "reason"),
                    _count(item, "events"),
                    check_user(_given_text(item, "deleted_by"), "deleted_by"),
                    _stamp("deleted_at", _given(item, "deleted_at")),
                )
                if deletion in deletions:
                    continue  # the same deletion twice: it is recorded once
                deletions.add(deletion)
                cases.append(
                    Incoming(number, CaseRecord(ref, None, None, ()), "case", deletion=deletion)
                )
                continue
            if not isinstance(item, dict) or not ref:
                raise ValueError("each case needs a 'ref'")
            _keys(item, "case")
            _given_text(item, "ref")
            events_given, log_given = _list(item, "events"), _list(item, "log")
            if ref in seen:
                raise ValueError(f"the ref {ref} is also case {seen[ref]}")
            seen[ref] = number
            harm = item.get("harm")
            if harm is not None and harm not in HARMS:
                raise ValueError(f"harm {harm!r} is not death or serious-harm")
            given = [_event(ev, rules) for ev in events_given]
            numbered = list(enumerate(given))
            recorded: list[tuple[int, int | None, EventRecord]] = [
                (i, None, e) for i, e in numbered
            ]
            log = _log(log_given, rules)
            if log:
                numbered = _current(log)
                recorded = [(i, r.amends, r.event) for i, r in enumerate(log)]
                if sorted(_named(e) for _, e in numbered) != sorted(map(_named, given)):
                    raise ValueError("its events are not those its log leaves current")
            events = [e for _, e in numbered]
            if not any(e.name == rules.opening_event for e in events):
                raise ValueError("it has no 'aware' event")
            events = _in_order_recorded(numbered, recorded, rules)
            case = CaseRecord(ref, _text(item, "authority"), harm, tuple(events))
            read = Incoming(number, case, unit="case", log=log)
            timed = any(e.recorded_at is not None for e in read.records())
            cases.append(dataclasses.replace(read, timed=timed))
        except (ValueError, TypeError, AttributeError, KeyError) as e:
            problems.append(Problem(number, ref, str(e), unit="case"))
    return cases, problems


def _named(e: EventRecord) -> tuple[str, dt.date, str]:
    return e.name, e.on, e.kind or ""


def _text(item: dict[str, Any], key: str) -> str | None:
    """The text under ``key``, or None: a number or a list there is refused, not stored as
    something else."""
    value = item.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{key} must be text or null, not {quoted(json.dumps(value))}")


def _user(item: dict[str, Any], key: str) -> str | None:
    """Who made a record, if the register can keep it whole."""
    who = _text(item, key)
    return None if who is None else check_user(who, key)


def _list(item: dict[str, Any], key: str) -> list[Any]:
    """The list under ``key`` (none given: an empty one)."""
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list, not {quoted(json.dumps(value))}")
    return value


def _given(item: dict[str, Any], key: str) -> Any:
    """The value under ``key``, which the object must have."""
    if item.get(key) is None:
        raise ValueError(f"it needs {key!r}, as export writes it")
    return item[key]


def _given_text(item: dict[str, Any], key: str) -> str:
    _given(item, key)
    text = _text(item, key)
    assert text is not None
    return text


def _count(item: dict[str, Any], key: str) -> int:
    """A whole number of at least 0 under ``key`` (true and false are not numbers here)."""
    value = _given(item, key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a whole number, not {quoted(json.dumps(value))}")
    return value


def _stamp(key: str, text: Any) -> dt.datetime:
    """A time as export writes it (a time with no zone is UTC, as the register keeps it);
    raises ValueError naming ``key``."""
    try:
        if not isinstance(text, str):
            raise ValueError(text)
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{key} {quoted(str(text))} is not a time; write it as export does, for example"
            " 2024-04-02T09:30:00+00:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _event(ev: Any, rules: Rulebook, what: str = "event") -> EventRecord:
    if not isinstance(ev, dict):
        raise ValueError(f"an event must be an object with its keys, not {quoted(str(ev))}")
    _keys(ev, what)
    name = ev.get("event")
    if not isinstance(name, str) or name not in rules.events:
        raise ValueError(unknown_name("event", str(name), list(rules.events)))
    at = ev.get("recorded_at")
    outcomes = {
        field: outcome_value(field, ev[field]) for field in OUTCOMES if ev.get(field) is not None
    }
    return EventRecord(
        name,
        date_value(name, str(ev.get("on", ""))),
        _text(ev, "kind"),
        _text(ev, "note"),
        _user(ev, "recorded_by"),
        _stamp("recorded_at", at) if at else None,
        until=date_value(name, str(ev["to"])) if ev.get("to") else None,
        **outcomes,
    )


def _log(rows: Any, rules: Rulebook) -> tuple[LogRow, ...]:
    out: list[LogRow] = []
    for position, row in enumerate(rows):
        amends = row.get("amends")
        if amends is not None and not (isinstance(amends, int) and 0 <= amends < position):
            raise ValueError(f"log row {position} corrects {amends!r}, not an earlier row")
        out.append(LogRow(_event(row, rules, "log"), amends, _text(row, "reason")))
    return tuple(out)


def _current(log: Sequence[LogRow]) -> list[tuple[int, EventRecord]]:
    """The events a log leaves current (no correction points at them), in date order, each
    with its row in the log."""
    corrected = {r.amends for r in log if r.amends is not None}
    rows = [(r.event.on, i, r.event) for i, r in enumerate(log) if i not in corrected]
    return [(i, e) for _, i, e in sorted(rows, key=lambda t: (t[0], t[1]))]


_STAMPED_ON_IMPORT = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
"""Where a record with no time comes: the import stamps it, after every record given one."""


def _in_order_recorded(
    numbered: Sequence[tuple[int, EventRecord]],
    recorded: Sequence[tuple[int, int | None, EventRecord]],
    rules: Rulebook,
) -> list[EventRecord]:
    """The events (``numbered`` by their row) with the plans and agreed extensions numbered
    in the order they were recorded (``seq``), so that they are checked in that order. The
    order is the register's own (:func:`~reviewclock.store.reading.plan_order`), from
    ``recorded``: each row with the row it corrects and its record."""
    from reviewclock.store.reading import first_made, plan_order

    ordered = set(rules.ordered_events)
    rows = [
        (i, amends, e.recorded_at or _STAMPED_ON_IMPORT)
        for i, amends, e in recorded
        if e.name in ordered
    ]
    place = plan_order(rows)
    # An --update that adds a corrected record places it where the record it corrects was
    # first made, as the register does: that record's time.
    made = {i: None if at == _STAMPED_ON_IMPORT else at for i, (at, _) in first_made(rows).items()}
    return [e._replace(seq=place[i], recorded_at=made[i]) if i in place else e for i, e in numbered]


def log_as_it_stood(log: Sequence[LogRow], day: dt.date, rules: Rulebook) -> tuple[LogRow, ...]:
    """The rows of ``log`` behind the case as it stood on ``day`` (see
    :func:`~reviewclock.clock.as_it_stood`): each record the view keeps, with every record
    it corrects, renumbered; empty if the rows left hold no correction, nor two plans or
    extensions of one kind stamped with the same time (see
    :func:`~reviewclock.store.history.logs`). An export as of a date carries this, so that
    an import keeps each plan or agreed extension in its place in the order of recording."""
    from reviewclock.clock import as_it_stood

    current = _current(log)
    whole = CaseRecord("", None, None, tuple(e for _, e in current))
    stood = as_it_stood(whole, day, rules)
    kept_events = {id(e) for e in stood.events} if stood is not None else set()
    kept: set[int] = set()
    for i, e in current:
        if id(e) in kept_events:
            row: int | None = i
            while row is not None:
                kept.add(row)
                row = log[row].amends
    place: dict[int | None, int | None] = {None: None}
    rows: list[LogRow] = []
    for i in sorted(kept):
        place[i] = len(rows)
        rows.append(LogRow(log[i].event, place[log[i].amends], log[i].reason))
    # Carried, as export carries a whole log, only where the events shown do not say all.
    ordered = set(rules.ordered_events)
    stamped = [(r.event.name, r.event.recorded_at) for r in rows if r.event.name in ordered]
    if any(r.amends is not None for r in rows) or len(set(stamped)) < len(stamped):
        return tuple(rows)
    return ()


def log_json(log: Sequence[LogRow]) -> list[dict[str, Any]]:
    """A case's log as export writes it (see the module docstring)."""
    return [
        {
            "event": r.event.name,
            "on": r.event.on.isoformat(),
            "kind": r.event.kind,
            "note": r.event.note,
            "recorded_by": r.event.recorded_by,
            "recorded_at": None if r.event.recorded_at is None else r.event.recorded_at.isoformat(),
            "decision": r.event.decision,
            "panel_view": r.event.panel_view,
            "national_review": r.event.national_review,
            "to": None if r.event.until is None else r.event.until.isoformat(),
            "amends": r.amends,
            "reason": r.reason,
        }
        for r in log
    ]


def deletion_json(d: DeletionRow) -> dict[str, Any]:
    return {
        "deleted": d.ref,
        "reason": d.reason,
        "events": d.events,
        "deleted_by": d.by,
        "deleted_at": d.at.isoformat(),
    }
