"""Checks across the keys of the `keskar2017` config section that JSON Schema cannot express."""

from __future__ import annotations

from typing import Any


def check(section: dict[str, Any]) -> list[str]:
    """Error messages (each starting with the key it is about); empty if the section is consistent."""
    networks = set(section["networks"])
    errors = [
        f"{figure}.networks: {name!r} is not one of keskar2017.networks {sorted(networks)}"
        for figure in ("sweep", "warm_start")
        for name in section[figure]["networks"]
        if name not in networks
    ]
    if section["trajectory"]["seed"] not in section["seeds"]:
        errors.append(f"trajectory.seed: {section['trajectory']['seed']} is not one of keskar2017.seeds")
    return errors
