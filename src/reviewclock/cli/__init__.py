"""The command line. Each command is thin: parse, make one call, render.

Heavy modules (the storage stack above all) are imported inside the commands
that need them, so that ``--help``, shell completion and ``due`` stay fast.
Only :mod:`reviewclock.cli.runtime` knows what "today" is.

- :mod:`~reviewclock.cli.typerapp`: the Typer app
- :mod:`~reviewclock.cli.funnel`: the error funnel, one line on stderr for every problem
- :mod:`~reviewclock.cli.options`: shared options, arguments, parsers and completion
- :mod:`~reviewclock.cli.values`: what typed values mean, read without Typer
- :mod:`~reviewclock.cli.runtime`: today, the settings, the register, JSON output
- :mod:`~reviewclock.cli.cases`, :mod:`~reviewclock.cli.corrections`,
  :mod:`~reviewclock.cli.data`, :mod:`~reviewclock.cli.reports`: one module per family of
  commands
- :mod:`~reviewclock.cli.status`: ``status``, which also runs without Typer when its
  command line is plain
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewclock.cli.typerapp import app

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    """``app``, made when first asked for: importing this package loads no Typer, so that
    ``status`` can run without it."""
    if name == "app":
        return _whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _whole_app() -> Any:
    """The Typer app with every command on it."""
    # Importing the command modules registers their commands on the app.
    from reviewclock.cli import cases, corrections, data, reports  # noqa: F401
    from reviewclock.cli.typerapp import app

    globals()["app"] = app
    return app


def main() -> None:
    """The ``reviewclock`` entry point."""
    from reviewclock.cli.status import ran_without_typer

    args = sys.argv[1:]
    if ran_without_typer(args):
        return
    from reviewclock.cli.typerapp import PROG

    app = _whole_app()
    _build_only_the_command_run(app, args)
    app(prog_name=PROG)


def _build_only_the_command_run(app: Any, args: list[str]) -> None:
    """Typer makes a click command of every registered command before it reads the command
    line, about 7 ms for them all: a third of what ``status`` itself takes on a small
    register. When the first argument names a command, only that one is made. Anything
    else (no command, ``--help``, ``--version``, a mistyped name, shell completion) sees
    them all, so the listing and the "no such command" error are unchanged."""
    if not args or any(name.startswith("_REVIEWCLOCK_COMPLETE") for name in os.environ):
        return
    from typer.main import get_command_name

    named = [
        info
        for info in app.registered_commands
        if (info.name or get_command_name(getattr(info.callback, "__name__", ""))) == args[0]
    ]
    if named:
        app.registered_commands = named
