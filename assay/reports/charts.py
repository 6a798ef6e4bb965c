"""Charts drawn with matplotlib: a radar of level ranges, an area × level heat map and the level trend.

Each chart is a matplotlib Figure (no pyplot, so no global state), rendered to SVG text for the HTML
report or to SVG/PNG files for slides. Output is deterministic: fixed hash salt, no dates in metadata.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec

from assay.history.trend import TrendPoint
from assay.reports import formatting
from assay.scoring import AreaResult, RulesetResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LEVEL_COLOUR = "#2563eb"
UPPER_COLOUR = "#93c5fd"
MET, OPEN, NOT_MET = "#16a34a", "#f59e0b", "#e5e7eb"
INK, MUTED = "#1f2937", "#6b7280"
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f")
_RC = {
    "svg.hashsalt": "assay",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "text.color": INK,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
}


P = ParamSpec("P")


def _styled(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Build the figure under assay's chart style (fonts and colours are fixed when artists are made)."""

    @wraps(build)
    def styled(*args: P.args, **kwargs: P.kwargs) -> Figure:
        from matplotlib import rc_context

        with rc_context(_RC):
            return build(*args, **kwargs)

    return styled


@_styled
def radar(rs: RulesetResult) -> Figure:
    """One axis per area, from level 1 to 5: the decided level filled, the upper bound dashed."""
    from matplotlib.figure import Figure

    areas = rs.areas
    n = max(len(areas), 3)  # a radar needs three axes to be a shape; pad with empty spokes
    angles = [2 * math.pi * i / n for i in range(n)]
    fig = Figure(figsize=(5.2, 4.6))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)  # first area at the top, the others clockwise
    ax.set_theta_direction(-1)
    closed = [*angles, angles[0]]
    for values, colour, style, alpha, label in (
        ([a.upper for a in areas], UPPER_COLOUR, "--", 0.18, "upper bound (unknowns as met)"),
        ([a.level for a in areas], LEVEL_COLOUR, "-", 0.35, "level (decided by the evidence)"),
    ):
        padded = [*values, *[1] * (n - len(values))]
        ring = [*padded, padded[0]]
        ax.plot(closed, ring, style, color=colour, linewidth=2, label=label)
        ax.fill(closed, ring, color=colour, alpha=alpha)
        ax.scatter(angles[: len(values)], values, color=colour, s=18, zorder=3)
    ax.set_ylim(0, 5.15)  # room for the line width at level 5
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_yticklabels(["1", "2", "3", "4", "5"], fontsize=8, color=MUTED)
    ax.set_rlabel_position(180 / n)
    ax.set_xticks(angles)
    ax.set_thetalim(0, 2 * math.pi)
    ax.set_xticklabels(
        [_wrap(formatting.heading(a.title), 16) for a in areas] + [""] * (n - len(areas)), fontsize=9
    )
    ax.tick_params(axis="x", pad=14)
    ax.grid(color="#d1d5db", linewidth=0.8)
    ax.spines["polar"].set_visible(False)
    fig.legend(loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.subplots_adjust(top=0.88, bottom=0.16, left=0.1, right=0.9)
    return fig


@_styled
def heatmap(rs: RulesetResult) -> Figure:
    """Areas × levels: green where the level is met, amber where unknowns leave it open, grey beyond."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    areas = rs.areas
    grid = [[cell_state(a, level) for level in range(1, 6)] for a in areas]
    fig = Figure(figsize=(5.6, 0.6 * len(areas) + 1.4))
    ax = fig.add_subplot()
    ax.imshow(grid, cmap=ListedColormap([NOT_MET, OPEN, MET]), vmin=0, vmax=2, aspect="auto")
    for row, area in enumerate(areas):
        for col, level in enumerate(range(1, 6)):
            colour = "white" if grid[row][col] == 2 else INK
            ax.text(col, row, cell_text(area, level), ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(5))
    ax.set_xticklabels(
        [f"{lv}\n{formatting.short_level_name(rs.levels, lv)}" for lv in range(1, 6)], fontsize=8
    )
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(areas)))
    ax.set_yticklabels([_wrap(formatting.heading(a.title), 22) for a in areas], fontsize=9)
    ax.set_xticks([x + 0.5 for x in range(4)], minor=True)
    ax.set_yticks([y + 0.5 for y in range(len(areas) - 1)], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    legend = [
        Patch(color=MET, label="met"),
        Patch(color=OPEN, label="open (unknowns)"),
        Patch(color=NOT_MET, label="not met"),
    ]
    fig.legend(handles=legend, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.subplots_adjust(
        top=1 - 0.75 / fig.get_figheight(), bottom=0.5 / fig.get_figheight(), left=0.3, right=0.98
    )
    return fig


@_styled
def trend(rs: RulesetResult, points: Sequence[TrendPoint]) -> Figure:
    """Each area's level over the recorded audits.

    A decided level (level == upper) is a point on the area's line. An audit that left the level
    undecided — a source not read, an attestation still open — is a hatched bar over the whole range and
    a gap in the line: it is never drawn as a drop to the lower bound.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    ncol = 4 if max((len(a.title) for a in rs.areas), default=0) <= 18 else 2
    legend_rows = math.ceil((len(rs.areas) + 1) / ncol)
    fig = Figure(figsize=(7.2, 3.0 + 0.22 * legend_rows))
    ax = fig.add_subplot()
    xs = list(range(len(points)))
    for i, area in enumerate(rs.areas):
        colour = PALETTE[i % len(PALETTE)]
        shift = (i - (len(rs.areas) - 1) / 2) * 0.03  # keep equal lines and bars apart
        key = f"{rs.id}:{area.id}"
        ranges = [p.levels.get(key) for p in points]
        decided = [r[0] if r and r[0] == r[1] else math.nan for r in ranges]
        ax.plot(
            [x + shift for x in xs],
            decided,
            "-o",
            color=colour,
            linewidth=2,
            markersize=4,
            label=formatting.heading(area.title),
        )
        for x, r in zip(xs, ranges, strict=True):
            if r and r[0] != r[1]:
                ax.bar(
                    x + shift,
                    r[1] - r[0],
                    bottom=r[0],
                    width=0.05,
                    facecolor="none",
                    edgecolor=colour,
                    hatch="////",
                    linewidth=1,
                )
    ax.set_ylim(0.6, 5.4)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xlim(-0.5, len(points) - 0.5)
    ax.set_xticks(xs)
    ax.set_xticklabels([p.label for p in points], fontsize=8)
    ax.set_ylabel("level", fontsize=8)
    ax.grid(axis="y", color="#e5e7eb")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles, _ = ax.get_legend_handles_labels()
    undecided = Patch(facecolor="none", edgecolor=MUTED, hatch="////", label="undecided (not a drop)")
    fig.legend(handles=[*handles, undecided], loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    fig.subplots_adjust(
        left=0.08, right=0.98, top=0.96, bottom=(0.55 + 0.22 * legend_rows) / fig.get_figheight()
    )
    return fig


def to_svg(fig: Figure, title: str = "", prefix: str = "") -> str:
    """The figure as an inline SVG element (no XML prolog), with an accessible title.

    `prefix` makes the element ids unique when several figures share one page (matplotlib numbers them
    the same way in every figure).
    """
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context(_RC):
        meta = {"Date": None, "Creator": "assay", **({"Title": title} if title else {})}
        fig.savefig(buf, format="svg", metadata=meta)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    if prefix:
        text = re.sub(r'\bid="', f'id="{prefix}-', text)
        text = re.sub(r"url\(#", f"url(#{prefix}-", text)
        text = re.sub(r'href="#', f'href="#{prefix}-', text)
    return text


def save(fig: Figure, path: Path) -> Path:
    """Write the figure as SVG or PNG (by suffix), deterministically."""
    from matplotlib import rc_context

    path.parent.mkdir(parents=True, exist_ok=True)
    with rc_context(_RC):
        if path.suffix == ".png":
            fig.savefig(path, format="png", dpi=200, metadata={"Software": None})
        else:
            fig.savefig(path, format="svg", metadata={"Date": None, "Creator": "assay"})
    return path


def cell_state(area: AreaResult, level: int) -> int:
    if level <= area.level:
        return 2
    return 1 if level <= area.upper else 0


def cell_text(area: AreaResult, level: int) -> str:
    if level == 1:
        return "floor"
    at = [c for c in area.criteria if c.level == level]
    if not at:
        return "–"
    counts = [
        (sum(1 for c in at if c.status == s), mark)
        for s, mark in (("pass", "✓"), ("fail", "✗"), ("unknown", "?"), ("not_applicable", "–"))
    ]
    return " ".join(f"{mark}{n}" for n, mark in counts if n)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text
