"""Small formatting helpers shared by the report and the per-paper sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def plus_minus(mean: pd.Series, std: pd.Series, digits: int = 2) -> pd.Series:
    """'mean ± std' per row; a missing std (one value) shows the mean alone."""
    return pd.Series(
        [f"{m:.{digits}f}" + ("" if pd.isna(s) else f" ± {s:.{digits}f}") for m, s in zip(mean, std)],
        index=mean.index,
    )


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped). Not `DataFrame.to_markdown`: tabulate leaves a `|`
    inside a cell as it is, which splits the cell, and pads every cell to its column's widest."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(value).replace("|", "\\|") for value in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def render_template(path: str | Path, **context: Any) -> str:
    """A Jinja2 template (a name under replications/templates, or a path) filled in: block tags take no line of their
    own, and a name the context lacks is an error."""
    import jinja2  # report steps only

    path = Path(path) if Path(path).is_absolute() else TEMPLATE_DIR / path
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(path.parent), trim_blocks=True, lstrip_blocks=True,
                                     keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return environment.get_template(path.name).render(**context)
