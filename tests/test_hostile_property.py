"""Random events at random dates in the supported range: the readers never fail over them."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run
from reviewclock.dates import FIRST_DAY, LAST_DAY
from reviewclock.errors import ReviewclockError
from reviewclock.rules import PROCEEDING_KINDS, rulebook
from reviewclock.store import Register

NOW = dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC)

RULES = rulebook()
days = st.dates(FIRST_DAY, LAST_DAY)
events = st.tuples(
    st.sampled_from(RULES.recordable_events),
    days,
    st.sampled_from((None, *PROCEEDING_KINDS, *RULES.stage_names)),
    st.one_of(st.none(), days),
)
cases = st.lists(st.tuples(days, st.lists(events, max_size=10)), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty register, made once and copied for each example."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    Register(str(path), create=True).close()
    return path


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=cases, as_of=days, period=st.tuples(days, days))
def test_readers_never_fail_on_random_events(
    template: Path,
    tmp_path: Path,
    cases: list[tuple[dt.date, list[tuple[str, dt.date, str | None, dt.date | None]]]],
    as_of: dt.date,
    period: tuple[dt.date, dt.date],
) -> None:
    db = tmp_path / "random.db"
    db.unlink(missing_ok=True)
    shutil.copyfile(template, db)
    db.chmod(0o600)
    with Register(str(db)) as register:
        for number, (aware, recorded) in enumerate(cases):
            ref = f"P-{number}"
            register.add_case(ref, aware=aware, today=LAST_DAY, now=NOW)
            for name, on, kind, until in recorded:
                # The register may refuse an event; what it accepts must be readable.
                with contextlib.suppress(ReviewclockError):
                    register.record(ref, name, on, kind=kind, until=until, today=LAST_DAY, now=NOW)
    first, last = sorted(period)
    first = min(first, as_of)  # a period that had not begun by --as-of is refused
    where = ("--db", str(db))
    for args in (
        ("status", "--all", "--as-of", as_of.isoformat()),
        ("status", "--json", "--as-of", as_of.isoformat()),
        ("report", "--as-of", as_of.isoformat()),
        ("report", "--format", "html", "--as-of", as_of.isoformat()),
        ("export",),
        ("export", "--format", "json", "--as-of", as_of.isoformat()),
        ("export", "--format", "ics", "--as-of", as_of.isoformat()),
        (
            "stats",
            "--from",
            first.isoformat(),
            "--to",
            last.isoformat(),
            "--as-of",
            as_of.isoformat(),
        ),
    ):
        r = run(*args, *where)
        assert r.exit_code == 0, (args, r.stderr)
        assert r.stderr == "", (args, r.stderr)
