"""Which recorded row ``amend`` corrects: the record named by ``--was`` (pure).

A record is named as the CSV and ``history`` write it: its date, then its kind (of
proceedings) or the stage it names, then an agreed extension's new due date
(``2024-04-25 rapid-review to 2024-05-14``). Rows are the current rows of one event of
one case, as (id, on_date, kind, note, agreed_to, ...), in date order, then row order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from reviewclock.errors import EventRefused, UsageProblem, quoted

if TYPE_CHECKING:
    from reviewclock.rules import Rulebook


class RecordPick(NamedTuple):
    """Which record of an event to correct: its date, its kind where it has one (the kind
    of proceedings, the stage of an agreed extension or a delay notice), and an agreed
    extension's new due date."""

    on: dt.date | str
    """The date, or the text typed where it is not one: it matches a record stored by other
    means with that text for its date."""
    kind: str | None = None
    until: dt.date | None = None


def matching(rows: Sequence[Sequence[Any]], was: RecordPick | None) -> list[Sequence[Any]]:
    """The rows ``was`` names (every row, without it). The date alone is how a record with
    no kind is written (a notice for every open stage), so among records of that date it
    names the one with no kind."""
    # The store's reading of a stored date (the text itself where it is not one).
    from reviewclock.store.reading import shown_day, stored_day

    if was is None:
        return list(rows)
    found = [
        r
        for r in rows
        if shown_day(r[1]) == was.on
        and (was.kind is None or r[2] == was.kind)
        and (was.until is None or stored_day(r[4]) == was.until)
    ]
    if was.kind is None and len(found) > 1 and any(r[2] is None for r in found):
        found = [r for r in found if r[2] is None]
    return found


def refuse_unmatched(
    rules: Rulebook, ref: str, name: str, was: RecordPick | None, rows: Sequence[Sequence[Any]]
) -> NoReturn:
    """Say why nothing matched: an event that does not exist, a kind no record of it could
    have, or else what is recorded (``rows``: every current row of ``name``)."""
    if name not in rules.events:
        if not rows:  # neither declared nor ever recorded
            raise UsageProblem(
                f"{quoted(name)} is not an event; use one of {', '.join(rules.events)}"
            )
        # A milestone since taken out of the settings, with records: they are listed below.
    elif was is not None and was.kind is not None:
        _check_kind(rules, name, was, {r[2] for r in rows})
    if was is not None and isinstance(was.on, str):  # no record is stored with that text
        from reviewclock.dates import parse_any_date

        try:
            parse_any_date(was.on)
        except ValueError as e:
            raise UsageProblem(f"--was: {e}") from None
    what = name if was is None else f"{name} on {_text(was.on, was.kind, was.until)}"
    listed = f"; it has {name} on {', '.join(as_picked(r) for r in rows)}" if rows else ""
    raise EventRefused(
        f"{ref} has no {what} recorded to amend{listed}; 'reviewclock history {ref}' lists"
        " its records"
    )


def the_one(ref: str, name: str, rows: Sequence[Sequence[Any]]) -> Sequence[Any]:
    """The row to correct among those matched (at least one): records that differ must be
    told apart with ``--was``. Of records alike in all that ``--was`` names (an entry made
    twice, or two made alike by a correction), the one recorded or corrected last is taken,
    so that a correction that made them alike can be undone."""
    picks = list(dict.fromkeys(as_picked(r) for r in rows))
    if len(picks) > 1:
        days = [p.split(" ", 1)[0] for p in picks]
        shared = [p for p, d in zip(picks, days, strict=True) if days.count(d) > 1 and p != d]
        hint = f"--was, for example --was '{shared[0]}'" if shared else "--was DATE"
        raise UsageProblem(
            f"{ref} has {name} recorded on {', '.join(picks)}; say which to correct with " + hint
        )
    return rows[-1]


def as_picked(row: Sequence[Any]) -> str:
    """A record as ``--was`` names it: ``2024-09-02``, ``2024-09-02 criminal``,
    ``2024-04-25 rapid-review to 2024-05-14``."""
    _, on, kind, _, until, *_ = row
    return _text(on, kind, until)


def _text(on: Any, kind: str | None, until: Any) -> str:
    plain = kind is None or (kind.isprintable() and not set(kind) & set(" '\"()"))
    shown = "" if kind is None else " " + (kind if plain and len(kind) < 40 else quoted(kind))
    return f"{on}{shown}" + ("" if until is None else f" to {until}")


def _check_kind(rules: Rulebook, name: str, was: RecordPick, recorded: set[Any]) -> None:
    """A kind given to ``--was`` that no record of ``name`` could have: a usage error that
    says what it takes. A kind once recorded is always accepted (a stage since taken out
    of the settings, say)."""
    rule = rules.events[name]
    if was.kind in recorded:
        return
    choices = rules.stages_named_by(rule) if rule.names_stage is not None else rule.kinds
    if not choices:
        raise UsageProblem(
            f"{name} has no kind or stage; pick its record by date alone "
            f"(--was {was.on if isinstance(was.on, str) else was.on.isoformat()})"
        )
    if was.kind not in choices:
        what = "a kind of proceedings" if rule.names_stage is None else f"a stage {name} names"
        raise UsageProblem(
            f"{quoted(str(was.kind))} is not {what}; use one of {', '.join(choices)}"
        )
