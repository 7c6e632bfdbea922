"""The command line. Each command is thin: parse, make one call, render.

Heavy modules (the storage stack above all) are imported inside the commands
that need them, so that ``--help``, shell completion and ``due`` stay fast.
This is the only module that knows what "today" is (:func:`london_today`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from reviewclock.dates import parse_date
from reviewclock.errors import ReviewclockError, UsageProblem

PROG = "reviewclock"
DEBUG_ENV = "REVIEWCLOCK_DEBUG"


def _fail(message: str, code: int) -> NoReturn:
    """Print one line on stderr and exit: the only way a command reports a problem."""
    first = " ".join(message.split())
    print(f"{PROG}: error: {first}", file=sys.stderr)
    raise SystemExit(code)


class _Group(TyperGroup):
    """Turns every problem into one line on stderr, with exit 1 (refused) or 2 (usage)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        try:
            rv = super().main(args, prog_name or PROG, complete_var, standalone_mode=False, **extra)
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
            print(f"{PROG}: interrupted", file=sys.stderr)
            raise SystemExit(130) from None
        except Exception as e:
            if os.environ.get(DEBUG_ENV) or "PYTEST_CURRENT_TEST" in os.environ:
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


def london_today() -> dt.date:
    """Today's calendar date in Europe/London: the one place that reads the clock."""
    import pendulum

    now = pendulum.now("Europe/London")
    return dt.date(now.year, now.month, now.day)


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def _whole_number(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a whole number, for example 5 or -7") from None


def _settings() -> Any:
    from reviewclock.config import load_settings

    return load_settings()


def _emit_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2) + "\n")


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
        typer.Argument(parser=_date, metavar="DATE", help="The start date (day 0), as YYYY-MM-DD."),
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


def main() -> None:
    """The ``reviewclock`` entry point."""
    app(prog_name=PROG)
