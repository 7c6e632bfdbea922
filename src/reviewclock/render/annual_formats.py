"""The annual report's case-review section as markdown and as a self-contained HTML page,
and written to files with its figures.

Figures are drawn by :mod:`reviewclock.render.chart` when matplotlib is
installed; without it the text is written all the same, with a notice that the
figures were left out.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reviewclock.annual import AnnualSection
from reviewclock.errors import UsageProblem
from reviewclock.render.annual import (
    FOOTNOTE,
    Figure,
    Heading,
    Mark,
    Paragraph,
    Ref,
    Segment,
    section_blocks,
)

# -- markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")


def md_escape(text: str) -> str:
    """Text that markdown shows as written: its markup characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def annual_markdown(section: AnnualSection, figure_files: Mapping[str, str] | None = None) -> str:
    """The section in markdown. ``figure_files`` maps each figure's name to the file it was
    written to, relative to the markdown; without it the figures are left out."""
    out: list[str] = []
    first = True
    for block in section_blocks(section, figures=figure_files is not None):
        if isinstance(block, Heading):
            out += [("# " if first else "## ") + block.text, ""]
            first = False
        elif isinstance(block, Paragraph):
            out += ["".join(_md_segment(s) for s in block.segments), ""]
        else:
            assert figure_files is not None
            caption = f"Figure {block.number}: {block.caption}"
            out += [f"![{md_escape(caption)}]({figure_files[block.name]})", "", f"*{caption}*", ""]
    out += ["---", "", f"[^1]: {FOOTNOTE}", ""]
    return "\n".join(out)


def _md_segment(seg: Segment) -> str:
    if isinstance(seg, Ref):
        return md_escape(seg.text)
    if isinstance(seg, Mark):
        return "[^1]"
    return seg


# -- HTML ---------------------------------------------------------------------------------------


def annual_html(section: AnnualSection, figure_svgs: Mapping[str, str] | None = None) -> str:
    """A self-contained page: inline styles and inline SVG figures, no scripts, nothing
    fetched from elsewhere. Opens in a browser and pastes into Word."""
    import jinja2
    from markupsafe import Markup, escape

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reviewclock", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )

    def paragraph(block: Paragraph) -> Markup:
        html = Markup("")
        for seg in block.segments:
            if isinstance(seg, Ref):
                html += Markup("<strong>{}</strong>").format(seg.text)
            elif isinstance(seg, Mark):
                html += Markup('<sup><a href="#note-1" id="note-1-ref">1</a></sup>')
            else:
                html += escape(seg)
        return html

    items: list[dict[str, Any]] = []
    for block in section_blocks(section, figures=figure_svgs is not None):
        if isinstance(block, Heading):
            items.append({"kind": "heading", "text": block.text})
        elif isinstance(block, Paragraph):
            items.append({"kind": "paragraph", "html": paragraph(block)})
        else:
            assert figure_svgs is not None
            items.append(
                {
                    "kind": "figure",
                    "number": block.number,
                    "caption": block.caption,
                    # Drawn by matplotlib from numbers and escaped references (see chart.py).
                    "svg": Markup(figure_svgs[block.name]),
                }
            )
    return env.get_template("annual.html").render(
        title=items[0]["text"], items=items[1:], footnote=FOOTNOTE
    )


# -- files ----------------------------------------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    """Write a report file readable by its owner alone (0600): it names cases."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    path.chmod(0o600)


def write_section(section: AnnualSection, section_format: str, output: Path | None) -> str | None:
    """Write the section to stdout, or into ``output`` with its figures where they can be
    drawn. Returns a notice for the user when the figures were left out."""
    figures = [b for b in section_blocks(section, figures=True) if isinstance(b, Figure)]
    svgs: dict[str, str] | None = None
    notice = None
    if figures and section_format == "markdown" and output is None:
        notice = "figures left out: markdown writes them as files only with --output DIR"
    elif figures:
        try:
            from reviewclock.render.chart import case_figure_svg

            standalone = section_format == "markdown"
            svgs = {f.name: case_figure_svg(f.part, standalone=standalone) for f in figures}
        except ImportError:
            notice = "figures left out: they need matplotlib (pip install 'reviewclock[charts]')"
    else:
        svgs = {}
    if output is None:
        text = annual_html(section, svgs) if section_format == "html" else annual_markdown(section)
        sys.stdout.write(text)
    else:
        try:
            output.mkdir(mode=0o700, parents=True, exist_ok=True)
            stem = "case-reviews-" + (
                section.label.replace("/", "-")
                if section.label
                else f"{section.start.isoformat()}-to-{section.end.isoformat()}"
            )
            if section_format == "html":
                target = output / f"{stem}.html"
                _write_private(target, annual_html(section, svgs))
            else:
                files = None
                if svgs is not None:
                    files = {}
                    for name, svg in svgs.items():
                        _write_private(output / f"{stem}-{name}.svg", svg)
                        files[name] = f"{stem}-{name}.svg"
                target = output / f"{stem}.md"
                _write_private(target, annual_markdown(section, files))
        except OSError as e:
            raise UsageProblem(f"--output {output}: cannot write there: {e.strerror}") from None
        print(f"Written to {target}.")
    return notice
