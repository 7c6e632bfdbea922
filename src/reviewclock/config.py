"""Settings from the TOML configuration file and the environment, validated.

The file lives in the platform's configuration directory
(``~/.config/reviewclock/config.toml`` on Linux); ``REVIEWCLOCK_CONFIG``
names another. A missing default file means the defaults. Every bad value is
reported with the file and the key, so the person who edits it can find it.

Example::

    nation = "ENG"                 # ENG, WLS, SCT or NIR
    due_soon_days = 2              # the due-soon window, in working days
    rapid_review_from = "notified" # or "aware", for older local procedures
    delay_kinds = ["criminal"]     # proceedings that explain a delay; add "inquest" to widen
    extra_closures = [2026-12-24]  # local closure days and new one-off bank holidays
    register = "/srv/bsu/reviewclock.db"   # the register (REVIEWCLOCK_DB and --db win)

    [[milestone]]                  # a step of the local procedure inside a national stage
    name = "agency-summaries"      # also the event that meets it
    title = "Agency summaries returned"
    stage = "rapid-review"
    working_days = 10              # after the stage's start; before = true counts back
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewclock.calendar import NATIONS
from reviewclock.dates import check_in_range, parse_date
from reviewclock.errors import ConfigError
from reviewclock.rules import (
    CASE_COLUMNS,
    OUTCOME_COLUMNS,
    PROCEEDING_KINDS,
    RAPID_REVIEW_STARTS,
    Direction,
    Milestone,
    Rulebook,
    Unit,
)

if TYPE_CHECKING:
    from reviewclock.calendar import WorkingCalendar
    from reviewclock.clock import Clock

APP = "reviewclock"
CONFIG_ENV = "REVIEWCLOCK_CONFIG"


def default_config_path() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP) / "config.toml"


@dataclass(frozen=True)
class Settings:
    """A unit's settings; the defaults follow the national rules for England."""

    nation: str = "ENG"
    extra_closures: tuple[dt.date, ...] = ()
    due_soon_days: int = 2
    rapid_review_from: str = RAPID_REVIEW_STARTS[0]
    delay_kinds: tuple[str, ...] = ("criminal",)
    register: str | None = None
    milestones: tuple[Milestone, ...] = ()
    """The unit's own steps inside the national stages (``[[milestone]]`` tables)."""
    mail: Mapping[str, Any] = field(default_factory=dict)
    """The ``[mail]`` table as written; :func:`mail_settings` validates it."""
    path: Path | None = field(default=None, compare=False)
    """The file the settings came from, if any."""
    exposed: tuple[str, ...] = field(default=(), compare=False)
    """What others may do with the file that they should not: read its mail password, or
    change it (and with it every deadline). Each is told, and ``doctor`` lists them."""
    _made: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    """The calendars and the clock made from these settings: each is made once, however
    many parts of a command ask for it (building a calendar's index is not free)."""

    def calendar(self, nation: str | None = None) -> WorkingCalendar:
        key = ("calendar", nation)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make_calendar(nation)
        return made

    def _make_calendar(self, nation: str | None) -> WorkingCalendar:
        from reviewclock.calendar import NATIONS, UnknownNationError, WorkingCalendar
        from reviewclock.holidaycache import cached_bank_holidays

        code = (nation or self.nation).upper()
        if code not in NATIONS:
            # A nation given here comes from the command line (the file's is checked on reading).
            raise (
                UnknownNationError(code, None)
                if nation is None
                else UnknownNationError(nation, "--nation")
            )
        table = cached_bank_holidays(code)
        return WorkingCalendar(code, self.extra_closures, bank_holidays=table)

    def rules(self) -> Rulebook:
        """The rulebook these settings give: the national chain plus the milestones."""
        from reviewclock.rules import rulebook

        made = self._made.get("rules")
        if made is None:
            made = self._made["rules"] = rulebook(self)
        return made

    def clock(self) -> Clock:
        """The clock of these settings (one per settings: see ``_made``)."""
        from reviewclock.clock import Clock

        made = self._made.get("clock")
        if made is None:
            made = self._made["clock"] = Clock(
                self.calendar(),
                self.rules(),
                due_soon_days=self.due_soon_days,
                delay_kinds=self.delay_kinds,
            )
        return made


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings file named by ``REVIEWCLOCK_CONFIG``, or the default one."""
    env = os.environ if env is None else env
    named = env.get(CONFIG_ENV)
    path = Path(named).expanduser() if named else default_config_path()
    if not path.exists():
        if named:
            raise ConfigError(
                f"config file {path} (from {CONFIG_ENV}) does not exist; "
                f"create it or unset {CONFIG_ENV}"
            )
        return Settings()
    import tomllib  # only when there is a file to read

    try:
        with path.open("rb") as f:
            raw = f.read()
            mode = os.fstat(f.fileno()).st_mode & 0o777
        # UTF-8, as TOML is; the byte order mark some editors put first is passed over.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset"
            f" {e.start}); save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"config file {path} cannot be read: {e.strerror}") from None
    settings = parse_settings(data, path)
    exposed = []
    mail = data.get("mail")
    if isinstance(mail, dict) and "password" in mail and mode & 0o077:
        # Like ssh with a private key: a password others can read is no longer secret.
        exposed.append(
            f"config file {path} holds the mail password and has mode {mode:04o}, so others "
            f"can read it; run: chmod 600 {path}"
        )
    if mode & 0o022:
        # Its closures and milestones move deadlines, as the holiday cache's dates would.
        exposed.append(
            f"config file {path} has mode {mode:04o}, so others can change it, and with it"
            f" the deadlines; run: chmod go-w {path}"
        )
    return replace(settings, exposed=tuple(exposed)) if exposed else settings


def parse_settings(data: Mapping[str, Any], path: Path | None = None) -> Settings:
    """Validate a parsed TOML document into :class:`Settings`."""
    where = f"config file {path}" if path else "config"

    def bad(key: str, value: object, fix: str) -> ConfigError:
        return ConfigError(f"{where}: key '{key}' has the bad value {value!r}; {fix}")

    known = {
        "nation",
        "extra_closures",
        "due_soon_days",
        "rapid_review_from",
        "delay_kinds",
        "register",
        "milestone",
        "mail",
    }
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown key '{key}'; the keys are {', '.join(sorted(known))}"
            )
    values: dict[str, Any] = {"path": path}

    if "nation" in data:
        nation = data["nation"]
        if not isinstance(nation, str) or nation.upper() not in NATIONS:
            raise bad("nation", nation, f"use one of {', '.join(NATIONS)}")
        values["nation"] = nation.upper()

    if "due_soon_days" in data:
        n = data["due_soon_days"]
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 60:
            raise bad("due_soon_days", n, "use a whole number of working days from 0 to 60")
        values["due_soon_days"] = n

    if "rapid_review_from" in data:
        v = data["rapid_review_from"]
        if v not in RAPID_REVIEW_STARTS:
            raise bad("rapid_review_from", v, f"use {' or '.join(map(repr, RAPID_REVIEW_STARTS))}")
        values["rapid_review_from"] = v

    if "delay_kinds" in data:
        kinds = data["delay_kinds"]
        if not isinstance(kinds, list) or not all(k in PROCEEDING_KINDS for k in kinds):
            raise bad("delay_kinds", kinds, f"use a list drawn from {', '.join(PROCEEDING_KINDS)}")
        values["delay_kinds"] = tuple(kinds)

    if "extra_closures" in data:
        raw = data["extra_closures"]
        if not isinstance(raw, list):
            raise bad("extra_closures", raw, "use a list of dates such as [2026-12-24]")
        days: list[dt.date] = []
        for item in raw:
            if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
                days.append(item)
            elif isinstance(item, str):
                try:
                    days.append(parse_date(item))
                except ValueError as e:
                    raise ConfigError(f"{where}: key 'extra_closures': {e}") from None
            else:
                raise bad("extra_closures", item, "each closure is a date such as 2026-12-24")
        for closure in days:  # a typed year (2204 for 2024) would be lost without a word
            try:
                check_in_range(closure, "the closure")
            except ValueError as e:
                raise ConfigError(f"{where}: key 'extra_closures': {e}") from None
        values["extra_closures"] = tuple(sorted(set(days)))

    if "register" in data:
        reg = data["register"]
        if not isinstance(reg, str) or not reg.strip():
            raise bad("register", reg, "use the path of the register file")
        from reviewclock.store.location import LocationError, locate

        try:
            file = locate(reg).path
        except LocationError as e:  # its message never repeats a password
            raise ConfigError(f"{where}: key 'register': {e}") from None
        if file is not None and not file.is_absolute() and path is not None:
            # A relative path (or sqlite:/// URL) is read from the settings file's own
            # directory, not from wherever a command runs: one file, wherever it is run.
            reg = str(path.absolute().parent / file)
        values["register"] = reg

    if "milestone" in data:
        values["milestones"] = _milestones(
            data["milestone"],
            where,
            values.get("rapid_review_from", RAPID_REVIEW_STARTS[0]),
            values.get("extra_closures", ()),
        )

    if "mail" in data:
        from reviewclock.mailsettings import MAIL_KEYS

        mail = data["mail"]
        if not isinstance(mail, dict):
            raise bad("mail", mail, "use a [mail] table with host, port, user, tls and from")
        unknown = set(mail) - set(MAIL_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key 'mail.{sorted(unknown)[0]}'; the [mail] keys are "
                + ", ".join(MAIL_KEYS)
            )
        values["mail"] = dict(mail)

    return Settings(**values)


# -- local milestones ------------------------------------------------------------------------

MILESTONE_KEYS = ("name", "title", "stage", "working_days", "before")
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
MONTH_MIN_WORKING_DAYS = 19
"""The fewest working days any calendar month can hold in England and Wales (a
month starting 20 December: 31 days, 22 weekdays, three bank holidays). A
milestone inside a stage counted in months is checked against this many per month."""


def _most_closed(closures: Sequence[dt.date], months: int) -> int:
    """The most closures on weekdays that any ``months`` months (31 days each) can hold:
    the working days they can take out of a stage counted in months."""
    days = sorted(d for d in closures if d.weekday() < 5)
    span = 31 * months
    most, first = 0, 0
    for last, day in enumerate(days):
        while (day - days[first]).days >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


def _milestones(
    raw: object, where: str, rapid_review_from: str, closures: Sequence[dt.date] = ()
) -> tuple[Milestone, ...]:
    """Validate the ``[[milestone]]`` tables: each problem names the file and the key. A
    stage counted in months is checked against the fewest working days it can hold, less
    the most of the ``extra_closures`` it can take in."""
    from reviewclock.rules import national_stages, rulebook

    national = national_stages(rapid_review_from)
    events = rulebook().events
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(
            f"{where}: key 'milestone' must be a list of [[milestone]] tables, each with "
            "name, title, stage and working_days"
        )
    out: list[Milestone] = []
    for i, table in enumerate(raw, start=1):
        key = f"milestone[{i}]"

        def bad(field_: str, value: object, fix: str, key: str = key) -> ConfigError:
            return ConfigError(f"{where}: key '{key}.{field_}' has the bad value {value!r}; {fix}")

        unknown = sorted(set(table) - set(MILESTONE_KEYS))
        if unknown:
            raise ConfigError(
                f"{where}: unknown key '{key}.{unknown[0]}'; a milestone's keys are "
                + ", ".join(MILESTONE_KEYS)
            )
        for needed in ("name", "title", "stage", "working_days"):
            if needed not in table:
                raise ConfigError(
                    f"{where}: key '{key}.{needed}' is missing; every milestone "
                    "has name, title, stage and working_days"
                )
        name = table["name"]
        if not isinstance(name, str) or not _EVENT_NAME.match(name):
            raise bad(
                "name",
                name,
                "use 2 to 40 lower-case letters, digits and hyphens, such as 'agency-summaries'",
            )
        if name in events or any(s.name == name for s in national):
            raise bad(
                "name",
                name,
                "it is already a national event or stage; choose another "
                "name, such as 'local-" + name + "'",
            )
        if any(m.name == name for m in out):
            raise bad("name", name, "another milestone has this name; give each its own")
        if name in CASE_COLUMNS or name in OUTCOME_COLUMNS.values():
            # A CSV file gives each event a column of its own, beside these.
            raise bad(
                "name",
                name,
                "it is the name of a column of a CSV export; choose another name, such as"
                " 'local-" + name + "'",
            )
        title = table["title"]
        # Printed as it is in every report: no line breaks or terminal escape sequences.
        if not isinstance(title, str) or not title.strip() or not title.isprintable():
            raise bad(
                "title",
                title,
                "use a short line of text with no control characters, such as"
                " 'Agency summaries returned'",
            )
        stage_name = table["stage"]
        parent = next((s for s in national if s.name == stage_name), None)
        forwards = [s.name for s in national if s.direction is Direction.AFTER]
        if parent is None or parent.direction is not Direction.AFTER:
            raise bad("stage", stage_name, f"use one of {', '.join(forwards)}")
        n = table["working_days"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise bad("working_days", n, "use a whole number of working days, 1 or more")
        before = table.get("before", False)
        if not isinstance(before, bool):
            raise bad("before", before, "use true (count back from the stage's due date) or false")
        closed = 0 if parent.unit is Unit.WORKING_DAYS else _most_closed(closures, parent.length)
        room = (
            parent.length
            if parent.unit is Unit.WORKING_DAYS
            else parent.length * MONTH_MIN_WORKING_DAYS - closed
        )
        if n > room or (before and n >= room):
            within = (
                f"{parent.length} working days"
                if parent.unit is Unit.WORKING_DAYS
                else f"{parent.length} months (as few as {room} working days"
                + (f", with {closed} of the closures" if closed else "")
                + ")"
            )
            where_to = "before its start" if before else "after its due date"
            raise bad(
                "working_days",
                n,
                f"{parent.name} lasts {within}, so this milestone would fall {where_to}; "
                f"use {room - 1 if before else room} or fewer",
            )
        out.append(Milestone(name, title.strip(), parent.name, n, before))
    return tuple(out)
