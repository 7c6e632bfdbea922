"""Annual-report charts: one horizontal bar per stage, on time against late.

matplotlib is an optional extra (``pip install 'reviewclock[charts]'``): it is
large, and only this module imports it, only when a chart is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reviewclock.dates import describe
from reviewclock.errors import UsageProblem
from reviewclock.report import StageStats
from reviewclock.rules import Stage

CHART_SUFFIXES = (".svg", ".png")
ON_TIME, LATE, OPEN = "#2e7d32", "#b71c1c", "#9e9e9e"


def write_chart(
    path: Path,
    stats: Mapping[str, StageStats],
    stages: tuple[Stage, ...],
    period: tuple[object, object],
) -> None:
    """Write the figures to ``path`` (SVG or PNG, by its suffix): one chart per stage."""
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise UsageProblem(f"{path.name!r}: a chart is written as .svg or .png")
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
        ax.barh([0], [s.on_time], color=ON_TIME, label="on time")
        ax.barh([0], [s.late], left=[s.on_time], color=LATE, label="late")
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
    fig.savefig(
        path, format=suffix[1:], dpi=150, metadata={"Date": None} if suffix == ".svg" else None
    )
    plt.close(fig)
