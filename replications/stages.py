"""The confirmatory stage (a registered report's Stage 2): the decisive cells of the exploratory run, run again on
seeds no exploratory run used, under the claim rules frozen before it, and reported beside the exploratory verdicts.

Adding seeds to cells already seen would be optional stopping. Instead the config's `confirmatory:` names, per
paper, an overlay of its section (fresh seeds; optionally fewer cells), written before the confirmatory runs. The
workflow runs each paper named there a second time under the overlaid config, writing under
`<results_dir>/confirmatory` and `<report_dir>/confirmatory`; its rules carry the prefix `confirmatory_`.

The machine as a source of variance: the `perturbed` stage (a target of its own, `snakemake perturbed`, outside the
quick scale's time budget) runs the confirmatory stage again with every initial weight one ulp up, a perturbation the
size of another CPU's rounding, and the report counts the verdicts it moves.

Light on purpose (no pandas, no TensorFlow): the Snakefile imports it.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

from replications.config import merge
from replications.papers import Paper, configured_papers

CONFIRMATORY, PERTURBED = "confirmatory", "perturbed"
PERTURBATION_ULPS = 1  # the `perturbed` stage's move of every initial weight
SEED_KEYS = ("seeds", "seed")  # where a section names the seeds its runs are made with, at any depth
DECIDED = ("reproduced", "not reproduced", "inconclusive")  # a cell whose rule ran (not "not measured", not "not a claim")


@dataclasses.dataclass(frozen=True)
class Stage:
    """One run of the papers: the exploratory one (the config as merged), the confirmatory one, or the perturbed one."""

    prefix: str  # of its rule names: "", "confirmatory_" or "perturbed_"
    config: dict[str, Any]
    config_file: str  # the resolved config its jobs read
    papers: list[Paper]

    @property
    def label(self) -> str:
        return self.prefix.rstrip("_") or "exploratory"


def merged_section(section: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """`overlay` merged into a copy of `section`, as config files merge (mappings key by key, anything else replaced)."""
    return merge(copy.deepcopy(dict(section)), dict(overlay))


def confirmatory_config(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The config of the confirmatory stage: the papers `confirmatory:` names, each section with its overlay, the
    rest as the exploratory config; None if it names none."""
    plan = config.get(CONFIRMATORY) or {}
    if not plan:
        return None
    stage = copy.deepcopy({key: value for key, value in config.items() if key != CONFIRMATORY})
    stage["results_dir"] = f"{config['results_dir']}/{CONFIRMATORY}"
    stage["report_dir"] = f"{config['report_dir']}/{CONFIRMATORY}"
    named = {paper.name: path for path, paper in zip(config["papers"], configured_papers(config))}
    stage["papers"] = [named[name] for name in named if name in plan]
    for name in named:
        if name in plan:
            stage[name] = merged_section(config[name], plan[name])
        else:
            del stage[name]
    return stage


def perturbed_config(confirmatory: Mapping[str, Any]) -> dict[str, Any]:
    """The confirmatory stage's (validated) config with every run's initial weights `PERTURBATION_ULPS` up, written
    under its folders' `perturbed/`."""
    stage = copy.deepcopy(dict(confirmatory))
    stage["results_dir"], stage["report_dir"] = f"{stage['results_dir']}/{PERTURBED}", f"{stage['report_dir']}/{PERTURBED}"
    stage["runtime"]["initial_weights_ulps"] = PERTURBATION_ULPS
    return stage


def _seed_values(section: Any, path: str = "") -> Iterator[tuple[str, set[int]]]:
    """(key path, seeds) of every seed key in `section`, at any depth."""
    if isinstance(section, Mapping):
        for key, value in section.items():
            inner = f"{path}.{key}" if path else str(key)
            if key in SEED_KEYS:
                yield inner, set(value) if isinstance(value, (list, tuple)) else {value}
            else:
                yield from _seed_values(value, inner)


def plan_errors(config: Mapping[str, Any]) -> list[str]:
    """Why the confirmatory plan is not one: a paper that is not in `papers`, or a seed an exploratory run of the same
    paper used (in any of its seed keys: a sweep's seeds are as spent as the main runs')."""
    plan = config.get(CONFIRMATORY) or {}
    names = [paper.name for paper in configured_papers(config)]
    errors = [f"{CONFIRMATORY}.{name}: not a paper listed in `papers` ({', '.join(names)})" for name in plan if name not in names]
    for name in (name for name in plan if name in names):
        spent = set().union(*(seeds for _, seeds in _seed_values(config[name])))
        overlaid = merged_section(config[name], plan[name])
        for path, seeds in _seed_values(overlaid):
            if reused := sorted(seeds & spent):
                errors.append(f"{CONFIRMATORY}.{name}.{path}: seeds {reused} were used by the exploratory run; the "
                              "confirmatory run needs fresh ones")
    return errors


# --- the plan, from the exploratory run's claims -------------------------------------------------------------


def planned_seed_count(n_needed: list[float], exploratory_seeds: int, cap: int) -> int:
    """Seeds for a paper's confirmatory run: as many as its decisive cells' `n_needed` ask (the seeds that detect the
    paper's effect, or the rule's threshold, with the verdicts' power), the exploratory count for a cell that states
    none (trend and interval rules), at least 2, at most `cap` (the budget)."""
    wanted = max(exploratory_seeds if math.isnan(value) else value for value in n_needed)
    return int(min(cap, max(2, wanted)))


def main(argv: list[str] | None = None) -> None:
    """Print a confirmatory plan from an exploratory claims.csv: per paper, its decided cells' largest n_needed and
    the seeds that asks for, capped by the budget. The seeds themselves go into the config's `confirmatory:`."""
    import pandas as pd  # only here: the module stays light for the Snakefile

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("claims", help="the exploratory run's claims.csv (e.g. reports/quick/claims.csv)")
    parser.add_argument("--cap", type=int, required=True, help="at most this many seeds per paper (the budget)")
    arguments = parser.parse_args(argv)
    claims = pd.read_csv(arguments.claims)
    decided = claims[claims["verdict"].isin(DECIDED)]
    for paper, cells in decided.groupby("paper", sort=False):
        seeds = planned_seed_count(cells["n_needed"].tolist(), int(cells["n_seeds"].max()), arguments.cap)
        stated = cells["n_needed"].notna()
        largest = f"largest n_needed {cells['n_needed'].max():.0f}" if stated.any() else "no n_needed stated"
        print(f"{paper}: {len(cells)} cells decided, {largest}, {(~stated).sum()} with none: {seeds} seeds (cap {arguments.cap})")


if __name__ == "__main__":
    main()
