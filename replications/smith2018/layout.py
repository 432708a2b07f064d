"""Where the Smith et al. 2018 files live: the one source of their paths for the rules and the code.

One training job per setting ('<optimizer>-<schedule>' or a variant's name) and seed: one training run per job.
Called with wildcard names, each function gives the rule's pattern.
"""

from __future__ import annotations

from typing import Any

from replications import papers

NAME = "smith2018"
TABLES = ("summary", "protocol_updates")
FIGURES = ("schedules", "schedules_momentum", "optimizers", "variants")

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
claims_file, table_file, figure_file = papers.paper_files(NAME)


def history_file(results_dir: str, setting: str, seed: int | str) -> str:
    """The per-epoch history of one seed of one setting."""
    return f"{run_dir(results_dir, setting, seed)}/history.csv"


def run_dir(results_dir: str, setting: str, seed: int | str) -> str:
    return f"{results_dir}/{NAME}/{setting}/seed{seed}"


def claims_files(config: dict[str, Any]) -> list[str]:
    return [claims_file(config["results_dir"])]
