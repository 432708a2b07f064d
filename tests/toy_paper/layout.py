"""Where the toy paper's files live, for its rules and its code; and its one cross-key check."""

from __future__ import annotations

from typing import Any

from replications import papers

NAME = "toypaper"
TABLES = ("accuracy",)
FIGURES = ("accuracy",)


def runs_file(results_dir: str, batch_size: int | str) -> str:
    return f"{results_dir}/{NAME}/batch{batch_size}.csv"


def run_dir(results_dir: str, batch_size: int, seed: int) -> str:
    return f"{results_dir}/{NAME}/batch{batch_size}/seed{seed}"


def claims_file(results_dir: str) -> str:
    return f"{results_dir}/{NAME}/claims.csv"


def claims_files(config: dict[str, Any]) -> list[str]:
    return [claims_file(config["results_dir"])]


def table_file(table_dir: str, name: str) -> str:
    return papers.table_file(table_dir, NAME, name)


def figure_file(figure_dir: str, name: str, suffix: str = "png") -> str:
    return papers.figure_file(figure_dir, NAME, name, suffix)


def check(section: dict[str, Any]) -> list[str]:
    return [] if section["small_batch"] < section["large_batch"] else ["large_batch: must exceed small_batch"]
