"""The rulebook and the clock: due dates and states for sample cases on chosen dates."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewclock.calendar import WorkingCalendar
from reviewclock.casefile import EventRecord
from reviewclock.clock import Clock, State
from reviewclock.rules import Direction, Nature, Unit, national_stages, rulebook

RULES = rulebook()
STAGES = RULES.stages
EVENTS = RULES.events

D = dt.date.fromisoformat
CLOCK = Clock(WorkingCalendar("ENG"))


def ev(name: str, on: str, kind: str | None = None) -> EventRecord:
    return EventRecord(name, D(on), kind)


def by_stage(events: list[EventRecord], today: str, clock: Clock = CLOCK) -> dict[str, object]:
    return {s.stage.name: s for s in clock.evaluate(events, D(today)).stages}


def test_every_stage_is_declared_with_its_source_and_events() -> None:
    assert [s.name for s in STAGES] == [
        "sin",
        "rapid-review",
        "panel-response",
        "lcspr",
        "publication-notice",
    ]
    for s in STAGES:
        assert s.source and s.owed_by and s.title
        assert s.met_by in EVENTS
        assert all(start in EVENTS for start in s.starts_on)
    sin, rr, pr, lcspr, notice = STAGES
    assert (sin.length, sin.unit, sin.direction) == (5, Unit.WORKING_DAYS, Direction.AFTER)
    assert (rr.length, rr.starts_on) == (15, ("notified", "aware"))
    assert pr.nature is Nature.NATIONAL_TARGET and "chase" in pr.late_action
    assert all(s.nature is Nature.STATUTORY for s in (sin, rr, lcspr, notice))
    assert (lcspr.length, lcspr.unit) == (6, Unit.MONTHS)
    assert (notice.length, notice.direction, notice.met_by) == (7, Direction.BEFORE, "report-sent")


def test_sample_case_due_dates() -> None:
    events = [
        ev("aware", "2023-12-22"),
        ev("notified", "2024-01-02"),
        ev("rapid-review-sent", "2024-01-23"),
        ev("lcspr-commissioned", "2023-08-31"),
        ev("publication-planned", "2024-04-15"),
    ]
    st = by_stage(events, "2024-01-24")
    assert {k: v.due for k, v in st.items()} == {  # type: ignore[attr-defined]
        "sin": D("2024-01-03"),
        "rapid-review": D("2024-01-23"),
        "panel-response": D("2024-02-13"),
        "lcspr": D("2024-02-29"),
        "publication-notice": D("2024-04-04"),
    }


def test_stage_appears_only_once_started() -> None:
    st = by_stage([ev("aware", "2024-03-28")], "2024-03-28")
    assert list(st) == ["sin", "rapid-review"]
    # Until a notification is recorded, the rapid review runs from awareness.
    assert st["rapid-review"].starts == D("2024-03-28")  # type: ignore[attr-defined]
    assert st["rapid-review"].due == D("2024-04-22")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        ("2024-03-28", State.ON_TRACK, 5),
        ("2024-04-02", State.ON_TRACK, 4),
        ("2024-04-03", State.ON_TRACK, 3),
        ("2024-04-04", State.DUE_SOON, 2),
        ("2024-04-05", State.DUE_SOON, 1),
        ("2024-04-06", State.DUE_SOON, 1),  # Saturday before a Monday deadline
        ("2024-04-08", State.DUE_SOON, 0),  # due today
        ("2024-04-09", State.OVERDUE, -1),
        ("2024-04-15", State.OVERDUE, -5),
    ],
)
def test_sin_states_around_easter(today: str, state: State, left: int) -> None:
    sin = by_stage([ev("aware", "2024-03-28")], today)["sin"]
    assert sin.state is state  # type: ignore[attr-defined]
    assert sin.working_days_left == left  # type: ignore[attr-defined]


def test_met_on_the_due_date_and_late() -> None:
    on_time = by_stage([ev("aware", "2024-03-28"), ev("notified", "2024-04-08")], "2024-05-01")
    assert on_time["sin"].state is State.MET  # type: ignore[attr-defined]
    assert on_time["sin"].working_days_taken == 5  # type: ignore[attr-defined]
    assert on_time["sin"].working_days_left is None  # type: ignore[attr-defined]
    late = by_stage([ev("aware", "2024-03-28"), ev("notified", "2024-04-09")], "2024-05-01")
    assert late["sin"].state is State.MET_LATE  # type: ignore[attr-defined]
    assert late["sin"].done == D("2024-04-09")  # type: ignore[attr-defined]


class Local:
    """Settings as the rulebook reads them."""

    def __init__(self, rapid_review_from: str) -> None:
        self.rapid_review_from = rapid_review_from
        self.milestones = ()


def test_rapid_review_counts_from_notification_by_default() -> None:
    events = [ev("aware", "2023-12-22"), ev("notified", "2024-01-02")]
    assert by_stage(events, "2024-01-02")["rapid-review"].due == D("2024-01-23")  # type: ignore[attr-defined]
    from_aware = Clock(WorkingCalendar("ENG"), rulebook(Local("aware")))
    rr = by_stage(events, "2024-01-02", from_aware)["rapid-review"]
    assert rr.starts == D("2023-12-22")  # type: ignore[attr-defined]
    assert rr.due == D("2024-01-17")  # type: ignore[attr-defined]


def test_unknown_rapid_review_setting() -> None:
    with pytest.raises(ValueError, match="'decision'"):
        national_stages("decision")


def test_lcspr_due_on_a_weekend_is_not_moved() -> None:
    st = by_stage([ev("aware", "2026-08-01"), ev("lcspr-commissioned", "2026-08-28")], "2027-02-26")
    lcspr = st["lcspr"]
    assert lcspr.due == D("2027-02-28") and lcspr.due_on_weekend  # type: ignore[attr-defined]
    assert lcspr.state is State.DUE_SOON and lcspr.working_days_left == 0  # type: ignore[attr-defined]
    st = by_stage([ev("aware", "2026-08-01"), ev("lcspr-commissioned", "2026-08-28")], "2027-03-01")
    assert st["lcspr"].state is State.OVERDUE  # type: ignore[attr-defined]


def test_publication_notice_latest_plan_counts() -> None:
    events = [
        ev("aware", "2023-01-05"),
        ev("lcspr-commissioned", "2023-02-01"),
        ev("publication-planned", "2024-01-08"),
        ev("publication-planned", "2024-04-15"),
    ]
    notice = by_stage(events, "2024-01-02")["publication-notice"]
    assert notice.starts == D("2024-04-15")  # type: ignore[attr-defined]
    assert notice.due == D("2024-04-04")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("planned", "latest"),
    [
        ("2024-04-05", "2024-03-25"),  # back across Easter 2024 (29 Mar, 1 Apr)
        ("2024-01-03", "2023-12-20"),  # back across Christmas and New Year
        ("2023-05-12", "2023-05-02"),  # back across the Coronation
    ],
)
def test_publication_notice_due_dates(planned: str, latest: str) -> None:
    events = [
        ev("aware", "2023-01-05"),
        ev("lcspr-commissioned", "2023-02-01"),
        ev("publication-planned", planned),
    ]
    assert by_stage(events, "2023-03-01")["publication-notice"].due == D(latest)  # type: ignore[attr-defined]


def test_panel_response_is_a_target_to_chase() -> None:
    events = [
        ev("aware", "2024-01-02"),
        ev("notified", "2024-01-03"),
        ev("rapid-review-sent", "2024-01-10"),
    ]
    pr = by_stage(events, "2024-02-05")["panel-response"]
    assert pr.due == D("2024-01-31")  # type: ignore[attr-defined]
    assert pr.state is State.OVERDUE and pr.stage.late_action == "chase the Panel"  # type: ignore[attr-defined]


def test_due_soon_window_is_a_setting() -> None:
    wide = Clock(WorkingCalendar("ENG"), due_soon_days=5)
    assert by_stage([ev("aware", "2024-03-28")], "2024-03-28", wide)["sin"].state is State.DUE_SOON  # type: ignore[attr-defined]


def test_most_urgent_and_open() -> None:
    case = CLOCK.evaluate([ev("aware", "2024-03-28")], D("2024-04-10"))
    assert any(s.state.is_open for s in case.stages)
    assert case.most_urgent is not None and case.most_urgent.stage.name == "sin"
    done = CLOCK.evaluate(
        [
            ev("aware", "2024-01-02"),
            ev("notified", "2024-01-03"),
            ev("rapid-review-sent", "2024-01-10"),
            ev("panel-response", "2024-01-20"),
        ],
        D("2024-04-10"),
    )
    assert not any(s.state.is_open for s in done.stages)


@pytest.mark.parametrize(
    ("today", "short", "long"),
    [
        ("2027-02-24", "2 left", "2 working days left"),
        ("2027-02-26", "0 left (due Sun)", "0 working days left (due Sun)"),  # Friday
        ("2027-02-28", "0 left (due Sun)", "0 working days left (due Sun)"),  # the Sunday itself
        # Late is late: Monday 1 March is the first working day after the Sunday due date.
        ("2027-03-01", "1 late", "1 working day late"),
        ("2027-03-02", "2 late", "2 working days late"),  # Mon 1, Tue 2
    ],
)
def test_days_text_around_a_weekend_due_date(today: str, short: str, long: str) -> None:
    from reviewclock.render.phrases import days_text

    events = [ev("aware", "2026-08-01"), ev("lcspr-commissioned", "2026-08-28")]
    lcspr = by_stage(events, today)["lcspr"]
    assert lcspr.due == D("2027-02-28")  # type: ignore[attr-defined]
    assert days_text(lcspr, short=True) == short  # type: ignore[arg-type]
    assert days_text(lcspr, short=False) == long  # type: ignore[arg-type]


def test_days_text_on_a_working_due_date() -> None:
    from reviewclock.render.phrases import days_text

    sin = by_stage([ev("aware", "2024-03-28")], "2024-04-08")["sin"]
    assert days_text(sin) == "due today"  # type: ignore[arg-type]
    done = by_stage([ev("aware", "2024-03-28"), ev("notified", "2024-04-05")], "2024-04-08")["sin"]
    assert days_text(done) == "took 4"  # type: ignore[arg-type]
