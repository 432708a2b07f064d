"""The paper contract: what a paper package tells the core, and how the core finds the papers of a config.

A paper is a Python package that exports `PAPER`, a `Paper`. The config lists the packages to run under
`papers:` by import path, and the core imports each by name (as big_vision imports its models and
configs): no registry to edit, no installation step, and a package outside `replications/` (the test
paper under `tests/`) plugs in the same way. Importing a paper package must stay light (no TensorFlow,
no pandas): the Snakefile imports every paper each time it is parsed.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from replications.jobs import Job
from replications.typed_config import json_schema


@dataclasses.dataclass(frozen=True)
class Paper:
    """Everything the core needs to know of one paper.

    name: its config section, the prefix of its rules, tables and figures, and its folder under results/.
    package: the import path of its package; `python -m <package> <step>` runs its steps.
    jobs: its jobs from the whole config (`replications.jobs.Job`), which rules/papers.smk makes into its rules: one
        per job, and one called `name` that asks for every file the report reads.
    config: the typed model of its config section (a frozen dataclass of `typed_config.key` fields, with its
        claim rules): the one declaration its JSON Schema is written from (it may use the `$defs` of
        config/schema.yaml) and that its steps parse the section into.
    check: checks across keys of its section that JSON Schema cannot express; returns error messages.
    """

    name: str
    package: str
    config: type
    jobs: Callable[[dict[str, Any]], list[Job]]
    check: Callable[[dict[str, Any]], list[str]] = lambda section: []

    def report_section(self) -> ModuleType:
        """The module `<package>.section`: `render(config, report_dir, claims) -> str` (Markdown, from the tables its
        jobs wrote under report_dir/tables and every paper's claim rows) and `TABLES`
        (the data dictionary: table -> column -> meaning); optionally `speed_lines(report_dir) -> list[str]`."""
        return importlib.import_module(f"{self.package}.section")

    def claims_files(self, config: dict[str, Any]) -> list[str]:
        """The claim tables its analysis jobs write, in report order."""
        return [job.claims for job in self.jobs(config) if job.claims]

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of its config section, written from its config model."""
        return json_schema(self.config)

    @property
    def registry(self) -> Path:
        """Its claim rules on record (`replications.preregistration`): registered_rules.yaml in its package."""
        return Path(importlib.util.find_spec(self.package).submodule_search_locations[0]) / "registered_rules.yaml"


def report_dirs(config: dict[str, Any]) -> tuple[str, str]:
    """Where the report's tables and figures go: <report_dir>/tables and <report_dir>/figures."""
    return f"{config['report_dir']}/tables", f"{config['report_dir']}/figures"


def table_file(paper: str, table_dir: str, name: str) -> str:
    """A paper's table in the report: tables/<paper>_<name>.csv."""
    return f"{table_dir}/{paper}_{name}.csv"


def figure_file(paper: str, figure_dir: str, name: str, suffix: str = "png") -> str:
    """A paper's figure in the report: figures/<paper>_<name>.png, with an SVG beside every PNG."""
    return f"{figure_dir}/{paper}_{name}.{suffix}"


def claims_file(paper: str, results_dir: str) -> str:
    """The claim rows of a paper whose claims come from one analysis step."""
    return f"{results_dir}/{paper}/claims.csv"


def paper_files(paper: str) -> tuple[Callable[..., str], Callable[..., str], Callable[..., str]]:
    """For a paper's layout: its claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix)."""
    return functools.partial(claims_file, paper), functools.partial(table_file, paper), functools.partial(figure_file, paper)


class PaperError(ValueError):
    """A `papers:` entry that is not a paper package."""


def load_paper(package: str) -> Paper:
    try:
        module = importlib.import_module(package)
    except ImportError as error:
        raise PaperError(f"papers: cannot import {package!r}: {error}") from error
    paper = getattr(module, "PAPER", None)
    if not isinstance(paper, Paper):
        raise PaperError(f"papers: {package!r} does not export PAPER = replications.papers.Paper(...)")
    if paper.package != package:
        raise PaperError(f"papers: {package!r} exports a Paper whose package is {paper.package!r}")
    return paper


def configured_papers(config: dict[str, Any]) -> list[Paper]:
    """The papers a config lists, in its order (the report's order)."""
    return [load_paper(package) for package in config.get("papers", [])]
