import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from replications.config import ConfigError, compose, config_hash, load_config, validate_config


@pytest.fixture
def quick():
    """The quick scale merged onto the base, not yet validated."""
    return compose(f"{REPO}/config/quick.yaml")


@pytest.mark.parametrize("scale", ["quick", "paper", "smoke"])
def test_shipped_configs_are_valid(scale):
    config = load_config(f"{REPO}/config/{scale}.yaml")
    assert config["scale"] == scale
    assert config["runtime"]["threads_per_job"] >= 1  # default filled in when absent


@pytest.mark.parametrize(
    ("key_path", "value", "message"),
    [
        (("keskar2017", "small_batch"), "sixty-four", "keskar2017.small_batch: 'sixty-four' is not of type 'integer'"),
        (("keskar2017", "small_batch"), -64, "keskar2017.small_batch: -64 is less than the minimum of 1"),
        (("keskar2017", "networks", "F1", "data", "name"), "imagenet", "keskar2017.networks.F1.data.name: 'imagenet' is not one of"),
        (("keskar2017", "optimizer", "learning_rate"), 0, "keskar2017.optimizer.learning_rate: 0 is less than or equal to the minimum of 0"),
    ],
)
def test_bad_values_name_their_key(quick, key_path, value, message):
    config = copy.deepcopy(quick)
    node = config
    for key in key_path[:-1]:
        node = node[key]
    node[key_path[-1]] = value
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_config(config, source="quick.yaml")


def test_references_between_keys_are_checked(quick):
    quick["keskar2017"]["sweep"]["networks"] = ["F9"]
    with pytest.raises(ConfigError, match="keskar2017.sweep.networks: 'F9' is not one of keskar2017.networks"):
        validate_config(quick)


def test_a_baseline_that_is_not_there_is_refused_before_any_work(quick):
    assert quick["benchmarks"]["baseline"]  # the shipped quick config's exists (test_shipped_configs_are_valid)
    quick["benchmarks"]["baseline"] = "benchmarks/baselines/nowhere.json"
    with pytest.raises(ConfigError, match="benchmarks.baseline: no file benchmarks/baselines/nowhere.json"):
        validate_config(quick)
    quick["benchmarks"]["baseline"] = None
    validate_config(quick)


def test_a_large_batch_must_be_min_batch_ratio_times_the_small_one(quick):
    quick["keskar2017"]["networks"]["C1"].pop("small_batch")  # the section's 32 against LB 144: 4.5x
    with pytest.raises(ConfigError, match=r"keskar2017.networks.C1: LB 144 is 4.5x its SB 32, below min_batch_ratio 10"):
        validate_config(quick)
    quick["keskar2017"]["min_batch_ratio"] = 4
    validate_config(quick)


def test_wilson_grid_must_include_online_training(quick):
    quick["wilson2003"]["batch_sizes"] = [10, 100]
    with pytest.raises(ConfigError, match="wilson2003.batch_sizes: must include 1"):
        validate_config(quick)


def test_unknown_key_is_rejected(quick):
    quick["keskar2017"]["smal_batch"] = 64
    with pytest.raises(ConfigError, match="smal_batch"):
        validate_config(quick)


def test_config_hash_is_stable_and_sensitive(quick):
    first = config_hash(validate_config(copy.deepcopy(quick)))
    assert first == config_hash(validate_config(copy.deepcopy(quick)))
    quick["keskar2017"]["small_batch"] = 16
    assert config_hash(validate_config(quick)) != first


def test_snakemake_rejects_a_bad_config_before_any_job(quick, tmp_path):
    quick["keskar2017"]["small_batch"] = -5
    quick["results_dir"] = str(tmp_path / "results")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(quick))
    completed = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", str(bad)], cwd=REPO, capture_output=True, text=True
    )
    assert completed.returncode != 0
    output = completed.stdout + completed.stderr
    assert "keskar2017.small_batch: -5 is less than the minimum of 1" in output
    assert not (tmp_path / "results").exists()  # nothing was written


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda smith: smith["comparisons"].update(sgd=["hybrid", "increasing_batch_size"]), "comparisons.sgd: must include decaying_learning_rate"),
        (lambda smith: smith["comparisons"].update(rmsprop=["decaying_learning_rate", "hybrid"]), "optimizer 'rmsprop' is not one of"),
        (lambda smith: smith["variants"]["increased_momentum"].update(schedule="warmup"), "schedule 'warmup' is not one of"),
        (lambda smith: smith.update(step_epochs=[9, 18, 30]), "step_epochs: must increase and stay below epochs"),
        (lambda smith: smith.update(negative_control="hybrid"), "negative_control: 'hybrid' must be one of smith2018.schedules with anneals: false"),
        (lambda smith: smith["comparisons"]["momentum"].remove("constant"), "comparisons.momentum: must include the negative control"),
    ],
)
def test_smith_schedules_and_optimizers_must_exist(quick, change, message):
    change(quick["smith2018"])
    with pytest.raises(ConfigError, match=message):
        validate_config(quick)


def test_batch_science_sizes_must_make_sense(quick):
    quick["batchscience"]["gradient_noise"].update(small_batch=512, big_batch=8, snapshot_epochs=[1, 99])
    with pytest.raises(ConfigError, match="big_batch: must exceed small_batch") as raised:
        validate_config(quick)
    assert "snapshot_epochs: beyond the run's 16 epochs" in str(raised.value)


def test_conda_environments_pin_what_pyproject_pins():
    """`--sdm conda` jobs get the same packages as a pip install; the GPU file adds CUDA to TensorFlow, nothing else."""
    import tomllib

    pinned = {line.split("#")[0].strip() for line in tomllib.loads(Path(REPO, "pyproject.toml").read_text())["project"]["dependencies"]}
    for name, expected in (("replications.yaml", pinned), ("replications-gpu.yaml", {pin.replace("tensorflow==", "tensorflow[and-cuda]==") for pin in pinned})):
        environment = yaml.safe_load(Path(REPO, "envs", name).read_text())
        pip = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
        assert set(pip) == expected, name


def test_amendments_are_on_record_and_complete(tmp_path):
    from replications.amendments import FIELDS, amendments_markdown, load_amendments

    entries = load_amendments()
    assert [entry["id"] for entry in entries][:2] == ["A1", "A2"]  # never removed or renumbered
    assert all(field in entry for entry in entries for field in FIELDS)
    assert "**A1**" in amendments_markdown(entries)[0]
    broken = tmp_path / "amendments.yaml"
    broken.write_text("- {id: A1, date: 2026-12-03}\n")
    with pytest.raises(ValueError, match="lacks"):
        load_amendments(broken)


def test_the_tests_the_config_names_are_the_tests_the_code_runs():
    """Each test named in a paper's claim comments in base.yaml (Welch, paired, TOST, Spearman) is one its claim rows
    report running (the committed quick report's claims.csv): a comment cannot name a test the code does not run."""
    import pandas as pd
    import yaml

    base = Path(REPO) / "config" / "base.yaml"
    claims_table = pd.read_csv(Path(REPO) / "reports" / "quick" / "claims.csv")
    papers = {"keskar2017": "Keskar et al. 2017", "smith2018": "Smith et al. 2018", "wilson2003": "Wilson & Martinez 2003",
              "batchscience": "Batch-size science"}
    sections, current = {}, None
    for line in base.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            current = line.split(":")[0]
        elif current in papers and line.strip().startswith("#"):
            sections.setdefault(current, []).append(line.lower())
    assert set(yaml.safe_load(base.read_text())) >= set(papers)
    for section, comments in sections.items():
        tests_run = " ".join(claims_table.loc[claims_table["paper"] == papers[section], "test"]).lower()
        for name in ("welch", "paired", "tost", "spearman"):
            if any(name in comment for comment in comments):
                assert name in tests_run, f"base.yaml's {section} comments name {name}; no claim of {papers[section]} runs it"
