"""The open deadlines as an iCalendar feed, for Outlook and other calendars.

One all-day event per open stage, on its due date, with an alarm two working
days before. Each event's UID is built from the case and the stage, so
importing a new export updates the events rather than adding copies.

A register can hold many thousands of open stages, so the feed is not built as
one icalendar component per event and serialised whole (which costs
milliseconds an event). icalendar still decides everything about the text: the
order of the properties (taken from the first event, laid out by icalendar),
the encoding of every value (dates, times and categories through icalendar's
own types, memoised since a feed repeats a few hundred of them; text through
its TEXT escaping) and the folding of long lines, which :func:`fold` does as
icalendar does, without walking character by character through the lines that
are plain ASCII.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord
from reviewclock.clock import CaseStatus, StageStatus
from reviewclock.render.phrases import note_for

ALARM_WORKING_DAYS = 2
ALARM_TIME = dt.time(9, 0)

FOLD_AT = 75
"""A content line of this many octets or more is folded (RFC 5545, section 3.1)."""

TEXT_PROPERTIES = frozenset({"SUMMARY", "UID", "DESCRIPTION"})
"""The properties whose values differ from event to event; every other value is met
again and again in one feed (a date, a state), so its line is made once."""


def uid_for(ref: str, stage: str) -> str:
    """Stable across exports: the same case and stage always give the same UID."""
    digest = hashlib.sha256(f"{ref}\x00{stage}".encode()).hexdigest()[:24]
    return f"{digest}-{stage}@reviewclock"


def fold(line: str) -> str:
    """One content line folded exactly as icalendar folds it.

    Each physical line holds at most 74 octets, the next starting with a space; a
    backslash or caret (the start of an escape) that would end a line moves to the
    next. An ASCII line has one octet a character, so it is cut by slicing; any
    other line goes to icalendar itself.
    """
    if not line.isascii():
        from icalendar.parser import Contentline

        folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
        return folded.decode()
    if len(line) < FOLD_AT:
        return line
    parts = []
    start = 0
    while len(line) - start >= FOLD_AT:
        end = start + FOLD_AT - 1
        if line[end - 1] in "\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(parts)


def event_properties(
    ref: str, s: StageStatus, calendar: WorkingCalendar, now: dt.datetime, london: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The properties of the event for one open stage and of its alarm, by lower-case
    name, as values icalendar's ``Component.add`` takes."""
    what = s.stage.title
    if s.stage.parent is not None:
        what += f", local target within {s.stage.parent}"
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
    warn_on = calendar.add_working_days(s.due, -ALARM_WORKING_DAYS)
    event = {
        "uid": uid_for(ref, s.stage.name),
        "dtstamp": now,
        "summary": f"{ref}: {s.stage.name} due ({what})",
        "dtstart": s.due,
        "dtend": s.due + dt.timedelta(days=1),
        "transp": "TRANSPARENT",
        "description": "\n".join(lines),
        "categories": [str(s.state)],
    }
    alarm = {
        "action": "DISPLAY",
        "description": f"{ref}: {s.stage.name} due {s.due.isoformat()}",
        "trigger": dt.datetime.combine(warn_on, ALARM_TIME, london).astimezone(dt.UTC),
    }
    return event, alarm


class _Lines:
    """Content lines made by icalendar: each event's in the order icalendar lays them
    out, and every value that repeats made once."""

    def __init__(self) -> None:
        import icalendar

        self._ical = icalendar
        self._made: dict[tuple[str, Any], str] = {}
        self._layout: list[tuple[str, str]] | None = None

    def component(self, name: str, properties: dict[str, Any]) -> Any:
        """A component built the plain icalendar way."""
        made = self._ical.Event() if name == "VEVENT" else self._ical.Alarm()
        for key, value in properties.items():
            made.add(key, value)
        return made

    def _lay_out(self, event: dict[str, Any], alarm: dict[str, Any]) -> list[tuple[str, str]]:
        """(component, PROPERTY) in the order icalendar writes one event with its alarm;
        BEGIN and END lines have their component's name as the property."""
        whole = self.component("VEVENT", event)
        whole.add_component(self.component("VALARM", alarm))
        layout: list[tuple[str, str]] = []
        inside: list[str] = []
        for name, value in whole.property_items():
            if name == "BEGIN":
                inside.append(value.decode())
                layout.append(("BEGIN", inside[-1]))
            elif name == "END":
                layout.append(("END", inside.pop()))
            else:
                layout.append((inside[-1], name))
        return layout

    def line(self, name: str, value: Any) -> str:
        """The folded content line of one property."""
        if name in TEXT_PROPERTIES:
            return fold(f"{name}:{self._ical.vText(value).to_ical().decode()}")
        key = (name, tuple(value) if isinstance(value, list) else value)
        made = self._made.get(key)
        if made is None:
            probe = self._ical.Event()
            probe.add(name, value)
            made = self._made[key] = fold(str(probe.content_lines()[1]))
        return made

    def event(self, event: dict[str, Any], alarm: dict[str, Any]) -> list[str]:
        if self._layout is None:
            self._layout = self._lay_out(event, alarm)
        values = {"VEVENT": event, "VALARM": alarm}
        out = []
        for where, name in self._layout:
            if where in ("BEGIN", "END"):
                out.append(f"{where}:{name}")
            else:
                out.append(self.line(name, values[where][name.lower()]))
        return out


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
    head = [fold(str(line)) for line in cal.content_lines() if line]
    lines = _Lines()
    out = head[:-1]
    for case, clock in evaluated:
        for s in clock.stages:
            if s.state.is_open:
                out += lines.event(*event_properties(case.ref, s, calendar, now, london))
    out += [head[-1], ""]
    return "\r\n".join(out).encode()
