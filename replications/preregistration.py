"""Pre-registration: the hash of the rules a paper's verdicts are computed under, recorded by every run.

Light on purpose (no pandas, no TensorFlow): training jobs and the Snakefile import it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Iterable, Mapping




@dataclasses.dataclass(frozen=True)
class VerdictSettings:
    """How verdicts are checked (config `verdicts:`), part of the pre-registered rules."""

    power: float = 0.8
    fragile_below: float = 0.9
    bootstrap_resamples: int = 200
    resampling_seed: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "VerdictSettings":
        return cls(**config["verdicts"])


def rules_hash(config: Mapping[str, Any], section: str) -> str:
    """The hash of the rules a paper's verdicts are computed under: its `claims` and the core `verdicts` settings."""
    rules = {"verdicts": config["verdicts"], "claims": config[section]["claims"]}
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:12]


def post_hoc_reason(recorded: Iterable[Any], current: str) -> str:
    """Why verdicts computed under `current` rules are post hoc for runs that recorded `recorded` ('' if they are not)."""
    recorded = {value for value in recorded}
    missing = {value for value in recorded if not isinstance(value, str) or not value}
    if missing:
        return "some runs carry no record of the rules they were made under"
    if other := sorted(recorded - {current}):
        return f"the runs were made under rules {', '.join(other)}, not the rules {current} in force now"
    return ""


