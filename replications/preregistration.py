"""Pre-registration: the hash of the rules a paper's verdicts are computed under, recorded by every run.

Light on purpose (no pandas, no TensorFlow): training jobs and the Snakefile import it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from replications.amendments import AMENDMENTS_FILE, load_amendments

REGISTRY_FILE = "registered_rules.yaml"  # in each paper's package, beside its schema
REGISTERED = "registered"  # a registry entry made before any result of the rule was seen


@dataclasses.dataclass(frozen=True)
class VerdictSettings:
    """How verdicts are checked (config `verdicts:`), part of the pre-registered rules."""

    power: float = 0.8
    fragile_below: float = 0.9
    bootstrap_resamples: int = 200
    resampling_seed: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VerdictSettings:
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




# --- the registry: every claim rule's hash, with the registration or amendment that made it ------------------


class UnregisteredRule(ValueError):
    """A claim's rule in force is on no entry of its paper's registry: a change that is not on record."""


def claim_rule_hash(config: Mapping[str, Any], section: str, rule: str) -> str:
    """The hash of one claim's rule: its config (`<section>.claims.<rule>`), the thresholds that decide its verdicts.
    (The core `verdicts` settings only mark verdicts, fragile or not, and size their MDE: the paper's `rules_hash`,
    which the runs record, covers them.)"""
    return hashlib.sha256(json.dumps(config[section]["claims"][rule], sort_keys=True).encode()).hexdigest()[:12]


def claim_rule_hashes(config: Mapping[str, Any], section: str) -> dict[str, str]:
    """Every claim rule of a paper section and its hash."""
    return {rule: claim_rule_hash(config, section, rule) for rule in config[section]["claims"]}


def read_registry(path: str | Path) -> dict[str, Any]:
    """A paper's registry: per claim rule, when it was first registered and every hash on record with its entry."""
    path = Path(path)
    if not path.exists():
        return {}
    registry = yaml.safe_load(path.read_text()) or {}
    for rule, entry in registry.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("hashes"), dict) or "registered" not in entry:
            raise ValueError(f"{path}: {rule} needs `registered: {{commit, date}}` and `hashes: {{hash: entry}}`")
    return registry


def amendment_ids(path: str | Path = AMENDMENTS_FILE) -> set[str]:
    return {str(entry["id"]) for entry in load_amendments(path)}


def unregistered_rules(section: str, hashes: Mapping[str, str], registry_path: str | Path,
                       amendments_path: str | Path = AMENDMENTS_FILE) -> list[str]:
    """Why each claim rule of `hashes` is not on record (empty: every one is): its hash is on no entry of the
    registry, or the entry names an amendment that `amendments_path` does not hold."""
    registry, known = read_registry(registry_path), amendment_ids(amendments_path) | {REGISTERED}
    problems = []
    for rule, current in hashes.items():
        entry = registry.get(rule, {}).get("hashes", {}).get(current)
        if entry is None:
            problems.append(
                f"{section}.{rule}: its rule in force (hash {current}) is on no entry of {registry_path}. A rule "
                f"changed after results is an amendment: add it to {amendments_path} (what, why, what had been seen), "
                f"then record the hash with `python -m replications.preregistration register --entry <its id> "
                f"--rule {section}.{rule}` (and the scale's --config)"
            )
        elif str(entry) not in known:
            problems.append(f"{section}.{rule}: hash {current} is recorded under {entry!r}, which is no amendment in {amendments_path}")
    return problems


def check_registered(section: str, hashes: Mapping[str, str], registry_path: str | Path,
                     amendments_path: str | Path = AMENDMENTS_FILE) -> None:
    """Refuse to compute verdicts under a claim rule that is not on record (`unregistered_rules`)."""
    if problems := unregistered_rules(section, hashes, registry_path, amendments_path):
        raise UnregisteredRule("claim rules not on record:\n  " + "\n  ".join(problems))


def register(section: str, hashes: Mapping[str, str], registry_path: str | Path, entry: str, commit: str, date: str,
             rules: Iterable[str] | None = None) -> list[str]:
    """Record the hashes of `rules` (default: every rule not yet on record) under `entry`; returns what was added."""
    path = Path(registry_path)
    registry = read_registry(path)
    chosen = list(hashes) if rules is None else list(rules)
    added = []
    for rule in chosen:
        if rule not in hashes:
            raise ValueError(f"{section} has no claim rule {rule!r}; it has {sorted(hashes)}")
        record = registry.setdefault(rule, {"registered": {"commit": commit, "date": date}, "hashes": {}})
        if hashes[rule] not in record["hashes"]:
            record["hashes"][hashes[rule]] = entry
            added.append(f"{section}.{rule}: {hashes[rule]} -> {entry}")
    header = (f"# {section}'s claim rules on record: per rule, its first registration and every hash its config has had\n"
              f"# (`replications.preregistration.claim_rule_hash`), each with the entry that made it: '{REGISTERED}', or the id\n"
              f"# of an amendment in config/amendments.yaml. The claims step refuses a hash that is on no entry.\n")
    path.write_text(header + yaml.safe_dump(registry, sort_keys=False, default_flow_style=None, width=120))
    return added


def main(argv: list[str] | None = None) -> None:
    """`python -m replications.preregistration register --entry A9 [--rule section.rule ...] [--config overlay ...]`."""
    import argparse
    import datetime
    import subprocess

    from replications.config import load_config
    from replications.papers import configured_papers

    parser = argparse.ArgumentParser(prog="python -m replications.preregistration", description=main.__doc__)
    parser.add_argument("command", choices=["register", "check"])
    parser.add_argument("--config", nargs="*", default=[], help="config overlays (default: the quick scale)")
    parser.add_argument("--entry", help=f"'{REGISTERED}' or the id of the amendment in config/amendments.yaml")
    parser.add_argument("--rule", nargs="*", help="section.rule to record (default: every rule not on record)")
    arguments = parser.parse_args(argv)
    config = load_config(*arguments.config)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "-"
    for paper in configured_papers(config):
        hashes, path = claim_rule_hashes(config, paper.name), paper.registry
        if arguments.command == "check":
            print("\n".join(unregistered_rules(paper.name, hashes, path)) or f"{paper.name}: every claim rule is on record")
            continue
        if not arguments.entry:
            parser.error("register needs --entry")
        wanted = [rule.split(".", 1)[1] for rule in arguments.rule or [] if rule.split(".", 1)[0] == paper.name]
        unrecorded = [rule for rule in hashes if rule not in read_registry(path) or hashes[rule] not in read_registry(path)[rule]["hashes"]]
        chosen = wanted if arguments.rule else unrecorded
        if chosen:
            print("\n".join(register(paper.name, hashes, path, arguments.entry, commit, str(datetime.date.today()), chosen)))


if __name__ == "__main__":
    main()
