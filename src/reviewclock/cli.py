"""The command line. Each command is thin: parse, make one call, render.

Heavy modules (the storage stack above all) are imported inside the commands
that need them, so that ``--help``, shell completion and ``due`` stay fast.
This is the only module that knows what "today" is (:func:`london_today`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from reviewclock.dates import check_in_range, parse_any_date
from reviewclock.errors import ReviewclockError, UsageProblem
from reviewclock.render import DIGEST_FORMATS
from reviewclock.rules import DECISIONS, DUTY_STAGE_NAMES, HARMS, PANEL_VIEWS

PROG = "reviewclock"
DEBUG_ENV = "REVIEWCLOCK_DEBUG"


def _fail(message: str, code: int) -> NoReturn:
    """Print one line on stderr and exit: the only way a command reports a problem."""
    first = " ".join(message.split())
    print(f"{PROG}: error: {first}", file=sys.stderr)
    raise SystemExit(code)


def _plain_values(command: Any, ctx: Any) -> None:
    """Take a command's plain text values (and those our own parsers read) as they are.

    Typer checks every value with a pydantic adapter, and building one loads
    pydantic, which costs more than the rest of a ``due``. A value typed ``str``
    needs no check, and a value with a ``parser=`` is checked by that parser, so
    those skip it; any other value (a path, a list) is left to Typer.
    """
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:  # a Typer without this hook: its own checks apply
        return

    class Plain(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            parser = self.parameter_info.parser
            if parser is not None:
                if param.multiple:  # a repeatable option: a list, each value parsed
                    return [parser(v) for v in value]
                return parser(value)
            if isinstance(value, self.annotation):
                return value
            full = build_runtime_param(param.type_descriptor)  # anything else: Typer's check
            return full._coerce_value(value, param=param, ctx=ctx)

    for param in [*command.params, command.get_help_option(ctx)]:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", 0) is not None:
            continue
        annotation = descriptor.annotation
        if annotation == str | None:
            annotation = str
        parsed = descriptor.parameter_info.parser is not None
        single = param.nargs == 1 and not param.multiple
        repeated = param.multiple and annotation in (list[str], list[str] | None)
        if (single and (parsed or annotation in (str, bool))) or (repeated and parsed):
            param._runtime_param = Plain(descriptor.parameter_info, annotation)


class _Group(TyperGroup):
    """Turns every problem into one line on stderr, with exit 1 (refused) or 2 (usage)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _plain_values(self, ctx)
        return super().parse_args(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_values(command, ctx)
        return command

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        arguments = list(sys.argv[1:] if args is None else args)
        for arg in arguments:
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                shown = os.fsencode(arg).decode("ascii", "backslashreplace")
                _fail(
                    f"the argument '{shown}' is not UTF-8 text; type references and "
                    "paths in UTF-8 (check the terminal's character encoding)",
                    2,
                )
        try:
            rv = super().main(
                arguments, prog_name or PROG, complete_var, standalone_mode=False, **extra
            )
        except NoArgsIsHelpError as e:
            e.show()
            raise SystemExit(e.exit_code) from None
        except ClickException as e:
            hint = ""
            ctx = getattr(e, "ctx", None)
            if ctx is not None:
                hint = f" (see '{ctx.command_path} --help')"
            _fail(e.format_message() + hint, e.exit_code)
        except ReviewclockError as e:
            _fail(str(e), e.exit_code)
        except typer.Abort:
            _fail("aborted; nothing was changed", 1)
        except KeyboardInterrupt:
            from reviewclock import interruption

            print(f"{PROG}: {interruption.message()}", file=sys.stderr)
            raise SystemExit(130) from None
        except OSError as e:
            if os.environ.get(DEBUG_ENV):
                raise
            # A file the system would not open or make: name it and the system's reason.
            what = f" {e.filename}" if e.filename else ""
            _fail(f"cannot use{what}: {e.strerror or type(e).__name__}", 1)
        except Exception as e:
            if os.environ.get(DEBUG_ENV):
                raise
            _fail(
                f"unexpected {type(e).__name__}: {e}. This is a bug in reviewclock; "
                f"rerun with {DEBUG_ENV}=1 to see the traceback and report it",
                1,
            )
        if not standalone_mode:
            return rv
        raise SystemExit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_Group,
    name=PROG,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    # Plain help text: it loads in a fraction of the time of the Rich help
    # renderer, so --help and completion stay fast, and it reads the same in cron mail.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from reviewclock import __version__

        print(f"{PROG} {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Deadline tracker for child safeguarding case reviews in England.

    It counts the national deadlines (notify the Panel within 5 working days,
    rapid review within 15, the Panel's answer within 15, the local review
    within 6 months) with bank holidays, and shows what is due and what is late.

    Store case references only, never a child's name.
    """


def london_now() -> dt.datetime:
    """The time now in Europe/London (timezone-aware): the one place that reads the clock.

    A command that needs both the time and the date reads the clock once and takes
    ``now.date()``, so the two cannot disagree around midnight.
    """
    import pendulum

    return pendulum.now("Europe/London")


def london_today() -> dt.date:
    """Today's calendar date in Europe/London."""
    return london_now().date()


def _date(text: str) -> dt.date:
    """A date as people type it: ISO, or British day first (the register checks its range)."""
    try:
        return parse_any_date(text)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def _supported_date(text: str) -> dt.date:
    """A date to work from (--as-of, a start date): it must lie in the supported range."""
    try:
        return check_in_range(parse_any_date(text))
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def _whole_number(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a whole number, for example 5 or -7") from None


def _one_of(what: str, options: Sequence[str]) -> Callable[[str], str]:
    """A parser that accepts one of ``options``, whatever its case, and refuses anything else,
    naming them."""

    def parse(text: str) -> str:
        if text.lower() not in options:
            raise typer.BadParameter(f"{text!r} is not {what}; use one of {', '.join(options)}")
        return text.lower()

    return parse


def _settings() -> Any:
    from reviewclock.config import load_settings

    settings = load_settings()
    if settings.exposed:
        print(f"{PROG}: warning: {settings.exposed}", file=sys.stderr)
    return settings


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a large register is read and evaluated.

    Reading builds hundreds of thousands of small tuples and none of them form
    cycles; the collector would otherwise re-scan them over and over.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``: a number with its noun, singular or plural."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def _emit_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _emit_json_list(items: Iterable[object]) -> None:
    """A JSON list written as it is made, one item to a line: a register of any size
    streams out in bounded memory, and each case stays on a line of its own for grep."""
    import json

    dumps = json.JSONEncoder(ensure_ascii=False).encode
    write = sys.stdout.write
    first = True
    for item in items:
        write(("[\n" if first else ",\n") + dumps(item))
        first = False
    write("[]\n" if first else "\n]\n")


def _examples(*lines: str) -> str:
    """An epilog of example commands, kept as written (click's \\b stops re-wrapping)."""
    return "Examples:\n\n\b\n" + "\n".join(lines)


@app.command(
    epilog=_examples(
        "reviewclock due 2023-05-05 --working-days 5   # 2023-05-15: the Coronation is skipped",
        "reviewclock due 2023-08-31 --months 6         # 2024-02-29",
        "reviewclock due 2024-04-15 --working-days -7  # latest day to send the final report",
    )
)
def due(
    start: Annotated[
        dt.date,
        typer.Argument(
            parser=_supported_date,
            metavar="DATE",
            help="The start date (day 0): YYYY-MM-DD, or DD/MM/YYYY (day first).",
        ),
    ],
    working_days: Annotated[
        int | None,
        typer.Option(
            "--working-days",
            "-w",
            parser=_whole_number,
            metavar="N",
            help="Count this many working days; a negative number counts back.",
        ),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            "-m",
            parser=_whole_number,
            metavar="N",
            help="Count this many calendar months; a negative number counts back.",
        ),
    ] = None,
    nation: Annotated[
        str | None,
        typer.Option(
            help="Bank holidays of ENG, WLS, SCT or NIR [default: from config, else ENG].",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the date alone, for scripts.")
    ] = False,
) -> None:
    """Work out a due date: N working days (or months) from DATE.

    DATE is day 0 and is not counted; the result is the Nth working day after
    it. Weekends, bank holidays and the unit's configured closures are skipped.
    A month count keeps the day number (or the month's last day) and is not
    moved off a weekend.
    """
    from reviewclock.calendar import UnknownNationError, add_months, weekend_note

    if (working_days is None) == (months is None):
        raise UsageProblem(
            "give exactly one of --working-days N or --months N (see 'reviewclock due --help')"
        )
    from reviewclock.dates import FIRST_DAY, LAST_DAY, RANGE, in_range

    # A count that cannot stay in the supported range is refused before any counting.
    span = (LAST_DAY - FIRST_DAY).days
    if abs(working_days if working_days is not None else 0) > span or abs(months or 0) > 12 * (
        LAST_DAY.year - FIRST_DAY.year + 1
    ):
        raise UsageProblem(
            f"counting {working_days if working_days is not None else months} "
            f"{'working days' if working_days is not None else 'months'} from "
            f"{start.isoformat()} leaves the dates reviewclock supports ({RANGE}); "
            "check the number"
        )
    settings = _settings()
    try:
        cal = settings.calendar(nation)
    except UnknownNationError as e:
        raise UsageProblem(f"--nation: {e}") from None
    if working_days is not None:
        result = cal.add_working_days(start, working_days)
        count, unit = working_days, "working days"
        skipped = cal.non_working_days(start, result) if working_days else []
        skipped = [(d, n) for d, n in skipped if d != start]
    else:
        assert months is not None
        result = add_months(start, months)
        count, unit, skipped = months, "months", []
    if not in_range(result):
        raise UsageProblem(
            f"{count} {unit} from {start.isoformat()} is {result.isoformat()}, outside the "
            f"dates reviewclock supports ({RANGE}); check the number"
        )
    note = weekend_note(result)
    if as_json:
        _emit_json(
            {
                "start": start.isoformat(),
                "count": count,
                "unit": unit,
                "nation": cal.nation,
                "due": result.isoformat(),
                "weekday": result.strftime("%A"),
                "weekend": note is not None,
                "skipped": [{"date": d.isoformat(), "name": n} for d, n in skipped],
            }
        )
        return
    print(result.isoformat())
    if quiet:
        return
    from reviewclock.calendar import NATIONS
    from reviewclock.dates import describe

    direction = "after" if count >= 0 else "before"
    print(
        f"{describe(result)}: {abs(count)} {unit} {direction} {describe(start)} "
        f"({NATIONS[cal.nation]} bank holidays)."
    )
    if note:
        print(f"This date {note}; it is not moved off the weekend.")
    for day, name in skipped:
        print(f"  skipped {describe(day)}: {name}")


# -- the register ---------------------------------------------------------------------

DB_ENV = "REVIEWCLOCK_DB"

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
AsOfOption = Annotated[
    dt.date | None,
    typer.Option(
        "--as-of",
        parser=_supported_date,
        metavar="DATE",
        show_default=False,
        help="See the register as it stood on DATE (YYYY-MM-DD): cases known by then, "
        "events dated by then, and every plan [default: today in London].",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (see the README).")]
NoteOption = Annotated[
    str | None,
    typer.Option(help="A short note. Never a child's name or other identifying details."),
]


def _default_register() -> str:
    import platformdirs

    return str(platformdirs.user_data_path(PROG) / "register.db")


def _location(db: str | None, settings: Any) -> tuple[str, bool]:
    """Where the register is, and whether it is the default (whose directory may be made)."""
    if db:
        return db, False
    if settings.register:
        return settings.register, False
    return _default_register(), True


def _open(
    db: str | None, settings: Any, *, create: bool = False, may_be_empty: bool = False
) -> Any:
    from reviewclock.store import Register

    location, is_default = _location(db, settings)
    return Register(location, create=create, make_dirs=is_default, may_be_empty=may_be_empty)


def _warn_unreadable(bad: dict[str, str]) -> None:
    """Name each case a read left out, in one line on stderr."""
    from reviewclock.store import unreadable_message

    for ref, stored in bad.items():
        print(f"{PROG}: warning: {unreadable_message(ref, stored)}", file=sys.stderr)


def _read_cases(register: Any, **options: Any) -> Any:
    """Every case the register can read; each case it cannot is named in one line on stderr
    (a date outside the supported range, written by something other than reviewclock)."""
    from reviewclock.store import unreadable_message

    cases = register.cases(**options)
    for ref, stored in register.unreadable:
        print(f"{PROG}: warning: {unreadable_message(ref, stored)}", file=sys.stderr)
    return cases


def _complete_refs(ctx: typer.Context, incomplete: str) -> list[str]:
    """Case references for shell completion, read with sqlite3 alone so completion stays fast."""
    import sqlite3

    from reviewclock.store.location import SQLITE, locate

    try:
        location, _ = _location(ctx.params.get("db") or os.environ.get(DB_ENV), _settings())
        where = locate(location)
        if where.dialect != SQLITE:
            return _complete_refs_postgresql(where.url, incomplete)
        with contextlib.closing(
            sqlite3.connect(f"file:{where.path}?mode=ro", uri=True, timeout=1)
        ) as conn:
            rows = conn.execute(
                "SELECT ref FROM cases WHERE ref LIKE ? ORDER BY ref", (incomplete + "%",)
            ).fetchall()
        return [r[0] for r in rows]
    except Exception:
        return []


def _complete_refs_postgresql(url: str, incomplete: str) -> list[str]:
    """Case references from a PostgreSQL register, with psycopg alone (no SQLAlchemy)."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, connect_timeout=2) as conn:
        rows = conn.execute(
            'SELECT ref FROM cases WHERE ref LIKE %s ORDER BY ref COLLATE "C"',
            (incomplete.replace("%", r"\%").replace("_", r"\_") + "%",),
        ).fetchall()
    return [str(r[0]) for r in rows]


def _complete_events(incomplete: str) -> list[str]:
    from reviewclock.rules import RECORDABLE_EVENTS

    return [e for e in RECORDABLE_EVENTS if e.startswith(incomplete)]


def _complete_duty_stages(incomplete: str) -> list[str]:
    return [s for s in DUTY_STAGE_NAMES if s.startswith(incomplete)]


def _complete_kinds(incomplete: str) -> list[str]:
    from reviewclock.rules import PROCEEDING_KINDS

    return [k for k in PROCEEDING_KINDS if k.startswith(incomplete)]


DecisionOption = Annotated[
    str | None,
    typer.Option(
        parser=_one_of("a decision", DECISIONS),
        metavar="|".join(DECISIONS),
        show_default=False,
        help="rapid-review-sent only: the partners' decision on a local review "
        "[default: not-decided].",
    ),
]
PanelViewOption = Annotated[
    str | None,
    typer.Option(
        parser=_one_of("a view of the Panel", PANEL_VIEWS),
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


def _outcomes(
    event: str, decision: str | None, panel_view: str | None, national_review: bool | None
) -> dict[str, Any]:
    """The options that record a decision, checked against the event they are given with."""
    from reviewclock.checks import check_outcomes
    from reviewclock.clock import EventRecord

    given: dict[str, Any] = {
        k: v
        for k, v in (
            ("decision", decision),
            ("panel_view", panel_view),
            ("national_review", national_review),
        )
        if v is not None
    }
    check_outcomes(event, EventRecord(event, dt.date.min, **given))
    return given


RefArgument = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        autocompletion=_complete_refs,
        help="The partnership's case reference, e.g. BSCP-2024-07 (never a child's name).",
    ),
]


def _warn_name(ref: str, where: str = "") -> None:
    print(
        f"{PROG}: warning: {where}{ref!r} looks like a person's name; the register should "
        "hold case references only (see 'reviewclock add-sin --help')",
        file=sys.stderr,
    )


@app.command(
    "add-sin",
    epilog=_examples(
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
            parser=_date,
            metavar="DATE",
            help="The date the local authority became aware of the incident (day 0).",
        ),
    ],
    notified: Annotated[
        dt.date | None,
        typer.Option(
            parser=_date, metavar="DATE", help="The date the Panel was notified, if it has been."
        ),
    ] = None,
    authority: Annotated[
        str | None, typer.Option(help="The local authority, e.g. 'Northshire County Council'.")
    ] = None,
    harm: Annotated[
        str | None,
        typer.Option(
            parser=_one_of("a kind of harm", HARMS), metavar="|".join(HARMS), help="What happened."
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
    from reviewclock.checks import looks_like_a_name
    from reviewclock.render.terminal import print_case

    settings = _settings()
    now = london_now()
    today = now.date()
    with _open(db, settings, create=True) as register:
        case = register.add_case(
            ref,
            aware=aware,
            notified=notified,
            authority=authority,
            harm=harm,
            note=note,
            today=today,
            now=now,
        )
    print(f"Added {ref}.")
    if looks_like_a_name(ref):
        _warn_name(ref)
    print_case(case, settings.clock().evaluate(case.events, today), events=False)


@app.command(
    epilog=_examples(
        "reviewclock record BSCP-2024-07 notified --on 2024-04-05",
        "reviewclock record BSCP-2024-07 rapid-review-sent --decision no-lcspr  # dated today",
        "reviewclock record BSCP-2024-07 panel-response --on 2024-05-20 --panel-view agrees",
        "reviewclock record BSCP-2024-07 proceedings-started --on 2024-05-01 --kind criminal",
        "reviewclock record BSCP-2024-07 publication-planned --on 2025-03-03",
        "reviewclock record BSCP-2024-07 delay-notified --on 2025-01-27 --stage lcspr",
    ),
)
def record(
    ref: RefArgument,
    event: Annotated[
        str,
        typer.Argument(
            metavar="EVENT",
            autocompletion=_complete_events,
            help="notified, rapid-review-sent, panel-response, lcspr-commissioned, "
            "lcspr-completed, publication-planned, report-sent, published, "
            "proceedings-started, proceedings-ended or delay-notified.",
        ),
    ],
    on: Annotated[
        dt.date | None,
        typer.Option(
            parser=_date,
            metavar="DATE",
            show_default=False,
            help="When it happened (YYYY-MM-DD) [default: today in London].",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            autocompletion=_complete_kinds,
            metavar="criminal|inquest|disciplinary|other",
            help="The kind of proceedings (proceedings events only).",
        ),
    ] = None,
    decision: DecisionOption = None,
    panel_view: PanelViewOption = None,
    national_review: NationalReviewOption = None,
    stage: Annotated[
        str | None,
        typer.Option(
            autocompletion=_complete_duty_stages,
            metavar="STAGE",
            help="For delay-notified: the one stage the notice is about, one of "
            f"{', '.join(DUTY_STAGE_NAMES)} [default: every duty stage open on its date].",
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
    """
    from reviewclock.render.terminal import print_case
    from reviewclock.rules import EVENTS

    if stage is not None:
        if kind is not None:
            raise UsageProblem("give --kind (proceedings) or --stage (a delay notice), not both")
        if event in EVENTS and not EVENTS[event].names_stage:
            raise UsageProblem(f"--stage applies to delay-notified only, not to {event!r}")
    elif kind is not None and event in EVENTS and EVENTS[event].names_stage:
        raise UsageProblem(
            "--kind is the kind of proceedings; a delay notice names its stage with --stage"
        )
    settings = _settings()
    now = london_now()
    today = now.date()
    when = on or today
    outcomes = _outcomes(event, decision, panel_view, national_review)
    if event == "rapid-review-sent":
        outcomes.setdefault("decision", "not-decided")
    if "panel_view" in outcomes:
        outcomes.setdefault("national_review", False)
    with _open(db, settings) as register:
        case = register.record(
            ref,
            event,
            when,
            kind=kind if stage is None else stage,
            note=note,
            today=today,
            now=now,
            **outcomes,
        )
    print(f"Recorded {event} on {when.isoformat()} for {ref}.")
    clock = settings.clock()
    print_case(case, clock.evaluate(case.events, today), events=False)
    if EVENTS[event].names_stage:
        from reviewclock.clock import EventRecord

        covered = clock.covered_by(case.events, EventRecord(event, when, stage))
        if covered:
            print(f"The notice counts for {', '.join(s.name for s in covered)}.")
        else:
            what = f"{stage} was not open" if stage else "no duty stage was open"
            print(
                f"{PROG}: warning: {what} for {ref} on {when.isoformat()} (started on or before "
                "that date and not yet met); the notice is kept, but counts for no stage",
                file=sys.stderr,
            )


@app.command(
    epilog=_examples(
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

    settings = _settings()
    today = as_of or london_today()
    with _open(db, settings) as register:
        recorded = register.get(ref)
    evaluated = settings.clock().evaluate_case(recorded, today)
    if evaluated is None:
        raise ReviewclockError(
            f"{ref} was not yet known on {today.isoformat()} (aware "
            f"{recorded.aware.isoformat() if recorded.aware else 'unknown'}); "
            "give a later --as-of"
        )
    case, clock = evaluated
    if as_json:
        from reviewclock.render.data import case_dict

        _emit_json(case_dict(case, clock))
        return
    print_case(case, clock, as_of=as_of)


@app.command(
    epilog=_examples(
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
            parser=_whole_number,
            metavar="N",
            help="Only cases with a stage due within N working days (late ones included).",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """What is due and what is late: one row per open case, the most urgent first."""
    from reviewclock.report import select_cases, summary_line

    settings = _settings()
    today = as_of or london_today()
    clock = settings.clock()
    filters: dict[str, Any] = {
        "include_closed": include_all,
        "overdue": overdue,
        "due_within": due_within,
    }
    with _gc_paused(), _open(db, settings) as register:
        open_in = None if include_all else clock.stages
        bad: dict[str, str] = {}
        if as_json:
            # Sort the keys first, then read and write the cases in that order, so that the
            # whole register is never held at once.
            from reviewclock.render.data import case_dict
            from reviewclock.report import shown as kept
            from reviewclock.report import urgency_key

            keys = []
            for cid, case in register.each_case(audit=False, open_in=open_in, on=today, bad=bad):
                evaluated = clock.evaluate_case(case, today)
                if evaluated is not None and kept(evaluated[1], **filters):
                    keys.append((urgency_key(*evaluated), cid))
            _warn_unreadable(bad)
            keys.sort()
            ordered = register.cases_by_id([cid for _, cid in keys], audit=True)
            _emit_json_list(
                case_dict(*e)
                for e in (clock.evaluate_case(c, today) for _, c in ordered)
                if e is not None
            )
            return
        cases = (c for _, c in register.each_case(audit=False, open_in=open_in, on=today, bad=bad))
        shown = select_cases(clock.evaluate_all(cases, today), **filters)
        _warn_unreadable(bad)
    from reviewclock.render.terminal import print_status

    print_status(shown, summary_line(shown) + f" (as of {today.isoformat()})")


EventArgument = Annotated[
    str,
    typer.Argument(
        metavar="EVENT",
        autocompletion=_complete_events,
        help="The recorded event to correct, e.g. notified (aware is the awareness date).",
    ),
]
ReasonOption = Annotated[
    str,
    typer.Option(
        help="Why (kept in the history for anyone who later asks). No names of children.",
    ),
]


def _london(moment: dt.datetime) -> str:
    import pendulum

    return pendulum.instance(moment).in_timezone("Europe/London").format("YYYY-MM-DD HH:mm")


@app.command(
    epilog=_examples(
        "reviewclock amend BSCP-2024-07 notified --on 2024-04-04 --reason 'typed 5th, sent 4th'",
        "reviewclock amend BSCP-2024-07 publication-planned --was 2025-03-03 --on 2025-03-10 \\",
        "    --reason 'date on the plan was wrong'",
        "reviewclock amend BSCP-2024-07 rapid-review-sent --decision lcspr \\",
        "    --reason 'partners decided on 24 April; typed as no-lcspr'",
    ),
)
def amend(
    ref: RefArgument,
    event: EventArgument,
    reason: ReasonOption,
    on: Annotated[
        dt.date | None,
        typer.Option(parser=_date, metavar="DATE", help="The correct date (YYYY-MM-DD)."),
    ] = None,
    decision: DecisionOption = None,
    panel_view: PanelViewOption = None,
    national_review: NationalReviewOption = None,
    was: Annotated[
        dt.date | None,
        typer.Option(
            parser=_date,
            metavar="DATE",
            help="For an event recorded more than once: the date of the record to correct.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Correct a recorded event: its date, or the decision it records.

    The old record is kept and the correction is added beside it, with who
    made it, when and why; 'reviewclock history REF' shows both. The deadlines
    are worked out again, and the ones that moved are listed. A rapid
    review's decision (--decision) and the Panel's view (--panel-view,
    --national-review) are corrected the same way.
    """
    settings = _settings()
    now = london_now()
    today = now.date()
    outcomes = _outcomes(event, decision, panel_view, national_review)
    with _open(db, settings) as register:
        before, after = register.amend(
            ref, event, on, reason=reason, was=was, today=today, now=now, outcomes=outcomes
        )
    clock = settings.clock()
    old = {s.stage.name: s for s in clock.evaluate(before.events, today).stages}
    new = {s.stage.name: s for s in clock.evaluate(after.events, today).stages}
    from reviewclock.store import describe_record

    changed = next(
        (e for e in after.events if e.name == event and e not in before.events),
        None,
    )
    print(f"Amended {event} for {ref}: now {describe_record(changed) if changed else 'as before'}.")
    moved = [
        f"  {name}: due {old[name].due.isoformat()} -> {s.due.isoformat()}"
        if name in old
        else f"  {name}: now due {s.due.isoformat()}"
        for name, s in new.items()
        if name not in old or old[name].due != s.due
    ]
    changed = [
        f"  {name}: {old[name].state} -> {s.state}"
        for name, s in new.items()
        if name in old and old[name].state != s.state
    ]
    print("Deadlines that moved:" if moved else "No deadline moved.")
    for line in moved:
        print(line)
    if changed:
        print("States that changed:")
        for line in changed:
            print(line)


def _with_outcome(day: dt.date | None, outcome: str | None) -> str:
    text = "" if day is None else day.isoformat()
    return f"{text} ({outcome})" if outcome else text


@app.command(epilog=_examples("reviewclock history BSCP-2024-07"))
def history(ref: RefArgument, db: DbOption = None) -> None:
    """Every recorded and amended event of a case: old and new date, who, when and why.

    Times are London times. A deleted case still shows its deletion.
    """
    from reviewclock.render.terminal import Cell, print_table

    with _open(db, _settings()) as register:
        entries = register.history(ref)
    rows = [
        [
            Cell(_london(h.at)),
            Cell(h.action),
            Cell(h.event),
            Cell(_with_outcome(h.old, h.old_outcome)),
            Cell(_with_outcome(h.new, h.outcome)),
            Cell(h.by),
            Cell(h.reason or h.note or ""),
        ]
        for h in entries
    ]
    print_table(
        ["When (London)", "Action", "Event", "Was", "Now", "By", "Reason or note"],
        rows,
        title=f"History of {ref}",
    )


@app.command(
    epilog=_examples(
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
    settings = _settings()
    with _open(db, settings) as register:
        events, corrections = register.event_counts(ref)
        what = _count(events, "event") + (
            f" (and {_count(corrections, 'correction')})" if corrections else ""
        )
        if not yes:
            typer.confirm(f"Delete {ref} and its {what}? This cannot be undone", abort=True)
        events, corrections = register.delete(ref, reason=reason, now=london_now())
    what = _count(events, "event") + (
        f" (and {_count(corrections, 'correction')})" if corrections else ""
    )
    print(f"Deleted {ref} and its {what}. The deletion is in its history.")


@app.command(epilog=_examples("reviewclock backup /srv/backups/reviewclock-2025-02-03.db"))
def backup(
    dest: Annotated[
        Path,
        typer.Argument(metavar="DEST", help="The new backup file (it must not exist yet)."),
    ],
    db: DbOption = None,
) -> None:
    """Copy the register to DEST, safely while others are using it.

    The copy is readable by you alone (mode 0600). An SQLite register is
    copied with SQLite's online backup and must pass its integrity check; to
    restore, point --db (or REVIEWCLOCK_DB) at the copy. A PostgreSQL register
    is dumped with 'pg_dump --format=custom'; restore it with pg_restore.
    """
    with _open(db, _settings()) as register:
        cases = register.backup(dest)
        check = "integrity check: ok" if register.dialect == "sqlite" else "pg_dump: ok"
    noun = "case" if cases == 1 else "cases"
    print(f"Backed up {cases} {noun} to {dest} ({check}).")


@app.command(
    epilog=_examples("reviewclock doctor", "reviewclock doctor --db /srv/bsu/reviewclock.db")
)
def doctor(db: DbOption = None) -> None:
    """Check the register: integrity, schema revision, privacy and contradictory events.

    On SQLite, privacy means file modes; on PostgreSQL, that no table is
    readable by every database role (PUBLIC), and the file checks are skipped.
    Exits 1 with a list of what is wrong; prints one line and exits 0 when all is well.
    """
    settings = _settings()
    with _open(db, settings) as register:
        problems = register.problems(london_today())
        where = register.location
        on_server = register.dialect != "sqlite"
    if settings.exposed:
        problems.append(settings.exposed)
    if on_server:
        print("note: a PostgreSQL register: the file checks (integrity, modes) are skipped")
    if problems:
        for problem in problems:
            print(f"problem: {problem}")
        print(f"{_count(len(problems), 'problem')} in {where}", file=sys.stderr)
        raise typer.Exit(1)
    if on_server:
        print(f"{where}: schema current, not readable by PUBLIC, no contradictory events.")
    else:
        print(f"{where}: integrity ok, schema current, private, no contradictory events.")


IMPORT_FORMATS = ("csv", "json")
EXPORT_FORMATS = ("csv", "json", "ics")


@app.command(
    "import",
    epilog=_examples(
        "reviewclock import cases.csv --dry-run     # list every problem, write nothing",
        "reviewclock import cases.csv",
        "reviewclock import more.csv --update       # add new events to existing cases",
        "reviewclock import backup.json --format json",
        "reviewclock export --format json --db OLD | reviewclock import - --format json --db NEW",
    ),
)
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A CSV file (as export writes it) or a JSON file; - reads standard input.",
        ),
    ],
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            parser=_one_of("an import format", IMPORT_FORMATS),
            metavar="csv|json",
            show_default=False,
            help="The file's format [default: json for a .json file, else csv].",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the whole file and list every problem.")
    ] = False,
    update: Annotated[
        bool,
        typer.Option(help="Add new events to cases already in the register (never change one)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Import cases from a spreadsheet's CSV, or from JSON: all or nothing.

    CSV columns: ref, aware, authority, harm, and one per event (notified,
    rapid-review-sent, panel-response, lcspr-commissioned, lcspr-completed,
    publication-planned, report-sent, published, proceedings-started,
    proceedings-ended, delay-notified), each holding a date or nothing. Events
    that can repeat hold dates separated by ';', and proceedings dates their
    kind: '2024-09-02 criminal'. Dates are YYYY-MM-DD or DD/MM/YYYY (day first).
    Then decision (lcspr, no-lcspr, not-decided), panel-view (agrees,
    disagrees) and national-review (yes, no), or nothing when not recorded.

    One bad row stops the import and nothing is written; the message gives the
    line, the ref and the reason. --dry-run lists every problem at once.
    """
    from reviewclock.importing import plan_import
    from reviewclock.transfer import ImportProblems, decode, read_csv, read_json

    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as e:
        raise UsageProblem(f"cannot read {file}: {e.strerror}") from None
    try:
        text, encoding = decode(data)
    except ValueError as e:
        raise UsageProblem(f"cannot read {file}: {e}") from None
    if encoding != "UTF-8":
        print(
            f"{PROG}: warning: {file} is not UTF-8 text; it was read as {encoding} "
            "(Excel's default on Windows)",
            file=sys.stderr,
        )
    kind = file_format or ("json" if file.suffix.lower() == ".json" else "csv")
    incoming, problems = (read_json if kind == "json" else read_csv)(text)
    settings = _settings()
    location, _ = _location(db, settings)
    now = london_now()

    def planner(existing: Any) -> Any:
        return plan_import(incoming, existing, update=update, today=now.date())

    with contextlib.ExitStack() as stack:
        stack.enter_context(_gc_paused())
        try:
            missing = "://" not in location and not Path(location).expanduser().exists()
            if missing and (dry_run or problems):
                # Checking against a register that does not exist yet: an empty one.
                plan = planner({})
                cases, events = len(plan.cases), plan.events
            else:
                register = stack.enter_context(
                    _open(db, settings, create=not dry_run, may_be_empty=dry_run)
                )
                cases, events = register.import_cases(
                    planner, dry_run=dry_run or bool(problems), now=now
                )
        except ImportProblems as e:
            problems += e.problems
        if problems:
            problems.sort(key=lambda p: p.line)
            if dry_run:
                for problem in problems:
                    print(problem)
                raise ReviewclockError(
                    f"{_count(len(problems), 'problem')} in {file}; nothing was imported"
                )
            more = len(problems) - 1
            raise ReviewclockError(
                f"{file}: {problems[0]}; nothing was imported"
                + (
                    f" ({more} more {'problem' if more == 1 else 'problems'}: --dry-run lists "
                    "them all)"
                    if more
                    else ""
                )
            )
    from reviewclock.checks import looks_like_a_name

    for item in incoming:
        if looks_like_a_name(item.case.ref):
            _warn_name(item.case.ref, f"{item.unit} {item.line}: ")
    verb = "Would import" if dry_run else "Imported"
    tail = "; nothing was written (--dry-run)." if dry_run else "."
    print(f"{verb} {_count(cases, 'new case')} and {_count(events, 'event')} from {file}{tail}")


@app.command(
    epilog=_examples(
        "reviewclock export > register.csv",
        "reviewclock export --format json --as-of 2025-03-31 > register.json",
        "reviewclock export --format ics > deadlines.ics",
    ),
)
def export(
    file_format: Annotated[
        str,
        typer.Option(
            "--format",
            parser=_one_of("an export format", EXPORT_FORMATS),
            metavar="|".join(EXPORT_FORMATS),
            help="The format.",
        ),
    ] = "csv",
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Write every case to stdout: CSV in the columns import reads, JSON, or a calendar.

    ics is a calendar feed for Outlook and others: one all-day event for each
    open stage on its due date, with an alarm two working days before. Each
    event keeps its identity across exports, so a new import updates it.

    The JSON is a list of 'show --json' objects. With --as-of, every format
    holds the register as it stood on that date: the cases known by then,
    the events dated by then, and every plan. Without --as-of, the JSON is a
    whole copy: a case with corrections also carries its whole log, and each
    deleted case follows the cases as {"deleted": REF, ...}; export, then
    import into an empty register (SQLite or PostgreSQL), gives the same
    export again, history included.
    """
    settings = _settings()
    now = london_now()
    today = as_of or now.date()
    clock = settings.clock()
    with _gc_paused(), _open(db, settings) as register:
        bad: dict[str, str] = {}
        if file_format == "csv":
            from reviewclock.clock import as_it_stood
            from reviewclock.transfer import csv_lines

            write = sys.stdout.write
            read = (c for _, c in register.each_case(audit=False, bad=bad))
            stood = (as_it_stood(case, today) for case in read)
            for line in csv_lines(case for case in stood if case is not None):
                write(line)
            _warn_unreadable(bad)
            return
        # The calendar holds open stages alone: only cases with one are read.
        open_in = clock.stages if file_format == "ics" else None
        cases = (
            c
            for _, c in register.each_case(
                audit=file_format == "json",
                open_in=open_in,
                on=today if open_in else None,
                bad=bad,
            )
        )
        evaluated = clock.evaluate_all(cases, today)
        if file_format == "ics":
            from reviewclock.render.ics import ics_feed

            sys.stdout.buffer.write(ics_feed(evaluated, clock.calendar, now))
            _warn_unreadable(bad)
            return
        from reviewclock.render.data import case_dict
        from reviewclock.transfer import deletion_json, log_json

        # A whole copy carries the history too; a view as of a date is only that view.
        logs, deletions = register.logs() if as_of is None else ({}, [])

        def items() -> Iterator[dict[str, Any]]:
            for case, case_clock in evaluated:
                item = case_dict(case, case_clock)
                if case.ref in logs:
                    item["log"] = log_json(logs[case.ref])
                yield item
            yield from (deletion_json(d) for d in deletions)

        _emit_json_list(items())
        _warn_unreadable(bad)


def _bar(on_time: int, late: int, width: int = 24) -> tuple[str, str]:
    """On time and late as two runs of a bar ``width`` characters long."""
    total = on_time + late
    if not total:
        return "", ""
    green = round(width * on_time / total)
    if late and green == width:
        green = width - 1  # a late stage is never hidden by rounding
    return "█" * green, "░" * (width - green)


@app.command(
    epilog=_examples(
        "reviewclock stats --year 2023/24",
        "reviewclock stats --from 2024-01-01 --to 2024-12-31 --json",
        "reviewclock stats --year 2024/25 --chart timeliness-2024-25.svg",
        "reviewclock stats --year 2023/24 --format html > case-reviews-2023-24.html",
        "reviewclock stats --year 2023/24 --format markdown --output annual-report/",
    ),
)
def stats(
    year: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY/YY",
            show_default=False,
            help="A financial year, 1 April to 31 March, e.g. 2023/24 [default: this one].",
        ),
    ] = None,
    start: Annotated[
        dt.date | None,
        typer.Option(
            "--from", parser=_supported_date, metavar="DATE", help="The first day of the period."
        ),
    ] = None,
    end: Annotated[
        dt.date | None,
        typer.Option(
            "--to", parser=_supported_date, metavar="DATE", help="The last day of the period."
        ),
    ] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per stage.")] = False,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            parser=_one_of("a stats format", STATS_FORMATS),
            metavar="|".join(STATS_FORMATS),
            show_default=False,
            help="text (the table), json, csv, or the annual report's case-review section "
            "in words and figures: markdown or html [default: text].",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="markdown and html: write the section into DIR (made if need be), the "
            "markdown with its figures as SVG files beside it; default: stdout.",
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.svg|FILE.png",
            help="Also write the figures as a chart for the annual report "
            "(needs: pip install 'reviewclock[charts]').",
        ),
    ] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Timeliness figures for the annual report, stage by stage.

    For the period: stages completed (done in it), on time and late, the
    working days taken (median and worst), and the stages still open at the
    end, with how many were overdue and how many delayed by proceedings. A
    period that has not ended yet is counted up to today.

    --format markdown or html writes the case-review section of the annual
    report: notifications, rapid reviews and the partners' decisions, the
    Panel's responses and views, and local reviews, with a figure per stage
    (one bar per case; figures need matplotlib). The counts are those of
    --json for the same period.
    """
    from reviewclock.report import financial_year, financial_year_of, timeliness

    try:
        period = None if year is None else financial_year(year)
    except ValueError as e:
        raise UsageProblem(f"--year: {e}") from None
    if year is not None and (start or end):
        raise UsageProblem("give either --year or --from and --to, not both")
    if (start is None) != (end is None):
        raise UsageProblem("give both --from DATE and --to DATE")
    if as_json and as_csv:
        raise UsageProblem("give either --json or --csv, not both")
    if output_format is not None and (as_json or as_csv):
        flag = "--json" if as_json else "--csv"
        if output_format != flag[2:]:
            raise UsageProblem(f"give either --format {output_format} or {flag}, not both")
    as_json = as_json or output_format == "json"
    as_csv = as_csv or output_format == "csv"
    section_format = output_format if output_format in ("markdown", "html") else None
    if chart is not None and section_format is not None:
        raise UsageProblem(
            f"--chart goes with the table, --json or --csv; --format {section_format} "
            "draws its own figures"
        )
    if output is not None and section_format is None:
        raise UsageProblem("--output DIR goes with --format markdown or --format html")
    if output is not None and output.exists() and not output.is_dir():
        raise UsageProblem(f"--output {output}: that is a file; give a directory")
    today = as_of or london_today()
    first, last = period or ((start, end) if start and end else financial_year_of(today))
    if last < first:
        raise UsageProblem(f"--to {last.isoformat()} is before --from {first.isoformat()}")
    try:
        check_in_range(first, "the period starts on")
        check_in_range(last, "the period ends on")
    except ValueError as e:
        raise UsageProblem(str(e)) from None
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        raise UsageProblem(f"--chart {chart.name!r}: a chart is written as .svg or .png")
    last = min(last, today) if first <= today else last
    settings = _settings()
    clock = settings.clock()
    with _gc_paused(), _open(db, settings) as register:
        if section_format is not None:
            from reviewclock.annual import annual_section

            section = annual_section(_read_cases(register, audit=False), clock, first, last)
        else:
            # A case closed before the period began counts nowhere in it: it is not read.
            active = register.active_case_ids(clock.stages, first, last)
            unread: dict[str, str] = {}
            cases = (c for _, c in register.cases_by_id(active, audit=False, bad=unread))
            figures = timeliness(cases, clock, first, last)
            _warn_unreadable(unread)
    if section_format is not None:
        _write_section(section, section_format, output)
        return
    columns = (
        "completed",
        "on_time",
        "late",
        "open",
        "open_overdue",
        "open_delayed_proceedings",
        "median_working_days",
        "max_working_days",
    )
    if as_json:
        _emit_json(
            {
                "period": {"from": first.isoformat(), "to": last.isoformat()},
                "stages": {
                    name: {c: getattr(f, c) for c in columns} for name, f in figures.items()
                },
            }
        )
    elif as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("stage", *columns))
        for name, f in figures.items():
            writer.writerow(
                (name, *("" if getattr(f, c) is None else getattr(f, c) for c in columns))
            )
    else:
        from reviewclock.dates import describe
        from reviewclock.render.terminal import Cell, print_table

        rows = []
        for stage in clock.stages:
            f = figures[stage.name]
            good, bad = _bar(f.on_time, f.late)
            pct = f"{100 * f.on_time / f.completed:.0f}%" if f.completed else "-"
            rows.append(
                [
                    Cell(stage.name),
                    Cell(str(f.completed)),
                    Cell(str(f.on_time), "green"),
                    Cell(str(f.late), "red" if f.late else None),
                    Cell(pct),
                    Cell(good + bad, parts=((good, "green"), (bad, "red"))),
                    Cell("-" if f.median_working_days is None else f"{f.median_working_days:g}"),
                    Cell("-" if f.max_working_days is None else str(f.max_working_days)),
                    Cell(str(f.open)),
                    Cell(str(f.open_overdue), "bold red" if f.open_overdue else None),
                    Cell(
                        str(f.open_delayed_proceedings),
                        "magenta" if f.open_delayed_proceedings else None,
                    ),
                ]
            )
        headers = [
            "Stage",
            "Completed",
            "On time",
            "Late",
            "On time %",
            "On time / late",
            "Median days",
            "Worst days",
            "Open at end",
            "Overdue",
            "Delayed (proceedings)",
        ]
        print_table(
            headers,
            rows,
            title=f"Timeliness from {describe(first)} to {describe(last)} (working days)",
        )
    if chart is not None:
        from reviewclock.render.chart import write_chart

        write_chart(chart, figures, clock.stages, (first, last))
        print(f"Chart written to {chart}.", file=sys.stderr if (as_json or as_csv) else sys.stdout)


STATS_FORMATS = ("text", "json", "csv", "markdown", "html")


def _write_private(path: Path, text: str) -> None:
    """Write a report file readable by its owner alone (0600): it names cases."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    path.chmod(0o600)


def _write_section(section: Any, section_format: str, output: Path | None) -> None:
    """The annual report's case-review section, with its figures where they can be drawn."""
    from reviewclock.render.annual import Figure, annual_html, annual_markdown, section_blocks

    figures = [b for b in section_blocks(section, figures=True) if isinstance(b, Figure)]
    svgs: dict[str, str] | None = None
    notice = None
    if figures and section_format == "markdown" and output is None:
        notice = "figures left out: markdown writes them as files only with --output DIR"
    elif figures:
        try:
            from reviewclock.render.chart import case_figure_svg

            standalone = section_format == "markdown"
            svgs = {f.name: case_figure_svg(f.part, standalone=standalone) for f in figures}
        except ImportError:
            notice = "figures left out: they need matplotlib (pip install 'reviewclock[charts]')"
    else:
        svgs = {}
    if output is None:
        text = annual_html(section, svgs) if section_format == "html" else annual_markdown(section)
        sys.stdout.write(text)
    else:
        try:
            output.mkdir(mode=0o700, parents=True, exist_ok=True)
            stem = "case-reviews-" + (
                section.label.replace("/", "-")
                if section.label
                else f"{section.start.isoformat()}-to-{section.end.isoformat()}"
            )
            if section_format == "html":
                target = output / f"{stem}.html"
                _write_private(target, annual_html(section, svgs))
            else:
                files = None
                if svgs is not None:
                    files = {}
                    for name, svg in svgs.items():
                        _write_private(output / f"{stem}-{name}.svg", svg)
                        files[name] = f"{stem}-{name}.svg"
                target = output / f"{stem}.md"
                _write_private(target, annual_markdown(section, files))
        except OSError as e:
            raise UsageProblem(f"--output {output}: cannot write there: {e.strerror}") from None
        print(f"Written to {target}.")
    if notice:
        print(f"{PROG}: notice: {notice}", file=sys.stderr)


def _address(text: str) -> str:
    from reviewclock.config import check_address

    try:
        return check_address(text)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def _tell(message: str) -> None:
    """A progress line for a person at a terminal; cron stays silent unless something fails."""
    if sys.stdout.isatty():
        print(message)


@app.command(
    epilog=_examples(
        "reviewclock report",
        "reviewclock report --format html > digest.html",
        "reviewclock report --due-within 5     # due soon = within 5 working days",
        "reviewclock report --email manager@northshire.gov.uk --skip-non-working-days",
    ),
)
def report(
    as_of: AsOfOption = None,
    report_format: Annotated[
        str,
        typer.Option(
            "--format",
            parser=_one_of("a report format", DIGEST_FORMATS),
            metavar="|".join(DIGEST_FORMATS),
            help="The output format (an email always carries text and HTML).",
        ),
    ] = "text",
    due_within: Annotated[
        int | None,
        typer.Option(
            parser=_whole_number,
            metavar="N",
            show_default=False,
            help="Count as due soon what is due within N working days "
            "[default: the due-soon window, 2 unless configured].",
        ),
    ] = None,
    email: Annotated[
        list[str] | None,
        typer.Option(
            "--email",
            parser=_address,
            metavar="ADDRESS",
            help="Email the digest to ADDRESS (repeat for more) instead of printing it. "
            "The server comes from the config file and REVIEWCLOCK_SMTP_* variables.",
        ),
    ] = None,
    always: Annotated[
        bool, typer.Option(help="Email even when nothing is overdue, delayed or due soon.")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Email even if the same digest was already sent today.")
    ] = False,
    skip_non_working_days: Annotated[
        bool,
        typer.Option(help="Do nothing at weekends and on bank holidays (for cron)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """The digest: what is overdue, what is delayed by proceedings, and what is due soon.

    Overdue and delayed-by-proceedings stages are kept apart: a delay caused by
    proceedings, notified to the Panel, is not a lapse. Each line gives the
    case, the stage, the due date and the working days late or left.

    With --email, one message is sent (plain text and HTML), and only when
    there is something to say, unless --always is given. The same digest is
    not sent twice on one day, unless --force is given. A failure to send
    exits with status 1 and a one-line reason, and the next run tries again.
    """
    from reviewclock.report import build_digest

    settings = _settings()
    today = as_of or london_today()
    if skip_non_working_days:
        calendar = settings.calendar()
        if not calendar.is_working_day(today):
            why = calendar.holiday_name(today) or today.strftime("%A")
            _tell(f"{today.isoformat()} is not a working day ({why}); no digest.")
            return
    mail = None
    if email:
        from reviewclock.config import mail_settings

        mail = mail_settings(settings)  # refuse bad mail settings before reading anything
    clock = settings.clock()
    with _gc_paused(), _open(db, settings) as register:
        digest = build_digest(
            clock.evaluate_all(
                _read_cases(register, audit=False, open_in=clock.stages, on=today), today
            ),
            today,
            due_within=due_within,
        )
        if mail is None or not email:
            from reviewclock.render.formats import RENDERERS

            sys.stdout.write(RENDERERS[report_format](digest))
            return
        from reviewclock import mail as mailer

        if digest.is_empty and not always:
            _tell("Nothing is overdue, delayed or due soon; no digest sent.")
            return
        recipients = list(dict.fromkeys(email))
        msg = mailer.compose(digest, mail.sender, recipients)
        fingerprint = mailer.fingerprint(msg, recipients)
        if not force:
            sent = register.digest_sent(today, fingerprint)
            if sent is not None:
                _tell(
                    f"This digest was already sent for {today.isoformat()} (at {sent[0]} UTC, "
                    f"to {sent[1]}); not sent again. Use --force to send it anyway."
                )
                return
        mailer.send(msg, recipients, mail)
        register.record_digest(today, fingerprint, recipients, str(msg["Subject"]), london_now())
    _tell(f'Sent "{msg["Subject"]}" to {", ".join(recipients)}.')


def main() -> None:
    """The ``reviewclock`` entry point."""
    app(prog_name=PROG)
