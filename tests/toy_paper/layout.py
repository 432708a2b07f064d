"""Where the toy paper's files live, for its rules and its code; and its one cross-key check."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications import papers
from replications.typed_config import ClaimRule, parse

NAME = "toypaper"
TABLES = ("accuracy",)
FIGURES = ("accuracy",)

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
claims_file, table_file, figure_file = papers.paper_files(NAME)


def runs_file(results_dir: str, batch_size: int | str) -> str:
    return f"{results_dir}/{NAME}/batch{batch_size}.csv"


def run_dir(results_dir: str, batch_size: int, seed: int) -> str:
    return f"{results_dir}/{NAME}/batch{batch_size}/seed{seed}"


def claims_files(config: dict[str, Any]) -> list[str]:
    return [claims_file(config["results_dir"])]


def check(section: dict[str, Any]) -> list[str]:
    """Cross-key checks of the raw section, before it is parsed."""
    return [] if section["small_batch"] < section["large_batch"] else ["large_batch: must exceed small_batch"]


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    """The `toypaper` section, typed; parsed once per step."""

    data: Mapping[str, Any]
    model: Mapping[str, Any]
    seeds: tuple[int, ...]
    small_batch: int
    large_batch: int
    epochs: int
    learning_rate: float
    claims: dict[str, ClaimRule]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "ToyConfig":
        return parse(cls, config[NAME])
