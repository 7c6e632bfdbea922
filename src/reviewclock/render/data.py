"""The JSON contract: plain dictionaries for ``show --json`` and ``status --json``.

Stage names and states are exactly those of the rulebook and the clock. Dates
are ISO strings; ``done`` is null while a stage is open, and
``working_days_left`` is null once it is done. ``due`` is the date in force
(an agreed extension's, if any); ``statutory_due`` is the rule's own date.
A local milestone has nature ``local-target`` and names its ``parent`` stage. Other programs (and the cron
job) rely on these keys: add keys if need be, never rename or remove one.

:func:`case_dict` defines the contract. A command that writes many cases
(``status --json``, ``export --format json``) writes the same text with
:class:`CaseJson`, which never builds the dicts; a test holds the two to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

from reviewclock.casefile import CaseRecord, Delay, EventRecord, Proceeding
from reviewclock.clock import CaseStatus, StageStatus, State
from reviewclock.rules import Stage


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def delay_dict(delay: Delay | None) -> dict[str, Any] | None:
    if delay is None:
        return None
    return {
        "cause": delay.cause,
        "since": _iso(delay.since),
        "running": delay.running,
        "proceedings": [proceeding_dict(p) for p in delay.proceedings],
        "panel_told": delay.panel_told,
        "working_days_since_ended": delay.working_days_since_ended,
    }


def proceeding_dict(p: Proceeding) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "started": _iso(p.started),
        "ended": _iso(p.ended),
        "working_days": p.working_days,
    }


def stage_dict(s: StageStatus) -> dict[str, Any]:
    return {
        "stage": s.stage.name,
        "starts": _iso(s.starts),
        "due": _iso(s.due),
        "statutory_due": _iso(s.rule_due),
        "done": _iso(s.done),
        "state": str(s.state),
        "working_days_left": s.working_days_left,
        "source": s.stage.source,
        "title": s.stage.title,
        "rule": s.stage.rule,
        "owed_by": s.stage.owed_by,
        "duty": s.stage.nature.is_duty,
        "nature": str(s.stage.nature),
        "working_days_taken": s.working_days_taken,
        "due_on_weekend": s.due_on_weekend,
        "delay": delay_dict(s.delay),
        "parent": s.stage.parent,
        "extension": None if s.extension is None else _extension_dict(s.extension),
    }


def case_dict(case: CaseRecord, clock: CaseStatus) -> dict[str, Any]:
    return {
        "ref": case.ref,
        "aware": _iso(case.aware),
        "authority": case.authority,
        "harm": case.harm,
        "stages": [stage_dict(s) for s in clock.stages],
        "proceedings": [proceeding_dict(p) for p in clock.proceedings],
        "events": [
            {
                "event": e.name,
                "on": _iso(e.on),
                "kind": e.kind,
                "to": _iso(e.until),
                "note": e.note,
                "recorded_by": e.recorded_by,
                "recorded_at": None if e.recorded_at is None else e.recorded_at.isoformat(),
                "decision": e.decision,
                "panel_view": e.panel_view,
                "national_review": e.national_review,
            }
            for e in case.events
        ],
    }


_ENCODE = json_text = json.JSONEncoder(ensure_ascii=False).encode
"""How ``emit_json_list`` writes an item: :class:`CaseJson` must give the same text."""

_INT = int.__repr__
"""How the standard encoder writes an int."""

_MEMO_LIMIT = 65536
"""Most values a :class:`CaseJson` memo keeps (a register repeats a few thousand)."""


class CaseJson:
    """Writes ``case_dict(case, clock)`` as JSON text, exactly as
    ``json.JSONEncoder(ensure_ascii=False).encode`` would, without building the dicts.

    A stage's source, title, rule, owed_by, duty, nature and parent are the rulebook's,
    the same for every case, and make up most of the text: they are written once per
    stage. Dates, states and the few words an event repeats (its name, kind and who
    recorded it) are written once each and looked up after. Free text (notes, refs,
    authorities) goes through the standard library's own string escaping, and anything
    of an unexpected type through the standard encoder itself, so the two cannot differ.
    """

    def __init__(self) -> None:
        self._stages: dict[int, tuple[str, str, str]] = {}
        self._held: list[Stage] = []
        self._days: dict[Any, str] = {None: "null"}
        self._words: dict[Any, str] = {None: "null"}
        self._stamps: dict[dt.datetime, str] = {}
        """UTC times only."""
        self._states: dict[Any, str] = {}

    def case(self, case: CaseRecord, clock: CaseStatus, extra: dict[str, Any] | None = None) -> str:
        """``case_dict(case, clock)`` as JSON text; ``extra`` keys (export's ``log``) follow
        the contract's, as if set on the dict after it was made."""
        day = self._days.get
        word = self._words.get
        stamp = self._stamps.get
        state_text = self._states.get
        stage_text = self._stages.get
        new_day = self._new_day
        new_word = self._new_word
        stages = []
        # Unpacked in field order: a field added to either tuple fails here, loudly. What
        # the properties rule_due and due_on_weekend say is said inline (the test holds
        # the text to case_dict's, which asks them).
        for (
            stage,
            starts,
            due,
            done,
            state,
            left,
            taken,
            delay,
            statutory,
            extension,
        ) in clock.stages:
            head, middle, tail = stage_text(id(stage)) or self._new_stage(stage)
            due_text = day(due) or new_day(due)
            if statutory is None or statutory is due:  # no extension moved the due date
                statutory_text = due_text
            else:
                statutory_text = day(statutory) or new_day(statutory)
            stages.append(
                f"{head}{day(starts) or new_day(starts)}"
                f', "due": {due_text}'
                f', "statutory_due": {statutory_text}'
                f', "done": {"null" if done is None else day(done) or new_day(done)}'
                f', "state": {state_text(state) or self._new_state(state)}'
                f', "working_days_left": {"null" if left is None else _number(left)}'
                f"{middle}{'null' if taken is None else _number(taken)}"
                f', "due_on_weekend": {"true" if due.weekday() >= 5 else "false"}'
                f', "delay": {"null" if delay is None else _ENCODE(delay_dict(delay))}'
                f"{tail}"
                f"{'null' if extension is None else _ENCODE(_extension_dict(extension))}}}"
            )
        events = []
        for name, on, kind, note, by, at, decision, view, national, _, until in case.events:
            # Equal times in other zones write differently: only UTC times are looked up.
            if at is not None and at.tzinfo is dt.UTC:
                at_text = stamp(at) or self._new_stamp(at)
            else:
                at_text = _ENCODE(None if at is None else at.isoformat())
            events.append(
                f'{{"event": {word(name) or new_word(name)}'
                f', "on": {day(on) or new_day(on)}'
                f', "kind": {"null" if kind is None else word(kind) or new_word(kind)}'
                f', "to": {"null" if until is None else day(until) or new_day(until)}'
                f', "note": {"null" if note is None else _text(note)}'
                f', "recorded_by": {word(by) or new_word(by)}'
                f', "recorded_at": {at_text}'
                + (
                    _NO_OUTCOME
                    if decision is None and view is None and national is None
                    else f', "decision": {word(decision) or new_word(decision)}'
                    f', "panel_view": {word(view) or new_word(view)}'
                    f', "national_review": {_truth(national)}}}'
                )
            )
        aware = case.aware
        proceedings = clock.proceedings
        # The extra keys' own object, opened up: '{"log": [...]}' -> ', "log": [...]'.
        more = ", " + _ENCODE(extra)[1:-1] if extra else ""
        return (
            f'{{"ref": {_text(case.ref)}, "aware": {day(aware) or new_day(aware)}'
            f', "authority": {_text(case.authority)}'
            f', "harm": {word(case.harm) or new_word(case.harm)}'
            f', "stages": [{", ".join(stages)}]'
            f', "proceedings": {_proceedings(proceedings) if proceedings else "[]"}'
            f', "events": [{", ".join(events)}]{more}}}'
        )

    def _new_stage(self, stage: Stage) -> tuple[str, str, str]:
        """The text of a stage's dict that is the rulebook's: before its start date,
        between its days left and days taken, and between its delay and extension."""
        if len(self._stages) >= _MEMO_LIMIT:
            self._stages.clear()
            self._held.clear()
        head = f'{{"stage": {_ENCODE(stage.name)}, "starts": '
        middle = (
            f', "source": {_ENCODE(stage.source)}, "title": {_ENCODE(stage.title)}'
            f', "rule": {_ENCODE(stage.rule)}, "owed_by": {_ENCODE(stage.owed_by)}'
            f', "duty": {_ENCODE(stage.nature.is_duty)}, "nature": {_ENCODE(str(stage.nature))}'
            ', "working_days_taken": '
        )
        tail = f', "parent": {_ENCODE(stage.parent)}, "extension": '
        # The stage is held while its text is, so that its id cannot pass to another object.
        self._held.append(stage)
        found = self._stages[id(stage)] = (head, middle, tail)
        return found

    def _new_state(self, state: Any) -> str:
        text = _ENCODE(str(state))
        if type(state) is State:
            self._states[state] = text
        return text

    def _new_day(self, day: Any) -> str:
        text = _ENCODE(_iso(day))
        # Only plain dates are kept: a value of another type may compare equal to one.
        if type(day) is dt.date and len(self._days) < _MEMO_LIMIT:
            self._days[day] = text
        return text

    def _new_word(self, word: Any) -> str:
        text = _ENCODE(word)
        if type(word) is str and len(self._words) < _MEMO_LIMIT:
            self._words[word] = text
        return text

    def _new_stamp(self, at: dt.datetime) -> str:
        text = _ENCODE(at.isoformat())
        if type(at) is dt.datetime and len(self._stamps) < _MEMO_LIMIT:
            self._stamps[at] = text
        return text


def _text(value: Any) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    return _ENCODE(value)


def _proceedings(proceedings: Sequence[Proceeding]) -> str:
    return _ENCODE([proceeding_dict(p) for p in proceedings])


def _number(value: Any) -> str:
    if value is None:
        return "null"
    return _INT(value) if type(value) is int else _ENCODE(value)


def _truth(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return _ENCODE(value)


_NO_OUTCOME = ', "decision": null, "panel_view": null, "national_review": null}'


def _extension_dict(extension: EventRecord) -> dict[str, Any]:
    return {"agreed": _iso(extension.on), "to": _iso(extension.until), "note": extension.note}
