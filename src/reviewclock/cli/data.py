"""Commands on the register as a whole: backup, doctor, import, export."""

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from reviewclock.cli.options import (
    AS_OF_WORDS,
    DbOption,
    as_of_option,
    examples,
    one_of,
)
from reviewclock.cli.runtime import (
    emit_json_list,
    gc_paused,
    london_now,
    london_today,
    open_register,
    register_location,
    user_settings,
    warn,
    warn_name,
    warn_unreadable,
)
from reviewclock.cli.typerapp import app
from reviewclock.errors import UsageProblem
from reviewclock.render import count, listing


@app.command(epilog=examples("reviewclock backup /srv/backups/reviewclock-2025-02-03.db"))
def backup(
    dest: Annotated[
        str,
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
    if not dest.strip():  # a path of "" would be the current directory
        raise UsageProblem(
            "DEST is blank; give the name of the new backup file, such as register-backup.db"
        )
    with open_register(db, user_settings()) as register:
        cases = register.backup(Path(dest))
        check = "integrity check: ok" if register.dialect == "sqlite" else "pg_dump: ok"
    noun = "case" if cases == 1 else "cases"
    print(f"Backed up {cases} {noun} to {dest} ({check}).")


@app.command(
    epilog=examples("reviewclock doctor", "reviewclock doctor --db /srv/bsu/reviewclock.db")
)
def doctor(db: DbOption = None) -> None:
    """Check the register: integrity, schema revision, privacy and contradictory events.

    On SQLite, privacy means file modes; on PostgreSQL, that no table is
    readable by every database role (PUBLIC), and the file checks are skipped.
    Exits 1 with a list of what is wrong; prints one line and exits 0 when all is well.
    """
    settings = user_settings()
    _left_where_no_register_is(register_location(db, settings)[0])
    with open_register(db, settings) as register:
        problems = register.problems(london_today())
        where = register.location
        on_server = register.dialect != "sqlite"
    problems += settings.exposed
    if on_server:
        print("note: a PostgreSQL register: the file checks (integrity, modes) are skipped")
    if problems:
        for problem in problems:
            print(f"problem: {problem}")
        print(f"{count(len(problems), 'problem')} in {where}", file=sys.stderr)
        raise typer.Exit(1)
    if on_server:
        print(f"{where}: schema current, not readable by PUBLIC, no contradictory events.")
    else:
        print(f"{where}: integrity ok, schema current, private, no contradictory events.")


def _left_where_no_register_is(text: str) -> None:
    """Where there is no register file yet, name what an import into a new register, killed
    outright, left in its place (exit 1). Otherwise opening the register says what is wrong."""
    from reviewclock.store.location import LocationError, locate
    from reviewclock.store.sqlite import left_behind

    try:
        path = locate(text).path
    except LocationError:
        return
    if path is None or path.exists():
        return
    left = left_behind(path)
    if left:
        for problem in left:
            print(f"problem: {problem}")
        print(
            f"{count(len(left), 'problem')} beside {path}, where there is no register yet",
            file=sys.stderr,
        )
        raise typer.Exit(1)


@app.command(
    "import",
    epilog=examples(
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
            parser=one_of("an import format", ("csv", "json")),
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
    proceedings-ended, delay-notified, extension-agreed), each holding a date or
    nothing. Events
    that can repeat hold dates separated by ';', proceedings dates their kind:
    '2024-09-02 criminal', and an agreed extension its stage and date:
    '2024-01-20 rapid-review to 2024-02-14'. A local milestone from the settings
    has a column of its own. Dates are YYYY-MM-DD or DD/MM/YYYY (day first).
    Then decision (lcspr, no-lcspr, not-decided), panel-view (agrees,
    disagrees) and national-review (yes, no), or nothing when not recorded.

    One bad row stops the import and nothing is written; the message gives the
    line, the ref and the reason. --dry-run lists every problem at once.
    """
    from reviewclock.importing import plan_import, read_import, refusal
    from reviewclock.store.location import missing_file
    from reviewclock.transfer import ImportProblems

    settings = user_settings()
    clock = settings.clock()
    with gc_paused():  # a case and its events for every row, none of them in a cycle
        incoming, problems, encoding = read_import(file, file_format, clock.rules)
    if encoding != "UTF-8":
        warn(f"{file} is not UTF-8 text; it was read as {encoding} (Excel's default on Windows)")
    location, is_default = register_location(db, settings)
    now = london_now()

    kept: list[str] = []

    def planner(existing: Any, store: Any = None, deleted: Any = (), unreadable: Any = None) -> Any:
        plan = plan_import(
            incoming,
            existing,
            update=update,
            now=now,
            clock=clock,
            store=store,
            deleted=deleted,
            unreadable=unreadable,
        )
        kept[:] = plan.kept
        return plan

    with contextlib.ExitStack() as stack:
        stack.enter_context(gc_paused())
        try:
            new_file = missing_file(location)
            if new_file and (dry_run or problems):
                # Checking against a register that does not exist yet: an empty one.
                counts = planner({}).counts
            elif new_file:
                # A new register is filled beside its place, and appears there only once
                # the import is in: a refused import leaves no register behind.
                from reviewclock.store.engine import lock_timeout
                from reviewclock.store.location import locate
                from reviewclock.store.sqlite import filled_aside

                path = locate(location).path
                assert path is not None
                aside = filled_aside(path, make_dirs=is_default, timeout=lock_timeout())
                with aside as temp, open_register(str(temp), settings, clock=clock) as register:
                    counts = register.import_cases(planner, dry_run=False, now=now)
            else:
                register = stack.enter_context(
                    open_register(
                        db, settings, create=not dry_run, may_be_empty=dry_run, clock=clock
                    )
                )
                counts = register.import_cases(planner, dry_run=dry_run or bool(problems), now=now)
        except ImportProblems as e:
            problems += e.problems
        if problems:
            problems.sort(key=lambda p: p.line)
            if dry_run:
                for problem in problems:
                    print(problem)
            raise refusal(file, problems, listed=dry_run)
    from reviewclock.textchecks import looks_like_a_name

    for item in incoming:
        if looks_like_a_name(item.case.ref):
            warn_name(item.case.ref, f"{item.unit} {item.line}: ")
    for line in kept:
        warn(line)
    verb = "Would import" if dry_run else "Imported"
    tail = "; nothing was written (--dry-run)." if dry_run else "."
    added = [count(counts.cases, "new case"), count(counts.events, "event")]
    if counts.deletions:
        added.append(count(counts.deletions, "deletion"))
    print(f"{verb} {listing(added)} from {file}{tail}")


EXPORT_FORMATS = ("csv", "json", "ics")


@app.command(
    epilog=examples(
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
            parser=one_of("an export format", EXPORT_FORMATS),
            metavar="|".join(EXPORT_FORMATS),
            help="The format.",
        ),
    ] = "csv",
    as_of: Annotated[
        dt.date | None,
        as_of_option(
            f"Export the register {AS_OF_WORDS} [default: the register as it is now; "
            "with --format json a whole copy, history and deleted cases too]."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write every case to stdout: CSV in the columns import reads, JSON, or a calendar.

    ics is a calendar feed for Outlook and others: one all-day event for each
    open stage on its due date, with an alarm two working days before. Each
    event keeps its identity across exports, so a new import updates it.

    The JSON is a list of 'show --json' objects. With --as-of, every format
    holds the register as it stood on that date: the cases known by then,
    the events dated by then, and every plan. A case with corrections, or
    with plans or extensions recorded at the same moment, also carries its
    log: every record behind the events shown, in the order written, with
    its corrections and their reasons. Without --as-of, the JSON is a whole copy:
    the whole log, and each deleted case after the cases as
    {"deleted": REF, ...}; export, then import into an empty register (SQLite
    or PostgreSQL), gives the same export again, history included.
    """
    settings = user_settings()
    now = london_now()
    today = as_of or now.date()
    clock = settings.clock()
    with gc_paused(), open_register(db, settings, clock=clock) as register:
        bad: dict[str, str] = {}
        if file_format == "csv":
            from reviewclock.clock import as_it_stood
            from reviewclock.transfer_csv import csv_lines

            write = sys.stdout.write
            names = register.event_names()
            read = (c for _, c in register.each_case(audit=False, bad=bad))
            stood = (as_it_stood(case, today, clock.rules) for case in read)
            for line in csv_lines((case for case in stood if case is not None), clock.rules, names):
                write(line)
            warn_unreadable(bad)
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
            warn_unreadable(bad)
            return
        from reviewclock.render.data import CaseJson, json_text
        from reviewclock.transfer_json import deletion_json, log_as_it_stood, log_json

        # A whole copy carries the history too. A view as of a date carries the records
        # behind the events it shows, but no deleted case.
        unread_logs: dict[str, str] = {}
        logs, deletions = register.logs(unread_logs)
        if as_of is not None:
            deletions = []
        encode = CaseJson().case

        def items() -> Iterator[str]:
            for case, case_clock in evaluated:
                log = logs.get(case.ref)
                if log is not None and as_of is not None:
                    log = log_as_it_stood(log, as_of, clock.rules) or None
                yield encode(case, case_clock, None if log is None else {"log": log_json(log)})
            yield from (json_text(deletion_json(d)) for d in deletions)

        emit_json_list(items(), encoded=True)
        warn_unreadable(bad)
        from reviewclock.store import history_left_out_message

        for ref, stored in unread_logs.items():
            if ref not in bad:  # a case left out whole is named once, above
                warn(history_left_out_message(ref, stored))
