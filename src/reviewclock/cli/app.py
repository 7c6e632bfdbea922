"""The app and its error funnel: every problem becomes one line on stderr.

Exit 1 for refused input, 2 for a usage error, 130 for Ctrl-C; no traceback
unless REVIEWCLOCK_DEBUG is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from reviewclock.errors import ReviewclockError

PROG = "reviewclock"
DEBUG_ENV = "REVIEWCLOCK_DEBUG"


def _fail(message: str, code: int) -> NoReturn:
    """Print one line on stderr and exit: the only way a command reports a problem."""
    first = " ".join(message.split())
    print(f"{PROG}: error: {first}", file=sys.stderr)
    raise SystemExit(code)


class _Group(TyperGroup):
    """Turns every problem into one line on stderr, with exit 1 (refused) or 2 (usage)."""

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands in the order they were added, with ``due`` first: it needs no register."""
        return sorted(super().list_commands(ctx), key=lambda name: name != "due")

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


class _Command(TyperCommand):
    """Usage lines as click writes them, ``show [OPTIONS] REF``, not Typer's ``{REF}``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [
            p[1:-1] if p.startswith("{") and p.endswith("}") else p
            for p in super().collect_usage_pieces(ctx)
        ]


class _Typer(typer.Typer):
    """Every command gets :class:`_Command` unless it names a class of its own."""

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls or _Command, **kwargs)


app = _Typer(
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
