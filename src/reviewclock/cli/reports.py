"""Commands that report: due, stats and the digest (report)."""

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from reviewclock.cli.options import (
    AsOfOption,
    DbOption,
    JsonOption,
    examples,
    one_of,
    parse_address,
    parse_days_ahead,
    parse_supported_date,
    parse_whole_number,
    pick_format,
)
from reviewclock.cli.runtime import (
    gc_paused,
    london_now,
    london_today,
    open_register,
    read_cases,
    tell,
    user_settings,
    warn_unreadable,
)
from reviewclock.cli.typerapp import PROG, app
from reviewclock.errors import UsageProblem
from reviewclock.render import DIGEST_FORMATS


@app.command(
    epilog=examples(
        "reviewclock due 2023-05-05 --working-days 5   # 2023-05-15: the Coronation is skipped",
        "reviewclock due 2023-08-31 --months 6         # 2024-02-29",
        "reviewclock due 2024-04-15 --working-days -7  # latest day to send the final report",
    )
)
def due(
    start: Annotated[
        dt.date,
        typer.Argument(
            parser=parse_supported_date,
            metavar="DATE",
            help="The start date (day 0): YYYY-MM-DD, or DD/MM/YYYY (day first).",
        ),
    ],
    working_days: Annotated[
        int | None,
        typer.Option(
            "--working-days",
            "-w",
            parser=parse_whole_number,
            metavar="N",
            help="Count this many working days; a negative number counts back.",
        ),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            "-m",
            parser=parse_whole_number,
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
    from reviewclock.calendar import check_count, count_from

    if (working_days is None) == (months is None):
        raise UsageProblem(
            "give exactly one of --working-days N or --months N (see 'reviewclock due --help')"
        )
    check_count(start, working_days=working_days, months=months)
    if nation is not None and not nation.strip():  # a script's --nation "$NATION", unset
        raise UsageProblem("--nation is blank; give one of ENG, WLS, SCT or NIR, or leave it out")
    cal = user_settings().calendar(nation)
    found = count_from(cal, start, working_days=working_days, months=months)
    from reviewclock.render.due import due_json, due_text

    sys.stdout.write(due_json(found) if as_json else due_text(found, quiet=quiet))


STATS_FORMATS = ("text", "json", "csv", "markdown", "html")


@app.command(
    epilog=examples(
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
            "--from",
            parser=parse_supported_date,
            metavar="DATE",
            help="The first day of the period.",
        ),
    ] = None,
    end: Annotated[
        dt.date | None,
        typer.Option(
            "--to", parser=parse_supported_date, metavar="DATE", help="The last day of the period."
        ),
    ] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per stage.")] = False,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            parser=one_of("a stats format", STATS_FORMATS),
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
    period that has not ended yet is counted up to today (or --as-of); one that
    has not begun is refused.

    --format markdown or html writes the case-review section of the annual
    report: notifications, rapid reviews and the partners' decisions, the
    Panel's responses and views, and local reviews, with a figure per stage
    (one bar per case; figures need matplotlib). The counts are those of
    --json for the same period.
    """
    output_format = pick_format(output_format, as_json=as_json, as_csv=as_csv)
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
    from reviewclock.stats import resolve_period

    today = as_of or london_today()
    first, last = resolve_period(year, start, end, today)
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        raise UsageProblem(f"--chart {chart.name!r}: a chart is written as .svg or .png")
    settings = user_settings()
    clock = settings.clock()
    with gc_paused(), open_register(db, settings) as register:
        if section_format is not None:
            from reviewclock.annual import annual_section

            section = annual_section(read_cases(register, audit=False), clock, first, last)
        else:
            from reviewclock.stats import timeliness

            # A case closed before the period began counts nowhere in it: it is not read.
            active = register.active_case_ids(clock.stages, first, last)
            unread: dict[str, str] = {}
            cases = (c for _, c in register.cases_by_id(active, audit=False, bad=unread))
            figures = timeliness(cases, clock, first, last)
            warn_unreadable(unread)
    if section_format is not None:
        from reviewclock.render.annual_formats import write_section

        notice = write_section(section, section_format, output)
        if notice:
            print(f"{PROG}: notice: {notice}", file=sys.stderr)
        return
    from reviewclock.render import stats as render

    if output_format == "json":
        sys.stdout.write(render.stats_json(figures, first, last))
    elif output_format == "csv":
        sys.stdout.write(render.stats_csv(figures))
    else:
        render.print_stats(figures, clock.rules.national_stages, first, last)
    if chart is not None:
        from reviewclock.render.chart import write_chart

        write_chart(chart, figures, clock.rules.national_stages, (first, last))
        where = sys.stdout if output_format == "text" else sys.stderr
        print(f"Chart written to {chart}.", file=where)


@app.command(
    epilog=examples(
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
            parser=one_of("a report format", DIGEST_FORMATS),
            metavar="|".join(DIGEST_FORMATS),
            help="The output format (an email always carries text and HTML).",
        ),
    ] = "text",
    due_within: Annotated[
        int | None,
        typer.Option(
            parser=parse_days_ahead,
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
            parser=parse_address,
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
    from reviewclock.digest import build_digest

    if (always or force) and not email:
        given = "--always" if always else "--force"
        raise UsageProblem(f"{given} goes with --email ADDRESS: it says when to send the digest")
    settings = user_settings()
    today = as_of or london_today()
    if skip_non_working_days:
        calendar = settings.calendar()
        if not calendar.is_working_day(today):
            why = calendar.holiday_name(today) or today.strftime("%A")
            tell(f"{today.isoformat()} is not a working day ({why}); no digest.")
            return
    mail = None
    if email:
        from reviewclock.mailsettings import mail_settings

        mail = mail_settings(settings)  # refuse bad mail settings before reading anything
    clock = settings.clock()
    with gc_paused(), open_register(db, settings) as register:
        digest = build_digest(
            clock.evaluate_all(
                read_cases(register, audit=False, open_in=clock.stages, on=today), today
            ),
            today,
            due_within=due_within,
        )
        if mail is None or not email:
            from reviewclock.render.formats import RENDERERS

            sys.stdout.write(RENDERERS[report_format](digest))
            return
        from reviewclock.mail import send_digest

        told = send_digest(
            digest, email, mail, register, now=london_now, always=always, force=force
        )
    tell(told)
