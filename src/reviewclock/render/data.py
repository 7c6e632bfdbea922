"""The JSON contract: plain dictionaries for ``show --json`` and ``status --json``.

Stage names and states are exactly those of the rulebook and the clock. Dates
are ISO strings; ``done`` is null while a stage is open, and
``working_days_left`` is null once it is done. ``due`` is the date in force
(an agreed extension's, if any); ``statutory_due`` is the rule's own date.
A local milestone has nature ``local-target`` and names its ``parent`` stage. Other programs (and the cron
job) rely on these keys: add keys if need be, never rename or remove one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reviewclock.casefile import CaseRecord, Delay, Proceeding
from reviewclock.clock import CaseStatus, StageStatus


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
        "extension": None
        if s.extension is None
        else {
            "agreed": _iso(s.extension.on),
            "to": _iso(s.extension.until),
            "note": s.extension.note,
        },
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
