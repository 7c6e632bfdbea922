"""The Typer app. Every problem it meets goes through :mod:`reviewclock.cli.funnel`."""

import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from reviewclock.cli.funnel import PROG, fail, one_line_errors, refuse_non_utf8

__all__ = ["PROG", "app"]


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
        refuse_non_utf8(arguments)
        with one_line_errors():
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
                fail(e.format_message() + hint, e.exit_code)
            except typer.Abort:
                fail("aborted; nothing was changed", 1)
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
