"""The national rules: every national event and the national chain of stages, each
declared once with its public source.

Pure: no I/O, no clock. A new national stage or event is a change to this module alone;
:func:`reviewclock.rules.rulebook` adds a unit's own milestones to it.
"""

from __future__ import annotations

from reviewclock.stages import Annual, Direction, Event, Names, Nature, Span, Stage, Unit

AWARE = "aware"
"""The event ``add-sin`` records; every case has exactly one."""

PROCEEDING_KINDS: tuple[str, ...] = ("criminal", "inquest", "disciplinary", "other")

HARMS: tuple[str, ...] = ("death", "serious-harm")
"""What happened to the child, as a case records it (``add-sin --harm``)."""

DECISIONS: tuple[str, ...] = ("lcspr", "no-lcspr", "not-decided")
"""The partners' decision sent with the rapid review: commission a local review, not
commission one, or not decided yet. ``record`` defaults to ``not-decided``; a register
made before decisions were recorded holds none (unknown), and reports say so."""

PANEL_VIEWS: tuple[str, ...] = ("agrees", "disagrees")
"""Whether the Panel agrees with the partners' decision."""

OUTCOMES: dict[str, str] = {
    "decision": "the partners' decision",
    "panel_view": "the Panel's view",
    "national_review": "whether the Panel will run a national review",
}
"""Everything an event may record besides its date, in words."""

_WT2023 = "Working Together to Safeguard Children 2023"

RAPID_REVIEW_STARTS: tuple[str, ...] = ("notified", AWARE)
"""What the rapid review may count from (the ``rapid_review_from`` setting): the
notification (the Panel's 2025 practice guidance; the default) or awareness (older
local procedures)."""

NATIONAL_EVENTS: tuple[Event, ...] = (
    Event(AWARE, "the local authority became aware of the incident", opens_case=True),
    Event("notified", "serious incident notification sent to the Panel", requires=(AWARE,)),
    Event(
        "rapid-review-sent",
        "rapid review sent to the Panel",
        requires=("notified",),
        outcomes=("decision",),
    ),
    Event(
        "panel-response",
        "the Panel's response to the rapid review received",
        requires=("rapid-review-sent",),
        outcomes=("panel_view", "national_review"),
    ),
    Event("lcspr-commissioned", "the partners decided to commission a local review"),
    Event(
        "lcspr-completed",
        "final local review report signed off",
        requires=("lcspr-commissioned",),
    ),
    Event(
        "publication-planned",
        "planned publication date of the local review",
        repeatable=True,
        may_be_future=True,
        latest_counts=True,
        requires=("lcspr-commissioned",),
    ),
    Event(
        "report-sent",
        "final report sent to the Panel and the Secretary of State",
        requires=("lcspr-commissioned",),
    ),
    Event("published", "local review published", requires=("lcspr-commissioned",)),
    Event(
        "proceedings-started",
        "proceedings started (criminal, inquest, ...)",
        repeatable=True,
        kinds=PROCEEDING_KINDS,
        kind_required=True,
        span=Span.STARTS,
    ),
    Event(
        "proceedings-ended",
        "proceedings ended",
        repeatable=True,
        kinds=PROCEEDING_KINDS,
        span=Span.ENDS,
    ),
    Event(
        "delay-notified",
        "the Panel and the Secretary of State were told of a delay and its reasons",
        repeatable=True,
        names_stage=Names.DUTY,
        delay_notice=True,
    ),
    Event(
        "extension-agreed",
        "the Panel agreed more time for a stage (--stage, --to)",
        repeatable=True,
        latest_counts=True,
        names_stage=Names.EXTENDABLE,
        stage_required=True,
        extends=True,
    ),
)
"""Every national event. ``aware`` is recorded by ``add-sin``; the rest by ``record``.
Sources: Working Together to Safeguard Children 2023, chapter 5; Children Act 2004
s16C to s16F; the Panel's practice guidance."""


def national_stages(rapid_review_from: str = "notified") -> tuple[Stage, ...]:
    """The national chain of stages, in order, each with its source.

    ``rapid_review_from`` is the rapid review's start event: ``notified`` (the
    Panel's 2025 practice guidance; until a notification is recorded the clock
    runs from awareness, the earliest and so most cautious date) or ``aware``
    (older local procedures).
    """
    if rapid_review_from not in RAPID_REVIEW_STARTS:
        raise ValueError(
            f"rapid_review_from must be 'notified' or 'aware', not {rapid_review_from!r}"
        )
    rr_start = RAPID_REVIEW_STARTS[RAPID_REVIEW_STARTS.index(rapid_review_from) :]
    return (
        Stage(
            name="sin",
            title="Serious incident notification",
            starts_on=(AWARE,),
            length=5,
            unit=Unit.WORKING_DAYS,
            direction=Direction.AFTER,
            met_by="notified",
            owed_by="local authority",
            owed_to="Child Safeguarding Practice Review Panel",
            nature=Nature.STATUTORY,
            source="Children Act 2004 s16C; " + _WT2023 + "; gov.uk 'Report a serious child "
            "safeguarding incident'",
            late_action="notify the Panel now",
            annual=Annual.TIMED,
        ),
        Stage(
            name="rapid-review",
            title="Rapid review",
            starts_on=rr_start,
            length=15,
            unit=Unit.WORKING_DAYS,
            direction=Direction.AFTER,
            met_by="rapid-review-sent",
            owed_by="safeguarding partners",
            owed_to="Child Safeguarding Practice Review Panel",
            nature=Nature.STATUTORY,
            source=_WT2023 + "; Panel practice guidance",
            late_action="send the rapid review",
            extendable=True,
            annual=Annual.TIMED,
        ),
        Stage(
            name="panel-response",
            title="Panel's response",
            starts_on=("rapid-review-sent",),
            length=15,
            unit=Unit.WORKING_DAYS,
            direction=Direction.AFTER,
            met_by="panel-response",
            owed_by="the Panel",
            owed_to="safeguarding partners",
            nature=Nature.NATIONAL_TARGET,
            source="The Panel's own target: it endeavours to respond within 15 working days",
            late_action="chase the Panel",
            annual=Annual.TIMED,
        ),
        Stage(
            name="lcspr",
            title="Local child safeguarding practice review",
            starts_on=("lcspr-commissioned",),
            length=6,
            unit=Unit.MONTHS,
            direction=Direction.AFTER,
            met_by="published",
            owed_by="safeguarding partners",
            owed_to="the public",
            nature=Nature.STATUTORY,
            source=_WT2023 + " (complete and publish within 6 months of the decision)",
            late_action="publish, or notify the delay with reasons",
            extendable=True,
            annual=Annual.PROGRESS,
        ),
        Stage(
            name="publication-notice",
            title="Final report to the Panel and Secretary of State",
            starts_on=("publication-planned",),
            length=7,
            unit=Unit.WORKING_DAYS,
            direction=Direction.BEFORE,
            met_by="report-sent",
            owed_by="safeguarding partners",
            owed_to="Panel and Secretary of State",
            nature=Nature.STATUTORY,
            source=_WT2023 + " (send the final report at least 7 working days before publication)",
            late_action="send the final report, or move the publication date",
        ),
    )
