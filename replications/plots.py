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
