"""Matplotlib style and saving shared by every figure of the report (PNG for the report, SVG for papers)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on CI or clusters

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from replications import job_clock
from replications.claims import INCONCLUSIVE, NO_FINDING, NOT_A_CLAIM, NOT_MEASURED, NOT_REPRODUCED, REPRODUCED

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
    with job_clock.phase("figures"):
        figure.savefig(path)
        figure.savefig(path.with_suffix(".svg"), metadata={"Date": None})  # no time stamp: a rerun leaves git clean
    plt.close(figure)


VERDICT_COLORS = {REPRODUCED: "#2ca02c", NOT_REPRODUCED: "#d62728", INCONCLUSIVE: "#b8860b", NOT_MEASURED: "#8c8c8c", NOT_A_CLAIM: "#8c8c8c"}
# The forest plot's x: effect / |MDE|, a unit every cell has, so one axis serves cells of any unit.
FOREST_LINEAR = 1.0  # symlog: linear within +-1 MDE, where the tests decide; logarithmic beyond, so a large effect keeps the rest readable
FOREST_CLIP = 1000.0  # beyond this (a tiny MDE from a near-constant measurement), drawn at the edge as an arrow
FOREST_AXIS_LABEL = "effect / MDE (detectability, not effect size: 1 = the smallest effect the cell's test detects)"
_SCALED = {"x": "effect", "low": "effect_low", "high": "effect_high", "threshold": "threshold", "paper": "paper_effect"}


def forest_positions(claims: pd.DataFrame) -> pd.DataFrame:
    """Per cell, in order: effect, interval ends, threshold and paper effect divided by |MDE|, clipped to +-FOREST_CLIP;
    `clipped` where the effect was clipped, `missing` why a cell has no position ('' where it has one), its y label."""
    rows = claims.reset_index(drop=True)
    mde = pd.to_numeric(rows["mde"], errors="coerce").abs()
    scale = mde.where(np.isfinite(mde) & (mde > 0))  # a zero MDE (no spread) scales nothing
    positions = pd.DataFrame({name: pd.to_numeric(rows[column], errors="coerce") / scale for name, column in _SCALED.items()})
    clipped = positions["x"].abs() > FOREST_CLIP
    positions = positions.clip(-FOREST_CLIP, FOREST_CLIP)
    effect = pd.to_numeric(rows["effect"], errors="coerce")
    missing = np.where(~np.isfinite(effect), "no effect size", np.where(scale.isna(), "no MDE to scale by", ""))
    return positions.assign(clipped=clipped, missing=missing, verdict=rows["verdict"], label=[_forest_label(row) for row in rows.itertuples()])


def _forest_label(row) -> str:
    marks = [("not "
              "measured", row.verdict == NOT_MEASURED), ("not a claim", row.verdict == NOT_A_CLAIM), ("fragile", _flag(row.fragile)),
             ("post hoc", _flag(row.post_hoc))]
    return row.claim_id + "".join(f" [{mark}]" for mark, present in marks if present)


def _flag(value) -> bool:
    return bool(pd.notna(value) and value)  # a flag read back from a CSV may be missing


def forest_figure(claims: pd.DataFrame, title: str) -> plt.Figure:
    """One axis for every cell of a paper: a row per cell (y), its effect and interval in units of its MDE (x, symlog),
    the rule's threshold (dashed tick) and the paper's effect (diamond), coloured by verdict; not measured: grey, hollow."""
    positions = forest_positions(claims)
    figure, (axis,) = new_figure(width=7.5, height=1.3 + 0.22 * max(1, len(positions)))
    for y, cell in enumerate(positions.itertuples()):
        _draw_cell(axis, y, cell)
    _forest_axis(axis, positions)
    unmeasured = int((positions["verdict"] == NOT_MEASURED).sum())
    not_claims = int((positions["verdict"] == NOT_A_CLAIM).sum())
    figure.suptitle(f"{title}: {len(positions)} cells, {unmeasured} not measured{f', {not_claims} not a claim' if not_claims else ''} (grey, hollow)\n"
                    "effect and interval (dot, line), rule threshold (dashed tick), paper's effect (diamond)", fontsize=8)
    figure.legend(handles=_forest_legend(positions), loc="outside lower center", ncol=6, fontsize=7)
    return figure


def _draw_cell(axis: plt.Axes, y: int, cell) -> None:
    color = VERDICT_COLORS[cell.verdict]
    if cell.missing:
        axis.text(0.005, y, cell.missing, transform=axis.get_yaxis_transform(), color=color, fontsize=7, style="italic", va="center")
        return
    hollow = cell.verdict in NO_FINDING  # its numbers are a record of what was measured, not a finding
    if np.isfinite(cell.low) and np.isfinite(cell.high):
        axis.plot([cell.low, cell.high], [y, y], color=color, linewidth=1.5, linestyle=":" if hollow else "-")
    marker = ("<" if cell.x < 0 else ">") if cell.clipped else "o"
    axis.plot([cell.x], [y], marker=marker, color=color, markerfacecolor="white" if hollow else color, markersize=5, linestyle="none")
    if np.isfinite(cell.threshold):
        axis.plot([cell.threshold] * 2, [y - 0.35, y + 0.35], color="#555", linestyle="--", linewidth=1)
    if np.isfinite(cell.paper):
        axis.plot([cell.paper], [y], marker="D", color="#333", markersize=4, linestyle="none")


def _forest_axis(axis: plt.Axes, positions: pd.DataFrame) -> None:
    """Symmetric symlog x around 0 (signs compare at a glance), the cells top to bottom, labels in their verdict's colour."""
    values = positions[list(_SCALED)].to_numpy(dtype=float)
    reach = np.nanmax(np.abs(values), initial=0.0, where=np.isfinite(values))
    limit = max(3 * FOREST_LINEAR, 1.3 * reach)
    axis.set_xscale("symlog", linthresh=FOREST_LINEAR)
    axis.set_xlim(-limit, limit)
    axis.axvline(0, color="#333", linewidth=0.8)
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_xlabel(f"{FOREST_AXIS_LABEL}\nsymlog: linear within ±{FOREST_LINEAR:g}, logarithmic beyond; beyond ±{FOREST_CLIP:g}: an arrow",
                    fontsize=7)
    axis.set_yticks(range(len(positions)), positions["label"], fontsize=7)
    for label, verdict in zip(axis.get_yticklabels(), positions["verdict"]):
        label.set_color(VERDICT_COLORS[verdict])
    axis.set_ylim(len(positions) - 0.5, -0.5)  # the first cell on top
    axis.grid(axis="y", visible=False)
    axis.tick_params(axis="x", labelsize=7)


def _forest_legend(positions: pd.DataFrame) -> list[Line2D]:
    shown = [verdict for verdict in VERDICT_COLORS if verdict in set(positions["verdict"])]
    verdicts = [Line2D([], [], marker="o", linestyle="none", color=VERDICT_COLORS[verdict], label=verdict,
                       markerfacecolor="white" if verdict in NO_FINDING else VERDICT_COLORS[verdict]) for verdict in shown]
    return verdicts + [Line2D([], [], marker="D", linestyle="none", color="#333", markersize=4, label="paper's effect"),
                       Line2D([], [], linestyle="--", color="#555", label="rule threshold")]


def forest_plot(claims: pd.DataFrame, title: str, path: str | Path) -> None:
    """`forest_figure`, written to `path` (and its SVG twin)."""
    save(forest_figure(claims, title), path)
