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
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewclock.calendar import NATIONS
from reviewclock.dates import parse_date
from reviewclock.errors import ConfigError
from reviewclock.rules import PROCEEDING_KINDS

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
    rapid_review_from: str = "notified"
    delay_kinds: tuple[str, ...] = ("criminal",)
    register: str | None = None
    path: Path | None = field(default=None, compare=False)
    """The file the settings came from, if any."""

    def calendar(self, nation: str | None = None) -> WorkingCalendar:
        from reviewclock.calendar import NATIONS, UnknownNationError, WorkingCalendar
        from reviewclock.holidaycache import cached_bank_holidays

        code = (nation or self.nation).upper()
        if code not in NATIONS:
            raise UnknownNationError(code if nation is None else nation)
        return WorkingCalendar(code, self.extra_closures, bank_holidays=cached_bank_holidays(code))

    def clock(self) -> Clock:
        from reviewclock.clock import Clock
        from reviewclock.rules import stages

        return Clock(
            self.calendar(),
            stages(self.rapid_review_from),
            due_soon_days=self.due_soon_days,
            delay_kinds=self.delay_kinds,
        )


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
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"config file {path} cannot be read: {e.strerror}") from None
    return parse_settings(data, path)


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
        if v not in ("notified", "aware"):
            raise bad("rapid_review_from", v, "use 'notified' or 'aware'")
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
        values["extra_closures"] = tuple(sorted(set(days)))

    if "register" in data:
        reg = data["register"]
        if not isinstance(reg, str) or not reg.strip():
            raise bad("register", reg, "use the path of the register file")
        values["register"] = reg

    return Settings(**values)
