import json
from pathlib import Path

import pytest

from conftest import REPO
from replications.config import load_config
from replications.jobs import declared_inputs
from replications.keskar2017 import experiment, jobs, layout
from replications.keskar2017.config import KeskarConfig


@pytest.fixture
def config(tmp_path):
    config = load_config(f"{REPO}/config/smoke.yaml")
    config["results_dir"] = str(tmp_path)
    config["keskar2017"]["seeds"] = [0, 1, 2]
    return config


def write_runs(config, accuracies):
    """Hand-made run records: {regime: [(train_accuracy, test_accuracy, diverged), ...]}."""
    for regime, runs in accuracies.items():
        for seed, (train_accuracy, test_accuracy, diverged) in zip(config["keskar2017"]["seeds"], runs):
            folder = Path(layout.run_dir(config["results_dir"], "F1", regime, seed))
            folder.mkdir(parents=True)
            metrics = {"diverged": diverged, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
                       "batch_size": 16 if regime == "SB" else 80, "epochs": 10, "updates": 100, "test_examples": 200}
            (folder / "metrics.json").write_text(json.dumps(metrics))


def test_large_batch_is_ten_percent_of_the_training_set(config):
    keskar = KeskarConfig.from_config(config)
    assert experiment.batch_size(keskar, "F1", "SB") == 8
    assert experiment.batch_size(keskar, "F1", "LB") == 80  # 10% of 800
    paper = KeskarConfig.from_config(load_config(f"{REPO}/config/paper.yaml"))
    assert experiment.batch_size(paper, "C1", "LB") == 5000


def test_a_network_may_set_its_own_small_batch_which_its_warm_start_uses_too():
    quick = KeskarConfig.from_config(load_config(f"{REPO}/config/quick.yaml"))
    assert (experiment.batch_size(quick, "C1", "SB"), experiment.batch_size(quick, "C1", "LB")) == (12, 144)
    assert (experiment.batch_size(quick, "F1", "SB"), experiment.batch_size(quick, "F1", "LB")) == (32, 400)
    warm = experiment.schedule_for(quick, "C1", "warm3")
    assert [(phase.start_epoch, phase.batch_size) for phase in warm.phases] == [(0, 12), (3, 144)]
    assert "F1mnist" not in quick.minima_networks and {"F1", "C1"} <= set(quick.minima_networks)


def test_table2_and_a_reproduced_gap(config):
    write_runs(config, {
        "SB": [(0.999, 0.80, False), (0.998, 0.81, False), (0.999, 0.805, False)],
        "LB": [(1.0, 0.77, False), (1.0, 0.775, False), (0.999, 0.765, False)],
    })
    runs = experiment.collect_runs(KeskarConfig.from_config(config), declared_inputs(jobs.jobs(config), "table2")["metrics"])
    table = experiment.table2(runs).set_index("regime")
    assert table.loc["SB", "test_accuracy_mean"] == pytest.approx(80.5)
    assert table.loc["LB", "batch_size"] == 80
    assert table.loc["SB", "paper_test_accuracy_mean"] == 98.03
    (row,) = experiment.generalization_gap_claims(KeskarConfig.from_config(config), runs, power=0.8)
    assert row.verdict == "reproduced" and row.p_value < 0.05 and row.n_seeds == 3
    assert row.paper_effect == pytest.approx(98.03 - 97.81) and row.effect == pytest.approx(3.5) and row.mde > 0
    assert "SB 80.50% vs LB 77.00%" in row.our_value


def test_unequal_training_accuracy_makes_the_claim_not_measured_and_diverged_runs_are_counted(config):
    write_runs(config, {
        "SB": [(0.999, 0.80, False), (0.998, 0.81, False), (0.999, 0.805, False)],
        "LB": [(0.90, 0.70, False), (0.91, 0.71, False), (None, None, True)],
    })
    runs = experiment.collect_runs(KeskarConfig.from_config(config), declared_inputs(jobs.jobs(config), "table2")["metrics"])
    table = experiment.table2(runs).set_index("regime")
    assert table.loc["LB", "n_diverged"] == 1 and table.loc["LB", "test_accuracy_mean"] == pytest.approx(70.5)
    (row,) = experiment.generalization_gap_claims(KeskarConfig.from_config(config), runs, power=0.8)
    assert row.verdict == "not measured" and row.n_seeds == 2  # the diverged run's pair is left out
    assert "training accuracies differ" in row.validity and "similar training accuracy" in row.validity_check
    assert "1 diverged" in row.detail


def test_the_warm_start_from_scratch_is_table2s_large_batch_run_not_a_second_training():
    quick = KeskarConfig.from_config(load_config(f"{REPO}/config/quick.yaml"))
    runs = layout.warm_start_runs(quick)
    assert runs == ["LB", "warm3", "warm15"]
    assert tuple(layout.warm_start_epochs(run) for run in runs) == quick.warm_start.epochs == (0, 3, 15)
    # What makes the reuse exact: k = 0 trains LB's schedule (the run fingerprints also hash data, model and seed).
    assert experiment.schedule_for(quick, "F1", layout.warm_start_run(0)) == experiment.schedule_for(quick, "F1", "LB")
    assert experiment.schedule_for(quick, "F1", "warm0") == experiment.schedule_for(quick, "F1", "LB")
    with pytest.raises(ValueError, match="unknown run 'warmup'"):
        layout.parse_run("warmup")
