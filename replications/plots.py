"""Matplotlib style and saving shared by every figure of the report (PNG for the report, SVG for papers)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on CI or clusters

import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.hashsalt": "batchsize-replications",  # fixed element ids: a rerun writes the same SVG
}
# One colour per regime or schedule, the same in every figure.
COLORS = {"SB": "#1f77b4", "LB": "#d62728"}


def new_figure(columns: int = 1, width: float = 4.2, height: float = 3.2, rows: int = 1) -> tuple[plt.Figure, list[plt.Axes]]:
    """A figure of rows x columns panels, each width x height inches; the axes row by row."""
    plt.rcParams.update(STYLE)
    figure, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False, layout="constrained")
    return figure, list(axes.ravel())


def save(figure: plt.Figure, path: str | Path) -> None:
    """Write `path` (.png) and an .svg twin beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    figure.savefig(path.with_suffix(".svg"), metadata={"Date": None})  # no time stamp: a rerun leaves git clean
    plt.close(figure)


VERDICT_COLORS = {"reproduced": "#2ca02c", "not reproduced": "#d62728", "inconclusive": "#b8860b"}


def forest_plot(claims, title: str, path: str | Path) -> None:
    """One row per claim cell: our effect and its interval against the rule's threshold or margin (dashed) and the
    paper's effect (diamond), each row on its own scale (the units differ), coloured by verdict."""
    rows = claims.reset_index(drop=True)
    figure, axes = new_figure(width=7.5, height=0.62, rows=max(1, len(rows)))
    for axis, row in zip(axes, rows.itertuples()):
        color = VERDICT_COLORS[row.verdict]
        points = [value for value in (row.effect, row.effect_low, row.effect_high, row.threshold, row.paper_effect) if _finite(value)]
        if _finite(row.effect):
            low = row.effect - row.effect_low if _finite(row.effect_low) else 0
            high = row.effect_high - row.effect if _finite(row.effect_high) else 0
            axis.errorbar([row.effect], [0], xerr=[[low], [high]], fmt="o", color=color, capsize=3, markersize=4)
        if _finite(row.threshold):
            axis.axvline(row.threshold, color="#555", linestyle="--", linewidth=1)
        if _finite(row.paper_effect):
            axis.plot([row.paper_effect], [0], marker="D", color="#333", markersize=4, linestyle="none")
        if points:
            spread = max(points) - min(points) or abs(max(points)) or 1.0
            axis.set_xlim(min(points) - 0.15 * spread, max(points) + 0.15 * spread)
        marks = ("  [post hoc]" if row.post_hoc else "") + ("  [fragile]" if row.fragile else "")
        axis.set_yticks([])
        axis.set_ylabel("")
        axis.set_title(f"{row.claim_id} ({row.effect_unit or 'no effect size'}): {row.verdict}{marks}", fontsize=7, loc="left", color=color)
        axis.tick_params(axis="x", labelsize=7)
        axis.grid(axis="y", visible=False)
    figure.suptitle(f"{title}: effect and interval (dots), rule threshold (dashed), paper's effect (diamond)", fontsize=8)
    save(figure, path)


def _finite(value) -> bool:
    try:
        return value == value and abs(value) != float("inf")
    except TypeError:
        return False
