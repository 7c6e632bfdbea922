"""Renderers: turn stage statuses into JSON-ready data, terminal tables and plain text.

None of them computes a deadline or lists stage names; they read the clock's
results and the rulebook.
"""

from collections.abc import Iterable

DIGEST_FORMATS = ("text", "markdown", "html", "json", "csv")
"""The formats of the digest (``reviewclock report --format``)."""


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``: a number with its noun, singular or plural."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def listing(names: Iterable[str], last: str = "and") -> str:
    """``a, b and c`` (or with another word before the last)."""
    listed = list(names)
    if len(listed) < 2:
        return "".join(listed)
    return f"{', '.join(listed[:-1])} {last} {listed[-1]}"


def alternatives(names: Iterable[str]) -> str:
    """``a, b or c``: names of which one is meant (or any one may be)."""
    return listing(names, "or")


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``,
    ``\\u202e``), for the renderers a person reads.

    A note or a reference could otherwise repaint the terminal (ANSI escape
    sequences), break a table's lines, or reverse the text around it. The data
    formats (CSV, JSON, the calendar) carry the text exactly.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape(c) for c in text)


def _escape(c: str) -> str:
    escaped = repr(c)[1:-1]
    return escaped if escaped != c else f"\\u{ord(c):04x}"
