"""Where the Smith et al. 2018 files live: the one source of their paths for the rules and the code.

One training job per setting ('<optimizer>-<schedule>' or a variant's name) and group of seeds (`seeds_per_job`):
one run per job at paper scale, every seed of a setting in one job at quick scale. Called with wildcard names,
each function gives the rule's pattern.
"""

from __future__ import annotations

from collections.abc import Sequence

from replications import papers

NAME = "smith2018"
TABLES = ("summary", "protocol_updates")
FIGURES = ("schedules", "schedules_momentum", "optimizers", "variants")

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
claims_file, table_file, figure_file = papers.paper_files(NAME)


SEED_GROUP_PATTERN = r"\d+(-\d+)*"  # a job's seeds, joined by '-'


def seed_groups(seeds: Sequence[int], seeds_per_job: int) -> list[str]:
    """The seeds of each training job of a setting, in order, as '0-1-2'."""
    return ["-".join(map(str, seeds[start : start + seeds_per_job])) for start in range(0, len(seeds), seeds_per_job)]


def group_seeds(group: str) -> list[int]:
    return [int(seed) for seed in group.split("-")]


def histories_file(results_dir: str, setting: str, group: str) -> str:
    """The per-epoch histories of one setting's seeds of one job (every run's own record is in its run_dir)."""
    return f"{results_dir}/{NAME}/{setting}/seeds{group}.csv"


def run_dir(results_dir: str, setting: str, seed: int | str) -> str:
    return f"{results_dir}/{NAME}/{setting}/seed{seed}"

