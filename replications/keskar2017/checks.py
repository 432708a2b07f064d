"""Checks across the keys of the `keskar2017` config section that JSON Schema cannot express."""

from __future__ import annotations

from typing import Any

from replications.data import train_size


def check(section: dict[str, Any]) -> list[str]:
    """Error messages (each starting with the key it is about); empty if the section is consistent."""
    networks = set(section["networks"])
    errors = [
        f"{figure}.networks: {name!r} is not one of keskar2017.networks {sorted(networks)}"
        for figure in ("sweep", "warm_start")
        for name in section[figure]["networks"]
        if name not in networks
    ]
    for name, network in section["networks"].items():  # as experiment.batch_size computes them
        small = network.get("small_batch", section["small_batch"])
        large = max(1, round(section["large_batch_fraction"] * train_size(network["data"])))
        if large < section["min_batch_ratio"] * small:
            errors.append(
                f"networks.{name}: LB {large} is {large / small:.1f}x its SB {small}, below min_batch_ratio "
                f"{section['min_batch_ratio']} (not a large-batch experiment): give it a smaller small_batch or more data"
            )
    if section["trajectory"]["seed"] not in section["seeds"]:
        errors.append(f"trajectory.seed: {section['trajectory']['seed']} is not one of keskar2017.seeds")
    return errors
