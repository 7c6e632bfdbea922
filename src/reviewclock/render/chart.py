"""Annual-report charts: one horizontal bar per stage, on time against late; and the
section's per-case figures, one bar per case.

matplotlib is an optional extra (``pip install 'reviewclock[charts]'``): it is
large, and only this module imports it, only when a chart is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reviewclock.annual import StagePart
from reviewclock.dates import describe
from reviewclock.errors import UsageProblem
from reviewclock.rules import Stage
from reviewclock.stats import StageStats

ON_TIME, LATE, OPEN = "#2e7d32", "#b71c1c", "#9e9e9e"


def write_chart(
    path: Path,
    stats: Mapping[str, StageStats],
    stages: tuple[Stage, ...],
    period: tuple[object, object],
) -> None:
    """Write the figures to ``path`` (SVG or PNG, by its suffix): one chart per stage."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no screen needed: cron and servers have none
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise UsageProblem("charts need matplotlib: pip install 'reviewclock[charts]'") from None

    start, end = period
    fig, axes = plt.subplots(len(stages), 1, figsize=(8, 1.25 * len(stages) + 0.9), squeeze=False)
    for ax, stage in zip(axes[:, 0], stages, strict=True):
        s = stats[stage.name]
        # Named in an SVG (``<g id="sin-late">``), so that the drawn values can be read back.
        ax.patch.set_gid(f"{stage.name}-axes")
        ax.barh([0], [s.on_time], color=ON_TIME, label="on time", gid=f"{stage.name}-on-time")
        ax.barh([0], [s.late], left=[s.on_time], color=LATE, label="late", gid=f"{stage.name}-late")
        total = max(s.completed, 1)
        for value, left in ((s.on_time, 0), (s.late, s.on_time)):
            if value:
                ax.text(
                    left + value / 2,
                    0,
                    f"{value} ({100 * value / total:.0f}%)",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=9,
                    fontweight="bold",
                )
        if not s.completed:
            ax.text(
                0.5,
                0,
                "none completed in this period",
                ha="center",
                va="center",
                color=OPEN,
                fontsize=9,
                transform=ax.get_yaxis_transform(),
            )
        ax.set_xlim(0, max(s.completed, 1))
        ax.set_ylim(-0.6, 0.6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_yticks([])
        limit = f"{stage.length} {stage.unit}" + (
            f" {stage.direction} {stage.starts_on[0]}" if stage.direction == "before" else ""
        )
        ax.set_title(
            f"{stage.title} ({limit}): {s.completed} completed"
            + (f", {s.open} open at period end" if s.open else ""),
            loc="left",
            fontsize=10,
        )
        ax.spines[["top", "right", "left"]].set_visible(False)
        ax.tick_params(axis="x", labelsize=8)
    axes[0, 0].legend(
        loc="lower right", bbox_to_anchor=(1.0, 1.25), ncol=2, frameon=False, fontsize=9
    )
    fig.suptitle(
        f"Timeliness, {describe(start)} to {describe(end)}",  # type: ignore[arg-type]
        x=0.01,
        ha="left",
        fontsize=12,
        fontweight="bold",
    )
    fig.tight_layout()
    suffix = path.suffix.lower()  # .svg or .png: the command line refuses any other
    fig.savefig(
        path, format=suffix[1:], dpi=150, metadata={"Date": None} if suffix == ".svg" else None
    )
    plt.close(fig)


# -- the annual report's per-case figures ----------------------------------------------------

EXTENDED = "#ef6c00"
OUTCOME_COLOURS = {
    "on-time": ON_TIME,
    "extended": EXTENDED,
    "late": LATE,
    "open": OPEN,
    "open-late": LATE,
}
"""Each bar's colour by its outcome (see ``reviewclock.annual.Outcome``); open bars are
drawn hatched in that colour on white."""


def _plain(text: str) -> str:
    """A label matplotlib draws as written: ``$`` would otherwise start mathematics."""
    return text.replace("\\", "\\\\").replace("$", r"\$")


def case_figure_svg(part: StagePart, *, standalone: bool = False) -> str:
    """One stage's figure as SVG: a bar per case in date order, labelled by reference, its
    height the working days taken (so far, hatched, for a stage still open), and a line at
    the target. Text stays text (searchable, and escaped by matplotlib's SVG writer).

    ``standalone`` keeps the XML prolog, for an .svg file; without it the result is an
    ``<svg>`` element to place inside an HTML page. Raises ImportError without matplotlib.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.artist import Artist
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    bars = part.bars
    name = part.stage.name
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        fig, ax = plt.subplots(figsize=(min(12.0, max(6.0, 0.55 * len(bars) + 2.0)), 3.6))
        xs = range(len(bars))
        for x, bar in zip(xs, bars, strict=True):
            colour = OUTCOME_COLOURS[bar.outcome]
            drawn = ax.bar(
                [x],
                [bar.working_days],
                width=0.7,
                color="white" if bar.is_open else colour,
                edgecolor=colour,
                hatch="///" if bar.is_open else None,
                linewidth=1.2,
            )
            drawn.patches[0].set_gid(f"{name}-bar-{x}")
            label = f"{bar.working_days}" + (" so far" if bar.is_open else "")
            ax.annotate(
                label,
                (x, bar.working_days),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                gid=f"{name}-value-{x}",
            )
        target = ax.axhline(
            part.target,
            color="#212121",
            linestyle="--",
            linewidth=1,
            label=f"target: {part.target} working days",
        )
        ax.set_xticks(list(xs), [_plain(b.ref) for b in bars], rotation=45, ha="right", fontsize=8)
        ax.set_xlim(-0.6, max(len(bars), 1) - 0.4)
        top = max([part.target, *(b.working_days for b in bars)])
        ax.set_ylim(0, top * 1.18 + 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("working days", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        seen = {b.outcome for b in bars}
        legend: list[Artist] = [
            target,
            Patch(facecolor=ON_TIME, label="on time"),
            *(
                [Patch(facecolor=EXTENDED, label="within agreed extension")]
                if "extended" in seen
                else []
            ),
            Patch(facecolor=LATE, label="late"),
            *(
                [Patch(facecolor="white", edgecolor=OPEN, hatch="///", label="open (so far)")]
                if any(b.is_open for b in bars)
                else []
            ),
        ]
        ax.legend(
            handles=legend,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            fontsize=8,
            frameon=False,
            ncol=len(legend),
        )
        ax.set_title(part.stage.title, loc="left", fontsize=10, pad=22)
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
        plt.close(fig)
    svg = out.getvalue()
    return svg if standalone else svg[svg.index("<svg") :]
