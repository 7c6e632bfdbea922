"""Correcting the register after the fact, and the trail it leaves: amend, history, delete.

Nothing recorded is lost: a correction is kept beside the record it corrects, and a
deletion is itself recorded, so ``history`` shows both. The commands that work on a case
as it stands are :mod:`reviewclock.cli.cases`; these are registered after them, so
``--help`` lists amend, history and delete after status.
"""

import datetime as dt
from typing import Annotated

import typer

from reviewclock.cli.options import (
    DbOption,
    DecisionOption,
    EventArgument,
    KindOption,
    NationalReviewOption,
    PanelViewOption,
    ReasonOption,
    RefArgument,
    complete_named_stages,
    every_stage_open,
    examples,
    kind_or_stage,
    outcomes,
    parse_date,
    parse_record_pick,
)
from reviewclock.cli.runtime import (
    london_now,
    open_register,
    tell_what_a_notice_counts_for,
    user_settings,
    warn_extensions_made_moot,
)
from reviewclock.cli.typerapp import app
from reviewclock.errors import UsageProblem
from reviewclock.render import count
from reviewclock.store.picking import RecordPick


@app.command(
    epilog=examples(
        "reviewclock amend BSCP-2024-07 notified --on 2024-04-04 --reason 'typed 5th, sent 4th'",
        "reviewclock amend BSCP-2024-07 publication-planned --was 2025-03-03 --on 2025-03-10 \\",
        "    --reason 'date on the plan was wrong'",
        "reviewclock amend BSCP-2024-07 proceedings-started --was '2024-09-02 inquest' \\",
        "    --on 2024-09-03 --reason 'the inquest opened on the 3rd'",
        "reviewclock amend BSCP-2024-07 proceedings-started --kind criminal \\",
        "    --reason 'typed as an inquest'",
        "reviewclock amend BSCP-2024-07 rapid-review-sent --decision lcspr \\",
        "    --reason 'partners decided on 24 April; typed as no-lcspr'",
        "reviewclock amend BSCP-2024-07 extension-agreed --to 2024-05-21 \\",
        "    --reason 'the Panel agreed the 21st; typed as the 14th'",
    ),
)
def amend(
    ref: RefArgument,
    event: EventArgument,
    reason: ReasonOption,
    on: Annotated[
        dt.date | None,
        typer.Option(parser=parse_date, metavar="DATE", help="The correct date (YYYY-MM-DD)."),
    ] = None,
    to: Annotated[
        dt.date | None,
        typer.Option(
            "--to",
            parser=parse_date,
            metavar="DATE",
            help="An agreed extension only: the correct new due date the Panel agreed.",
        ),
    ] = None,
    kind: KindOption = None,
    stage: Annotated[
        str | None,
        typer.Option(
            autocompletion=complete_named_stages,
            metavar="STAGE",
            help="A delay notice or an agreed extension: the correct stage it names.",
        ),
    ] = None,
    every_stage: Annotated[
        bool,
        typer.Option(
            "--every-stage",
            help="A delay notice that named one stage: it is about every duty stage open on"
            " its date, as one recorded without --stage is.",
        ),
    ] = False,
    decision: DecisionOption = None,
    panel_view: PanelViewOption = None,
    national_review: NationalReviewOption = None,
    was: Annotated[
        RecordPick | None,
        typer.Option(
            parser=parse_record_pick,
            metavar="DATE [KIND]",
            help="For an event recorded more than once: the date of the record to correct,"
            " then its kind or stage if several share the date, as history shows it"
            " ('2024-09-02 criminal', '2024-04-25 rapid-review to 2024-05-14').",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Correct a recorded event: its date, or what else it records.

    The old record is kept and the correction is added beside it, with who
    made it, when and why; 'reviewclock history REF' shows both. The deadlines
    are worked out again, and the ones that moved are listed. The kind of
    proceedings (--kind), the stage a delay notice or an agreed extension
    names (--stage, or --every-stage for a notice about them all), an agreed
    extension's new due date (--to), a rapid review's decision (--decision) and
    the Panel's view (--panel-view, --national-review) are corrected the same way.
    """
    settings = user_settings()
    now = london_now()
    today = now.date()
    clock = settings.clock()
    given = outcomes(clock.rules, event, decision, panel_view, national_review)
    if to is not None:
        given["until"] = to
    named = kind_or_stage(clock.rules, event, kind, stage)
    if named is not None:
        given["kind"] = named
    if every_stage:
        every_stage_open(clock.rules, event, named)
        given["kind"] = None  # a notice naming no stage is about every duty stage open
    with open_register(db, settings, clock=clock) as register:
        before, after = register.amend(
            ref,
            event,
            on,
            reason=reason,
            was=was,
            today=today,
            now=now,
            outcomes=given,
        )
    from reviewclock.amendment import changes
    from reviewclock.render.phrases import changes_lines
    from reviewclock.store import describe_record

    # The record the correction made: the one not there before. A correction takes the
    # place of the record it corrects in the order of recording, so the places (seq) of
    # the others may shift: they are left out of the comparison.
    were = {e._replace(seq=None) for e in before.events}
    now_recorded = next(
        (e for e in after.events if e.name == event and e._replace(seq=None) not in were),
        None,
    )
    shown = describe_record(now_recorded) if now_recorded else "as before"
    print(f"Amended {event} for {ref}: now {shown}.")
    for e in after.events:  # an end corrected with the proceedings it closes
        if e.name != event and e._replace(seq=None) not in were:
            print(f"Amended {e.name} with it: now {describe_record(e)}.")
    was_due, now_due = clock.evaluate(before.events, today), clock.evaluate(after.events, today)
    moved, changed = changes(was_due, now_due)
    for line in changes_lines(moved, changed):
        print(line)
    warn_extensions_made_moot(clock, ref, was_due, now_due, after)
    rule = clock.rules.events.get(event)
    if now_recorded is not None and event in clock.rules.ordered_events:
        from reviewclock.casefile import in_force

        kind = now_recorded.kind if rule is not None and rule.extends else None
        counting = in_force(after.events, event, kind)
        if counting is not None and counting is not now_recorded:
            print(
                f"The {event} recorded after it, {describe_record(counting)}, is the one "
                f"that counts; to replace that, record {event} again."
            )
    if now_recorded is not None and rule is not None and rule.delay_notice:
        tell_what_a_notice_counts_for(clock, ref, after.events, now_recorded)


@app.command(epilog=examples("reviewclock history BSCP-2024-07"))
def history(ref: RefArgument, db: DbOption = None) -> None:
    """Every recorded and amended event of a case: old and new date, who, when and why.

    Times are London times. A deleted case still shows its deletion.
    """
    from reviewclock.render.terminal import print_history

    with open_register(db, user_settings()) as register:
        entries = register.history(ref)
    print_history(ref, entries)


@app.command(
    epilog=examples(
        "reviewclock delete BSCP-2024-99 --reason 'entered twice; the case is BSCP-2024-98'",
        "reviewclock delete BSCP-2024-99 --reason 'test entry' --yes    # no question, for scripts",
    ),
)
def delete(
    ref: RefArgument,
    reason: ReasonOption,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete a case and all its events, after a confirmation.

    The deletion itself (reference, reason, who and when) stays in the history.
    """
    if not reason.strip():
        raise UsageProblem("give the reason for the deletion with --reason TEXT")
    settings = user_settings()
    with open_register(db, settings) as register:
        events, corrections = register.event_counts(ref)
        what = count(events, "event") + (
            f" (and {count(corrections, 'correction')})" if corrections else ""
        )
        if not yes:
            typer.confirm(f"Delete {ref} and its {what}? This cannot be undone", abort=True)
        events, corrections = register.delete(ref, reason=reason, now=london_now())
    what = count(events, "event") + (
        f" (and {count(corrections, 'correction')})" if corrections else ""
    )
    print(f"Deleted {ref} and its {what}. The deletion is in its history.")
