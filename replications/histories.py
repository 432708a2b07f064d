"""Reading run histories (the engine's per-epoch records, `training.HISTORY_COLUMNS`) for an analysis."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def last_epochs(histories: pd.DataFrame, run: Sequence[str], sort_kind: str = "stable") -> pd.DataFrame:
    """The last recorded epoch of every run, a run being one value of the `run` columns (e.g. setting and seed), in
    the order the runs first appear among the epochs sorted by `sort_kind` (which orders the seeds of a setting, and
    so the last bits of a mean over them)."""
    return histories.sort_values("epoch", kind=sort_kind).groupby(list(run), sort=False).tail(1)


def side_by_side(finals: pd.DataFrame, setting: str, settings: Sequence[str], column: str) -> pd.DataFrame:
    """`column` of one row per (seed, setting) as a seed x setting table, the settings in order; only the seeds
    that have every setting (a seed's runs share their initialisation, so a paired test reads across a row)."""
    return finals.set_index(["seed", setting])[column].unstack().reindex(columns=list(settings)).dropna()
