"""The open deadlines as an iCalendar feed, for Outlook and other calendars.

One all-day event per open stage, on its due date, with an alarm two working
days before. Each event's UID is built from the case and the stage, so
importing a new export updates the events rather than adding copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord
from reviewclock.clock import CaseStatus
from reviewclock.render.phrases import note_for

ALARM_WORKING_DAYS = 2
ALARM_TIME = dt.time(9, 0)


def uid_for(ref: str, stage: str) -> str:
    """Stable across exports: the same case and stage always give the same UID."""
    digest = hashlib.sha256(f"{ref}\x00{stage}".encode()).hexdigest()[:24]
    return f"{digest}-{stage}@reviewclock"


def ics_feed(
    evaluated: Iterable[tuple[CaseRecord, CaseStatus]],
    calendar: WorkingCalendar,
    now: dt.datetime,
) -> bytes:
    from zoneinfo import ZoneInfo

    import icalendar

    london = ZoneInfo("Europe/London")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//reviewclock//case review deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Case review deadlines")
    for case, clock in evaluated:
        for s in clock.stages:
            if not s.state.is_open:
                continue
            event = icalendar.Event()
            event.add("uid", uid_for(case.ref, s.stage.name))
            event.add("dtstamp", now)
            what = s.stage.title
            if s.stage.parent is not None:
                what += f", local target within {s.stage.parent}"
            event.add("summary", f"{case.ref}: {s.stage.name} due ({what})")
            event.add("dtstart", s.due)
            event.add("dtend", s.due + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            lines = [
                f"{s.stage.title}: {s.stage.rule} ({s.starts.isoformat()}).",
                f"Owed by {s.stage.owed_by} to {s.stage.owed_to}.",
                f"Nature: {s.stage.nature}.",
                *(
                    [f"Extension agreed with the Panel; statutory due {s.rule_due.isoformat()}."]
                    if s.extended
                    else []
                ),
                f"State when exported: {s.state}. {note_for(s)}".strip(),
                f"Source: {s.stage.source}.",
            ]
            event.add("description", "\n".join(lines))
            event.add("categories", [str(s.state)])
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{case.ref}: {s.stage.name} due {s.due.isoformat()}")
            warn_on = calendar.add_working_days(s.due, -ALARM_WORKING_DAYS)
            alarm.add(
                "trigger", dt.datetime.combine(warn_on, ALARM_TIME, london).astimezone(dt.UTC)
            )
            event.add_component(alarm)
            cal.add_component(event)
    return bytes(cal.to_ical())
