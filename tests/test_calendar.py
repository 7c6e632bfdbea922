"""Working-day arithmetic, checked against explicit dates and an independent oracle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewclock.calendar import UnknownNationError, WorkingCalendar, add_months, weekend_note

D = dt.date.fromisoformat
ENG = WorkingCalendar("ENG")


# The worked examples in the domain reference, verbatim.
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2023-12-22", 5, "2024-01-03"),  # 25, 26 Dec and 1 Jan skipped
        ("2023-05-05", 5, "2023-05-15"),  # the Coronation, 8 May 2023
        ("2022-12-24", 5, "2023-01-04"),  # a Saturday start; 26, 27 Dec and 2 Jan skipped
        ("2024-03-28", 5, "2024-04-08"),  # Good Friday and Easter Monday
        ("2024-01-02", 15, "2024-01-23"),  # a rapid review
    ],
)
def test_worked_examples(start: str, n: int, expected: str) -> None:
    assert ENG.add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Easter across several years: Good Friday and Easter Monday are skipped.
        ("2012-04-05", 1, "2012-04-10"),
        ("2016-03-24", 2, "2016-03-30"),
        ("2019-04-18", 1, "2019-04-23"),
        ("2020-04-09", 1, "2020-04-14"),
        ("2025-04-17", 1, "2025-04-22"),
        ("2026-04-02", 3, "2026-04-09"),
        # Christmas and New Year, with substitute days when they fall at a weekend.
        ("2015-12-24", 1, "2015-12-29"),  # Boxing Day on a Saturday -> Mon 28 substitute
        ("2016-12-23", 1, "2016-12-28"),  # Christmas on a Sunday -> Tue 27 substitute
        ("2020-12-24", 1, "2020-12-29"),  # Boxing Day on a Saturday -> Mon 28 substitute
        ("2021-12-24", 1, "2021-12-29"),  # both at the weekend -> Mon 27 and Tue 28
        ("2021-12-31", 1, "2022-01-04"),  # New Year on a Saturday -> Mon 3 Jan
        ("2022-12-23", 1, "2022-12-28"),  # Christmas on a Sunday -> Tue 27
        ("2016-12-30", 1, "2017-01-03"),  # New Year on a Sunday -> Mon 2 Jan
        ("2027-12-24", 1, "2027-12-29"),  # 2027: Christmas on a Saturday
        # The one-off holidays.
        ("2012-06-01", 1, "2012-06-06"),  # Spring bank holiday moved + Diamond Jubilee
        ("2020-05-07", 1, "2020-05-11"),  # VE Day: early May bank holiday moved to Fri 8 May
        ("2022-06-01", 1, "2022-06-06"),  # Spring bank holiday moved + Platinum Jubilee
        ("2022-09-16", 1, "2022-09-20"),  # State funeral of Queen Elizabeth II
        ("2023-05-05", 1, "2023-05-09"),  # Coronation of King Charles III
        # Starts on a weekend or a holiday: the next working day is day 1.
        ("2024-01-06", 1, "2024-01-08"),
        ("2024-01-07", 1, "2024-01-08"),
        ("2024-12-25", 1, "2024-12-27"),
        ("2022-09-19", 1, "2022-09-20"),
        ("2024-03-29", 1, "2024-04-02"),  # Good Friday start
    ],
)
def test_explicit_dates_forwards(start: str, n: int, expected: str) -> None:
    assert ENG.add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2024-04-15", -7, "2024-04-04"),
        ("2024-04-08", -1, "2024-04-05"),
        ("2024-04-02", -1, "2024-03-28"),  # back over Easter Monday and Good Friday
        ("2024-01-02", -2, "2023-12-28"),  # back over 1 Jan, 26 and 25 Dec
        ("2023-05-09", -1, "2023-05-05"),  # back over the Coronation
        ("2022-06-06", -1, "2022-06-01"),  # back over the Platinum Jubilee weekend
        ("2022-09-20", -1, "2022-09-16"),
        ("2012-06-06", -1, "2012-06-01"),
        ("2020-05-11", -1, "2020-05-07"),
        ("2024-01-06", -1, "2024-01-05"),  # from a Saturday
        ("2024-01-08", -1, "2024-01-05"),  # from a Monday, the Monday not counted
        ("2024-12-25", -1, "2024-12-24"),  # from a holiday
    ],
)
def test_explicit_dates_backwards(start: str, n: int, expected: str) -> None:
    assert ENG.add_working_days(D(start), n) == D(expected)


def test_zero_is_the_start_itself() -> None:
    assert ENG.add_working_days(D("2024-12-25"), 0) == D("2024-12-25")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2023-05-08", False),
        ("2022-09-19", False),
        ("2012-06-05", False),
        ("2020-05-08", False),
        ("2020-05-04", True),  # the usual early May Monday was moved in 2020
        ("2024-03-29", False),
        ("2024-04-01", False),  # Easter Monday: only with the ENG subdivision
        ("2024-08-26", False),  # August bank holiday: only with the ENG subdivision
        ("2024-08-30", True),
        ("2024-08-31", False),  # Saturday
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert ENG.is_working_day(D(day)) is working


def test_nations_differ() -> None:
    sct, nir, wls = WorkingCalendar("SCT"), WorkingCalendar("nir"), WorkingCalendar("WLS")
    assert not sct.is_working_day(D("2024-01-02"))  # 2 January, Scotland only
    assert ENG.is_working_day(D("2024-01-02"))
    assert not sct.is_working_day(D("2024-08-05"))  # Scotland's summer holiday is early August
    assert sct.is_working_day(D("2024-08-26"))
    assert not nir.is_working_day(D("2024-03-18"))  # St Patrick's Day substitute
    assert not nir.is_working_day(D("2024-07-12"))  # Battle of the Boyne
    assert not wls.is_working_day(D("2024-04-01")) and not wls.is_working_day(D("2024-08-26"))
    assert nir.nation == "NIR"


def test_unknown_nation() -> None:
    with pytest.raises(UnknownNationError, match="'GB'"):
        WorkingCalendar("GB")


def test_extra_closures_are_skipped() -> None:
    cal = WorkingCalendar("ENG", extra_closures=[D("2024-12-24"), D("2024-12-27")])
    assert not cal.is_working_day(D("2024-12-24"))
    assert cal.add_working_days(D("2024-12-23"), 1) == D("2024-12-30")
    assert cal.holiday_name(D("2024-12-27")) == "local closure"
    assert cal.holiday_name(D("2024-12-25")) == "Christmas Day"


def test_dates_outside_the_first_index() -> None:
    cal = WorkingCalendar("ENG")
    assert cal.add_working_days(D("1995-05-05"), 1) == D("1995-05-09")  # VE Day 50, 8 May 1995
    assert cal.add_working_days(D("2080-12-24"), 1) == D("2080-12-27")
    assert cal.working_days_between(D("1999-12-31"), D("2080-01-02")) > 20_000
    # Far past the end of the index in one step.
    assert cal.add_working_days(D("2044-12-30"), 5000) > D("2063-01-01")
    assert cal.add_working_days(D("2001-01-02"), -2000) < D("1993-06-01")


def test_between_counts() -> None:
    assert ENG.working_days_between(D("2024-01-02"), D("2024-01-23")) == 15
    assert ENG.working_days_between(D("2024-01-23"), D("2024-01-23")) == 0
    assert ENG.working_days_between(D("2024-01-24"), D("2024-01-23")) == -1
    assert ENG.working_days_between(D("2024-01-29"), D("2024-01-26")) == -1  # Mon vs Fri
    assert ENG.working_days_between(D("2024-01-27"), D("2024-01-26")) == -1  # Sat vs Fri
    assert ENG.working_days_between(D("2024-01-26"), D("2024-01-27")) == 0  # to a Saturday


def test_non_working_days_lists_names() -> None:
    days = ENG.non_working_days(D("2023-12-22"), D("2024-01-03"))
    assert days == [
        (D("2023-12-25"), "Christmas Day"),
        (D("2023-12-26"), "Boxing Day"),
        (D("2024-01-01"), "New Year's Day"),
    ]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2023-08-31", 6, "2024-02-29"),
        ("2022-08-31", 6, "2023-02-28"),
        ("2023-10-31", 6, "2024-04-30"),
        ("2024-02-29", 6, "2024-08-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-04-30", 6, "2024-10-30"),
        ("2023-04-30", 10, "2024-02-29"),
        ("2024-01-15", 6, "2024-07-15"),
        ("2024-08-31", -6, "2024-02-29"),
    ],
)
def test_add_months(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)),
    months=st.integers(min_value=-36, max_value=36),
)
def test_add_months_agrees_with_pendulum(start: dt.date, months: int) -> None:
    import pendulum

    moved = pendulum.Date(start.year, start.month, start.day).add(months=months)
    assert add_months(start, months) == dt.date(moved.year, moved.month, moved.day)


def test_add_months_agrees_with_pendulum_at_every_month_end() -> None:
    """Each last day (and the days before it) of every month from 2000 to 2100, moved by
    the months a rulebook uses, forwards and back."""
    import pendulum

    for ordinal in range(dt.date(2000, 1, 1).toordinal(), dt.date(2100, 12, 31).toordinal()):
        start = dt.date.fromordinal(ordinal)
        if start.day < 28:
            continue
        for months in (1, 3, 6, 12, -1, -6):
            moved = pendulum.Date(start.year, start.month, start.day).add(months=months)
            assert add_months(start, months) == dt.date(moved.year, moved.month, moved.day)


def test_weekend_note() -> None:
    assert add_months(D("2026-08-28"), 6) == D("2027-02-28")
    assert weekend_note(D("2027-02-28")) == "falls on a Sunday"
    assert weekend_note(D("2027-02-27")) == "falls on a Saturday"
    assert weekend_note(D("2027-02-26")) is None


# --- the independent oracle -------------------------------------------------------------

_ORACLE_HOLIDAYS = np.array(
    sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(2010, 2034))),
    dtype="datetime64[D]",
)


def oracle(start: dt.date, n: int) -> dt.date:
    """numpy's business-day offset over the bank-holiday list: no reviewclock code involved."""
    roll = "backward" if n > 0 else "forward"
    out = np.busday_offset(np.datetime64(start, "D"), n, roll=roll, holidays=_ORACLE_HOLIDAYS)
    return dt.date.fromisoformat(str(out))


days_2012_2030 = st.dates(min_value=dt.date(2012, 1, 1), max_value=dt.date(2030, 12, 31))
offsets = st.integers(min_value=-80, max_value=80).filter(lambda n: n != 0)


@settings(max_examples=3000, deadline=None)
@given(start=days_2012_2030, n=offsets)
def test_add_working_days_matches_numpy(start: dt.date, n: int) -> None:
    assert ENG.add_working_days(start, n) == oracle(start, n)


@settings(max_examples=1000, deadline=None)
@given(start=days_2012_2030, n=st.integers(min_value=-80, max_value=80))
def test_between_inverts_add(start: dt.date, n: int) -> None:
    assert ENG.working_days_between(start, ENG.add_working_days(start, n)) == n


@settings(max_examples=1000, deadline=None)
@given(a=days_2012_2030, b=days_2012_2030)
def test_between_matches_numpy_busday_count(a: dt.date, b: dt.date) -> None:
    # numpy counts [a, b) ; the calendar counts (a, b] for b >= a.
    lo, hi = sorted((a, b))
    count = (
        int(
            np.busday_count(
                np.datetime64(lo + dt.timedelta(days=1), "D"),
                np.datetime64(hi + dt.timedelta(days=1), "D"),
                holidays=_ORACLE_HOLIDAYS,
            )
        )
        if b >= a
        else -int(
            np.busday_count(np.datetime64(b, "D"), np.datetime64(a, "D"), holidays=_ORACLE_HOLIDAYS)
        )
    )
    assert ENG.working_days_between(a, b) == count


@settings(max_examples=500, deadline=None)
@given(
    start=days_2012_2030,
    n=offsets,
    closures=st.sets(days_2012_2030, max_size=15),
)
def test_extra_closures_match_numpy(start: dt.date, n: int, closures: set[dt.date]) -> None:
    cal = WorkingCalendar("ENG", closures)
    extra = np.array(sorted(closures), dtype="datetime64[D]")
    hols = np.union1d(_ORACLE_HOLIDAYS, extra)
    roll = "backward" if n > 0 else "forward"
    want = np.busday_offset(np.datetime64(start, "D"), n, roll=roll, holidays=hols)
    assert cal.add_working_days(start, n) == dt.date.fromisoformat(str(want))


# --- the bank-holiday cache -------------------------------------------------------------


def test_cache_gives_the_same_table_and_is_repaired(_isolated_home: object) -> None:
    from reviewclock.calendar import FIRST_YEAR, LAST_YEAR, bank_holidays
    from reviewclock.holidaycache import cache_path, cached_bank_holidays

    direct = bank_holidays("ENG", FIRST_YEAR, LAST_YEAR)
    path = cache_path("ENG")
    assert not path.exists()
    assert cached_bank_holidays("ENG") == direct
    assert path.exists()
    assert cached_bank_holidays("eng") == direct  # read back from the file
    path.write_text("{not json")
    assert cached_bank_holidays("ENG") == direct
    path.write_text('{"2023-05-08": "Coronation", "1066-10-14": "Hastings"}')
    assert cached_bank_holidays("ENG") == direct  # a table out of range is not trusted
    assert cached_bank_holidays("SCT") != direct
    cal = WorkingCalendar("ENG", bank_holidays=cached_bank_holidays("ENG"))
    assert cal.add_working_days(D("2023-05-05"), 5) == D("2023-05-15")


def test_cache_is_named_by_the_installed_holidays_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache file is keyed on the version the package's metadata gives, read from the
    name of its ``.dist-info`` directory; anything else falls back to the metadata."""
    from importlib.metadata import PackageNotFoundError, version

    from reviewclock.holidaycache import cache_path, installed_version

    for name in ("holidays", "typer", "pendulum"):
        assert installed_version(name) == version(name)
    assert f"-{version('holidays')}-ENG-" in cache_path("ENG").name
    (tmp_path / "fakepkg-1.2.3.dist-info").mkdir()
    (tmp_path / "fakepkg-extra-9.9.dist-info").mkdir()  # not a wheel name: no version in it
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_version("fakepkg") == "1.2.3"
    with pytest.raises(PackageNotFoundError):
        installed_version("notinstalledpkg")


def test_unwritable_cache_still_works(
    _isolated_home: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewclock.holidaycache import cached_bank_holidays

    blocker = tmp = __import__("pathlib").Path(str(_isolated_home)) / "cache-file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp))
    assert D("2022-09-19") in cached_bank_holidays("ENG")


def test_the_cached_calendar_counts_as_numpy_does(_isolated_home: object) -> None:
    import json
    import random

    from reviewclock.holidaycache import cache_path, cached_bank_holidays

    table = cached_bank_holidays("ENG")
    assert cached_bank_holidays("ENG") == table  # read back from the file
    cached = WorkingCalendar("ENG", bank_holidays=table)
    # The oracle: numpy's busday_offset over the same holidays.
    hols = np.array(sorted(table), dtype="datetime64[D]")
    rng = random.Random(15)
    for _ in range(1000):
        start = dt.date(2000, 3, 1) + dt.timedelta(days=rng.randrange(45 * 365))
        n = rng.choice([-25, -7, -1, 1, 5, 15, 25])
        roll = "backward" if n > 0 else "forward"
        want = np.busday_offset(np.datetime64(start, "D"), n, roll=roll, holidays=hols)
        assert cached.add_working_days(start, n) == dt.date.fromisoformat(str(want))
    # The file keeps the holidays alone: the working days are worked out from them, so
    # the Coronation (Mon 8 May 2023) in the file is skipped: Fri 5 May + 1 is Tue 9 May.
    raw = json.loads(cache_path("ENG").read_text())
    assert set(raw) == {"holidays"} and raw["holidays"]["2023-05-08"]
    cal = WorkingCalendar("ENG", bank_holidays=table)
    assert cal.add_working_days(D("2023-05-05"), 1) == D("2023-05-09")
    assert not cal.is_working_day(D("2023-05-08"))
