"""Commands on one case as it stands: add-sin, record, show, explain, status.

Correcting a case after the fact (amend, delete) and its audit trail (history) are
:mod:`reviewclock.cli.corrections`.
"""

import datetime as dt
import shlex
from typing import Annotated

import typer

from reviewclock.cli.options import (
    NATIONAL,
    AsOfOption,
    DbOption,
    DecisionOption,
    JsonOption,
    KindOption,
    NationalReviewOption,
    NoteOption,
    PanelViewOption,
    RefArgument,
    complete_events,
    complete_named_stages,
    complete_stages,
    examples,
    kind_or_stage,
    one_of,
    outcomes,
    parse_date,
    parse_days_ahead,
)
from reviewclock.cli.runtime import (
    emit_json,
    london_now,
    london_today,
    open_register,
    tell_what_a_notice_counts_for,
    user_settings,
    warn,
    warn_extensions_made_moot,
    warn_name,
)
from reviewclock.cli.typerapp import app
from reviewclock.errors import ReviewclockError, UsageProblem
from reviewclock.render import alternatives, listing
from reviewclock.rules import HARMS


@app.command(
    "add-sin",
    epilog=examples(
        "reviewclock add-sin BSCP-2024-07 --aware 2024-03-28",
        "reviewclock add-sin BSCP-2024-08 --aware 2024-04-02 --notified 2024-04-05 \\",
        "    --authority 'Northshire County Council' --harm serious-harm",
    ),
)
def add_sin(
    ref: RefArgument,
    aware: Annotated[
        dt.date,
        typer.Option(
            parser=parse_date,
            metavar="DATE",
            help="The date the local authority became aware of the incident (day 0).",
        ),
    ],
    notified: Annotated[
        dt.date | None,
        typer.Option(
            parser=parse_date,
            metavar="DATE",
            help="The date the Panel was notified, if it has been.",
        ),
    ] = None,
    authority: Annotated[
        str | None, typer.Option(help="The local authority, e.g. 'Northshire County Council'.")
    ] = None,
    harm: Annotated[
        str | None,
        typer.Option(
            parser=one_of("a kind of harm", HARMS), metavar="|".join(HARMS), help="What happened."
        ),
    ] = None,
    note: NoteOption = None,
    db: DbOption = None,
) -> None:
    """Add a serious incident to the register and print its deadlines.

    REF is the partnership's own case reference. Do not put a child's name,
    or anything else that identifies a child, in the reference or a note: the
    register holds references and dates only.
    """
    from reviewclock.render.terminal import print_case
    from reviewclock.textchecks import looks_like_a_name

    settings = user_settings()
    now = london_now()
    today = now.date()
    with open_register(db, settings, create=True) as register:
        case = register.add_case(
            ref,
            aware=aware,
            notified=notified,
            authority=authority if authority and not authority.isspace() else None,  # blank: none
            harm=harm,
            note=note,
            today=today,
            now=now,
        )
        alike = register.refs_like(ref)
    print(f"Added {ref}.")
    if looks_like_a_name(ref):
        warn_name(ref)
    if alike:
        warn(
            f"the register also holds {listing(alike)}, told apart from {ref} only by capitals:"
            f" they are separate cases; if this is the same one, delete it with"
            f" 'reviewclock delete {shlex.quote(ref)} --reason TEXT'"
        )
    print_case(case, settings.clock().evaluate(case.events, today), events=False)


@app.command(
    epilog=examples(
        "reviewclock record BSCP-2024-07 notified --on 2024-04-05",
        "reviewclock record BSCP-2024-07 rapid-review-sent --decision no-lcspr  # dated today",
        "reviewclock record BSCP-2024-07 panel-response --on 2024-05-20 --panel-view agrees",
        "reviewclock record BSCP-2024-07 proceedings-started --on 2024-05-01 --kind criminal",
        "reviewclock record BSCP-2024-07 publication-planned --on 2025-03-03",
        "reviewclock record BSCP-2024-07 delay-notified --on 2025-01-27 --stage lcspr",
        "reviewclock record BSCP-2024-07 extension-agreed --stage rapid-review --to 2024-05-14 \\",
        "    --note 'agreed with the Panel by email'",
        "reviewclock record BSCP-2024-07 agency-summaries   # a local milestone (settings file)",
    ),
)
def record(
    ref: RefArgument,
    event: Annotated[
        str,
        typer.Argument(
            metavar="EVENT",
            autocompletion=complete_events,
            help=alternatives(NATIONAL.recordable_events)
            + ", or a local milestone's name from the settings file.",
        ),
    ],
    on: Annotated[
        dt.date | None,
        typer.Option(
            parser=parse_date,
            metavar="DATE",
            show_default=False,
            help="When it happened (YYYY-MM-DD) [default: today in London].",
        ),
    ] = None,
    kind: KindOption = None,
    decision: DecisionOption = None,
    panel_view: PanelViewOption = None,
    national_review: NationalReviewOption = None,
    stage: Annotated[
        str | None,
        typer.Option(
            autocompletion=complete_named_stages,
            metavar="STAGE",
            help="For delay-notified: the one stage the notice is about, one of "
            f"{', '.join(NATIONAL.duty_stage_names)} [default: every duty stage open on its "
            "date]. For extension-agreed: the stage extended, one of "
            f"{', '.join(NATIONAL.extendable_stage_names)}.",
        ),
    ] = None,
    to: Annotated[
        dt.date | None,
        typer.Option(
            "--to",
            parser=parse_date,
            metavar="DATE",
            show_default=False,
            help="For extension-agreed: the new due date the Panel agreed (after the current one).",
        ),
    ] = None,
    note: NoteOption = None,
    db: DbOption = None,
) -> None:
    """Record that something happened to a case.

    Each event is recorded once (proceedings, publication plans and delay
    notices may repeat). A recorded date is never overwritten. Events cannot
    be dated in the future, except publication-planned, which is a plan.

    A rapid review carries the partners' decision on a local review
    (--decision, not-decided unless given). The Panel's response carries its
    view of that decision (--panel-view) and whether it will run a national
    review (--national-review; with a view given and no flag, it will not).

    A delay notice counts for every duty stage open on its date (started, not
    yet met), whether it is sent before or after the due date; --stage narrows
    it to one stage.

    An extension the Panel agreed (extension-agreed --stage STAGE --to DATE)
    moves that stage's due date to DATE; the statutory date is kept beside it.
    Agreed again, the latest recorded counts. A local milestone from the
    settings file is recorded by its name, on or after its stage's start.
    """
    from reviewclock.render.terminal import print_case

    settings = user_settings()
    clock = settings.clock()
    rule = clock.rules.events.get(event)
    kind = kind_or_stage(clock.rules, event, kind, stage)
    now = london_now()
    today = now.date()
    when = on or today
    given = outcomes(clock.rules, event, decision, panel_view, national_review)
    if rule is not None and "decision" in rule.outcomes:
        given.setdefault("decision", "not-decided")
    if "panel_view" in given:
        given.setdefault("national_review", False)
    with open_register(db, settings, clock=clock) as register:
        before, case = register.record(
            ref,
            event,
            when,
            kind=kind,
            note=note,
            today=today,
            now=now,
            until=to,
            **given,
        )
    print(f"Recorded {event} on {when.isoformat()} for {ref}.")
    after = clock.evaluate(case.events, today)
    print_case(case, after, events=False, moot=clock.moot_extensions(case.events, after))
    warn_extensions_made_moot(clock, ref, clock.evaluate(before.events, today), after, case)
    assert rule is not None
    if rule.delay_notice:
        from reviewclock.clock import EventRecord

        tell_what_a_notice_counts_for(clock, ref, case.events, EventRecord(event, when, kind))


@app.command(
    epilog=examples(
        "reviewclock show BSCP-2024-07",
        "reviewclock show BSCP-2024-07 --as-of 2024-04-10 --json",
    ),
)
def show(
    ref: RefArgument,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a case's timeline: each stage's start, due date, state and source, and its events.

    With --as-of, the case as it stood on that date: only the events dated by
    then (and every plan) count.
    """
    from reviewclock.render.terminal import print_case

    settings = user_settings()
    today = as_of or london_today()
    with open_register(db, settings) as register:
        recorded = register.get(ref)
    rules_clock = settings.clock()
    evaluated = rules_clock.evaluate_case(recorded, today)
    if evaluated is None:
        raise ReviewclockError(
            f"{ref} was not yet known on {today.isoformat()} (aware "
            f"{recorded.aware.isoformat() if recorded.aware else 'unknown'}); "
            "give a later --as-of"
        )
    case, clock = evaluated
    if as_json:
        from reviewclock.render.data import case_dict

        emit_json(case_dict(case, clock))
        return
    moot = rules_clock.moot_extensions(case.events, clock)
    print_case(case, clock, as_of=as_of, known=rules_clock.rules.events, moot=moot)


@app.command(
    epilog=examples(
        "reviewclock explain BSCP-2023-05 rapid-review",
        "reviewclock explain BSCP-2023-05 lcspr --as-of 2024-01-31",
        "reviewclock explain BSCP-2023-05 sin --json",
    ),
)
def explain(
    ref: RefArgument,
    stage: Annotated[
        str,
        typer.Argument(
            metavar="STAGE",
            autocompletion=complete_stages,
            help=f"{alternatives(NATIONAL.stage_names)}, or a local milestone's name.",
        ),
    ],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show how a stage's due date was reached, day by day, to show the Panel or an inspector.

    It names the start event used and why, every weekend, bank holiday (by
    name) and local closure skipped, the rule that ends a count of months on
    the last day of a short month, any extension agreed, and the proceedings
    and delay notices that decided the state. Runs of plain working days fold
    into one line.
    """
    import sys

    from reviewclock.explain import NotStarted
    from reviewclock.explain import explain as explain_stage

    settings = user_settings()
    clock = settings.clock()
    if clock.rules.find_stage(stage) is None:
        raise UsageProblem(
            f"{stage!r} is not a stage; use one of {', '.join(clock.rules.stage_names)}"
        )
    today = as_of or london_today()
    with open_register(db, settings, clock=clock) as register:
        recorded = register.get(ref)
    evaluated = clock.evaluate_case(recorded, today)
    if evaluated is None:
        raise ReviewclockError(
            f"{ref} was not yet known on {today.isoformat()}; give a later --as-of"
        )
    try:
        found = explain_stage(evaluated[0], stage, clock, today)
    except NotStarted as e:
        raise ReviewclockError(str(e)) from None
    if as_json:
        emit_json(found.data())
        return
    sys.stdout.write(found.text())


@app.command(
    epilog=examples(
        "reviewclock status",
        "reviewclock status --overdue",
        "reviewclock status --due-within 5 --as-of 2024-04-02",
        "reviewclock status --all --json",
    ),
)
def status(
    as_of: AsOfOption = None,
    include_all: Annotated[
        bool, typer.Option("--all", help="Include cases whose every stage is met.")
    ] = False,
    overdue: Annotated[
        bool,
        typer.Option("--overdue", help="Only cases with a stage past due (overdue or delayed)."),
    ] = False,
    due_within: Annotated[
        int | None,
        typer.Option(
            parser=parse_days_ahead,
            metavar="N",
            help="Only cases with a stage due within N working days (late ones included).",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """What is due and what is late: one row per open case, the most urgent first."""
    from reviewclock.cli.status import show

    show(
        as_of=as_of,
        include_all=include_all,
        overdue=overdue,
        due_within=due_within,
        as_json=as_json,
        db=db,
    )
