"""The confirmatory stage: its config from the plan, the checks that its seeds are fresh, and the seeds it asks for."""

import math

import pytest

from conftest import REPO
from replications import stages
from replications.config import ConfigError, compose, load_config, validate_config

SMOKE_WITH_TOY = (f"{REPO}/config/smoke.yaml", f"{REPO}/tests/toy_paper/config.yaml")


def test_the_confirmatory_config_runs_only_the_planned_papers_on_their_fresh_seeds():
    config = load_config(*SMOKE_WITH_TOY)
    stage = stages.confirmatory_config(config)
    assert stage["papers"] == ["tests.toy_paper"] and "keskar2017" not in stage and stages.CONFIRMATORY not in stage
    assert stage["toypaper"]["seeds"] == [3, 4, 5] and config["toypaper"]["seeds"] == [0, 1, 2]  # the exploratory config untouched
    assert {key: stage["toypaper"][key] for key in config["toypaper"] if key != "seeds"} == {
        key: value for key, value in config["toypaper"].items() if key != "seeds"}
    assert (stage["results_dir"], stage["report_dir"]) == ("results/smoke/confirmatory", "results/smoke/report/confirmatory")
    assert validate_config(stage, source="stage") is stage  # a config of its own, valid as it is
    assert stages.confirmatory_config(load_config(f"{REPO}/config/smoke.yaml")) is None


def test_an_overlay_merges_into_nested_keys_and_replaces_lists():
    section = {"seeds": [0, 1], "sweep": {"seeds": [0], "batch_sizes": [8, 16]}}
    merged = stages.merged_section(section, {"sweep": {"seeds": [7]}})
    assert merged == {"seeds": [0, 1], "sweep": {"seeds": [7], "batch_sizes": [8, 16]}} and section["sweep"]["seeds"] == [0]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"toypaper": {"seeds": [2, 3]}}, "confirmatory.toypaper.seeds: seeds [2] were used by the exploratory run"),
        ({"toypaper": {"epochs": 3}}, "confirmatory.toypaper.seeds: seeds [0, 1, 2] were used"),  # seeds left as they were
        # Keskar's sweep seeds are spent too, though only the main runs' seeds changed.
        ({"keskar2017": {"seeds": [5, 6]}}, "confirmatory.keskar2017.sweep.seeds: seeds [0] were used"),
        # A seed of the sweep is as spent as one of the main runs.
        ({"keskar2017": {"seeds": [0, 6], "sweep": {"seeds": [7]}, "warm_start": {"seeds": [8, 9]}, "trajectory": {"seed": 6}}},
         "confirmatory.keskar2017.seeds: seeds [0] were used"),
        ({"toy": {"seeds": [7]}}, "confirmatory.toy: not a paper listed in `papers`"),
    ],
)
def test_a_plan_that_reuses_a_seed_or_names_no_paper_is_refused_before_any_work(plan, message):
    config = compose(*SMOKE_WITH_TOY)
    config["confirmatory"] = plan
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate_config(config)


def test_a_plan_with_fresh_seeds_in_every_seed_key_passes():
    config = compose(*SMOKE_WITH_TOY)
    config["confirmatory"] = {"keskar2017": {"seeds": [5, 6], "sweep": {"seeds": [7]}, "warm_start": {"seeds": [8, 9]}, "trajectory": {"seed": 5}}}
    assert stages.plan_errors(validate_config(config)) == []


@pytest.mark.parametrize(
    ("n_needed", "exploratory", "cap", "expected"),
    [
        ([2.0, 3.0], 5, 5, 3),          # what the cells ask for
        ([2.0, 350.0], 5, 5, 5),        # capped by the budget
        ([1.0], 5, 5, 2),               # never fewer than 2 (a test needs a spread)
        ([math.nan, 2.0], 5, 8, 5),     # a cell that states none asks for the exploratory count
    ],
)
def test_the_planned_seeds_follow_n_needed_within_the_budget(n_needed, exploratory, cap, expected):
    assert stages.planned_seed_count(n_needed, exploratory, cap) == expected


def test_the_plan_command_reads_an_exploratory_claims_table(tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text("paper,claim_id,verdict,n_needed,n_seeds\nP,a,reproduced,3,5\nP,b,not measured,40,5\nQ,c,inconclusive,,4\n")
    stages.main([str(claims), "--cap", "6"])
    assert capsys.readouterr().out.splitlines() == [
        "P: 1 cells decided, largest n_needed 3, 0 with none: 3 seeds (cap 6)",
        "Q: 1 cells decided, no n_needed stated, 1 with none: 4 seeds (cap 6)",
    ]


def test_the_perturbed_stage_is_the_confirmatory_one_with_its_initial_weights_one_ulp_up():
    stage = stages.confirmatory_config(load_config(*SMOKE_WITH_TOY))
    validate_config(stage)
    perturbed = stages.perturbed_config(stage)
    assert perturbed["runtime"]["initial_weights_ulps"] == stages.PERTURBATION_ULPS == 1 and stage["runtime"]["initial_weights_ulps"] == 0
    assert perturbed["results_dir"] == "results/smoke/confirmatory/perturbed" and perturbed["toypaper"] == stage["toypaper"]
    assert validate_config(perturbed) is perturbed
