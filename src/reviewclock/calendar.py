"""Working days and calendar months, as the statutory clock counts them.

This module is pure: it does no I/O and never reads the clock. Every date it
takes or returns is a plain :class:`datetime.date` (a calendar date in
Europe/London; time of day plays no part).

Counting conventions
--------------------

A *working day* is a Monday to Friday that is neither a bank holiday in the
chosen nation (from the ``holidays`` package, country GB, with the subdivision
always given) nor one of the unit's own *extra closures* (local closure days,
and one-off bank holidays announced after the pinned ``holidays`` release).

"Within N working days of X" (``add_working_days(X, N)`` with N > 0):
    X is day 0 and is not counted. The deadline is the Nth working day after
    X, and an action on that day is on time. If X is a weekend or a holiday,
    the next working day is day 1.

"At least N working days before Y" (``add_working_days(Y, -N)``):
    Y is not counted. The result is the Nth working day before Y, which is
    the latest date that still leaves N clear working days.

"Within N months of X" (:func:`add_months`):
    the same day number N calendar months later; when that month is shorter,
    its last day (31 August + 6 months = 28 or 29 February). The date is not
    moved off a weekend or holiday.

References:
    Working Together to Safeguard Children 2023 (HM Government).
    gov.uk, "Report a serious child safeguarding incident".
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from reviewclock.errors import UsageProblem

NATIONS: dict[str, str] = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}
"""The nations whose bank holidays the calendar knows, by ``holidays`` subdivision code."""

FIRST_YEAR = 2000
LAST_YEAR = 2045
"""The years the calendar's index covers at first; it widens itself for dates outside them."""


class UnknownNationError(UsageProblem):
    """The nation is not one of :data:`NATIONS`; ``option`` names the option it came from."""

    def __init__(self, nation: str, option: str | None = None) -> None:
        self.nation = nation
        super().__init__(
            ("" if option is None else f"{option}: ")
            + f"unknown nation {nation!r}; use one of {', '.join(NATIONS)} "
            "(England, Wales, Scotland, Northern Ireland)"
        )


def bank_holidays(nation: str, first_year: int, last_year: int) -> dict[dt.date, str]:
    """The bank holidays of ``nation`` (ENG, WLS, SCT, NIR) from the ``holidays`` package.

    The subdivision is always given: without it, the package leaves out Easter
    Monday and the August bank holiday in England.
    """
    import holidays  # loads every country's rules: done once, and cached by the caller

    known = holidays.country_holidays(
        "GB", subdiv=nation.upper(), years=range(first_year, last_year + 1)
    )
    return {d: str(name) for d, name in known.items()}


def _working(holidays: Iterable[dt.date], base: int, span: int) -> bytearray:
    """One byte for each of the ``span`` days from the ordinal ``base``: 1 for a working
    day (Monday to Friday, not in ``holidays``), else 0. Made week by week rather than
    day by day: every command builds it, for close on fifty years."""
    # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is the weekday.
    weekday = (base - 1) % 7
    week = b"\1\1\1\1\1\0\0"
    days = bytearray((week[weekday:] + week * (span // 7 + 1))[:span])
    for day in holidays:
        i = day.toordinal() - base
        if 0 <= i < span:
            days[i] = 0
    return days


class WorkingCalendar:
    """Working-day arithmetic for one nation of the United Kingdom.

    ``nation`` is ``ENG``, ``WLS``, ``SCT`` or ``NIR`` (case does not matter).
    ``extra_closures`` are further non-working dates: local closure days and
    one-off bank holidays that the pinned ``holidays`` release does not know.

    ``bank_holidays`` may give the nation's holidays for :data:`FIRST_YEAR` to
    :data:`LAST_YEAR` ready-made (from a cache of :func:`bank_holidays`), which
    spares loading the ``holidays`` package's rules for every country.

    Look-ups use a precomputed index over whole years (2000 to 2045 at first,
    widened on demand), so each call is a few list look-ups rather than a walk
    day by day: a status of many thousands of cases stays fast.
    """

    __slots__ = (
        "_base",
        "_days",
        "_extra",
        "_first_year",
        "_last_year",
        "_names",
        "_span",
        "_upto",
        "nation",
    )

    def __init__(
        self,
        nation: str = "ENG",
        extra_closures: Iterable[dt.date] = (),
        *,
        bank_holidays: Mapping[dt.date, str] | None = None,
    ) -> None:
        code = nation.upper()
        if code not in NATIONS:
            raise UnknownNationError(nation)
        self.nation = code
        self._extra: frozenset[dt.date] = frozenset(extra_closures)
        years = [d.year for d in self._extra]
        first, last = min([FIRST_YEAR, *years]), max([LAST_YEAR, *years])
        if bank_holidays is not None and (first, last) == (FIRST_YEAR, LAST_YEAR):
            self._build(first, last, bank_holidays)
        else:
            self._build(first, last)

    def _build(
        self, first_year: int, last_year: int, known: Mapping[dt.date, str] | None = None
    ) -> None:
        """Build the index over these years; ``known``: their bank holidays, if at hand."""
        if known is None:
            known = bank_holidays(self.nation, first_year, last_year)
        names = dict(known)
        for d in self._extra:
            names.setdefault(d, "local closure")
        base = dt.date(first_year, 1, 1).toordinal()
        span = dt.date(last_year, 12, 31).toordinal() - base + 1
        # _upto[i] is the number of working days strictly before day base + i;
        # _days lists the working days in order, so _days[_upto[i]] is the
        # first working day on or after day base + i.
        working = _working(names, base, span)
        upto = list(itertools.accumulate(working, initial=0))
        days = list(map(dt.date.fromordinal, itertools.compress(range(base, base + span), working)))
        self._first_year, self._last_year = first_year, last_year
        self._base, self._upto, self._days, self._names = base, upto, days, names
        self._span = span

    def _widen(self, *dates: dt.date) -> None:
        """Rebuild the index so that it covers ``dates`` with ten years to spare."""
        low = min(self._first_year, *(d.year - 10 for d in dates))
        high = max(self._last_year, *(d.year + 10 for d in dates))
        self._build(max(low, dt.MINYEAR), min(high, dt.MAXYEAR - 1))

    def _index(self, day: dt.date) -> int:
        i = day.toordinal() - self._base
        if 0 <= i < self._span:
            return i
        self._widen(day)
        return day.toordinal() - self._base

    def _cover(self, *dates: dt.date) -> None:
        """Widen the index, if need be, so that it covers every one of ``dates``."""
        for d in dates:
            self._index(d)

    def is_working_day(self, day: dt.date) -> bool:
        """True if ``day`` is a Monday to Friday that is not a holiday or closure."""
        i = self._index(day)
        return self._upto[i + 1] != self._upto[i]

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """Count ``n`` working days from ``start``.

        For ``n > 0``, ``start`` is day 0 and is not counted; the result is the
        nth working day after it. If ``start`` is not a working day, the next
        working day is day 1. For ``n < 0``, the result is the |n|th working day
        before ``start``, again not counting ``start``. For ``n == 0`` the result
        is ``start`` itself.

        >>> cal = WorkingCalendar("ENG")
        >>> cal.add_working_days(dt.date(2023, 5, 5), 5)  # the Coronation is skipped
        datetime.date(2023, 5, 15)
        """
        if n == 0:
            return start
        i = start.toordinal() - self._base
        if not 0 <= i < self._span:
            i = self._index(start)
        upto, days = self._upto, self._days
        j = upto[i + 1] + n - 1 if n > 0 else upto[i] + n
        if 0 <= j < len(days):
            return days[j]
        # Past either end of the index: widen it by the distance asked for.
        self._widen(start + dt.timedelta(days=2 * n + (14 if n > 0 else -14)))
        return self.add_working_days(start, n)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """The signed count of working days from ``a`` to ``b``.

        For ``b >= a`` it counts the working days after ``a`` up to and
        including ``b``; for ``b < a`` it is minus the count of working days
        from ``b`` up to but not including ``a``. So it is the inverse of
        :meth:`add_working_days`: ``working_days_between(a, add_working_days(a, n)) == n``.
        With ``a`` as today and ``b`` as a due date, it is the working days
        left (0 when due today, negative when late).
        """
        base, span = self._base, self._span
        ia, ib = a.toordinal() - base, b.toordinal() - base
        if not (0 <= ia < span and 0 <= ib < span):
            self._cover(a, b)
            base = self._base
            ia, ib = a.toordinal() - base, b.toordinal() - base
        upto = self._upto
        if ib >= ia:
            return upto[ib + 1] - upto[ia + 1]
        return upto[ib] - upto[ia]

    def non_working_days(self, a: dt.date, b: dt.date) -> list[tuple[dt.date, str]]:
        """The holidays and closures on weekdays from ``a`` to ``b`` inclusive, with names."""
        self._cover(a, b)
        lo, hi = min(a, b), max(a, b)
        return sorted(
            (d, name) for d, name in self._names.items() if lo <= d <= hi and d.weekday() < 5
        )

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the bank holiday or closure on ``day``, if there is one."""
        self._index(day)
        return self._names.get(day)

    def __repr__(self) -> str:
        return f"WorkingCalendar(nation={self.nation!r}, extra_closures={sorted(self._extra)!r})"


@functools.lru_cache(maxsize=65536)
def add_months(start: dt.date, months: int) -> dt.date:
    """The same day number ``months`` calendar months after ``start`` (before, if negative).

    When the target month is shorter, the result is its last day:
    ``add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)``. The result is
    never moved off a weekend or holiday; :func:`weekend_note` says when it
    lands on one.

    This is pendulum's month arithmetic (the tests hold it to pendulum over every
    month of the supported range), worked here so that a status need not import
    pendulum to count six months.
    """
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (first_of_next - dt.timedelta(days=1)).day
    return dt.date(year, month, min(start.day, last))


def weekend_note(day: dt.date) -> str | None:
    """``"falls on a Saturday"`` or ``"falls on a Sunday"`` for a weekend date, else None."""
    if day.weekday() >= 5:
        return f"falls on a {day.strftime('%A')}"
    return None


class DueDate(NamedTuple):
    """A count of working days or months from a start date, as ``reviewclock due`` shows it."""

    start: dt.date
    length: int
    """How many working days or months (negative: counted back)."""
    unit: str
    """``working days`` or ``months``."""
    nation: str
    due: dt.date
    skipped: list[tuple[dt.date, str]]
    """The non-working days passed over, with their names (working days only)."""


def check_count(start: dt.date, *, working_days: int | None, months: int | None) -> None:
    """Refuse, before any counting, a count that cannot stay in the supported dates."""
    from reviewclock.dates import FIRST_DAY, LAST_DAY, RANGE

    span = (LAST_DAY - FIRST_DAY).days
    if abs(working_days if working_days is not None else 0) > span or abs(months or 0) > 12 * (
        LAST_DAY.year - FIRST_DAY.year + 1
    ):
        raise UsageProblem(
            f"counting {working_days if working_days is not None else months} "
            f"{'working days' if working_days is not None else 'months'} from "
            f"{start.isoformat()} leaves the dates reviewclock supports ({RANGE}); "
            "check the number"
        )


def count_from(
    cal: WorkingCalendar, start: dt.date, *, working_days: int | None, months: int | None
) -> DueDate:
    """Count ``working_days`` (or ``months``, exactly one of them) from ``start``.

    Raises :class:`~reviewclock.errors.UsageProblem` when the count would leave
    the supported dates, checking the count itself before any counting.
    """
    from reviewclock.dates import RANGE, in_range

    check_count(start, working_days=working_days, months=months)
    if working_days is not None:
        result = cal.add_working_days(start, working_days)
        count, unit = working_days, "working days"
        skipped = cal.non_working_days(start, result) if working_days else []
        skipped = [(d, n) for d, n in skipped if d != start]
    else:
        assert months is not None
        result = add_months(start, months)
        count, unit, skipped = months, "months", []
    if not in_range(result):
        raise UsageProblem(
            f"{count} {unit} from {start.isoformat()} is {result.isoformat()}, outside the "
            f"dates reviewclock supports ({RANGE}); check the number"
        )
    return DueDate(start, count, unit, cal.nation, result, skipped)


__all__ = [
    "NATIONS",
    "DueDate",
    "UnknownNationError",
    "WorkingCalendar",
    "add_months",
    "bank_holidays",
    "check_count",
    "count_from",
    "weekend_note",
]
