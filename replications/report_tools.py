"""Small formatting helpers shared by the report and the per-paper sections."""

from __future__ import annotations

import pandas as pd


def plus_minus(mean: pd.Series, std: pd.Series, digits: int = 2) -> pd.Series:
    """'mean ± std' per row; a missing std (one value) shows the mean alone."""
    return pd.Series(
        [f"{m:.{digits}f}" + ("" if pd.isna(s) else f" ± {s:.{digits}f}") for m, s in zip(mean, std)],
        index=mean.index,
    )


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(value).replace("|", "\\|") for value in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
