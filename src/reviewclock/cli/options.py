"""Options, arguments and parsers shared by the commands, and shell completion."""

import datetime as dt
import os
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer

from reviewclock.cli import values
from reviewclock.cli.runtime import DB_ENV, register_location, user_settings
from reviewclock.dates import parse_any_date
from reviewclock.errors import UsageProblem
from reviewclock.render import alternatives
from reviewclock.rules import DECISIONS, PANEL_VIEWS, PROCEEDING_KINDS, Rulebook, rulebook

T = TypeVar("T")

NATIONAL = rulebook()
"""The national rules, for help texts written before any settings are read. Commands
use the rulebook of the settings, local milestones included."""


def _parameter(read: Callable[[str], T]) -> Callable[[str], T]:
    """A reader of :mod:`reviewclock.cli.values` as a Typer parser: its ValueError is a
    bad parameter, named with its option."""

    def parse(text: str) -> T:
        try:
            return read(text)
        except ValueError as e:
            raise typer.BadParameter(str(e)) from None

    return parse


parse_date = _parameter(parse_any_date)
"""A date as people type it: ISO, or British day first (the register checks its range)."""
parse_supported_date = _parameter(values.supported_date)
parse_whole_number = _parameter(values.whole_number)
parse_days_ahead = _parameter(values.days_ahead)
parse_record_pick = _parameter(values.record_pick)


def one_of(what: str, options: Sequence[str]) -> Callable[[str], str]:
    """A parser that accepts one of ``options``, whatever its case, and refuses anything else,
    naming them."""

    def parse(text: str) -> str:
        if text.lower() not in options:
            raise typer.BadParameter(f"{text!r} is not {what}; use one of {', '.join(options)}")
        return text.lower()

    return parse


def examples(*lines: str) -> str:
    """An epilog of example commands, kept as written (click's \\b stops re-wrapping)."""
    return "Examples:\n\n\b\n" + "\n".join(lines)


# -- the register ---------------------------------------------------------------------

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        metavar="PATH|URL",
        show_default=False,
        help="The register: a file path, sqlite:///PATH, or postgresql+psycopg://USER@HOST/DBNAME "
        "(the password from ~/.pgpass or PGPASSWORD) [default: from REVIEWCLOCK_DB, "
        "the config file's 'register', or the user data directory].",
    ),
]
AS_OF_WORDS = (
    "as it stood on DATE (YYYY-MM-DD): cases known by then, events dated by then, and every plan"
)
"""What --as-of does, as every command's help says it."""


def as_of_option(help_text: str) -> Any:
    """The --as-of option with ``help_text``."""
    return typer.Option(
        "--as-of", parser=parse_supported_date, metavar="DATE", show_default=False, help=help_text
    )


AsOfOption = Annotated[
    dt.date | None, as_of_option(f"See the register {AS_OF_WORDS} [default: today in London].")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (see the README).")]
NoteOption = Annotated[
    str | None,
    typer.Option(help="A short note. Never a child's name or other identifying details."),
]


def complete_refs(ctx: typer.Context, incomplete: str) -> list[str]:
    """Case references for shell completion, read without the storage stack so it stays fast."""
    from reviewclock.store.completion import refs_starting

    try:
        location, _ = register_location(
            ctx.params.get("db") or os.environ.get(DB_ENV), user_settings()
        )
        return refs_starting(location, incomplete)
    except Exception:
        return []


def _rules_for_completion() -> Rulebook:
    from reviewclock.errors import ReviewclockError

    try:
        rules: Rulebook = user_settings().rules()
    except ReviewclockError:
        return NATIONAL
    return rules


def complete_events(incomplete: str) -> list[str]:
    return [e for e in _rules_for_completion().recordable_events if e.startswith(incomplete)]


def complete_named_stages(incomplete: str) -> list[str]:
    """The stages a delay notice or an agreed extension may name."""
    rules = _rules_for_completion()
    named = {*rules.duty_stage_names, *rules.extendable_stage_names}
    return [s for s in rules.stage_names if s in named and s.startswith(incomplete)]


def complete_stages(incomplete: str) -> list[str]:
    return [s for s in _rules_for_completion().stage_names if s.startswith(incomplete)]


def complete_kinds(incomplete: str) -> list[str]:
    return [k for k in PROCEEDING_KINDS if k.startswith(incomplete)]


KindOption = Annotated[
    str | None,
    typer.Option(
        autocompletion=complete_kinds,
        metavar="|".join(PROCEEDING_KINDS),
        help="The kind of proceedings (proceedings events only).",
    ),
]
DecisionOption = Annotated[
    str | None,
    typer.Option(
        parser=one_of("a decision", DECISIONS),
        metavar="|".join(DECISIONS),
        show_default=False,
        help="rapid-review-sent only: the partners' decision on a local review (record takes "
        "not-decided when none is given).",
    ),
]
PanelViewOption = Annotated[
    str | None,
    typer.Option(
        parser=one_of("a view of the Panel", PANEL_VIEWS),
        metavar="|".join(PANEL_VIEWS),
        help="panel-response only: whether the Panel agrees with the partners' decision.",
    ),
]
NationalReviewOption = Annotated[
    bool | None,
    typer.Option(
        "--national-review/--no-national-review",
        show_default=False,
        help="panel-response only: the Panel will (or will not) run a national review.",
    ),
]


RefArgument = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        autocompletion=complete_refs,
        help="The partnership's case reference, e.g. BSCP-2024-07 (never a child's name).",
    ),
]


EventArgument = Annotated[
    str,
    typer.Argument(
        metavar="EVENT",
        autocompletion=complete_events,
        help="The recorded event to correct, e.g. notified (aware is the awareness date).",
    ),
]
ReasonOption = Annotated[
    str,
    typer.Option(
        help="Why (kept in the history for anyone who later asks). No names of children.",
    ),
]


def parse_address(text: str) -> str:
    from reviewclock.mailsettings import check_address

    try:
        return check_address(text)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def pick_format(
    chosen: str | None, *, as_json: bool = False, as_csv: bool = False, default: str = "text"
) -> str:
    """The output format of a command that takes --format and the --json and --csv shorthands:
    the one way every command resolves them, refusing two that disagree."""
    if as_json and as_csv:
        raise UsageProblem("give either --json or --csv, not both")
    flag = "--json" if as_json else "--csv" if as_csv else None
    if chosen is not None and flag is not None and chosen != flag[2:]:
        raise UsageProblem(f"give either --format {chosen} or {flag}, not both")
    return flag[2:] if flag else chosen or default


def kind_or_stage(rules: Rulebook, event: str, kind: str | None, stage: str | None) -> str | None:
    """What ``--kind`` (of proceedings) or ``--stage`` (of a delay notice or an agreed
    extension) gives ``event``, if either: never both, and each only with its events. Read
    whatever its case, as an imported file's are (``Criminal``)."""
    from reviewclock.errors import UsageProblem

    rule = rules.events.get(event)
    stage_namers = alternatives(rules.stage_naming_events)
    if stage is not None:
        if kind is not None:
            raise UsageProblem(f"give --kind (proceedings) or --stage ({stage_namers}), not both")
        if rule is not None and rule.names_stage is None:
            raise UsageProblem(f"--stage applies to {stage_namers} only, not to {event!r}")
        return stage.lower()
    if kind is not None and rule is not None and rule.names_stage is not None:
        raise UsageProblem(
            f"--kind is the kind of proceedings; {event} names its stage with --stage"
        )
    return None if kind is None else kind.lower()


def every_stage_open(rules: Rulebook, event: str, stage: str | None) -> None:
    """What ``--every-stage`` gives ``event`` (no stage named, so every duty stage open on
    its date): only a delay notice can be about them all, and not with ``--stage`` too."""
    from reviewclock.errors import UsageProblem

    if stage is not None:
        raise UsageProblem("give --stage STAGE or --every-stage, not both")
    rule = rules.events.get(event)
    if rule is None or rule.names_stage is None or rule.stage_required:
        notices = alternatives(n for n, e in rules.events.items() if e.delay_notice)
        raise UsageProblem(f"--every-stage applies to {notices} only, not to {event!r}")


def outcomes(
    rules: Rulebook,
    event: str,
    decision: str | None,
    panel_view: str | None,
    national_review: bool | None,
) -> dict[str, Any]:
    """The options that record a decision, checked against the event they are given with."""
    from reviewclock.casefile import EventRecord
    from reviewclock.checks import check_outcomes

    given: dict[str, Any] = {
        k: v
        for k, v in (
            ("decision", decision),
            ("panel_view", panel_view),
            ("national_review", national_review),
        )
        if v is not None
    }
    check_outcomes(rules, event, EventRecord(event, dt.date.min, **given))
    return given
