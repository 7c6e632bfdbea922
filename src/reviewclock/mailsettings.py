"""The mail server settings: the settings file's ``[mail]`` table, each key overridden by
its environment variable, checked before anything is sent.

Pure apart from reading the environment it is given; the password is never shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewclock.errors import ConfigError

if TYPE_CHECKING:
    from reviewclock.config import Settings

MAIL_KEYS = ("host", "port", "user", "password", "tls", "from", "timeout")
ENV_NAMES = {
    "host": "REVIEWCLOCK_SMTP_HOST",
    "port": "REVIEWCLOCK_SMTP_PORT",
    "user": "REVIEWCLOCK_SMTP_USER",
    "password": "REVIEWCLOCK_SMTP_PASSWORD",
    "tls": "REVIEWCLOCK_SMTP_TLS",
    "timeout": "REVIEWCLOCK_SMTP_TIMEOUT",
    "from": "REVIEWCLOCK_MAIL_FROM",
}
"""The environment variable that overrides each key of the ``[mail]`` table."""
TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class MailSettings:
    """How to reach the mail server. ``password`` is never printed, not even in ``repr``."""

    host: str
    port: int
    tls: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0


def mail_settings(settings: Settings, env: Mapping[str, str] | None = None) -> MailSettings:
    """The mail server settings: the config file's ``[mail]`` table, each key overridden by
    its environment variable (``REVIEWCLOCK_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``,
    ``_TLS``, ``_TIMEOUT`` and ``REVIEWCLOCK_MAIL_FROM``)."""
    env = os.environ if env is None else env
    raw: dict[str, tuple[object, str]] = {}
    file_where = f"config file {settings.path}" if settings.path else "config"
    for key, value in settings.mail.items():
        raw[key] = (value, f"{file_where}: key 'mail.{key}'")
    for key, name in ENV_NAMES.items():
        if env.get(name):
            raw[key] = (env[name], f"environment variable {name}")

    def text(key: str) -> str | None:
        if key not in raw:
            return None
        value, where = raw[key]
        if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
            shown = "(hidden)" if key == "password" else repr(value)
            fix = "use none, starttls or ssl" if key == "tls" else "use a single line of text"
            raise ConfigError(f"{where} has the bad value {shown}; {fix}")
        return value.strip() if key != "password" else value

    host = text("host")
    if host is None:
        raise ConfigError(
            "no mail server is configured; set REVIEWCLOCK_SMTP_HOST, or host in the [mail] "
            "table of the config file"
        )
    sender = text("from")
    if sender is None or not _is_address(sender):
        where = raw["from"][1] if "from" in raw else "REVIEWCLOCK_MAIL_FROM"
        raise ConfigError(
            f"{where} must be the sender's address, such as bsu@northshire.gov.uk"
            + ("" if sender is None else f" (not {sender!r})")
        )
    tls = (text("tls") or "starttls").lower()
    if tls not in TLS_MODES:
        raise ConfigError(f"{raw['tls'][1]} has the bad value {tls!r}; use none, starttls or ssl")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[tls]
    port = _number(raw.get("port"), default_port, int, "a port number from 1 to 65535", 1, 65535)
    timeout = _number(
        raw.get("timeout"), 30.0, float, "a number of seconds from 0.1 to 600", 0.1, 600
    )
    user, password = text("user"), text("password")
    for key, value in (("user", user), ("password", password)):
        if value is not None and not value.isascii():
            # SMTP login sends the user and password as ASCII; never echo either of them.
            raise ConfigError(
                f"{raw[key][1]} holds characters other than ASCII, which the mail login "
                "cannot send; use an ASCII password (or user name)"
            )
    if password is not None and user is None:
        raise ConfigError(
            "a mail password is set but no user; set user in the [mail] table (or"
            f" {ENV_NAMES['user']}) as well"
        )
    return MailSettings(host, int(port), tls, sender, user, password, float(timeout))


def _number(
    item: tuple[object, str] | None,
    default: float,
    kind: type[int] | type[float],
    what: str,
    low: float,
    high: float,
) -> float:
    if item is None:
        return default
    value, where = item
    problem = ConfigError(f"{where} has the bad value {value!r}; use {what}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise problem
    try:
        number = kind(value)
    except ValueError:
        raise problem from None
    if number != float(value) or not low <= number <= high:
        raise problem
    return number


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
"""An address in plain ASCII (dot-atoms, as RFC 5322 has them): a mail server need not take
one with other letters (SMTPUTF8), and none of these characters can start a header."""


def _is_address(text: str) -> bool:
    """A plain address (``name@example.org``): nothing that could smuggle a header or a second
    recipient into a message."""
    return bool(_ADDRESS.fullmatch(text))


def check_address(text: str) -> str:
    """Return ``text`` if it is a plain email address, else raise ValueError saying so."""
    if not _is_address(text):
        raise ValueError(
            f"{text!r} is not an email address reviewclock can send to; give one plain"
            " address in ASCII letters per --email, such as manager@northshire.gov.uk"
        )
    return text
