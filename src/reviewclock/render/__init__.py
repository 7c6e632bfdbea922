"""Renderers: turn stage statuses into JSON-ready data, terminal tables and plain text.

None of them computes a deadline or lists stage names; they read the clock's
results and the rulebook.
"""

DIGEST_FORMATS = ("text", "markdown", "html", "json", "csv")
"""The formats of the digest (``reviewclock report --format``)."""
