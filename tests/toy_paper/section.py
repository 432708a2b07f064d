"""The toy paper's section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.report_tools import markdown_table, render_template
from tests.toy_paper import layout

TABLES = {"toypaper_accuracy.csv": {"batch_size": "examples per update", "mean, std, size": "test accuracy over seeds (fraction), and the seeds"}}


def render(config: dict[str, Any], report_dir: Path, claims: pd.DataFrame) -> str:
    table = pd.read_csv(layout.table_file(str(report_dir / "tables"), "accuracy"))
    return render_template(Path(__file__).with_name("section.md.j2"), accuracy_table=markdown_table(table),
                           figure=f"figures/{Path(layout.figure_file('', 'accuracy')).name}")
