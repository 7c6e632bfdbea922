"""The calendar feed: each line as icalendar writes it, and lines folded as icalendar folds them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline

from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import CaseRecord, EventRecord
from reviewclock.clock import Clock
from reviewclock.render.ics import event_properties, fold, ics_feed
from reviewclock.rules import Milestone, rulebook

D = dt.date.fromisoformat
NOW = dt.datetime(2024, 3, 28, 17, 45, 12, tzinfo=ZoneInfo("Europe/London"))


@dataclass
class _Settings:
    rapid_review_from: str = "notified"
    milestones: tuple[Milestone, ...] = (
        Milestone("agency-summaries", "Agency summaries; chronology", "rapid-review", 8),
        Milestone("panel-meets", "Panel meets", "rapid-review", 2, before=True),
    )


CAL = WorkingCalendar("ENG")
CLOCK = Clock(CAL, rulebook(_Settings()), delay_kinds=("criminal", "inquest"))


def case(ref: str, *events: tuple[str, str] | EventRecord) -> CaseRecord:
    records = tuple(e if isinstance(e, EventRecord) else EventRecord(e[0], D(e[1])) for e in events)
    return CaseRecord(ref, None, None, records)


CASES = [
    # Open over Easter 2024 (Good Friday 29 March, Easter Monday 1 April).
    case("BSCP-2024-03", ("aware", "2024-03-25"), ("notified", "2024-03-27")),
    # A reference with characters icalendar escapes, and a long one that folds in the summary.
    case("Ref;with,commas\\and;semi", ("aware", "2024-03-20")),
    case("X" * 70, ("aware", "2024-03-21"), ("notified", "2024-03-22")),
    # Not ASCII: icalendar folds by octets, never inside a character.
    case("Réf-東京-😀-" + "é" * 30, ("aware", "2024-03-19")),
    # An extension agreed, and a stage delayed by proceedings.
    case(
        "BSCP-2023-40",
        ("aware", "2023-10-02"),
        ("notified", "2023-10-04"),
        ("rapid-review-sent", "2023-10-20"),
        ("lcspr-commissioned", "2023-10-25"),
        ("proceedings-started", "2023-11-01"),
        EventRecord("extension-agreed", D("2024-01-10"), kind="lcspr", until=D("2024-06-28")),
        ("publication-planned", "2024-07-15"),
    ),
    case(
        "BSCP-2023-41",
        ("aware", "2023-11-01"),
        ("notified", "2023-11-02"),
        ("rapid-review-sent", "2023-11-20"),
        ("lcspr-commissioned", "2023-09-01"),
        EventRecord("proceedings-started", D("2023-10-01"), kind="criminal"),
    ),
]


def plain_feed(cases: list[CaseRecord], today: dt.date) -> bytes:
    """The feed built the plain icalendar way: one component per event, serialised whole."""
    london = ZoneInfo("Europe/London")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//reviewclock//case review deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Case review deadlines")
    for record, status in CLOCK.evaluate_all(cases, today):
        for s in status.stages:
            if not s.state.is_open:
                continue
            props, alarm_props = event_properties(record.ref, s, CAL, NOW, london)
            event = icalendar.Event()
            for key, value in props.items():
                event.add(key, value)
            alarm = icalendar.Alarm()
            for key, value in alarm_props.items():
                alarm.add(key, value)
            event.add_component(alarm)
            cal.add_component(event)
    return bytes(cal.to_ical())


def test_the_feed_is_what_icalendar_writes_for_the_same_events() -> None:
    today = D("2024-03-28")
    feed = ics_feed(CLOCK.evaluate_all(CASES, today), CAL, NOW)
    assert feed == plain_feed(CASES, today)
    events = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    states = {str(e["categories"].cats[0]) for e in events}
    assert {"overdue", "on-track", "due-soon", "delayed-proceedings"} <= states
    summaries = [str(e["summary"]) for e in events]
    assert "Ref;with,commas\\and;semi: sin due (Serious incident notification)" in summaries
    assert any(s.startswith("Réf-東京-😀-") for s in summaries)
    assert any("local target within rapid-review" in s for s in summaries)
    assert any("Extension agreed" in str(e["description"]) for e in events)
    # BSCP-2024-03: notified Wed 27 March 2024; 15 working days, skipping Good Friday
    # 29 March and Easter Monday 1 April: Thu 28 (1), Tue 2 - Fri 5 April (2-5),
    # 8-12 (6-10), 15-19 (11-15): due Fri 19 April. The alarm is two working days
    # before, Wed 17 April, 09:00 in London (BST), 08:00 UTC.
    rr = next(e for e in events if str(e["summary"]).startswith("BSCP-2024-03: rapid-review"))
    assert rr.decoded("dtstart") == D("2024-04-19")
    alarm = rr.walk("VALARM")[0]
    assert alarm.decoded("trigger") == dt.datetime(2024, 4, 17, 8, 0, tzinfo=dt.UTC)


def test_an_empty_feed_is_a_calendar_with_no_events() -> None:
    feed = ics_feed([], CAL, NOW)
    assert feed == plain_feed([], D("2024-03-28"))
    assert icalendar.Calendar.from_ical(feed).walk("VEVENT") == []


LINE_TEXT = st.text(
    alphabet=st.sampled_from(["a", "Z", "0", " ", ",", ";", ":", "\\", "^", "é", "€", "東", "😀"]),
    min_size=50,
    max_size=300,
)


@settings(max_examples=400, deadline=None)
@given(LINE_TEXT, st.booleans())
def test_fold_cuts_lines_where_icalendar_does(text: str, ascii_only: bool) -> None:
    line = "DESCRIPTION:" + (text.encode("ascii", "ignore").decode() if ascii_only else text)
    assert fold(line) == Contentline(line).to_ical().decode()


def test_fold_at_the_edges() -> None:
    # 74 octets stay on one line; the 75th starts a new one, after a space.
    assert fold("A" * 74) == "A" * 74
    assert fold("A" * 75) == "A" * 74 + "\r\n A"
    assert fold("A" * 148) == "A" * 74 + "\r\n " + "A" * 74
    # An escape is never split: the backslash moves down with the character it escapes.
    assert fold("A" * 73 + "\\,B") == "A" * 73 + "\r\n \\,B"
    assert fold("A" * 73 + "^nB") == "A" * 73 + "\r\n ^nB"
