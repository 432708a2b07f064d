"""Where the toy paper's files live, for its rules and its code; and its one cross-key check."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from replications import papers
from replications.typed_config import OneSidedRule, key, parse

NAME = "toypaper"
TABLES = ("accuracy",)
FIGURES = ("accuracy",)

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
claims_file, table_file, figure_file = papers.paper_files(NAME)


def runs_file(results_dir: str, batch_size: int | str) -> str:
    return f"{results_dir}/{NAME}/batch{batch_size}.csv"


def run_dir(results_dir: str, batch_size: int, seed: int) -> str:
    return f"{results_dir}/{NAME}/batch{batch_size}/seed{seed}"



def check(section: dict[str, Any]) -> list[str]:
    """Cross-key checks of the raw section, before it is parsed."""
    return [] if section["small_batch"] < section["large_batch"] else ["large_batch: must exceed small_batch"]


@dataclasses.dataclass(frozen=True)
class PairedGapRule(OneSidedRule):
    """A claim kind the core does not know: a one-sided paired test with a validity check of its own."""

    min_seeds: int = key("validity - the test needs at least this many paired seeds; fewer: not measured", minimum=2)


@dataclasses.dataclass(frozen=True)
class ToyClaims:
    """The claim rules, one per claim."""

    small_batch_better: PairedGapRule


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    """The `toypaper` section, typed; parsed once per step. Its JSON Schema is written from it (`json_schema`)."""

    data: Mapping[str, Any] = key(**{"$ref": "#/$defs/data"})
    model: Mapping[str, Any] = key(**{"$ref": "#/$defs/model"})
    seeds: tuple[int, ...] = key(items={"minimum": 0}, minItems=2, uniqueItems=True)
    small_batch: int = key(**{"$ref": "#/$defs/positive_int"})
    large_batch: int = key(**{"$ref": "#/$defs/positive_int"})
    epochs: int = key(**{"$ref": "#/$defs/positive_int"})
    learning_rate: float = key(exclusiveMinimum=0)
    claims: ToyClaims

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ToyConfig:
        return parse(cls, config[NAME])
