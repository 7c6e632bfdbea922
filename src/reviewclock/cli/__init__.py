"""The command line. Each command is thin: parse, make one call, render.

Heavy modules (the storage stack above all) are imported inside the commands
that need them, so that ``--help``, shell completion and ``due`` stay fast.
Only :mod:`reviewclock.cli.runtime` knows what "today" is.

- :mod:`~reviewclock.cli.typerapp`: the app and its error funnel
- :mod:`~reviewclock.cli.options`: shared options, arguments, parsers and completion
- :mod:`~reviewclock.cli.runtime`: today, the settings, the register, JSON output
- :mod:`~reviewclock.cli.cases`, :mod:`~reviewclock.cli.corrections`,
  :mod:`~reviewclock.cli.data`, :mod:`~reviewclock.cli.reports`: one module per family of
  commands
"""

from __future__ import annotations

import os
import sys

from reviewclock.cli import cases, corrections, data, reports
from reviewclock.cli.typerapp import PROG, app

__all__ = ["app", "main"]

# Importing the command modules registers their commands on the app.
del cases, corrections, data, reports


def main() -> None:
    """The ``reviewclock`` entry point."""
    _build_only_the_command_run(sys.argv[1:])
    app(prog_name=PROG)


def _build_only_the_command_run(args: list[str]) -> None:
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
