"""Checks across the keys of the `batchscience` config section that JSON Schema cannot express."""

from __future__ import annotations

from typing import Any


def check(section: dict[str, Any]) -> list[str]:
    """Error messages (each starting with the key it is about); empty if the section is consistent."""
    errors = []
    noise, regimes = section["gradient_noise"], section["regimes"]
    if max(noise["snapshot_epochs"]) > noise["epochs"]:
        errors.append(f"gradient_noise.snapshot_epochs: beyond the run's {noise['epochs']} epochs")
    if noise["big_batch"] <= noise["small_batch"]:
        errors.append("gradient_noise.big_batch: must exceed small_batch (the two-batch estimator)")
    if section["steps_to_target"]["tuning_seed"] in section["seeds"]:
        errors.append("steps_to_target.tuning_seed: must not be one of `seeds` (the rate is chosen on it and measured on them)")
    throughput = section["claims"]["throughput_saturates"]
    if throughput["linear_slope"] <= throughput["max_final_slope"]:
        errors.append("claims.throughput_saturates.linear_slope: must exceed max_final_slope (else 'flat' and 'still linear' overlap)")
    if regimes["large_batch"] <= regimes["small_batch"]:
        errors.append("regimes.large_batch: must exceed small_batch")
    return errors
