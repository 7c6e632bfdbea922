"""What a command tells an officer about the register it read: a case it cannot read, a
history an export cannot carry, and the commands to paste to look further. Each names the
register so that the command works from any directory, whatever the environment says.
"""

from __future__ import annotations

import shlex

from reviewclock.dates import date_fault


def listing_cases(where: str) -> str:
    """The command that lists the cases of the register ``where``, to run as it is: from
    any directory, whatever the environment says."""
    return f"list the cases with: reviewclock status --all --db {db_option(where)}"


def db_option(where: str) -> str:
    """The register ``where`` as a ``--db`` value to paste into a shell in any directory: a
    file by its absolute path, quoted where need be."""
    from reviewclock.store.location import locate

    path = locate(where).path  # a file, given as a path or an sqlite:/// URL
    return shlex.quote(where if path is None else str(path.absolute()))


def unreadable_message(ref: str, stored: str) -> str:
    """Why a case cannot be read, and what to do."""
    return (
        f"case {ref} holds the date {stored!r}, {date_fault(stored)}; it is left out until "
        "corrected: run 'reviewclock doctor'"
    )


def history_left_out_message(ref: str, stored: str) -> str:
    """Why a JSON export carries a case without its history, and where to see it."""
    return (
        f"the history of {ref} holds the date {stored!r}, {date_fault(stored)}, in a record"
        " corrected since; the case is exported with its current events, without that"
        " history ('reviewclock history' shows it)"
    )
