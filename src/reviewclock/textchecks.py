"""The text people type: case references, notes and reasons, the authority's name.

Checked before anything is written, each refused in one line that says how to give
it (a usage error, exit 2): a reference that is not 1 to 64 letters, digits and
``/ _ . : -`` starting with a letter or digit; a note or reason longer than
:data:`NOTE_LIMIT` characters; an authority longer than :data:`AUTHORITY_LIMIT`; a NUL
character in any of them (PostgreSQL cannot keep one). A reference that reads as a person's name is
recorded with a warning (:func:`looks_like_a_name`).
"""

from __future__ import annotations

import re

from reviewclock.errors import UsageProblem

_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}")
_LETTERS = re.compile(r"[A-Za-z]+(?:[ _.'-]+[A-Za-z]+)*")
"""Words of letters, one or more separators between them. A string splits into them one way
only, so a reference that is not a name is turned down at once (with the separators optional,
the engine tried every way to split a run of letters: seconds for 25 letters and a digit)."""
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
"""Words of a reference: ``MaryJones`` is ``Mary`` and ``Jones``; ``BSCP`` is one word."""

NOTE_LIMIT = 2000
"""The most characters a note or a reason may hold."""
USER_LIMIT = 100
"""The most characters of who made a record that the register keeps (the width of its
``recorded_by``, ``created_by`` and ``deleted_by`` columns)."""


def short_user(who: str) -> str:
    """``who`` as the register keeps it: a longer name (an officer's long login, and a
    database role after it) is cut to :data:`USER_LIMIT` characters, its end marked, rather
    than refuse the record it made."""
    return who if len(who) <= USER_LIMIT else who[: USER_LIMIT - 1] + "…"


def check_user(who: str, what: str) -> str:
    """``who`` from a file, if the register can keep it whole (else ValueError)."""
    if len(who) > USER_LIMIT:
        raise ValueError(
            f"{what} {who[:40]!r}... is {len(who)} characters; the register keeps at most"
            f" {USER_LIMIT} for who made a record"
        )
    return who


def check_ref(ref: str) -> None:
    """A case reference: 1 to 64 letters, digits and ``/ _ . : -``, starting with a letter or digit."""
    if not _REF.fullmatch(ref):
        raise UsageProblem(
            f"case reference {ref!r} is not valid; use 1 to 64 letters, digits and / _ . : -, "
            "starting with a letter or digit (for example BSCP-2024-07), and never a child's name"
        )


def looks_like_a_name(ref: str) -> bool:
    """True for references that read as a person's name: ``John-Brown``, ``MaryJones``,
    ``mary.jones``, ``Jane Smith``.

    A name is two to four words of letters alone, none of them an upper-case
    abbreviation; references such as ``BSCP-2024-07``, ``LCSPR-23-01`` or
    ``CSPR/2024/3`` hold digits or abbreviations and are not names.
    """
    if not _LETTERS.fullmatch(ref):  # holds a digit, or is not words of letters
        return False
    words = _WORD.findall(ref)
    return 2 <= len(words) <= 4 and all(len(w) >= 2 and not w.isupper() for w in words)


def check_note(text: str | None, what: str = "the note") -> None:
    """A note or reason holds at most :data:`NOTE_LIMIT` characters, and no NUL."""
    if text is None:
        return
    if len(text) > NOTE_LIMIT:
        raise UsageProblem(
            f"{what} is {len(text):,} characters long; keep it to {NOTE_LIMIT:,} "
            "(a short note, never a child's name)"
        )
    _check_no_nul(text, what)


AUTHORITY_LIMIT = 200
"""The most characters the name of a local authority may hold (the register's column)."""


def check_authority(authority: str | None) -> None:
    """The name of a local authority: at most :data:`AUTHORITY_LIMIT` characters, no NUL."""
    if authority is None:
        return
    if len(authority) > AUTHORITY_LIMIT:
        raise UsageProblem(
            f"the authority is {len(authority):,} characters long; keep it to "
            f"{AUTHORITY_LIMIT} (the local authority's name, e.g. 'Northshire County Council')"
        )
    _check_no_nul(authority, "the authority")


def _check_no_nul(text: str, what: str) -> None:
    """PostgreSQL cannot store a NUL character at all, so neither engine takes one: a
    register keeps the same text wherever it lives."""
    if "\x00" in text:
        raise UsageProblem(
            f"{what} holds a NUL character (\\x00), which a register cannot keep; remove it"
        )
