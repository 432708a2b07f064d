import numpy as np
import pandas as pd
import pytest

from replications.typed_config import CoreConfig
from replications.wilson2003 import analysis, layout, measures, steps
from replications.wilson2003.config import WilsonConfig


def test_epochs_to_best_is_the_first_epoch_at_the_maximum():
    accuracy = pd.Series([0.50, 0.70, 0.90, 0.85, 0.90, 0.60])
    assert steps.epochs_to_best(accuracy) == (0.90, 3)
    assert steps.epochs_to_best(pd.Series([0.5, np.nan, 0.7])) == (0.7, 3)
    assert steps.epochs_to_best(pd.Series([np.nan, np.nan]))[1] == 0


def test_grid_skips_batch_sizes_at_or_above_the_training_set(config):
    config["wilson2003"]["batch_sizes"] = [1, 10, 100, 1000]
    config["wilson2003"]["max_epochs"].update({"100": 5, "1000": 5})
    grid = layout.grid(WilsonConfig.from_config(config))
    # iris: 150 -> 120 train -> 96 after the hold-out; wine: 178 -> 142 -> 113
    assert grid == [("iris", "1"), ("iris", "10"), ("iris", "full"), ("wine", "1"), ("wine", "10"), ("wine", "100"), ("wine", "full"),
                    ("wine_n60", "1"), ("wine_n60", "full")]  # the size series: online and full batch of wine's first 60
    assert layout.task_train_size(WilsonConfig.from_config(config), "wine_n60") == 48  # 60 - 20% hold-out
    assert steps.resolve_batch_size("full", 96) == 96 and steps.resolve_batch_size("10", 96) == 10


def test_a_learning_rate_that_blows_up_is_recorded_as_diverged(config):
    section = config["wilson2003"]
    section.update(learning_rates=[1e6, 0.1], seeds=[0, 1], model={"name": "shallow", "hidden_units": 8, "activation": "relu"})
    section["max_epochs"]["full"] = 100  # long enough for lr 0.1 to bring the training loss well below the no-information loss
    runs, histories = steps.run_group(CoreConfig.from_config(config), WilsonConfig.from_config(config), "iris", "full")
    assert set(histories.groupby(["learning_rate", "seed"]).groups) == {(1e6, 0), (1e6, 1), (0.1, 0), (0.1, 1)}
    by_rate = runs.groupby("learning_rate")["diverged"].all()
    assert by_rate[1e6] and not by_rate[0.1]
    assert (runs[runs["diverged"]]["epochs_run"] < section["max_epochs"]["full"]).all()
    assert set(runs.columns) >= {"best_holdout_accuracy", "final_train_loss", "no_information_loss", "censored"}
    assert np.allclose(runs["no_information_loss"], steps.no_information_loss(np.array([0, 1, 2, 0, 1, 2])), atol=0.1)
    stable = measures.largest_stable_learning_rates(runs, loss_share=0.9)
    assert stable["largest_stable_learning_rate"].tolist() == [0.1], runs[["learning_rate", "final_train_loss"]]


def test_epochs_to_target_is_the_first_epoch_at_a_share_of_the_tasks_best():
    runs = pd.DataFrame([
        {"task": "a", "batch_label": label, "learning_rate": 0.1, "seed": 0, "diverged": False, "best_holdout_accuracy": best}
        for label, best in (("1", 0.80), ("full", 0.70))
    ])
    histories = pd.DataFrame([
        {"task": "a", "batch_label": label, "learning_rate": 0.1, "seed": 0, "epoch": epoch, "test_accuracy": accuracy}
        for label, curve in (("1", [0.5, 0.77, 0.80, 0.78]), ("full", [0.2, 0.4, 0.6, 0.7]))
        for epoch, accuracy in enumerate(curve, start=1)
    ])
    with_target = measures.with_epochs_to_target(runs, histories, target_fraction=0.95).set_index("batch_label")
    assert with_target.loc["1", "target"] == 0.95 * 0.80
    assert with_target.loc["1", "epochs_to_target"] == 2  # 0.77 >= 0.76
    assert np.isnan(with_target.loc["full", "epochs_to_target"])  # 0.70 never reaches 0.76


def test_claims_from_a_hand_made_grid(config):
    rows = []
    for task in ("a", "b", "c", "d", "e"):
        for seed in (0, 1):
            for batch, label, epochs, accuracy in ((1, "1", 10, 0.90), (10, "10", 30, 0.90), (100, "100", 300, 0.895), (1000, "full", 2900, 0.89)):
                rows.append({"task": task, "batch_label": label, "batch_size": batch, "learning_rate": 0.1, "seed": seed,
                             "majority_rate": 0.3, "diverged": False, "best_holdout_accuracy": accuracy + 0.001 * seed,
                             "holdout_accuracy_at_budget": accuracy + 0.001 * seed, "test_accuracy_at_budget": accuracy + 0.001 * seed,
                             "test_examples": 1000,
                             "epochs_to_best": epochs + seed, "epochs_run": 5000, "updates_to_best": 0, "censored": False})
    runs = pd.DataFrame(rows).assign(target=0.85, epochs_to_target=lambda frame: frame["epochs_to_best"].astype(float),
                                      final_train_loss=0.1, no_information_loss=1.0)
    config["wilson2003"]["claims"]["linear_growth"]["min_batch_size"] = 10
    config["wilson2003"]["max_epochs"]["full"] = 5000
    by_id = {row.claim_id: row for row in analysis.all_claims(WilsonConfig.from_config(config), runs, power=0.8)}
    assert by_id["online_fewer_epochs_a"].verdict == "reproduced" and by_id["online_fewer_epochs_a"].family == "online_fewer_epochs"
    assert by_id["batch_no_accuracy_gain_a"].verdict == "reproduced"  # full batch is 1 pp worse
    assert by_id["epochs_grow_linearly_a"].verdict == "reproduced"  # 30 -> 300 -> 2900 (+1 per seed): slope ~ 0.99
    assert by_id["larger_sets_slower"].verdict == "not measured"  # no size series passed: claim 5 reads only that
    assert by_id["stable_rate_falls"].verdict == "not measured"  # one learning rate, the grid's top: censored


def test_each_seed_is_tested_at_the_rate_the_other_seeds_chose():
    """Seed 0 alone makes rate 1.0 the fastest over all seeds (1 epoch against the others' 6; rate 0.1 takes 5 on
    every seed): chosen on the other seeds, seed 0 is tested at 0.1, so its lucky run chooses nothing it tests."""
    epochs = {(1.0, 0): 1, (1.0, 1): 6, (1.0, 2): 6, (0.1, 0): 5, (0.1, 1): 5, (0.1, 2): 5}
    runs = pd.DataFrame([
        {"task": "t", "batch_label": "10", "batch_size": 10, "learning_rate": rate, "seed": seed, "epochs_to_target": float(value),
         "best_holdout_accuracy": 0.9, "target": 0.8}
        for (rate, seed), value in epochs.items()
    ])
    assert measures.fastest_per_batch(runs)["learning_rate"].tolist() == [1.0]  # on every seed at once
    picked = measures.cross_fitted(runs).set_index("seed")
    assert picked["learning_rate"].to_dict() == {0: 0.1, 1: 1.0, 2: 1.0}
    assert picked["epochs_to_target"].to_dict() == {0: 5.0, 1: 6.0, 2: 6.0} and picked["reached"].all()
    assert measures.cross_fitted(runs[runs["seed"] == 0]).empty  # one seed: no other seed to choose for it


def test_a_crossing_is_refined_below_an_epoch_by_probes_that_retrace_the_run(config):
    """iris at batch 10 (10 updates an epoch): every run the linear-growth claim reads is retrained to points within
    its crossing epoch; a probe at the epoch's end gives exactly the accuracy the run recorded (one probe per epoch),
    and with 8 probes the crossing lies inside that epoch."""
    section = config["wilson2003"]
    section.update(learning_rates=[1.0, 0.1], seeds=[0, 1, 2], model={"name": "shallow", "hidden_units": 8, "activation": "sigmoid"})
    section["max_epochs"]["10"] = 20
    core, wilson = CoreConfig.from_config(config), WilsonConfig.from_config(config)
    runs, histories = steps.run_group(core, wilson, "iris", "10")
    section["crossing_probes"] = 1  # the epoch's end only: the probe must retrace the run to the bit
    whole_epochs = steps.refine_crossings(core, WilsonConfig.from_config(config), "iris", runs, histories)
    assert len(whole_epochs) == 3 and (whole_epochs["end_probe_accuracy"] == whole_epochs["recorded_accuracy"]).all()
    assert (whole_epochs["epochs_to_target_refined"] == whole_epochs["crossing_epoch"]).all()
    refined = steps.refine_crossings(core, wilson, "iris", runs, histories)  # 8 probes an epoch
    assert refined[layout.RUN_KEYS].equals(whole_epochs[layout.RUN_KEYS])
    inside = (refined["epochs_to_target_refined"] > refined["crossing_epoch"] - 1) & (refined["epochs_to_target_refined"] <= refined["crossing_epoch"])
    within = refined["updates_to_target"] - 10 * (refined["crossing_epoch"] - 1)  # updates into the crossing epoch
    seen = np.minimum(10 * within, 96) / 96  # in examples: the epoch's last batch has 6
    assert inside.all() and np.allclose(refined["epochs_to_target_refined"], refined["crossing_epoch"] - 1 + seen)
    assert (refined["end_probe_accuracy"] == refined["recorded_accuracy"]).all()  # every refined run's end probe retraced it
    assert steps.probe_points(10, 8) == [2, 3, 4, 5, 7, 8, 9, 10] and steps.probe_points(3, 8) == [1, 2, 3]


def test_a_linear_growth_fit_needs_enough_batch_sizes_and_probes_that_retraced(config):
    """Three batch sizes with crossings refined below an epoch give a measured slope; two batch sizes, or a probe that
    did not retrace its run, give "not measured"."""
    config["wilson2003"]["claims"]["linear_growth"].update(min_batch_size=10, min_points=3)
    wilson = WilsonConfig.from_config(config)
    picked = pd.DataFrame([
        {"task": "a", "batch_label": str(batch), "batch_size": batch, "learning_rate": 0.1, "seed": seed, "reached": True,
         "epochs_to_target": float(np.ceil(batch / 100 * (1 + 0.05 * seed)))}
        for batch in (10, 30, 100) for seed in range(4)
    ])
    crossings = picked.assign(crossing_epoch=picked["epochs_to_target"], epochs_to_target_refined=picked["batch_size"] / 100 * (1 + 0.05 * picked["seed"]),
                              at_first_probe=False, end_probe_accuracy=np.nan, recorded_accuracy=0.9)
    crossings = crossings.assign(updates_to_target=0)[[*layout.RUN_KEYS, *layout.CROSSING_COLUMNS]]
    (row,) = analysis.slope_claims(wilson, picked, picked, crossings)
    assert row.verdict == "reproduced" and row.effect == pytest.approx(1.0) and "12 of 12 crossings resolved" in row.our_value
    (whole,) = analysis.slope_claims(wilson, picked, picked)  # whole epochs: 1, 1, 1 -> no growth at all
    assert whole.effect < 0.5
    (two,) = analysis.slope_claims(wilson, picked, picked[picked["batch_size"] < 100], crossings)
    assert two.verdict == "not measured" and "a fit needs 3" in two.validity
    broken = crossings.assign(end_probe_accuracy=0.5)  # a probe at the epoch's end that did not give the recorded 0.9
    (row,) = analysis.slope_claims(wilson, picked, picked, broken)
    assert row.verdict == "not measured" and "did not give the accuracy" in row.validity


def test_a_size_series_must_shrink_a_task_of_the_grid(config):
    from replications.config import ConfigError, validate_config

    config["wilson2003"]["size_series"] = {"task": "wine", "max_train_examples": [60, 500]}
    with pytest.raises(ConfigError, match=r"size_series.max_train_examples: \[500\] not below the task's own 142"):
        validate_config(config)
    config["wilson2003"]["size_series"] = {"task": "letters", "max_train_examples": [60]}
    with pytest.raises(ConfigError, match="size_series.task: 'letters' is not one of wilson2003.tasks"):
        validate_config(config)
