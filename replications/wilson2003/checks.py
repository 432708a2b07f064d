"""Checks across the keys of the `wilson2003` config section that JSON Schema cannot express."""

from __future__ import annotations

from typing import Any

from replications.wilson2003.config import SizeSeries


def check(section: dict[str, Any]) -> list[str]:
    """Error messages (each starting with the key it is about); empty if the section is consistent."""
    errors = []
    if section["large_task"] not in section["tasks"]:
        errors.append(f"large_task: {section['large_task']!r} is not one of wilson2003.tasks")
    if 1 not in section["batch_sizes"]:
        errors.append("batch_sizes: must include 1 (online training, the reference of every claim)")
    budgets = {str(size) for size in section["batch_sizes"]} | {"full"}
    if missing := sorted(budgets - set(section["max_epochs"])):
        errors.append(f"max_epochs: no budget for batch size(s) {missing}")
    if (series := section.get("size_series")) is not None:
        if series["task"] not in section["tasks"]:
            errors.append(f"size_series.task: {series['task']!r} is not one of wilson2003.tasks")
        else:
            from replications.data import train_size

            own = train_size(section["tasks"][series["task"]]["data"])
            if larger := sorted(size for size in series["max_train_examples"] if size >= own):
                errors.append(f"size_series.max_train_examples: {larger} not below the task's own {own} training examples")
            names = [SizeSeries(series["task"], tuple(series["max_train_examples"])).member(size) for size in series["max_train_examples"]]
            if taken := sorted(name for name in names if name in section["tasks"]):
                errors.append(f"size_series: its members' names {taken} are tasks of the grid already")
    budget = section["equal_budget_epochs"]
    if short := sorted(label for label in ("1", "full") if section["max_epochs"].get(label, budget) < budget):
        errors.append(f"equal_budget_epochs: {budget} exceeds the max_epochs of batch {short} (both sides must reach it)")
    return errors
