"""Loading and validating the suite's YAML configuration against config/schema.yaml."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO_ROOT / "config" / "schema.yaml"


class ConfigError(ValueError):
    """A configuration that does not match the schema; the message names the key."""


def _validator() -> jsonschema.protocols.Validator:
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    # Fill in schema defaults while validating, as Snakemake's validate(set_default=True) does.
    set_defaults = _extend_with_defaults(validator_class)
    return set_defaults(schema)


def _extend_with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema:
                    instance.setdefault(name, subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def validate_config(config: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Validate `config` in place (filling defaults) and return it; raise ConfigError naming the key."""
    errors = sorted(_validator().iter_errors(config), key=lambda error: list(error.absolute_path))
    if errors:
        _raise([f"{source}: {_key(error)}: {error.message}" for error in errors])
    check_references(config, source)
    return config


def check_references(config: dict[str, Any], source: str = "config") -> None:
    """Raise ConfigError if keys that name other keys name ones that do not exist."""
    if errors := _reference_errors(config):
        _raise([f"{source}: {message}" for message in errors])


def _raise(lines: list[str]) -> None:
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def _reference_errors(config: dict[str, Any]) -> list[str]:
    """Checks across keys that JSON Schema cannot express."""
    section = config.get("keskar2017", {})
    networks = set(section.get("networks", {}))
    errors = [
        f"keskar2017.{figure}.networks: {name!r} is not one of keskar2017.networks {sorted(networks)}"
        for figure in ("sweep", "warm_start")
        for name in section.get(figure, {}).get("networks", [])
        if name not in networks
    ]
    if "trajectory" in section and section["trajectory"]["seed"] not in section["seeds"]:
        errors.append(f"keskar2017.trajectory.seed: {section['trajectory']['seed']} is not one of keskar2017.seeds")
    if wilson := config.get("wilson2003"):
        if wilson["large_task"] not in wilson["tasks"]:
            errors.append(f"wilson2003.large_task: {wilson['large_task']!r} is not one of wilson2003.tasks")
        if 1 not in wilson["batch_sizes"]:
            errors.append("wilson2003.batch_sizes: must include 1 (online training, the reference of every claim)")
        budgets = {str(size) for size in wilson["batch_sizes"]} | {"full"}
        if missing := sorted(budgets - set(wilson["max_epochs"])):
            errors.append(f"wilson2003.max_epochs: no budget for batch size(s) {missing}")
    if smith := config.get("smith2018"):
        errors += _smith2018_reference_errors(smith)
    if science := config.get("batchscience"):
        noise, regimes = science["gradient_noise"], science["regimes"]
        if max(noise["snapshot_epochs"]) > noise["epochs"]:
            errors.append(f"batchscience.gradient_noise.snapshot_epochs: beyond the run's {noise['epochs']} epochs")
        if noise["big_batch"] <= noise["small_batch"]:
            errors.append("batchscience.gradient_noise.big_batch: must exceed small_batch (the two-batch estimator)")
        if regimes["large_batch"] <= regimes["small_batch"]:
            errors.append("batchscience.regimes.large_batch: must exceed small_batch")
    return errors


def _smith2018_reference_errors(smith: dict[str, Any]) -> list[str]:
    errors = []
    if smith["step_epochs"] != sorted(smith["step_epochs"]) or smith["step_epochs"][-1] >= smith["epochs"]:
        errors.append(f"smith2018.step_epochs: must increase and stay below epochs ({smith['epochs']})")
    uses = [(f"comparisons.{optimizer}", optimizer, schedule) for optimizer, schedules in smith["comparisons"].items() for schedule in schedules]
    uses += [(f"variants.{name}", variant["optimizer"], variant["schedule"]) for name, variant in smith["variants"].items()]
    for key, optimizer, schedule in uses:
        if optimizer not in smith["optimizers"]:
            errors.append(f"smith2018.{key}: optimizer {optimizer!r} is not one of smith2018.optimizers {sorted(smith['optimizers'])}")
        if schedule not in smith["schedules"]:
            errors.append(f"smith2018.{key}: schedule {schedule!r} is not one of smith2018.schedules {sorted(smith['schedules'])}")
    for optimizer, schedules in smith["comparisons"].items():
        if "decaying_learning_rate" not in schedules:
            errors.append(f"smith2018.comparisons.{optimizer}: must include decaying_learning_rate (the reference of the claims)")
    return errors


def _key(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file and validate it."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    config = yaml.safe_load(path.read_text()) or {}
    return validate_config(config, source=str(path))


def config_hash(config: dict[str, Any]) -> str:
    """A short, stable hash of the validated config (provenance)."""
    canonical = yaml.safe_dump(config, sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()[:12]
