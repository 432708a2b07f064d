"""Pre-registration that remembers: every claim rule in force is on record, and an amendment after results stays marked."""

import dataclasses
import shutil

import pandas as pd
import pytest

from replications import claims
from replications.amendments import AMENDMENTS_FILE, amended_families, amendments_of, load_amendments
from replications.preregistration import UnregisteredRule, check_registered, claim_rule_hashes, register, unregistered_rules
from replications.typed_config import CoreConfig


def sharpness_like_claims(frames):
    """One paired cell in the family `sharper_minima` (amended after results by A1 and A3, and A9 as every family)."""
    pairs = frames["runs"].pivot(index="seed", columns="run", values="value")
    return [claims.gap_row(pairs["LB"], pairs["SB"], paired=True, alpha=0.05, min_effect=0.0, power=0.8, paper="Keskar",
                           family="sharper_minima", claim_id="sharper_minima_x", statement="s", paper_value="-",
                           our_value="-", test="t")]


def runs(rules_hash: str) -> pd.DataFrame:
    return pd.DataFrame([{"seed": seed, "run": run, "value": 1.0 + seed * 0.01 + (0.5 if run == "LB" else 0.0), "rules_hash": rules_hash}
                         for seed in range(4) for run in ("SB", "LB")])


def write(core: CoreConfig, path) -> pd.DataFrame:
    frames = {"runs": runs(core.rules_hashes["keskar2017"])}
    claims.write_claims(str(path), sharpness_like_claims, frames, core, "keskar2017", ["runs"])
    return pd.read_csv(path)


def test_the_committed_configs_have_every_claim_rule_on_record():
    from replications.config import load_config
    from replications.papers import configured_papers

    toy = AMENDMENTS_FILE.parent.parent / "tests" / "toy_paper" / "config.yaml"
    for scale, extra in [(scale, extra) for scale in ("smoke", "quick", "paper") for extra in ([], [toy])]:
        config = load_config(f"{AMENDMENTS_FILE.parent}/{scale}.yaml", *extra)
        for paper in configured_papers(config):
            assert unregistered_rules(paper.name, claim_rule_hashes(config, paper.name), paper.registry) == [], (scale, paper.name)


def test_a_rule_edited_without_an_entry_fails_the_claims_step_naming_the_claim(config, tmp_path):
    assert write(CoreConfig.from_config(config), tmp_path / "before.csv")["verdict"].iloc[0] == claims.REPRODUCED
    config["keskar2017"]["claims"]["generalization_gap"]["alpha"] = 0.1  # an edit with no amendment
    with pytest.raises(UnregisteredRule, match=r"keskar2017\.generalization_gap: its rule in force \(hash \w+\) is on no entry") as error:
        write(CoreConfig.from_config(config), tmp_path / "after.csv")
    assert "sharper_minima" not in str(error.value)  # only the edited rule is named
    assert not (tmp_path / "after.csv").exists()  # refused before any verdict was written


def test_an_edit_recorded_under_an_amendment_passes_and_an_unknown_entry_does_not(config, tmp_path):
    registry = tmp_path / "registered_rules.yaml"
    shutil.copy(CoreConfig.from_config(config).registries["keskar2017"], registry)
    amendments = tmp_path / "amendments.yaml"
    shutil.copy(AMENDMENTS_FILE, amendments)
    config["keskar2017"]["claims"]["generalization_gap"]["alpha"] = 0.1
    hashes = claim_rule_hashes(config, "keskar2017")
    with pytest.raises(UnregisteredRule):
        check_registered("keskar2017", hashes, registry, amendments)
    added = register("keskar2017", hashes, registry, "A2", "abc1234", "2026-12-03", ["generalization_gap"])
    assert added == [f"keskar2017.generalization_gap: {hashes['generalization_gap']} -> A2"]
    check_registered("keskar2017", hashes, registry, amendments)  # on record now
    register("keskar2017", {**hashes, "generalization_gap": "0123456789ab"}, registry, "A99", "abc1234", "2026-12-03", ["generalization_gap"])
    problems = unregistered_rules("keskar2017", {**hashes, "generalization_gap": "0123456789ab"}, registry, amendments)
    assert problems == [f"keskar2017.generalization_gap: hash 0123456789ab is recorded under 'A99', which is no amendment in {amendments}"]


def test_an_amendment_after_results_stays_marked_when_the_claims_are_rerun(config, tmp_path):
    core = CoreConfig.from_config(config)
    first = write(core, tmp_path / "first.csv")
    rerun = write(core, tmp_path / "rerun.csv")  # same rules, runs made under them: not post hoc
    for table in (first, rerun):
        assert table["amended"].iloc[0] == "A1 A3 A9" and not table["post_hoc"].iloc[0]


def test_amended_families_read_wildcards_and_skip_changes_made_before_results():
    entries = [
        {"id": "B1", "families": ["paper.one"], "results_seen": True},
        {"id": "B2", "families": ["paper.*"], "results_seen": True},
        {"id": "B3", "families": ["*"], "results_seen": True},
        {"id": "B4", "families": ["paper.two"], "results_seen": False},  # registered before any result: no mark
        {"id": "B5", "families": ["other.one"], "results_seen": True},
    ]
    named = amended_families("paper", entries)
    assert amendments_of("one", named) == "B1 B2 B3" and amendments_of("two", named) == "B2 B3"  # in the order made
    assert amendments_of("one", amended_families("third", entries)) == "B3"


def test_every_amendment_names_families_the_report_can_find():
    from replications.config import load_config

    config = load_config(f"{AMENDMENTS_FILE.parent}/quick.yaml")
    sections = set(config["papers"]) | {package.rsplit(".", 1)[-1] for package in config["papers"]}
    for entry in load_amendments():
        for name in entry["families"]:
            assert name == "*" or name.split(".")[0] in sections, (entry["id"], name)


def test_the_report_marks_amended_families(config, tmp_path):
    from replications.report import families

    table = write(CoreConfig.from_config(config), tmp_path / "claims.csv")
    family = families(table.assign(paper="Keskar")).iloc[0]
    assert family.amended == "A1 A3 A9"
    row = dataclasses.replace(claims.ClaimRow(paper="p", family="f", claim_id="c", statement="s", paper_value="-",
                                              our_value="-", test="t", verdict=claims.REPRODUCED, rule="r"), amended="A2")
    from replications.report import _marks

    assert "amended after results (A2)" in _marks(row)
