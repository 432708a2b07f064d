"""The suite's configuration: one base, a small overlay per scale, validated against the core schema and
the schema fragment of every paper the config lists.

Merging, here and in the Snakefile alike: config/base.yaml, then config/<scale>.yaml for the scale the
merged config names (base: quick), then the user's files in order. Mappings merge key by key; any other
value (a list, a number) replaces the earlier one, as Snakemake merges its config files.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from replications.papers import PaperError, configured_papers

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
SCHEMA_PATH = CONFIG_DIR / "schema.yaml"
BASE_CONFIG = CONFIG_DIR / "base.yaml"


class ConfigError(ValueError):
    """A configuration that does not match the schema; the message names the key."""


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`overlay` merged into `base` in place: mappings key by key, everything else replaced."""
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml's parser when PyYAML has it (the same result, several times faster: every
    `snakemake` call validates the config with its schemas)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    return load_yaml(path.read_text()) or {}


def scale_overlay(scale: str) -> Path:
    return CONFIG_DIR / f"{scale}.yaml"


def compose(*paths: str | Path) -> dict[str, Any]:
    """base.yaml, then the overlay of the scale the files name, then the files themselves."""
    user = {}
    for path in paths:
        merge(user, read_yaml(path))
    config = read_yaml(BASE_CONFIG)
    overlay = scale_overlay(user.get("scale", config.get("scale")))
    if overlay.exists():
        merge(config, read_yaml(overlay))
    return merge(config, user)


def full_schema(config: dict[str, Any]) -> dict[str, Any]:
    """The core schema with every listed paper's fragment as the schema of its section."""
    schema = load_yaml(SCHEMA_PATH.read_text())
    for paper in configured_papers(config):
        schema["properties"][paper.name] = paper.schema()
        schema["required"].append(paper.name)
    return schema


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    validator_class = jsonschema.validators.validator_for(schema)
    # Fill in schema defaults while validating, as Snakemake's validate(set_default=True) does.
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema:
                    instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})(schema)


def validate_config(config: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Validate `config` in place (filling defaults) and return it; raise ConfigError naming the key."""
    try:
        schema = full_schema(config)
    except PaperError as error:
        _raise([f"{source}: {error}"])
    if unknown := sorted(set(config) - set(schema["properties"])):
        _raise([f"{source}: {key}: neither a core key nor the section of a paper listed in `papers`" for key in unknown])
    errors = sorted(_validator(schema).iter_errors(config), key=lambda error: list(error.absolute_path))
    if errors:
        _raise([f"{source}: {_key(error)}: {error.message}" for error in errors])
    messages = [f"{source}: {paper.name}.{message}" for paper in configured_papers(config) for message in paper.check(config[paper.name])]
    messages += [f"{source}: {message}" for message in core_checks(config)]
    if messages:
        _raise(messages)
    return config


def core_checks(config: dict[str, Any]) -> list[str]:
    """Checks of the core keys that JSON Schema cannot express: the confirmatory plan's papers and fresh seeds, and
    the baseline file (a missing one would leave the report with an input no rule makes: Snakemake then keeps an old
    report instead of failing)."""
    from replications.stages import plan_errors  # here: replications.stages builds on this module

    errors = plan_errors(config)
    baseline = config["benchmarks"].get("baseline")
    if baseline and not (Path(baseline).exists() or (REPO_ROOT / baseline).exists()):
        errors.append(f"benchmarks.baseline: no file {baseline} (write one with benchmarks/save_baseline.py, or set it to null)")
    return errors


def _raise(lines: list[str]) -> None:
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def _key(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def load_config(*paths: str | Path) -> dict[str, Any]:
    """Compose the config from base, scale overlay and `paths`, and validate it."""
    return validate_config(compose(*paths), source=" + ".join(str(path) for path in paths) or str(BASE_CONFIG))


def config_hash(config: dict[str, Any]) -> str:
    """A short, stable hash of the validated config (provenance)."""
    canonical = yaml.safe_dump(config, sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()[:12]
