"""A paper's jobs, declared: what each step reads, writes and depends on.

A paper's `jobs(config)` returns its `Job`s; one generic rules file (rules/papers.smk) turns every paper's jobs into
Snakemake rules, and nothing else writes a rule. The invalidation story is the same for every job: it reruns when
its declared inputs or the config keys it declares (`depends_on`, the rule's params) change. Light on purpose: the
Snakefile imports it on every call.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

# How a job runs: "train" (TensorFlow work on the data sets: the job's threads, the prepared data as an input),
# "machine" (a measurement of the machine: every core reserved, before all other jobs), "analyse" (tables, figures and
# claims: the rules on record and the verdict settings as inputs and params, its tables and figures in the report).
Kind = Literal["train", "machine", "analyse"]
# A declared dependency: a config key of the paper's section, dotted, with wildcards ("networks.{network}"); EVERY_KEY,
# the whole section; or a function of (section, wildcards) for a value derived from several keys (its name names it).
Dependency = str | Callable[[Mapping[str, Any], Any], Any]
EVERY_KEY = "*"


@dataclasses.dataclass(frozen=True)
class Job:
    """One rule: `python -m <package> <command>` from its inputs to its outputs.

    name: the rule is `<paper>_<name>`; its log and benchmark files are named `<name>` and `log_suffix`.
    command: the step and its arguments, with Snakemake's {wildcards.x}, {input.x}, {output.x} and {params.x}.
    outputs: named outputs, each a path (pattern) or a list of paths; a `Folder` for a directory.
    inputs: named inputs: a path, a list of paths, or a function of the wildcards.
    depends_on: the config the step reads (`Dependency`): the rule's `params`, so a change reruns the job.
    arguments: more params for the command ({params.x}): values, or functions of the wildcards.
    tables, figures: the job's report tables and PNG figures (an SVG is written beside each), with the caption
        (`table_caption` for the tables, if they have their own) and category they carry in `snakemake --report`.
    targets: the wildcard values the paper's target rule asks this job's outputs for (by default, an analysis job's
        outputs as they are, and no other job's: the analyses' inputs pull them in).
    """

    name: str
    command: str
    outputs: Mapping[str, Any]
    kind: Kind = "train"
    inputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    depends_on: Sequence[Dependency] = ()
    arguments: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    log_suffix: str = ""
    wildcard_constraints: Mapping[str, str] = dataclasses.field(default_factory=dict)
    long: bool = False  # minutes of work: started first, so the run does not end on one long job
    tables: Sequence[str] = ()
    figures: Sequence[str] = ()
    caption: str = ""
    table_caption: str = ""
    category: str = ""
    targets: Sequence[Mapping[str, Any]] | None = None

    @property
    def target_values(self) -> Sequence[Mapping[str, Any]]:
        return self.targets if self.targets is not None else [{}] if self.kind == "analyse" else []

    @property
    def claims(self) -> str | None:
        """The claim rows an analysis job writes (its output `claims`), if any."""
        return self.outputs.get("claims") if self.kind == "analyse" else None


@dataclasses.dataclass(frozen=True)
class Folder:
    """An output that is a directory (Snakemake's `directory()`)."""

    path: str


def settings(section: Mapping[str, Any], depends_on: Sequence[Dependency], wildcards: Any) -> dict[str, Any]:
    """The config a job declares it reads, by declared key (wildcards filled in): the job's params."""
    values = {}
    for dependency in depends_on:
        if callable(dependency):
            values[dependency.__name__] = dependency(section, wildcards)
            continue
        key = dependency.format(**dict(wildcards.items())) if "{" in dependency else dependency
        values[key] = section if key == EVERY_KEY else lookup(section, key)
    return values


def epochs_per_call(config: Mapping[str, Any]) -> Dependency:
    """The dependency of a job whose epochs run several per compiled call when the config's runtime says so: their
    distance from x0 and evaluation losses may differ in the last bits (the call's length changes no number)."""

    def several_epochs_per_call(section: Mapping[str, Any], wildcards: Any) -> bool:
        return config["runtime"]["max_call_seconds"] > 0

    return several_epochs_per_call


def lookup(section: Mapping[str, Any], key: str) -> Any:
    """The value of a dotted key of a section ('networks.F1.model'); a clear error for a key it does not have."""
    value: Any = section
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise KeyError(f"a job depends on config key {key!r}, which the section does not have ({part!r})")
        value = value[part]
    return value


def declared_inputs(paper_jobs: Sequence[Job], name: str, **wildcards: Any) -> dict[str, Any]:
    """The inputs of the job `name` as its rule gets them, at `wildcards`: a step reads what its job declares, so it
    finds its files from the one declaration whether the workflow or a person runs it."""
    job = next((job for job in paper_jobs if job.name == name), None)
    if job is None:
        raise ValueError(f"no job {name!r}; the paper's jobs: {[job.name for job in paper_jobs]}")
    values = types.SimpleNamespace(**wildcards)
    return {key: _filled(value(values) if callable(value) else value, wildcards) for key, value in job.inputs.items()}


def _filled(value: Any, wildcards: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**wildcards) if wildcards else value
    return [_filled(item, wildcards) for item in value]
