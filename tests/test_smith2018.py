import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replications.claims import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED
from replications.schedules import Phase
from replications.smith2018 import analysis, experiment, layout, paper, protocol
from replications.smith2018.config import SmithConfig
from replications.typed_config import CoreConfig


def protocol_schedule(batch_steps, learning_rate=0.1, initial_batch_size=128):
    return protocol.step_schedule(
        learning_rate=learning_rate, initial_batch_size=initial_batch_size, step_epochs=[60, 120, 160],
        factor=5, max_batch_size=5120, batch_steps=batch_steps,
    )


def test_schedule_arithmetic_gives_the_reproductions_update_counts():
    decaying, hybrid, increasing = (protocol_schedule(steps) for steps in (0, 1, 3))
    assert decaying.phases == (Phase(0, 0.1, 128), Phase(60, 0.02, 128), Phase(120, 0.004, 128), Phase(160, 0.0008, 128))
    assert [phase.batch_size for phase in hybrid.phases] == [128, 640, 640, 640]
    # 128 -> 640 -> 3200; 16,000 would pass the cap of 5,120, so the last step decays the learning rate.
    assert [(phase.batch_size, phase.learning_rate) for phase in increasing.phases] == [(128, 0.1), (640, 0.1), (3200, 0.1), (3200, 0.02)]
    # ceil(50,000 / B) updates per epoch: 200 x 391 = 78,200; 60 x 391 + 60 x 79 + 80 x 16 = 29,480 (the PyTorch reproduction's counts).
    assert protocol.scheduled_updates(decaying, 50_000, 200) == 78_200
    assert protocol.scheduled_updates(increasing, 50_000, 200) == 29_480
    assert protocol.scheduled_updates(hybrid, 50_000, 200) == 60 * 391 + 140 * 79
    # Both kinds of step anneal the same noise scale g = lr N / (B (1 - m)).
    np.testing.assert_allclose(protocol.noise_scales(decaying, 50_000, 0.9), protocol.noise_scales(increasing, 50_000, 0.9))
    assert protocol.noise_scales(decaying, 50_000, 0.9)[0] == pytest.approx(0.1 * 50_000 / (128 * 0.1))
    # Fig. 6's variants start at the batch the larger lr (x5) and momentum (1 - m: /5) allow.
    assert protocol.scheduled_updates(protocol_schedule(3, 0.5, 640), 50_000, 200) == 60 * 79 + 140 * 16


def test_the_negative_control_never_steps(config):
    smith = SmithConfig.from_config(config)
    constant = protocol.setting_schedule(smith, protocol.settings(smith)["momentum-constant"])
    assert constant.phases == (Phase(0, 0.1, smith.initial_batch_size),)
    assert protocol_schedule(0).phases != protocol.step_schedule(
        learning_rate=0.1, initial_batch_size=128, step_epochs=[60, 120, 160], factor=5, max_batch_size=5120, batch_steps=0, anneals=False
    ).phases
    assert analysis.protocol_table(smith).set_index("schedule").loc["constant", "scheduled_updates"] == 200 * 391


def test_protocol_table_counts_the_papers_schedules(config):
    table = analysis.protocol_table(SmithConfig.from_config(config)).set_index("schedule")
    assert table.loc["decaying_learning_rate", "scheduled_updates"] == 78_200
    assert table.loc["increasing_batch_size", "scheduled_updates"] == 29_480
    assert table.loc["increased_momentum", "batch_sizes"] == "3200 → 3200 → 3200 → 3200"
    assert table.loc["increasing_batch_size", "paper_updates"] == paper.UPDATES["increasing_batch_size"]


def test_settings_combine_comparisons_and_variants(config):
    settings = protocol.settings(SmithConfig.from_config(config))
    assert list(settings) == [
        "momentum-decaying_learning_rate", "momentum-hybrid", "momentum-increasing_batch_size", "momentum-constant",
        "adam-decaying_learning_rate", "adam-increasing_batch_size", "increased_learning_rate", "increased_momentum",
    ]
    momentum = settings["increased_momentum"]
    assert momentum.optimizer_config == {"name": "sgd", "learning_rate": 0.5, "momentum": 0.98}
    assert momentum.initial_batch_size == 200 and settings["adam-decaying_learning_rate"].momentum == 0.0


def test_switch_cost_is_the_first_epoch_at_a_new_size_minus_its_usual_time():
    durations = [1.0, 1.0, 3.0, 0.5, 0.5, 2.0, 0.2, 0.2]
    history = pd.DataFrame({"batch_size": [8, 8, 40, 40, 40, 200, 200, 200], "wall_seconds": np.cumsum(durations)})
    np.testing.assert_allclose(experiment.switch_seconds(history), [2.5, 1.8])


def test_a_setting_s_seeds_are_split_into_jobs_of_seeds_per_job():
    assert layout.seed_groups([0, 1, 2, 3, 4], 2) == ["0-1", "2-3", "4"]
    assert layout.seed_groups([3, 7], 5) == ["3-7"] and layout.seed_groups([3, 7], 1) == ["3", "7"]
    assert layout.group_seeds("2-3") == [2, 3]
    assert re.fullmatch(layout.SEED_GROUP_PATTERN, "0-12") and not re.fullmatch(layout.SEED_GROUP_PATTERN, "0-")


def test_a_run_whose_batch_size_changes_twice_counts_its_updates(config):
    section = config["smith2018"]
    section.update(seeds=[0], epochs=3, step_epochs=[1, 2], max_batch_size=200, comparisons={"momentum": ["decaying_learning_rate", "increasing_batch_size"]})
    smith = SmithConfig.from_config(config)
    histories = experiment.run_seeds(CoreConfig.from_config(config), smith, "momentum-increasing_batch_size", [0])
    assert histories["batch_size"].tolist() == [8, 40, 200]  # 480 training examples: 60 + 12 + 3 updates
    assert histories["updates"].tolist() == [60, 72, 75]
    setting = protocol.settings(smith)["momentum-increasing_batch_size"]
    assert protocol.scheduled_updates(protocol.setting_schedule(smith, setting), 480, 3) == 75
    assert Path(layout.run_dir(config["results_dir"], "momentum-increasing_batch_size", 0), "metrics.json").exists()


def synthetic_histories(config, accuracy_by_setting):
    """Two-epoch histories per setting and seed with the given final test accuracies (one per seed)."""
    rows = []
    for name, accuracies in accuracy_by_setting.items():
        for seed, accuracy in enumerate(accuracies):
            for epoch, updates in ((1, 60), (2, 120 if "decaying" in name else 72)):
                rows.append({"setting": name, "seed": seed, "epoch": epoch, "updates": updates, "batch_size": 8,
                             "learning_rate": 0.1, "train_loss": 1.0 / epoch, "test_accuracy": accuracy - 0.1 * (2 - epoch),
                             "wall_seconds": float(epoch), "diverged": False})
    return pd.DataFrame(rows)


def test_claims_follow_the_equivalence_and_momentum_rules(config):
    same = [0.900, 0.902, 0.898, 0.901]
    histories = synthetic_histories(config, {
        "momentum-decaying_learning_rate": same, "momentum-hybrid": [0.950, 0.952, 0.948, 0.951],
        "momentum-increasing_batch_size": [0.901, 0.899, 0.900, 0.902],
        "adam-decaying_learning_rate": [0.80, 0.90, 0.70, 0.85], "adam-increasing_batch_size": [0.85, 0.75, 0.90, 0.70],
        "increased_learning_rate": [0.900, 0.901, 0.899, 0.902], "increased_momentum": [0.890, 0.889, 0.891, 0.888],
    })
    rows = {row.claim_id: row for row in analysis.all_claims(SmithConfig.from_config(config), histories, power=0.8)}
    assert rows["equivalent_accuracy_momentum_increasing_batch_size"].verdict == REPRODUCED
    assert rows["equivalent_accuracy_momentum_hybrid"].verdict == NOT_REPRODUCED  # 5 pp apart, margin 1 pp
    assert rows["equivalent_accuracy_adam_increasing_batch_size"].verdict == INCONCLUSIVE  # too noisy to tell
    # Update counts follow from the schedule: a fact beside the claim, not a claim of their own.
    assert "fewer_updates" not in rows and "72 vs 120 updates (1.7x fewer" in rows["equivalent_accuracy_momentum_increasing_batch_size"].our_value
    assert rows["momentum_costs_accuracy"].verdict == REPRODUCED  # 1 pp: above zero, below the 2 pp of "a little"
    summary = analysis.summary_table(SmithConfig.from_config(config), histories).set_index("setting")
    assert summary.loc["momentum-decaying_learning_rate", "test_accuracy_mean"] == pytest.approx(np.mean(same))
    assert summary.loc["adam-increasing_batch_size", "noise_scales"] == "n/a (Adam)"


def test_a_diverged_setting_makes_its_claims_inconclusive(config):
    histories = synthetic_histories(config, {name: [0.9, 0.9] for name in protocol.settings(SmithConfig.from_config(config))})
    histories.loc[histories["setting"] == "increased_momentum", ["diverged", "test_accuracy"]] = [True, np.nan]
    rows = {row.claim_id: row for row in analysis.all_claims(SmithConfig.from_config(config), histories, power=0.8)}
    assert rows["momentum_costs_accuracy"].verdict == INCONCLUSIVE and "fewer than 2 seeds" in rows["momentum_costs_accuracy"].detail
    summary = analysis.summary_table(SmithConfig.from_config(config), histories).set_index("setting")
    assert summary.loc["increased_momentum", "n_diverged"] == 2
