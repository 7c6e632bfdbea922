"""Import and export as CSV: the spreadsheet a unit already keeps.

Pure: these functions read and write text; the register does the storing.

CSV layout, one row per case, with a header row:

``ref, aware, authority, harm``
    the case reference, the date the local authority became aware, and the
    optional descriptive fields (``harm`` is ``death`` or ``serious-harm``);
one column per event (``notified``, ``rapid-review-sent``, ...)
    that event's date, or empty. An event that can happen more than once
    (``publication-planned``, ``proceedings-started``, ``proceedings-ended``,
    ``delay-notified``) holds its dates separated by ``;``; a proceedings
    date is followed by its kind: ``2024-09-02 criminal; 2025-02-10 inquest``,
    and a delay notice's date by the stage it names, if it names one:
    ``2025-01-27 lcspr``; an agreed extension's date by its stage and the
    date agreed: ``2024-01-20 rapid-review to 2024-02-14``. A local
    milestone from the settings has a column of its own. Plans and agreed extensions
    are written, and read, in the order they were recorded: the one recorded last is
    the one in force.

``decision``, ``panel-view``, ``national-review``
    what the rapid review and the Panel's response recorded besides their
    dates: the partners' decision (``lcspr``, ``no-lcspr``, ``not-decided``),
    the Panel's view (``agrees``, ``disagrees``) and whether it will run a
    national review (``yes``, ``no``). Empty means not recorded, and is kept
    so: an import never guesses a decision.

Dates may be ISO (``2024-01-03``) or British, day first with a four-digit
year (``03/01/2024``). Only ``ref`` and ``aware`` are required columns; an
unknown column stops the import. Column names, harms and kinds of proceedings
are read whatever their case (``Ref``, ``Death``, ``Criminal``).

A cell that a spreadsheet would run as a formula (one starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
``'``, as OWASP recommends, and that ``'`` is taken off again on import, so
export, import and export again give the same file. CSV carries no notes and no audit trail;
JSON (:mod:`reviewclock.transfer_json`) carries both. What the two codecs share (problems,
dates, outcomes) is in :mod:`reviewclock.transfer`; checking an import against the register
is :mod:`reviewclock.importing`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from reviewclock.clock import CaseRecord, EventRecord
from reviewclock.rules import CASE_COLUMNS, HARMS, OUTCOME_COLUMNS, Rulebook
from reviewclock.transfer import (
    Incoming,
    Problem,
    date_value,
    outcome_cell,
    outcome_value,
    unknown_name,
)


def csv_columns(rules: Rulebook) -> tuple[str, ...]:
    """The CSV header: the case's columns, one per event ``record`` takes, then what
    the rapid review and the Panel's response record besides their dates."""
    return (*CASE_COLUMNS, *rules.recordable_events, *OUTCOME_COLUMNS.values())


def read_csv(text: str, rules: Rulebook) -> tuple[list[Incoming], list[Problem]]:
    """Every case in a CSV file, and every problem found on the way (none means clean)."""
    columns = csv_columns(rules)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [Problem(1, "", "the file is empty; it needs a header row")]
    if text.lstrip()[:1] in ("[", "{"):  # an export --format json, piped in as it is
        return [], [Problem(1, "", "this is JSON, not CSV; import it with --format json")]
    problems: list[Problem] = []
    unknown = [h for h in header if h not in columns]
    if unknown:
        problems.append(Problem(1, "", unknown_name("column", unknown[0], columns)))
    missing = [c for c in ("ref", "aware") if c not in header]
    if missing:
        problems.append(Problem(1, "", f"the header has no {missing[0]!r} column"))
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        problems.append(Problem(1, "", f"the column {repeated[0]!r} appears twice"))
    if problems:
        return [], problems
    cases: list[Incoming] = []
    seen: dict[str, int] = {}
    width = len(header)
    cells = _RowReader(header, rules)
    for row in reader:
        line = reader.line_num
        if not "".join(row).strip():
            continue
        if len(row) != width:
            problems.append(
                Problem(
                    line,
                    row[0].strip() if row else "",
                    f"has {len(row)} cells; the header has {width}",
                )
            )
            continue
        ref = row[cells.ref].strip()
        if ref[:1] == "'":
            ref = unguard(ref)
        if ref in seen:
            problems.append(Problem(line, ref, f"the ref {ref} is also on line {seen[ref]}"))
            continue
        seen[ref] = line
        try:
            cases.append(Incoming(line, cells.case(ref, row)))
        except ValueError as e:
            problems.append(Problem(line, ref, str(e)))
    return cases, problems


def _clean(cell: str) -> str:
    """A cell as read: stripped, and without the ``'`` an export put before a formula."""
    cell = cell.strip()
    return unguard(cell) if cell[:1] == "'" else cell


def _free_text(cell: str) -> str:
    """A cell of free text (the authority), exactly as written (an export quotes the spaces
    around it), less only the ``'`` an export put before a formula; blank, it is empty."""
    return unguard(cell) if cell.strip() else ""


class _RowReader:
    """Reads the case on a CSV row, with the header's columns looked up once.

    A register repeats a few thousand dates in each column, so what a cell holds
    (its events, or why it cannot be read) depends only on its column and its text,
    and is worked out once for each (:func:`_event_cell`).
    """

    def __init__(self, header: Sequence[str], rules: Rulebook) -> None:
        at = {h: i for i, h in enumerate(header)}
        self.rules = rules
        self.ref, self.aware = at["ref"], at["aware"]
        self.authority, self.harm = at.get("authority"), at.get("harm")
        self.opening = rules.opening_event
        self.events: list[tuple[str, int, dict[str, tuple[EventRecord, ...] | str]]] = [
            (name, at[name], {}) for name in rules.recordable_events if name in at
        ]
        self.outcomes = [(f, c, at[c]) for f, c in OUTCOME_COLUMNS.items() if c in at]
        self.openings: dict[str, EventRecord | str | None] = {}
        self.harms: dict[str, str] = {}
        self.authorities: dict[str, str] = {}

    @staticmethod
    def _text(
        row: Sequence[str], index: int | None, seen: dict[str, str], read: Callable[[str], str]
    ) -> str:
        """A cell of a column that repeats a few values, ``read`` once for each text
        (``seen``: that column's cells so far)."""
        if index is None:
            return ""
        raw = row[index]
        text = seen.get(raw)
        if text is None:
            text = seen[raw] = read(raw)
        return text

    def _opening(self, raw: str) -> EventRecord | str | None:
        """The opening event an aware cell gives, or why it cannot (None: it is empty)."""
        aware = _clean(raw)
        if not aware:
            return None
        try:
            return EventRecord(self.opening, date_value("aware", aware))
        except ValueError as e:
            return str(e)

    def case(self, ref: str, row: Sequence[str]) -> CaseRecord:
        """The case on ``row`` (whose ref is ``ref``); raises ValueError saying what is
        wrong, checking in the order the columns are described above."""
        if not ref:
            raise ValueError("the ref is empty")
        raw = row[self.aware]
        if raw in self.openings:
            opening = self.openings[raw]
        else:
            opening = self.openings[raw] = self._opening(raw)
        if opening is None:
            raise ValueError("the aware date is empty")
        harm = self._text(row, self.harm, self.harms, _clean).lower() or None
        if harm is not None and harm not in HARMS:
            raise ValueError(f"harm {harm!r} is not death or serious-harm")
        if isinstance(opening, str):
            raise ValueError(opening)
        events = [opening]
        for name, index, memo in self.events:
            raw = row[index]
            if not raw:
                continue
            got = memo.get(raw)
            if got is None:
                try:
                    got = _event_cell(name, _clean(raw), self.rules)
                except ValueError as e:
                    got = str(e)
                memo[raw] = got
            if isinstance(got, str):
                raise ValueError(got)
            events += got
        for field, column, index in self.outcomes:
            if not row[index]:
                continue
            value = _clean(row[index])
            if not value:
                continue
            carrier = self.rules.owner_of(field)
            at = next((i for i, e in enumerate(events) if e.name == carrier), None)
            if at is None:
                raise ValueError(f"{column} {value!r} needs a {carrier} date in the same row")
            events[at] = events[at]._replace(**{field: outcome_value(field, value)})
        authority = self._text(row, self.authority, self.authorities, _free_text) or None
        return CaseRecord(ref, authority, harm, tuple(events))


def _event_cell(name: str, raw: str, rules: Rulebook) -> tuple[EventRecord, ...]:
    """The events one cell of the column ``name`` holds (none for an empty cell)."""
    if not raw:
        return ()
    rule = rules.events[name]
    entries = [e.strip() for e in raw.split(";") if e.strip()]
    if len(entries) > 1 and not rule.repeatable:
        raise ValueError(f"{name} can be recorded once, but has {len(entries)} dates")
    events = []
    for entry in entries:
        day, _, rest = entry.partition(" ")
        kind_text, _, until_text = rest.strip().partition(" to ")
        kind = kind_text.strip().lower() or None
        until = date_value(name, until_text.strip()) if until_text.strip() else None
        if rule.names_stage is not None:
            choices = rules.stages_named_by(rule)
            if kind is None and rule.stage_required:
                raise ValueError(
                    f"{name} {entry!r} needs its stage, e.g. '{day} {choices[0]} to DATE'"
                )
            if kind is not None and kind not in choices:
                what = "that can be extended" if rule.extends else "a delay notice can name"
                raise ValueError(
                    f"{name} {entry!r}: {kind!r} is not a stage {what}; "
                    f"use one of {', '.join(choices)}"
                )
            if rule.extends and until is None:
                raise ValueError(f"{name} {entry!r} needs the date agreed: '... to DATE'")
            events.append(EventRecord(name, date_value(name, day), kind, until=until))
            continue
        if until is not None:
            raise ValueError(f"{name} {entry!r}: only an agreed extension takes 'to DATE'")
        if kind is not None and not rule.kinds:
            raise ValueError(
                f"{name} {entry!r}: only proceedings dates take a kind, and delay notices "
                "and extensions a stage"
            )
        if kind is not None and kind not in rule.kinds:
            raise ValueError(f"{name}: {kind!r} is not one of {', '.join(rule.kinds)}")
        if rule.kind_required and kind is None:
            raise ValueError(f"{name} {entry!r} needs its kind, e.g. '{day} {rule.kinds[0]}'")
        events.append(EventRecord(name, date_value(name, day), kind))
    return tuple(events)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet run a cell as a formula (OWASP, "CSV Injection")."""


def _risky(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def guard(text: str) -> str:
    """A cell a spreadsheet will show as text: a formula-like one gets a leading ``'``.

    A cell that already starts with ``'`` before a formula character gets one
    more, so that :func:`unguard` gives back exactly what was written.
    """
    return "'" + text if _risky(text) else text


def unguard(text: str) -> str:
    """The inverse of :func:`guard`: take off the ``'`` that an export put in front."""
    return text[1:] if text.startswith("'") and _risky(text[1:]) else text


def _csv_cell(text: str) -> str:
    """One cell, quoted when it holds a comma, a quote, a line break or a carriage return
    (Python's csv module leaves a lone carriage return unquoted)."""
    text = guard(text)
    if any(c in text for c in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(cases: Iterable[CaseRecord], rules: Rulebook) -> str:
    """The register in the CSV layout that :func:`read_csv` reads back unchanged.

    An event the rulebook no longer declares (a milestone taken out of the
    settings) gets a column of its own after the others, so nothing is lost;
    such a file imports again once the milestone is back in the settings."""
    cases = list(cases)
    names = {e.name for c in cases for e in c.events}
    return "".join(csv_lines(cases, rules, names))


def csv_lines(
    cases: Iterable[CaseRecord], rules: Rulebook, names: Iterable[str] = ()
) -> Iterator[str]:
    """:func:`write_csv`'s text a line at a time (a case to a line), for a register of any
    size. ``names`` are the event names recorded: those the rulebook no longer declares
    get their own columns after the others."""
    extra = sorted(set(names) - set(rules.events))
    yield ",".join([*csv_columns(rules), *extra]) + "\n"
    opening = rules.opening_event
    ordered = frozenset(rules.ordered_events)
    for case in cases:
        cells: dict[str, list[str]] = {}
        outcomes: dict[str, str] = {}
        # Plans and agreed extensions in the order they were recorded, which is the order
        # an import records them in: the one recorded last is the one in force.
        events = sorted(
            case.events, key=lambda e: -1 if e.name not in ordered or e.seq is None else e.seq
        )
        for e in events:
            text = e.on.isoformat() + (f" {e.kind}" if e.kind else "")
            if e.until is not None:
                text += f" to {e.until.isoformat()}"
            cells.setdefault(e.name, []).append(text)
            rule = rules.events.get(e.name)
            for field in rule.outcomes if rule is not None else ():
                value = getattr(e, field)
                if value is not None:
                    outcomes[field] = outcome_cell(value)
        row = [case.ref, "; ".join(cells.get(opening, [])), case.authority or "", case.harm or ""]
        row += ["; ".join(cells.get(name, [])) for name in rules.recordable_events]
        row += [outcomes.get(field, "") for field in OUTCOME_COLUMNS]
        row += ["; ".join(cells.get(name, [])) for name in extra]
        yield ",".join(_csv_cell(c) for c in row) + "\n"
