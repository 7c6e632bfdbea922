"""``status``: what is due and what is late. Its work, and a way in without Typer.

``status`` is the command an officer types many times a day and cron runs every
morning, and on a register of ordinary size most of its time is start-up. Typer
and the click library inside it are about a third of that. So when the command
line is ``status`` with the options as people write them, :func:`ran_without_typer`
reads them here and runs :func:`show` directly; the ``status`` command of the Typer
app (:mod:`reviewclock.cli.cases`) runs the same :func:`show`.

Anything else goes to Typer: ``--help``, an option not listed here or given twice, a
value that is missing or does not read, shell completion. Typer then gives its
usual answer, errors included, so this way in never has messages of its own. Values
are read by the readers Typer is given (:mod:`reviewclock.cli.values`), and a test
holds this table to the command's own options.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from typing import Any

from reviewclock.cli import values
from reviewclock.cli.funnel import one_line_errors, refuse_non_utf8
from reviewclock.cli.runtime import (
    DB_ENV,
    gc_paused,
    london_today,
    open_register,
    user_settings,
    warn_unreadable,
)

FLAGS = {"--all": "include_all", "--overdue": "overdue", "--json": "as_json"}
"""Each flag of ``status`` and the parameter it sets."""

VALUED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "--as-of": ("as_of", values.supported_date),
    "--due-within": ("due_within", values.days_ahead),
    "--db": ("db", str),
}
"""Each option of ``status`` that takes a value: its parameter and its reader."""

DEFAULTS: dict[str, Any] = {
    "as_of": None,
    "include_all": False,
    "overdue": False,
    "due_within": None,
    "as_json": False,
    "db": None,
}


def show(
    *,
    as_of: dt.date | None,
    include_all: bool,
    overdue: bool,
    due_within: int | None,
    as_json: bool,
    db: str | None,
) -> None:
    """One row per open case (every case, with ``include_all``), the most urgent first."""
    from reviewclock.digest import select_cases
    from reviewclock.render.phrases import summary_line

    settings = user_settings()
    today = as_of or london_today()
    clock = settings.clock()
    filters: dict[str, Any] = {
        "include_closed": include_all,
        "overdue": overdue,
        "due_within": due_within,
    }
    if as_json:
        from reviewclock.cli.statusjson import write_status_json

        with gc_paused():
            write_status_json(db, settings, clock, today, filters)
        return
    with gc_paused(), open_register(db, settings) as register:
        open_in = None if include_all else clock.stages
        bad: dict[str, str] = {}
        cases = (c for _, c in register.each_case(audit=False, open_in=open_in, on=today, bad=bad))
        shown = select_cases(clock.evaluate_all(cases, today), **filters)
        warn_unreadable(bad)
    from reviewclock.render.terminal import print_status

    print_status(shown, summary_line(shown) + f" (as of {today.isoformat()})")


def read_arguments(args: Sequence[str]) -> dict[str, Any] | None:
    """The parameters of ``status ARGS``, as the Typer app would read them; None for a
    command line that is not simply options of ``status`` with good values."""
    given: dict[str, Any] = {}
    at = 0
    while at < len(args):
        name, equals, attached = args[at].partition("=")
        if name in FLAGS and not equals:
            key, value = FLAGS[name], True
        elif name in VALUED:
            key, read = VALUED[name]
            if not equals:
                at += 1
                if at == len(args):
                    return None
                attached = args[at]
            if not attached or attached.startswith("-"):
                return None
            try:
                value = read(attached)
            except ValueError:
                return None
        else:
            return None
        if key in given:
            return None
        given[key] = value
        at += 1
    if "db" not in given and os.environ.get(DB_ENV):
        given["db"] = os.environ[DB_ENV]
    return {**DEFAULTS, **given}


def ran_without_typer(args: Sequence[str]) -> bool:
    """Run ``status`` if that is what ``args`` ask for and they read without Typer;
    False, having done nothing, for anything else."""
    if not args or args[0] != "status":
        return False
    if any(name.startswith("_REVIEWCLOCK_COMPLETE") for name in os.environ):
        return False
    refuse_non_utf8(args)
    chosen = read_arguments(args[1:])
    if chosen is None:
        return False
    with one_line_errors():
        show(**chosen)
    return True
