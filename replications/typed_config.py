"""Typed views of the config: frozen dataclasses built once, by type hints, from a validated mapping.

A step parses its paper's section once (`parse(PaperConfig, config[name])`) and passes the
object on; data, model and optimizer blocks stay mappings, the keyword arguments of their builders.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from typing import Any, Mapping, TypeVar

from replications.preregistration import VerdictSettings, claim_rule_hashes, rules_hash

T = TypeVar("T")


def parse(kind: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the dataclass `kind` from `data`; keys the dataclass does not name are an error."""
    fields = {field.name for field in dataclasses.fields(kind)}
    if unknown := sorted(set(data) - fields):
        raise ValueError(f"{kind.__name__} has no field(s) {unknown}")
    hints = typing.get_type_hints(kind)
    return kind(**{name: _convert(hints[name], value) for name, value in data.items()})


def _convert(kind: Any, value: Any) -> Any:
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return parse(kind, value)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in arguments if option is not type(None)]
        return value if value is None else _convert(options[0], value)
    if origin in (dict, Mapping) and arguments:
        return {key: _convert(arguments[1], item) for key, item in value.items()}
    if origin is tuple and arguments:
        return tuple(_convert(arguments[0], item) for item in value)
    return value


@dataclasses.dataclass(frozen=True)
class ClaimRule:
    """A claim's decision rule, fixed in the config before the runs: the thresholds its test compares with.

    Each claim uses the fields its paper's schema requires (and documents); the others stay None.
    """

    alpha: float | None = None  # significance level of the test
    min_effect: float | None = None  # the smallest effect that counts; a CI wholly below it is "not reproduced"
    max_effect: float | None = None  # the largest effect that counts ("a little"); a CI wholly above it is "not reproduced"
    max_train_accuracy_difference: float | None = None  # compare models of similar training accuracy only
    margin: float | None = None  # equivalence, no-gain and non-inferiority margins, in the claim's unit
    tolerance: float | None = None  # how far a fitted slope may lie from the claimed one
    min_batch_size: int | None = None  # the smallest batch size a fit uses
    min_points: int | None = None  # the fewest points (batch sizes) a fit may rest on
    within: float | None = None  # throughput: saturated within this share of the peak
    max_final_slope: float | None = None  # throughput: flat below this log-log slope
    agreement_factor: float | None = None  # two estimates agree within this factor
    scaling_slope: float | None = None  # steps to target: perfect scaling at or below this slope
    saturation_slope: float | None = None  # steps to target: saturation at or above this slope
    artefact_slope: float | None = None  # steps to target: a slope below this is steeper than perfect scaling can be
    min_share_closed: float | None = None  # the share of a gap that counts as "most of it"
    min_r_squared: float | None = None  # the least R² of a fit that counts
    max_censored_share: float | None = None  # a trend is tested only if at most this share of its cells is censored
    min_speedup: float | None = None  # throughput: batching pays if the peak is at least this many times the smallest batch's
    linear_slope: float | None = None  # throughput: still scaling near-linearly at the largest batches at or above this slope
    sweep_agreement: float | None = None  # throughput: the share of sweeps that must give the verdict for it to stand
    max_first_order_share_of_paper: float | None = None  # sharpness validity: first-order rise <= this x the paper's SB phi
    min_margin_examples: int | None = None  # a margin is at least this many test examples' worth


@dataclasses.dataclass(frozen=True)
class Runtime:
    threads_per_job: int = 1
    eval_batch_size: int = 4096
    deterministic_ops: bool = False
    instruction_set: str = "native"
    job_server: bool = True
    max_call_seconds: float = 1.0
    conda_environment: str = "envs/replications.yaml"

    def job_threads(self) -> int:
        """The threads of this job: those Snakemake gave it ({threads}; its shell sets OMP_NUM_THREADS to them, on a
        cluster node too, where the profile may set other threads), else the config's `threads_per_job`."""
        return int(os.environ.get("OMP_NUM_THREADS", self.threads_per_job))


@dataclasses.dataclass(frozen=True)
class Workspace:
    """Where a step reads and writes, and how it runs: the core keys every paper's steps use."""

    scale: str
    results_dir: str
    report_dir: str
    runtime: Runtime
    verdicts: VerdictSettings
    rules_hashes: dict[str, str]  # per paper section: the hash of the rules its runs are made under
    claim_rule_hashes: dict[str, dict[str, str]]  # per paper section, per claim rule: its hash (checked against the registry)
    registries: dict[str, str]  # per paper section: its registry of claim rules on record

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Workspace":
        from replications.papers import configured_papers  # its paper packages import this module

        core = {key: config[key] for key in ("scale", "results_dir", "report_dir", "runtime", "verdicts")}
        sections = [key for key, value in config.items() if isinstance(value, Mapping) and "claims" in value]
        return parse(cls, {
            **core, "rules_hashes": {section: rules_hash(config, section) for section in sections},
            "claim_rule_hashes": {section: claim_rule_hashes(config, section) for section in sections},
            "registries": {paper.name: str(paper.registry) for paper in configured_papers(dict(config))},
        })  # fmt: skip

    def run_record(self, section: str) -> dict[str, str]:
        """What every run of a paper records about its making: the hash of the claim rules in force."""
        return {"rules_hash": self.rules_hashes[section]}
