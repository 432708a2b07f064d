"""Typed views of the config: frozen dataclasses built once, by type hints, from a validated mapping.

A step parses its paper's section once (`parse(PaperConfig, config[name])`) and passes the
object on; data, model and optimizer blocks stay mappings, the keyword arguments of their builders.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

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


def key(meaning: str = "", *, default: Any = dataclasses.MISSING, fill: bool = True, **schema: Any) -> Any:
    """A config key declared once: its meaning, its default and the JSON Schema keywords its type does not
    say (bounds, `$ref` to a shared definition, `minItems`, ...; `items` and `additionalProperties` refine the
    schema of the elements). `json_schema` writes the schema from it; `parse` reads the section into it.

    A default is written into the schema, so validation fills it into the config and a job that depends on the
    key sees it; `fill=False` leaves it out of the config (keys whose default was never written there: filling
    it now would rerun the jobs whose params carry the key)."""
    metadata = {"schema": {**schema, **({"description": meaning} if meaning else {})}, "fill": fill}
    if isinstance(default, dict):  # a fresh copy per instance
        return dataclasses.field(default_factory=lambda: dict(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def json_schema(kind: type) -> dict[str, Any]:
    """The JSON Schema of a config dataclass: an object of its fields, each required unless it has a default
    (a default other than None is written into the schema, so validation fills it in the config). The first
    paragraph of its docstring describes it."""
    hints = typing.get_type_hints(kind)
    properties, required = {}, []
    for field in dataclasses.fields(kind):
        schema = _with(_type_schema(hints[field.name]), field.metadata.get("schema", {}))
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            required.append(field.name)
        elif field.default not in (None, dataclasses.MISSING) and field.metadata.get("fill", True):
            schema["default"] = list(field.default) if isinstance(field.default, tuple) else field.default
        properties[field.name] = schema
    schema = {"type": "object", "additionalProperties": False, "required": required, "properties": properties}
    return {**schema, "description": " ".join(kind.__doc__.split("\n\n")[0].split())} if kind.__doc__ else schema


def _type_schema(kind: Any) -> dict[str, Any]:
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return json_schema(kind)
    if origin in (typing.Union, types.UnionType):
        return _type_schema(next(option for option in arguments if option is not type(None)))
    if origin is typing.Literal:
        return {"enum": list(arguments)}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(arguments[0])}
    if origin in (dict, Mapping):
        return {"type": "object", "additionalProperties": _type_schema(arguments[1])} if arguments[1] is not Any else {"type": "object"}
    return {int: {"type": "integer"}, float: {"type": "number"}, bool: {"type": "boolean"}, str: {"type": "string"}}.get(kind, {})


def _with(schema: dict[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """The type's schema refined by a key's declared keywords; a `$ref` replaces the type's own."""
    if "$ref" in declared:
        return dict(declared)
    merged = dict(schema)
    for name, value in declared.items():
        inner = schema.get(name)
        merged[name] = _with(inner, value) if isinstance(inner, dict) and isinstance(value, Mapping) else value
    return merged


@dataclasses.dataclass(frozen=True)
class ClaimRule:
    """A claim's decision rule, fixed in the config before the runs. Each kind of claim declares its own
    thresholds in a subclass (in its paper's package); the core reads none of them."""


@dataclasses.dataclass(frozen=True)
class OneSidedRule(ClaimRule):
    """A one-sided test against no effect, with the smallest effect that counts."""

    alpha: float = key("significance level of the test", **{"$ref": "#/$defs/fraction"})
    min_effect: float = key("smallest effect that counts (same unit as the claim); below it the claim is not reproduced", minimum=0)


@dataclasses.dataclass(frozen=True)
class EquivalenceRule(ClaimRule):
    """Two one-sided tests: no difference beyond a margin."""

    alpha: float = key("significance level of each one-sided test", **{"$ref": "#/$defs/fraction"})
    margin: float = key("the largest difference that counts as none", exclusiveMinimum=0)


@dataclasses.dataclass(frozen=True)
class Runtime:
    threads_per_job: int = 1
    eval_batch_size: int = 4096
    deterministic_ops: bool = False
    instruction_set: str = "native"
    job_server: bool = True
    max_call_seconds: float = 1.0
    checkpoint_seconds: float = 0.0
    initial_weights_ulps: int = 0
    conda_environment: str = "envs/replications.yaml"

    def job_threads(self) -> int:
        """The threads of this job: those Snakemake gave it ({threads}; its shell sets OMP_NUM_THREADS to them, on a
        cluster node too, where the profile may set other threads), else the config's `threads_per_job`."""
        return int(os.environ.get("OMP_NUM_THREADS", self.threads_per_job))

    def configure(self) -> None:
        """TensorFlow's threads (this job's) and op determinism: a training step calls it before any op runs."""
        from replications.training import configure_runtime  # TensorFlow: training steps only

        configure_runtime(self.job_threads(), self.deterministic_ops)


@dataclasses.dataclass(frozen=True)
class CoreConfig:
    """The config's core keys, which every paper's steps use: where a step reads and writes (scale, folders), how it
    runs (runtime), how verdicts are checked; and the records of the claim rules in force (hashes, registries)."""

    scale: str
    results_dir: str
    report_dir: str
    runtime: Runtime
    verdicts: VerdictSettings
    rules_hashes: dict[str, str]  # per paper section: the hash of the rules its runs are made under
    claim_rule_hashes: dict[str, dict[str, str]]  # per paper section, per claim rule: its hash (checked against the registry)
    registries: dict[str, str]  # per paper section: its registry of claim rules on record

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CoreConfig:
        from replications.papers import configured_papers  # its paper packages import this module

        core = {key: config[key] for key in ("scale", "results_dir", "report_dir", "runtime", "verdicts")}
        sections = [key for key, value in config.items() if isinstance(value, Mapping) and "claims" in value]
        return parse(cls, {
            **core, "rules_hashes": {section: rules_hash(config, section) for section in sections},
            "claim_rule_hashes": {section: claim_rule_hashes(config, section) for section in sections},
            "registries": {paper.name: str(paper.registry) for paper in configured_papers(dict(config))},
        })

    def run_options(self, section: str) -> dict[str, Any]:
        """What every training run of a paper takes from the core config (`training.train_run`'s keywords): the
        evaluation batch, how often it checkpoints, any perturbation of its initial weights, and what it records of its
        making."""
        return {"eval_batch_size": self.runtime.eval_batch_size, "checkpoint_seconds": self.runtime.checkpoint_seconds,
                "initial_weights_ulps": self.runtime.initial_weights_ulps, "record": self.run_record(section)}

    def run_record(self, section: str) -> dict[str, str]:
        """What every run of a paper records about its making: the hash of the claim rules in force."""
        return {"rules_hash": self.rules_hashes[section]}
