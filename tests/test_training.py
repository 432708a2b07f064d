import json
import math
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from replications.models import build_model
from replications.schedules import Budget, Phase, Schedule
from replications.training import CHECKPOINT_NAME, Trainer, make_optimizer, save_run, train

MODEL = {"name": "f1", "width": 32, "depth": 1}


def fresh(dataset, seed=0, learning_rate=1e-3, optimizer="adam", model=MODEL):
    keras.utils.set_random_seed(seed)
    network = build_model(model, dataset.input_shape, dataset.num_classes)
    return network, make_optimizer({"name": optimizer, "learning_rate": learning_rate})


def without_wall_time(history: pd.DataFrame) -> pd.DataFrame:
    return history.drop(columns="wall_seconds")


def test_schedule_is_piecewise_by_epoch_and_validated():
    schedule = Schedule((Phase(0, 0.1, 128), Phase(3, 0.1, 640), Phase(6, 0.02, 640)))
    assert [schedule.at(epoch).batch_size for epoch in range(8)] == [128] * 3 + [640] * 5
    assert [schedule.at(epoch).learning_rate for epoch in (0, 5, 6, 100)] == [0.1, 0.1, 0.02, 0.02]
    with pytest.raises(ValueError, match="must start at epoch 0"):
        Schedule((Phase(1, 0.1, 8),))
    with pytest.raises(ValueError, match="increasing epochs"):
        Schedule((Phase(0, 0.1, 8), Phase(5, 0.1, 8), Phase(5, 0.1, 16)))
    with pytest.raises(ValueError, match="batch size >= 1"):
        Schedule.constant(0.1, 0)


def test_history_has_every_column_and_counts_updates_with_a_remainder_batch(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d)
    result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-3, 100), Budget(max_epochs=3), seed=0)
    history = result.history
    assert len(tiny_mnist1d.y_train) == 480  # 4 batches of 100 and one of 80 per epoch
    assert history["updates"].tolist() == [5, 10, 15]
    assert history["examples_seen"].tolist() == [480, 960, 1440]
    assert history["epoch"].tolist() == [1, 2, 3]
    assert history[["train_loss", "test_loss", "train_accuracy", "test_accuracy"]].notna().all().all()
    assert history["wall_seconds"].is_monotonic_increasing
    assert result.metrics["stop_reason"] == "max_epochs" and result.metrics["diverged"] is False
    assert (result.metrics["train_examples"], result.metrics["test_examples"]) == (480, len(tiny_mnist1d.y_test))  # the accuracies' units
    assert int(optimizer.iterations.numpy()) == 15


def test_batch_size_changing_twice_compiles_once_per_batch_size(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d)
    schedule = Schedule((Phase(0, 1e-3, 16), Phase(2, 1e-3, 80), Phase(3, 5e-4, 240)))
    result = train(model, optimizer, tiny_mnist1d, schedule, Budget(max_epochs=5), seed=0)
    history = result.history
    assert history["batch_size"].tolist() == [16, 16, 80, 240, 240]
    assert history["learning_rate"].tolist() == [1e-3, 1e-3, 1e-3, 5e-4, 5e-4]
    assert np.diff(history["updates"], prepend=0).tolist() == [30, 30, 6, 2, 2]  # 480 / batch
    # The Trainer keeps one compiled loop (a concrete function, traced once) per batch size and reuses it.
    trainer = Trainer(*fresh(tiny_mnist1d), tiny_mnist1d)
    permutation, trainer_functions = np.arange(480), {}
    for batch_size in (16, 80, 16, 80, 240):
        trainer.run_epoch(permutation, batch_size)
        trainer_functions.setdefault(batch_size, set()).add(id(trainer.steps_function(batch_size)))
    assert {size: len(functions) for size, functions in trainer_functions.items()} == {16: 1, 80: 1, 240: 1}


def test_update_budget_stops_mid_epoch_exactly(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d)
    result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-3, 32), Budget(max_epochs=50, max_updates=37), seed=0)
    assert result.metrics["updates"] == 37  # 15 per epoch: 15 + 15 + 7
    assert result.history["updates"].tolist() == [15, 30, 37]
    assert result.metrics["stop_reason"] == "max_updates"


def test_patience_stops_when_the_loss_stops_improving(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d, learning_rate=1e-9)  # the loss barely moves
    result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-9, 480), Budget(max_epochs=100, patience=3, min_delta=0.01), seed=0)
    assert result.metrics["stop_reason"] == "converged"
    assert result.metrics["epochs"] == 4  # epoch 1 sets the best; 2, 3, 4 do not improve it


def test_target_accuracy_stops_the_run(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d, learning_rate=1e-2)
    result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-2, 16), Budget(max_epochs=50, target_accuracy=0.3), seed=0)
    assert result.metrics["stop_reason"] == "target_accuracy"
    assert result.history["test_accuracy"].iloc[-1] >= 0.3
    assert (result.history["test_accuracy"].iloc[:-1] < 0.3).all()


def test_divergence_is_recorded_not_raised(tiny_mnist1d, tmp_path):
    model, optimizer = fresh(tiny_mnist1d, learning_rate=1e12, optimizer="sgd")
    result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e12, 16), Budget(max_epochs=20), seed=0, run_dir=tmp_path)
    assert result.metrics["diverged"] is True
    assert result.metrics["stop_reason"] == "diverged"
    assert result.metrics["epochs"] < 20
    assert result.metrics["train_loss"] is None or not math.isfinite(result.history["train_loss"].iloc[-1])
    save_run(tmp_path, result, model)  # a diverged run still writes its record
    assert (tmp_path / "metrics.json").read_text().count('"diverged": true') == 1


def test_training_set_evaluated_after_the_last_epoch_only_changes_nothing_else(tiny_mnist1d):
    runs = []
    for every_epoch in (True, False):
        model, optimizer = fresh(tiny_mnist1d)
        budget = Budget(max_epochs=8, patience=2, min_delta=0.05)  # stops by patience: the last epoch is not known ahead
        runs.append(train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-3, 32), budget, seed=0, training_set_every_epoch=every_epoch))
    full, last_only = (without_wall_time(run.history) for run in runs)
    training_set = ["train_loss", "train_accuracy"]
    pd.testing.assert_frame_equal(full.drop(columns=training_set), last_only.drop(columns=training_set), check_exact=True)
    assert last_only[training_set].iloc[:-1].isna().all().all() and full[training_set].notna().all().all()
    pd.testing.assert_frame_equal(full[training_set].iloc[-1:], last_only[training_set].iloc[-1:], check_exact=True)
    assert runs[0].metrics == {**runs[1].metrics, "wall_seconds": runs[0].metrics["wall_seconds"]}


def test_divergence_is_caught_with_the_training_set_evaluated_only_at_the_end(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d, learning_rate=1e12, optimizer="sgd")
    budget = Budget(max_epochs=20)
    result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e12, 16), budget, seed=0, training_set_every_epoch=False)
    assert result.metrics["stop_reason"] == "diverged" and result.metrics["epochs"] < 20


@pytest.mark.parametrize("training_set_every_epoch", [False, True])
def test_several_epochs_per_call_give_the_same_run_to_the_bit(tiny_mnist1d, training_set_every_epoch):
    """A remainder batch (480 = 4 x 100 + 80), a change of learning rate and batch size, and calls of 1 epoch
    (max_call_seconds tiny) or of up to the rest of a phase (huge): the weights and history of one epoch per call."""
    schedule = Schedule((Phase(0, 0.05, 100), Phase(5, 0.02, 480)))
    runs = {}
    for max_call_seconds in (0.0, 1e-9, 1e9):
        model, optimizer = fresh(tiny_mnist1d, optimizer="sgd", learning_rate=0.05)
        result = train(model, optimizer, tiny_mnist1d, schedule, Budget(max_epochs=12), seed=3,
                       training_set_every_epoch=training_set_every_epoch, max_call_seconds=max_call_seconds)
        runs[max_call_seconds] = (without_wall_time(result.history), [weights.numpy() for weights in model.weights], result.metrics)
    reference, reference_weights, reference_metrics = runs[0.0]
    assert reference["batch_size"].tolist() == [100] * 5 + [480] * 7 and reference["updates"].iloc[-1] == 5 * 5 + 7
    for history, weights, metrics in (runs[1e-9], runs[1e9]):
        assert all(np.array_equal(a, b) for a, b in zip(weights, reference_weights))  # BN statistics included
        exact = history.drop(columns="distance_from_init")
        pd.testing.assert_frame_equal(exact, reference.drop(columns="distance_from_init"), check_exact=True)
        # Summed in float64 in the graph instead of NumPy: the same distance to rounding.
        np.testing.assert_allclose(history["distance_from_init"], reference["distance_from_init"], rtol=1e-12)
        assert metrics["stop_reason"] == "max_epochs" and metrics["epochs"] == 12
    assert runs[1e9][0]["train_loss"].iloc[:-1].isna().all() != training_set_every_epoch


@pytest.mark.parametrize(
    "learning_rate, budget, stop_reason",
    [(100.0, Budget(max_epochs=60), "diverged"),  # diverges at epoch 19
     (0.5, Budget(max_epochs=60, target_accuracy=0.3), "target_accuracy"),  # reached at about epoch 40
     (0.05, Budget(max_epochs=60, patience=3, min_delta=0.02), "converged")],
)
def test_a_run_that_stops_inside_a_call_ends_with_that_epochs_weights(tiny_mnist1d, learning_rate, budget, stop_reason):
    runs = []
    for max_call_seconds in (0.0, 1e9):
        model, optimizer = fresh(tiny_mnist1d, learning_rate=learning_rate, optimizer="sgd")
        result = train(model, optimizer, tiny_mnist1d, Schedule.constant(learning_rate, 480), budget, seed=0,
                       training_set_every_epoch=False, max_call_seconds=max_call_seconds)
        assert result.metrics["stop_reason"] == stop_reason and 2 < result.metrics["epochs"] < 60
        runs.append((without_wall_time(result.history).drop(columns="distance_from_init"), [w.numpy() for w in model.weights]))
    (history, weights), (fused_history, fused_weights) = runs
    pd.testing.assert_frame_equal(history, fused_history, check_exact=True)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(weights, fused_weights))


def test_an_update_budget_ends_inside_an_epoch_with_several_epochs_per_call(tiny_mnist1d):
    runs = []
    for max_call_seconds in (0.0, 1e9):
        model, optimizer = fresh(tiny_mnist1d)
        result = train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-3, 100), Budget(max_epochs=50, max_updates=33),
                       seed=0, max_call_seconds=max_call_seconds)
        runs.append((without_wall_time(result.history).drop(columns="distance_from_init"), [w.numpy() for w in model.weights]))
    assert runs[1][0]["updates"].tolist() == [5, 10, 15, 20, 25, 30, 33]  # 5 updates per epoch; the last epoch cut short
    pd.testing.assert_frame_equal(runs[0][0], runs[1][0], check_exact=True)
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))


def test_several_epochs_per_call_refuse_a_callback_after_every_epoch(tiny_mnist1d):
    model, optimizer = fresh(tiny_mnist1d)
    with pytest.raises(ValueError, match="on_epoch_end"):
        train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-3, 32), Budget(max_epochs=5), seed=0, max_call_seconds=1.0,
              on_epoch_end=lambda row: None)


def test_same_seed_gives_bit_identical_runs_and_another_seed_does_not(tiny_mnist1d):
    histories = []
    for seed in (7, 7, 8):
        model, optimizer = fresh(tiny_mnist1d, seed=seed)
        histories.append(without_wall_time(train(model, optimizer, tiny_mnist1d, Schedule.constant(1e-3, 32), Budget(max_epochs=3), seed=seed).history))
    pd.testing.assert_frame_equal(histories[0], histories[1], check_exact=True)
    assert not histories[0].equals(histories[2])


def test_resume_after_an_interruption_matches_an_uninterrupted_run(tmp_path):
    """A model with dropout and BN: the checkpoint must carry RNG state and BN statistics too."""
    from replications.data import load_dataset

    digits = load_dataset("digits", split_seed=0, max_train_examples=400, max_test_examples=100)
    cnn = {"name": "c1", "filters": 4, "dense_units": [16, 8]}
    schedule, budget = Schedule.constant(1e-3, 32), Budget(max_epochs=4)

    model, optimizer = fresh(digits, seed=3, model=cnn)
    uninterrupted = train(model, optimizer, digits, schedule, budget, seed=3, run_dir=tmp_path / "whole")

    class Killed(Exception):
        pass

    def kill_during_epoch_3(row):
        if row["epoch"] == 3:
            raise Killed  # before epoch 3's checkpoint: the last finished epoch on disk is 2

    model, optimizer = fresh(digits, seed=3, model=cnn)
    with pytest.raises(Killed):
        train(model, optimizer, digits, schedule, budget, seed=3, run_dir=tmp_path / "resumed", on_epoch_end=kill_during_epoch_3)
    assert (tmp_path / "resumed" / CHECKPOINT_NAME).exists()

    model, optimizer = fresh(digits, seed=3, model=cnn)  # a new process would rebuild the same way
    resumed = train(model, optimizer, digits, schedule, budget, seed=3, run_dir=tmp_path / "resumed")
    pd.testing.assert_frame_equal(without_wall_time(resumed.history), without_wall_time(uninterrupted.history), check_exact=True)
    for key in ("train_loss", "test_accuracy", "updates", "distance_from_init"):
        assert resumed.metrics[key] == uninterrupted.metrics[key]


def test_mirrored_strategy_over_two_devices_matches_one_device():
    """Data parallelism sums the replicas' gradients of their half-batches: the same updates as one device."""
    script = Path(__file__).parent / "scripts" / "mirrored_training.py"
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["shallow/mirrored"]["replicas"] == 2 and results["shallow/single"]["replicas"] == 1
    assert results["shallow/mirrored"]["updates"] == [15, 18]
    np.testing.assert_allclose(results["shallow/mirrored"]["train_loss"], results["shallow/single"]["train_loss"], rtol=1e-4)
    np.testing.assert_allclose(results["shallow/mirrored"]["weights_norm"], results["shallow/single"]["weights_norm"], rtol=1e-4)
    # Ghost batch norm: each replica normalises its own ghosts (8 examples), which is what one device does too.
    np.testing.assert_allclose(results["wide_resnet/mirrored"]["train_loss"], results["wide_resnet/single"]["train_loss"], rtol=1e-3)


def test_a_finished_run_is_reused_and_a_checkpoint_resumes_only_under_its_settings(tiny_mnist1d, tmp_path, monkeypatch):
    """A restarted job that loops over runs skips the finished ones; a checkpoint never resumes under changed settings."""
    from replications import training

    settings = {"dataset": tiny_mnist1d, "model_config": MODEL, "optimizer_config": {"name": "adam", "learning_rate": 1e-3},
                "schedule": Schedule.constant(1e-3, 32), "budget": Budget(max_epochs=2), "seed": 0, "eval_batch_size": 4096}
    first = training.train_run(**settings, run_dir=tmp_path / "run")
    assert first.metrics["fingerprint"] == json.loads((tmp_path / "run" / "metrics.json").read_text())["fingerprint"]

    def must_not_train(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    with monkeypatch.context() as patch:
        patch.setattr(training, "train", must_not_train)
        again = training.train_run(**settings, run_dir=tmp_path / "run")
    pd.testing.assert_frame_equal(again.history, first.history, check_exact=True, check_dtype=False)
    assert again.metrics == first.metrics

    changed = training.train_run(**{**settings, "budget": Budget(max_epochs=3)}, run_dir=tmp_path / "run")  # other settings: retrained
    assert changed.metrics["epochs"] == 3 and changed.metrics["fingerprint"] != first.metrics["fingerprint"]

    model, optimizer = fresh(tiny_mnist1d)
    with pytest.raises(KeyboardInterrupt):
        train(model, optimizer, tiny_mnist1d, settings["schedule"], Budget(max_epochs=3), seed=0, run_dir=tmp_path / "killed",
              fingerprint="before", on_epoch_end=lambda row: (_ for _ in ()).throw(KeyboardInterrupt) if row["epoch"] == 2 else None)
    model, optimizer = fresh(tiny_mnist1d)
    with pytest.raises(training.RunSettingsMismatchError, match=r"written under other settings .*fingerprint before, this run after.*delete"):
        train(model, optimizer, tiny_mnist1d, settings["schedule"], Budget(max_epochs=3), seed=0, run_dir=tmp_path / "killed", fingerprint="after")


@pytest.mark.parametrize(
    ("optimizer", "model_config"),
    [
        ({"name": "sgd", "momentum": 0.9}, MODEL),
        ({"name": "adam"}, MODEL),
        ({"name": "sgd", "momentum": 0.9}, {"name": "c1", "filters": 4, "dense_units": [16, 8]}),  # dropout: random
    ],
)
def test_runs_that_reuse_the_compiled_steps_match_fresh_runs(tiny_mnist1d, tmp_path, optimizer, model_config):
    """A grid of learning rates and seeds, each run in the compiled model, optimizer and steps of the one before
    (weights, batch-norm statistics, dropout seed states, momentum slots and step count all reset), gives the
    numbers of fresh runs."""
    from replications import training
    from replications.data import load_dataset

    dataset = load_dataset("digits", test_fraction=0.2, split_seed=0) if model_config["name"] == "c1" else tiny_mnist1d  # images
    grid = [(rate, seed) for rate in (0.05, 0.005) for seed in (0, 1)]
    histories = {}
    for reuse in (False, True):
        for rate, seed in grid:
            result = training.train_run(
                dataset=dataset, model_config=model_config, optimizer_config={**optimizer, "learning_rate": rate},
                schedule=Schedule([Phase(0, rate, 16), Phase(1, rate, 32)]), budget=Budget(max_epochs=2), seed=seed,
                run_dir=tmp_path / f"reuse{reuse}" / f"{rate}-{seed}", eval_batch_size=4096, reuse_compiled=reuse,
            )
            histories[reuse, rate, seed] = without_wall_time(result.history)
    for rate, seed in grid:
        pd.testing.assert_frame_equal(histories[True, rate, seed], histories[False, rate, seed], check_exact=True)
    assert not histories[True, 0.05, 0].equals(histories[True, 0.05, 1])  # the seeds differ: nothing carried over
    assert training._compiled.dataset is dataset  # one entry, held and matched by identity


def test_several_epochs_per_call_end_a_call_at_each_callback_epoch(tiny_mnist1d):
    """A snapshot after epoch 3 of a run whose calls span many epochs: the call ends there, so the callback reads the
    weights of epoch 3, to the bit those of a run of one epoch per call."""
    seen = {}
    for max_call_seconds in (0.0, 1e9):
        model, optimizer = fresh(tiny_mnist1d, optimizer="sgd", learning_rate=0.05)

        def keep(row, model=model, key=max_call_seconds):
            if row["epoch"] == 3:
                seen[key] = [weights.numpy() for weights in model.weights]

        train(model, optimizer, tiny_mnist1d, Schedule.constant(0.05, 100), Budget(max_epochs=8), seed=1,
              max_call_seconds=max_call_seconds, on_epoch_end=keep, callback_epochs=(3,))
    assert all(np.array_equal(a, b) for a, b in zip(seen[0.0], seen[1e9]))


def test_compiled_steps_are_reused_only_for_the_same_data_set_object(tiny_mnist1d):
    """The cache holds its data set and matches it with `is`: no other object can take its id while cached, and an
    equal copy (another object) gets steps of its own."""
    import dataclasses

    from replications.training import CompiledSteps

    cache, settings = CompiledSteps(), (MODEL, {"name": "sgd", "learning_rate": 0.1}, 4096)
    first = cache.holding(*fresh(tiny_mnist1d, optimizer="sgd"), tiny_mnist1d, *settings)
    again = cache.holding(*fresh(tiny_mnist1d, seed=1, optimizer="sgd"), tiny_mnist1d, *settings)
    assert again[2] is first[2] and again[0] is first[0]  # the same compiled trainer and model, now with seed 1's weights
    copy = dataclasses.replace(tiny_mnist1d)
    other = cache.holding(*fresh(copy, optimizer="sgd"), copy, *settings)
    assert other[2] is not first[2] and cache.dataset is copy


@pytest.mark.parametrize("reuse_compiled", [False, True])
def test_initial_weights_one_ulp_up_start_a_run_one_ulp_away(tiny_mnist1d, tmp_path, reuse_compiled):
    """The perturbed stage's runs: every trainable weight of the seeded start moved one ulp up (also when the compiled
    steps of an earlier run hold the fresh weights), a run of their own (its fingerprint), whose numbers then drift."""
    from replications import training

    model, _ = fresh(tiny_mnist1d)
    seeded = [variable.numpy() for variable in model.trainable_variables]
    training.nudge_weights(model, 1)
    for before, after in zip(seeded, (variable.numpy() for variable in model.trainable_variables)):
        np.testing.assert_array_equal(after, np.nextafter(before, np.float32(np.inf)))
    settings = {"dataset": tiny_mnist1d, "model_config": MODEL, "optimizer_config": {"name": "adam", "learning_rate": 1e-3},
                "schedule": Schedule.constant(1e-3, 32), "budget": Budget(max_epochs=3), "seed": 0, "eval_batch_size": 4096,
                "reuse_compiled": reuse_compiled}
    runs = {ulps: training.train_run(**settings, run_dir=tmp_path / f"ulps{ulps}", initial_weights_ulps=ulps) for ulps in (0, 1)}
    assert runs[1].metrics["fingerprint"] != runs[0].metrics["fingerprint"]
    losses = [runs[ulps].history["train_loss"] for ulps in (0, 1)]
    assert not losses[1].equals(losses[0])  # one ulp grows into other bits of the numbers
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-3)  # but the run stays near the seeded one
