"""Errors written for the people who get them.

Each carries a one-line message that names the value at fault and says how to
put it right. The command line prints the message on stderr and exits with
``exit_code``: 1 when the register refuses something, 2 when the command was
used wrongly. Domain modules raise these; none of them imports the CLI.
"""

from __future__ import annotations

QUOTED_LIMIT = 40
"""Characters of a value a message quotes in full; a longer one is cut short."""


def quoted(value: str, limit: int = QUOTED_LIMIT) -> str:
    """``value`` as a message quotes it (escaped, as Python writes it), cut short when
    longer than ``limit``, so that a refusal stays one readable line whatever was typed."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[: limit // 2]!r}... ({len(value)} characters)"


class ReviewclockError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message."""

    exit_code = 1


class UsageProblem(ReviewclockError):
    """The command line asked for something impossible (a bad date, two units at once)."""

    exit_code = 2


class ConfigError(ReviewclockError):
    """The configuration file or an environment variable holds a bad value."""


class RegisterError(ReviewclockError):
    """The register cannot be opened or used (missing, not a register, unreadable)."""


class CaseNotFound(ReviewclockError):
    """No case with that reference."""


class DuplicateCase(ReviewclockError):
    """A case with that reference is already in the register."""


class EventRefused(ReviewclockError):
    """The event contradicts what is recorded (out of order, in the future, a repeat)."""


class HeldRecordRefused(EventRefused):
    """A record already held that the case's other records now contradict (found by
    ``doctor``, or by ``record`` of an event dated before it), or one in a file being
    imported. ``mend`` says how to correct it in the register: :func:`in_register` adds it
    where the case is in the register; an import names the fault alone."""

    def __init__(self, message: str, mend: str) -> None:
        super().__init__(message)
        self.mend = mend


def in_register(e: Exception) -> str:
    """What a check found in a case of the register, with how to mend it where there is a
    way to give."""
    return f"{e}; {e.mend}" if isinstance(e, HeldRecordRefused) else str(e)


class MailError(ReviewclockError):
    """The digest could not be sent."""
