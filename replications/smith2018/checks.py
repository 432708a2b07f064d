"""Checks across the keys of the `smith2018` config section that JSON Schema cannot express."""

from __future__ import annotations

from typing import Any


def check(section: dict[str, Any]) -> list[str]:
    """Error messages (each starting with the key it is about); empty if the section is consistent."""
    errors = []
    if section["step_epochs"] != sorted(section["step_epochs"]) or section["step_epochs"][-1] >= section["epochs"]:
        errors.append(f"step_epochs: must increase and stay below epochs ({section['epochs']})")
    uses = [(f"comparisons.{optimizer}", optimizer, schedule) for optimizer, schedules in section["comparisons"].items() for schedule in schedules]
    uses += [(f"variants.{name}", variant["optimizer"], variant["schedule"]) for name, variant in section["variants"].items()]
    for key, optimizer, schedule in uses:
        if optimizer not in section["optimizers"]:
            errors.append(f"{key}: optimizer {optimizer!r} is not one of smith2018.optimizers {sorted(section['optimizers'])}")
        if schedule not in section["schedules"]:
            errors.append(f"{key}: schedule {schedule!r} is not one of smith2018.schedules {sorted(section['schedules'])}")
    for optimizer, schedules in section["comparisons"].items():
        if "decaying_learning_rate" not in schedules:
            errors.append(f"comparisons.{optimizer}: must include decaying_learning_rate (the reference of the claims)")
    control = section["negative_control"]
    if control not in section["schedules"] or section["schedules"][control].get("anneals", True):
        errors.append(f"negative_control: {control!r} must be one of smith2018.schedules with anneals: false")
    main = next(iter(section["comparisons"]))
    if control not in section["comparisons"][main]:
        errors.append(f"comparisons.{main}: must include the negative control {control!r} (without it no test shows it has teeth)")
    return errors
