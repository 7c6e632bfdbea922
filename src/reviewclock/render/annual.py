"""The annual report's case-review section, in words: the sentences, as blocks of text.

The sentences are built once (:func:`section_blocks`) as blocks of text in
which every case reference is kept apart (:class:`Ref`), so that each format
escapes it its own way: the HTML through Jinja's autoescaping, the markdown
with backslashes. They follow the register of a partnership's annual report:
plain, factual, past tense for the year, numbers in words up to ten.

The markdown and HTML are made from the blocks by
:mod:`reviewclock.render.annual_formats`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reviewclock.annual import AnnualSection, Bar, StagePart, target_words

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number(n: int) -> str:
    """Numbers in words up to ten, as annual reports write them: ``six``, ``11``."""
    return _WORDS[n] if 0 <= n <= 10 else str(n)


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``one notification``, ``six notifications``, ``no notifications``."""
    return f"{number(n)} {singular if n == 1 else plural or singular + 's'}"


def capital(text: str) -> str:
    """The first letter capitalised, the rest untouched (``LCSPR`` stays)."""
    return text[:1].upper() + text[1:]


def day_text(day: dt.date) -> str:
    """``1 April 2023``."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True, slots=True)
class Ref:
    """A case reference inside a sentence: escaped by each format, never trusted as markup."""

    text: str


@dataclass(frozen=True, slots=True)
class Mark:
    """The footnote marker."""


Segment = str | Ref | Mark


@dataclass(frozen=True, slots=True)
class Paragraph:
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Figure:
    number: int
    part: StagePart
    caption: str

    @property
    def name(self) -> str:
        return f"figure-{self.number}-{self.part.stage.name}"


Block = Paragraph | Heading | Figure

FOOTNOTE = (
    "Each stage is counted in the period in which its own event fell: an incident the "
    "local authority became aware of in March and notified in April counts as a "
    "notification of the year that begins in April, with its working days counted from "
    "the March date. A stage still open at the end of the period is counted as it stood "
    "on that day. Working days exclude weekends and bank holidays in England."
)


def _late_list(bars: Sequence[Bar]) -> list[Segment]:
    """``A-1 (7 working days) and B-2 (9 working days)``."""
    out: list[Segment] = []
    for i, bar in enumerate(bars):
        if i:
            out.append(" and " if i == len(bars) - 1 else ", ")
        out += [Ref(bar.ref), f" ({bar.working_days} working days)"]
    return out


def _timed(
    part: StagePart,
    *,
    sent: str,
    what: str,
    whats: str,
    start: dt.date,
    end: dt.date,
    by_whom: str,
) -> list[Segment]:
    """How many of a stage were done in the period, and how many in time."""
    s = part.stats
    target = f"the {target_words(part.stage)} target"
    out: list[Segment] = [
        f"From {day_text(start)} to {day_text(end)}, {by_whom} {sent} "
        f"{counted(s.completed, what, whats)}",
        ". ",
    ]
    extended = part.within_extension
    if not s.completed:  # nothing done in the period: nothing was on time or late
        out.pop()
        out.append(".")
    elif s.on_time == s.completed:
        every = f"The {what} was" if s.completed == 1 else f"All {whats} were"
        out.append(f"{every} {sent} within {target}.")
    else:
        clauses = [
            f"{capital(number(s.on_time))} {'was' if s.on_time == 1 else 'were'} "
            f"{sent} within {target}"
        ]
        if extended:
            clauses.append(f"{number(extended)} within an agreed extension")
        late = s.late
        joined = ", ".join(clauses)
        out.append(f"{joined}, and {number(late)} {'was' if late == 1 else 'were'} late: ")
        out += _late_list(part.late)
        out.append(".")
    return out


def _of_them(count: int, total: int, what: str) -> str:
    """``, two of them past the target``; ``, past the target`` when there is only one."""
    return f", {what}" if total == 1 else f", {number(count)} of them {what}"


def _still_open(part: StagePart, end: dt.date, what: str, whats: str, verb: str) -> list[Segment]:
    s = part.stats
    if not s.open:
        return []
    past = s.open_overdue + s.open_delayed_proceedings
    text = f" On {day_text(end)}, {counted(s.open, what, whats)} {'was' if s.open == 1 else 'were'} still to be {verb}"
    if past:
        text += _of_them(past, s.open, "past the target")
        if s.open_delayed_proceedings:
            text += f" ({number(s.open_delayed_proceedings)} delayed by proceedings)"
    return [text + "."]


def _decisions(section: AnnualSection) -> list[Segment]:
    d = section.decisions
    if not d.total:
        return []
    lcspr = "a local child safeguarding practice review"
    if d.no_lcspr == d.total:
        if d.total == 1:
            return [f" The partners decided that the case did not meet the criteria for {lcspr}."]
        return [
            f" The partners decided that none of the {number(d.total)} cases met the criteria "
            f"for {lcspr}."
        ]
    if d.lcspr == d.total:
        cases = "the case" if d.total == 1 else f"all {number(d.total)} cases"
        return [f" The partners decided that {cases} met the criteria for {lcspr}."]
    parts = []
    if d.lcspr:
        parts.append(f"to commission {lcspr} in {counted(d.lcspr, 'case')}")
    if d.no_lcspr:
        parts.append(f"not to commission one in {number(d.no_lcspr)}")
    text = " The partners decided " + " and ".join(parts) + "." if parts else ""
    if d.not_decided:
        text += (
            f" In {counted(d.not_decided, 'case')} the partners had not yet decided"
            " when the rapid review was sent."
        )
    if d.unrecorded:
        text += f" No decision was recorded for {counted(d.unrecorded, 'rapid review')}."
    return [text]


def _panel_views(section: AnnualSection) -> list[Segment]:
    p = section.panel
    if not p.total:
        return []
    if not p.agrees + p.disagrees:
        text = " The National Panel's view of the partners' decision was not recorded"
    elif p.agrees == p.total or p.disagrees == p.total:
        verb = "agreed with" if p.agrees else "disagreed with"
        cases = "" if p.total == 1 else f" in all {number(p.total)} cases"
        text = f" The National Panel {verb} the partners' decision{cases}"
    else:
        views = []
        if p.agrees:
            views.append(f"agreed with the partners' decision in {number(p.agrees)}")
        if p.disagrees:
            views.append(f"disagreed in {number(p.disagrees)}")
        text = f" Of the {counted(p.total, 'response')}, the National Panel " + " and ".join(views)
        if p.unrecorded:
            text += f"; its view was not recorded for {number(p.unrecorded)}"
    if p.national_reviews:
        text += (
            f", and decided to carry out a national review in "
            f"{counted(p.national_reviews, 'case')}."
        )
    elif p.national_unrecorded == p.total:
        text += "."
    else:
        text += ", and did not decide to carry out a national review."
    return [text]


def _told(told: int, of: int) -> str:
    """Whether the Panel was told of the delays: ``the Panel had been told of each delay``."""
    if of == 1:
        return f"the Panel had {'been' if told else 'not been'} told of the delay"
    if told == 0:
        return "the Panel had been told of none of the delays"
    if told == of:
        return "the Panel had been told of each delay"
    return f"the Panel had been told of the delay in {number(told)}"


def _local(section: AnnualSection) -> list[Segment]:
    r = section.local
    during = f"During {section.label}" if section.label else "During the period"
    target = f"the {target_words(r.stage)} target"
    out = (
        f"On {day_text(section.start)}, {counted(r.ongoing_at_start, 'local child safeguarding practice review')} "
        f"({'LCSPR' if r.ongoing_at_start == 1 else 'LCSPRs'}) "
        f"{'was' if r.ongoing_at_start == 1 else 'were'} ongoing. "
    )
    year = "the year" if section.label else "the period"
    if r.commissioned:
        out += (
            f"{capital(counted(r.commissioned, 'further LCSPR'))} "
            f"{'was' if r.commissioned == 1 else 'were'} commissioned during {year}. "
        )
    else:
        out += f"No further LCSPRs were commissioned during {year}. "
    if r.published:
        out += f"{during}, {counted(r.published, 'review')} {'was' if r.published == 1 else 'were'} finalised and published"
        if r.published_on_time == r.published:
            out += ", within " + target + "." if r.published == 1 else f", all within {target}."
        elif r.published_on_time == 0:
            out += f", none within {target}."
        else:
            out += f", {number(r.published_on_time)} of them within {target}."
    else:
        out += f"{during}, no reviews were published."
    if r.open_at_end:
        out += (
            f" On {day_text(section.end)}, {counted(r.open_at_end, 'review')} "
            f"{'was' if r.open_at_end == 1 else 'were'} still open"
        )
        late = []
        if r.overdue:
            late.append(
                f"{number(r.overdue)} past {target} with no recorded cause "
                f"({_told(r.overdue_panel_told, r.overdue)})"
            )
        if r.delayed_proceedings:
            late.append(
                f"{number(r.delayed_proceedings)} delayed by proceedings "
                f"({_told(r.delayed_panel_told, r.delayed_proceedings)})"
            )
        out += ": " + " and ".join(late) + "." if late else ", none of them past the target."
    return [out]


def section_blocks(section: AnnualSection, *, figures: bool) -> list[Block]:
    """The section, as headings, paragraphs and figures."""
    sin, rr, pr = (section.parts[i] for i in range(3))
    start, end = section.start, section.end
    title = (
        f"Case reviews, {section.label}"
        if section.label
        else (f"Case reviews, {day_text(start)} to {day_text(end)}")
    )
    blocks: list[Block] = [Heading(title)]

    blocks.append(Heading("Serious incident notifications"))
    if not sin.stats.completed and not sin.stats.open:
        blocks.append(Paragraph(("No serious incident notifications were made.", Mark())))
    else:
        text = _timed(
            sin,
            sent="submitted",
            what="serious incident notification (SIN)",
            whats="serious incident notifications (SINs)",
            start=start,
            end=end,
            by_whom="the local authority",
        )
        text.insert(1, Mark())
        text += _still_open(sin, end, "incident", "incidents", "notified")
        blocks.append(Paragraph(tuple(_fix_whats(text, "notification", "notifications"))))
        if figures and sin.bars:
            blocks.append(Figure(1, sin, "Working days from awareness to notification, by case"))

    blocks.append(Heading("Rapid reviews"))
    if not rr.stats.completed and not rr.stats.open:
        blocks.append(Paragraph(("No rapid reviews were sent.",)))
    else:
        text = _timed(
            rr,
            sent="sent",
            what="rapid review",
            whats="rapid reviews",
            start=start,
            end=end,
            by_whom="the safeguarding partners",
        )
        text += _still_open(rr, end, "rapid review", "rapid reviews", "sent")
        text += _decisions(section)
        text += _panel_views(section)
        blocks.append(Paragraph(tuple(text)))
        if figures and rr.bars:
            blocks.append(Figure(2, rr, "Working days from notification to rapid review, by case"))

    blocks.append(Heading("The National Panel's response"))
    target = target_words(pr.stage)
    if not pr.stats.completed and not pr.stats.open:
        blocks.append(Paragraph(("The Panel had no rapid reviews to respond to.",)))
    else:
        s = pr.stats
        text = [
            f"The National Panel aims to respond to a rapid review within {target}s; this is "
            f"the Panel's own target, not the partnership's. It responded to "
            f"{counted(s.completed, 'rapid review')}"
        ]
        if s.completed:
            if s.on_time == s.completed:
                text.append(
                    ", within its target." if s.completed == 1 else ", all within its target."
                )
            else:
                text.append(f", {number(s.on_time)} within its target and {number(s.late)} later: ")
                text += _late_list(pr.late)
                text.append(".")
        else:
            text.append(".")
        if s.open:
            text.append(
                f" On {day_text(end)}, it had yet to respond to "
                f"{counted(s.open, 'rapid review')}"
                + (_of_them(s.open_overdue, s.open, "past its target") if s.open_overdue else "")
                + "."
            )
        blocks.append(Paragraph(tuple(text)))
        if figures and pr.bars:
            blocks.append(Figure(3, pr, "Working days the Panel took to respond, by case"))

    blocks.append(Heading("Local child safeguarding practice reviews"))
    blocks.append(Paragraph(tuple(_local(section))))
    return blocks


def _fix_whats(segments: list[Segment], what: str, whats: str) -> list[Segment]:
    """After the first mention, a SIN is a ``notification``: "All notifications were ..."."""
    out: list[Segment] = []
    for i, seg in enumerate(segments):
        if isinstance(seg, str) and i > 0:
            seg = seg.replace("serious incident notifications (SINs)", whats).replace(
                "serious incident notification (SIN)", what
            )
        out.append(seg)
    return out
