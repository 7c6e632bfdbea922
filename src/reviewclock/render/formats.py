"""The digest in every format the report offers: text, markdown, html, json and csv.

All of them read the same :class:`~reviewclock.digest.Digest` and the same
phrases (:mod:`reviewclock.render.text`), so a line says the same thing in a
terminal, a spreadsheet and an email.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from reviewclock.dates import describe
from reviewclock.digest import Digest, DigestLine
from reviewclock.render import visible
from reviewclock.render.colours import STATE_STYLE
from reviewclock.render.data import stage_dict
from reviewclock.render.phrases import action_for, counts_line, days_text, due_text
from reviewclock.render.text import LOCAL_GROUP, digest_text, groups

# Colours for the HTML digest, matching the terminal's: red, magenta, amber, green.
HTML_COLOURS = {
    "red": "#b71c1c",
    "magenta": "#7b1fa2",
    "dark_orange": "#e65100",
    "green": "#2e7d32",
}


def line_dict(group: str, line: DigestLine) -> dict[str, Any]:
    """One digest line for JSON: the same keys as a stage in ``status --json``, plus the case."""
    return {"ref": line.ref, "group": group, **stage_dict(line.stage), "action": action_for(line)}


def digest_json(digest: Digest) -> str:
    data: dict[str, Any] = {
        "as_of": digest.as_of.isoformat(),
        "counts": {name: len(lines) for name, _, lines in groups(digest)},
        "panel_not_told": digest.panel_not_told,
    }
    data["counts"].setdefault(LOCAL_GROUP, 0)
    data[LOCAL_GROUP] = []
    for name, _, lines in groups(digest):
        data[name] = [line_dict(name, line) for line in lines]
    return json.dumps(data, indent=2) + "\n"


CSV_COLUMNS = (
    "group",
    "ref",
    "stage",
    "state",
    "due",
    "working_days_left",
    "panel_told",
    "action",
    "source",
    "statutory_due",
)


def digest_csv(digest: Digest) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, _, lines in groups(digest):
        for line in lines:
            s = line.stage
            told = "" if s.delay is None else ("yes" if s.delay.panel_told else "no")
            writer.writerow(
                [
                    name,
                    line.ref,
                    s.stage.name,
                    str(s.state),
                    s.due.isoformat(),
                    line.working_days,
                    told,
                    action_for(line),
                    s.stage.source,
                    s.rule_due.isoformat(),
                ]
            )
    return out.getvalue()


def _md(text: str) -> str:
    """A table cell: pipes and line breaks would break the table."""
    return visible(text).replace("\\", "\\\\").replace("|", "\\|")


def digest_markdown(digest: Digest) -> str:
    out = [f"# reviewclock digest for {describe(digest.as_of)}", "", counts_line(digest)]
    for _, title, lines in groups(digest):
        out += ["", f"## {title} ({len(lines)})", ""]
        if not lines:
            out.append("None.")
            continue
        out.append("| Case | Stage | Due | Working days | Action |")
        out.append("|---|---|---|---|---|")
        for line in lines:
            cells = [
                line.ref,
                line.stage.stage.name,
                due_text(line.stage),
                days_text(line.stage, short=False),
                action_for(line),
            ]
            out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def digest_html(digest: Digest) -> str:
    """A self-contained page (inline styles, no scripts, no external files) for mail clients."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reviewclock", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    colour = {
        str(state): HTML_COLOURS[style.split()[-1]]
        for state, style in STATE_STYLE.items()
        if style.split()[-1] in HTML_COLOURS
    }
    sections = [
        {
            "title": title,
            "state": name,
            "colour": colour.get(name, "#333333"),
            "lines": [
                {
                    "ref": visible(line.ref),
                    "stage": line.stage.stage.name,
                    "title": line.stage.stage.title,
                    "due": due_text(line.stage),
                    "days": days_text(line.stage, short=False),
                    "action": action_for(line),
                    "alert": line.stage.delay is not None and not line.stage.delay.panel_told,
                }
                for line in lines
            ],
        }
        for name, title, lines in groups(digest)
    ]
    return env.get_template("digest.html").render(
        as_of=describe(digest.as_of), counts=counts_line(digest), sections=sections
    )


RENDERERS: dict[str, Callable[[Digest], str]] = {  # one for each of DIGEST_FORMATS
    "text": digest_text,
    "markdown": digest_markdown,
    "html": digest_html,
    "json": digest_json,
    "csv": digest_csv,
}
