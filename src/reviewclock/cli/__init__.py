"""The command line. Each command is thin: parse, make one call, render.

Heavy modules (the storage stack above all) are imported inside the commands
that need them, so that ``--help``, shell completion and ``due`` stay fast.
Only :mod:`reviewclock.cli.runtime` knows what "today" is.

- :mod:`~reviewclock.cli.app`: the app and its error funnel
- :mod:`~reviewclock.cli.options`: shared options, arguments, parsers and completion
- :mod:`~reviewclock.cli.runtime`: today, the settings, the register, JSON output
- :mod:`~reviewclock.cli.cases`, :mod:`~reviewclock.cli.corrections`,
  :mod:`~reviewclock.cli.data`, :mod:`~reviewclock.cli.reports`: one module per family of
  commands
"""

from __future__ import annotations

from reviewclock.cli import cases, corrections, data, reports
from reviewclock.cli.app import PROG, app

__all__ = ["app", "main"]

# Importing the command modules registers their commands on the app.
del cases, corrections, data, reports


def main() -> None:
    """The ``reviewclock`` entry point."""
    app(prog_name=PROG)
