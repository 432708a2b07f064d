"""The workflow end to end on the smoke config, the paper scale's dry run, and a real kill of a training job."""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake import cli as snakemake_cli

from conftest import REPO
from replications.config import compose
from replications.html import VERDICT_CLASSES

SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", f"{REPO}/Snakefile"]
# The smoke scale with the test paper plugged in through its config overlay (no core file names it).
SMOKE = ["--configfile", f"{REPO}/config/smoke.yaml", f"{REPO}/tests/toy_paper/config.yaml"]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """The engine benchmark (its own target), then the whole workflow on the smoke config, once for this module."""
    workdir = tmp_path_factory.mktemp("smoke")
    for target in (["benchmark_engine"], []):
        completed = subprocess.run(
            [*SNAKEMAKE, *target, "--directory", str(workdir), *SMOKE, "--cores", "2"],
            capture_output=True, text=True, timeout=1200,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
    return workdir


def test_smoke_workflow_writes_the_report(smoke_run):
    tmp_path = smoke_run
    report_dir = tmp_path / "results" / "smoke" / "report"
    report = (report_dir / "report.md").read_text()
    claims = pd.read_csv(report_dir / "claims.csv")
    assert list(claims["claim_id"]) == [
        "generalization_gap_F1",
        *[f"sharper_minima_F1_{space}_{epsilon}" for space in ("full", "subspace") for epsilon in ("0.001", "0.0005")],
        "steeper_around_large_batch_F1",
        "sweep_accuracy_falls_F1",
        "sweep_sharpness_rises_F1",
        "warm_start_test_accuracy_F1",
        "warm_start_sharpness_F1",
        *[f"equivalent_{kind}_{schedule}" for schedule in ("hybrid", "increasing_batch_size")
          for kind in ("accuracy_momentum", "curves_momentum", "training_loss")],
        "equivalent_accuracy_adam_increasing_batch_size",
        "equivalent_curves_adam_increasing_batch_size",
        "negative_control_final_accuracy",
        "negative_control_accuracy_curve",
        "negative_control_training_loss",
        "larger_learning_rate_same_accuracy",
        "momentum_costs_accuracy",
        "online_fewer_epochs_iris",
        "online_fewer_epochs_wine",
        "batch_no_accuracy_gain_iris",
        "batch_no_accuracy_gain_wine",
        "epochs_grow_linearly_iris",
        "epochs_grow_linearly_wine",
        "stable_rate_falls",
        "larger_sets_slower",
        "throughput_saturates_F1",
        "gradient_noise_slope_init",
        "gradient_noise_slope_trained",
        "diminishing_returns",
        "critical_batch_matches_noise_scale",
        "equal_updates_at_least_as_good",
        "gap_shrinks_at_equal_updates",
        "lr_scaling_linear_lr",
        "lr_scaling_sqrt_lr",
        "distance_grows_with_log_updates",
        "toy_small_batch_better",
    ]
    assert set(claims["verdict"]) <= {"reproduced", "not reproduced", "inconclusive", "not measured", "not a claim"}
    # Every row: the rules' hash, the power, the stability (empty only for single-seed results) and the family.
    assert claims["rules_hash"].notna().all() and not claims["post_hoc"].any() and claims["family"].notna().all()
    assert claims["mde"].notna().sum() >= 25 and (claims["stability"].notna() | (claims["n_seeds"] < 2)).all()
    families = claims.groupby("family")["family_verdict"].nunique()
    assert (families == 1).all() and "sharper_minima" in families.index  # one verdict per family
    assert f"## Summary ({claims['family'].nunique()} claim families:" in report
    for section in ("keskar2017", "smith2018", "wilson2003", "batchscience", "toypaper"):
        assert f"figures/forest_{section}.png" in report and (report_dir / "figures" / f"forest_{section}.png").stat().st_size > 10_000
    assert report.index("\n## Summary") < report.index("\n## Every claim cell") < report.index("\n## Keskar")
    assert "generalization_gap_F1" in report and "## Provenance" in report
    assert "config/smoke.yaml" in report and "keskar2017_train | 9 |" in report  # 4 Table 2 + 3 sweep + 2 warm start (k = 0 is the LB run)
    assert "wilson2003_train | 8 |" in report  # (iris, wine) x (1, 10, full), and wine's first 60 examples x (1, full): the size series
    assert "wilson2003_crossings | 2 |" in report  # one per task: claim 3's crossings below an epoch
    assert "smith2018_train | 8 |" in report  # 3 momentum schedules + the control, 2 Adam, 2 variants: both seeds in one job
    for name in ("schedules", "schedules_momentum", "optimizers", "variants"):
        assert f"figures/smith2018_{name}.png" in report and (report_dir / "figures" / f"smith2018_{name}.png").exists()
    smith = pd.read_csv(report_dir / "tables" / "smith2018_summary.csv")
    assert (smith["updates"] == smith["scheduled_updates"]).all() and (smith["n_seeds"] == 2).all()
    assert "## Batch-size science" in report and "batchscience_steps | 3 |" in report and "batchscience_regime | 5 |" in report
    for name in ("throughput", "gradient_noise", "steps_to_target", "regimes"):
        assert f"figures/batchscience_{name}.png" in report
    regimes = pd.read_csv(report_dir / "tables" / "batchscience_regimes.csv").set_index("regime")
    assert regimes.loc["large_batch_equal_updates", "updates"] == regimes.loc["small_batch", "updates"]  # 2 x 30, the budget's cap
    table = pd.read_csv(report_dir / "tables" / "keskar2017_table2.csv")
    assert set(table["regime"]) == {"SB", "LB"} and (table["n_seeds"] == 2).all()
    for figure in ("table2", "parametric_F1", "sweep", "warm_start", "trajectory_F1"):
        assert (report_dir / "figures" / f"keskar2017_{figure}.png").stat().st_size > 10_000
        assert f"figures/keskar2017_{figure}.png" in report
    for table in ("table2", "sharpness", "distance", "rescaling", "sweep", "warm_start", "trajectory_F1"):
        assert (report_dir / "tables" / f"keskar2017_{table}.csv").exists()
    for name in ("epochs", "curves"):
        assert f"figures/wilson2003_{name}.png" in report
    assert "## Wilson & Martinez 2003" in report and "## Data dictionary" in report
    assert "## Toy et al. 2024 (the test paper)" in report and "figures/toypaper_accuracy.png" in report
    assert "toypaper_train | 2 |" in report and (report_dir / "tables" / "toypaper_accuracy.csv").exists()
    assert "tests/toy_paper/config.yaml" in report and "### The merged config" in report
    # Stage 2: the test paper again on the fresh seeds its overlay plans, each verdict beside the exploratory one.
    confirmatory = claims.set_index("claim_id")["confirmatory_verdict"].dropna()
    assert list(confirmatory.index) == ["toy_small_batch_better"] and confirmatory.iloc[0] in {"reproduced", "not reproduced", "inconclusive", "not measured"}
    assert "## Confirmatory run (Stage 2)" in report and "1 of " in report and "`toypaper`: seeds [3, 4, 5]" in report
    assert "confirmatory_toypaper_train | 2 |" in report and (report_dir / "confirmatory" / "tables" / "toypaper_accuracy.csv").exists()
    engine = json.loads((tmp_path / "results" / "smoke" / "benchmarks" / "engine.json").read_text())
    assert [row["batch_size"] for row in engine["results"]] == [1, 64]
    benchmarks = (report_dir / "benchmarks.md").read_text()
    assert "engine / reference" in benchmarks and "incl. test-set evaluation only / reference" in benchmarks
    # Every job recorded its start-up overhead (forked from the job server or not) under the AVX2 caps of the scale.
    records = pd.read_json(tmp_path / "results" / "smoke" / "rule_benchmarks" / "jobs.jsonl", lines=True)
    assert {"keskar2017 train", "keskar2017 sharpness", "wilson2003 train", "report", "confirmatory toy_paper train"} <= set(records["step"])
    assert (records["status"] == 0).all() and (records["overhead_seconds"] < records["wall_seconds"]).all()
    assert set(records["instruction_set"]) == {"AVX2"}
    assert "## Start-up overhead per job" in benchmarks and "% of all job-seconds" in benchmarks
    assert "Instruction set (config `runtime.instruction_set: avx2`): capped: ONEDNN_MAX_CPU_ISA=AVX2" in report
    for rule in ("keskar2017_table2", "keskar2017_sweeps", "keskar2017_minima", "benchmark_engine", "report"):
        assert (tmp_path / "results" / "smoke" / "logs" / ("keskar2017" if "keskar" in rule else "")).is_dir()
        assert (tmp_path / "results" / "smoke" / "rule_benchmarks" / f"{rule}.tsv").exists()


def dry_run_jobs(workdir, scale, extra=()):
    """Snakemake's job counts per rule for config/<scale>.yaml (and `extra` config files) in `workdir`, without running anything."""
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(workdir), "--configfile", f"{REPO}/config/{scale}.yaml", *extra, "-n", "--quiet", "rules"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout + completed.stderr


def test_paper_scale_dry_runs_and_lists_every_network(tmp_path):
    output = dry_run_jobs(tmp_path, "paper")
    # Table 2: 5 networks x 2 regimes x 5 seeds; sweep: 6 batch sizes x 3 seeds; warm start: 4 k > 0 x 3 seeds (C1;
    # k = 0 is Table 2's LB run)
    assert re.search(r"keskar2017_train\s+80\b", output), output[-2000:]
    # 6 tasks x their batch sizes below the training-set size (iris 4, wine 5, breast cancer 6, the others 7), and the
    # size series' 3 smaller sizes x (1, full); one crossings job per task
    assert re.search(r"wilson2003_train\s+42\b", output) and re.search(r"wilson2003_crossings\s+6\b", output)
    assert re.search(r"smith2018_train\s+36\b", output)  # (3 + control + 2 + 2 + 2 optimizer-schedule pairs, 2 variants) x 3 seeds
    assert re.search(r"batchscience_throughput\s+3\b", output) and re.search(r"batchscience_steps\s+6\b", output)


def test_the_engine_benchmark_is_its_own_target_and_the_report_says_how_to_add_it(tmp_path):
    output = dry_run_jobs(tmp_path, "smoke")
    assert re.search(r"report\s+1\b", output) and not re.search(r"benchmark_engine\s+1\b", output), output[-2000:]
    from replications.provenance import rule_wall_times
    from replications.report import benchmarks_markdown

    text = benchmarks_markdown(None, tmp_path, tmp_path, [], rule_wall_times(tmp_path))
    assert "not part of `all`" in text and "snakemake benchmark_engine --cores all" in text


def test_the_perturbed_stage_is_its_own_target_then_the_report_counts_the_verdicts_it_moved(smoke_run, tmp_path):
    """`all` leaves the perturbed stage out (the quick scale's budget); `snakemake perturbed` runs it (the confirmatory
    runs with their initial weights one ulp up), and the next report sets its verdicts beside the confirmatory ones."""
    planned = dry_run_jobs(tmp_path / "fresh", "smoke", extra=SMOKE[1:])
    assert re.search(r"confirmatory_toypaper_train\s+2\b", planned) and not re.search(r"\bperturbed\w*\s+\d+\b", planned)
    copy = tmp_path / "run"
    shutil.copytree(smoke_run, copy)
    for target in ("perturbed", "report"):
        completed = subprocess.run([*SNAKEMAKE, target, "--directory", str(copy), *SMOKE, "--cores", "2"], capture_output=True, text=True, timeout=600)
        assert completed.returncode == 0, completed.stderr[-3000:]
    records = pd.read_json(copy / "results" / "smoke" / "rule_benchmarks" / "jobs.jsonl", lines=True)
    assert (records["step"] == "perturbed toy_paper train").sum() == 2
    confirmatory = copy / "results" / "smoke" / "confirmatory"
    runs = [json.loads((folder / "toypaper" / "batch4" / "seed3" / "metrics.json").read_text()) for folder in (confirmatory, confirmatory / "perturbed")]
    assert runs[0]["fingerprint"] != runs[1]["fingerprint"]  # the same run, but from the perturbed start
    claims = pd.read_csv(copy / "results" / "smoke" / "report" / "claims.csv").set_index("claim_id")
    assert claims.loc["toy_small_batch_better", "perturbed_verdict"] in {"reproduced", "not reproduced", "inconclusive", "not measured"}
    assert claims["perturbed_verdict"].notna().sum() == 1
    report = (copy / "results" / "smoke" / "report" / "report.md").read_text()
    assert re.search(r"one ulp up .* moved [01] of 1 cells' verdicts and [01] of 1 families'", report)


def test_a_fresh_clone_with_a_committed_report_still_runs_everything(tmp_path):
    """A clone has reports/<scale>/ but no results/: the default target must not call the report up to date."""
    report_dir = tmp_path / "results" / "smoke" / "report"
    report_dir.mkdir(parents=True)
    for name in ("report.md", "report.html", "claims.csv", "benchmarks.md"):
        (report_dir / name).write_text("committed\n")
    output = dry_run_jobs(tmp_path, "smoke")
    assert re.search(r"keskar2017_train\s+9\b", output) and re.search(r"report\s+1\b", output), output[-2000:]


def test_a_killed_training_job_resumes_to_the_same_numbers(tmp_path):
    with open(f"{REPO}/config/smoke.yaml") as handle:
        config = yaml.safe_load(handle)
    config["results_dir"] = str(tmp_path / "results")
    config["keskar2017"]["budget"] = {"max_epochs": 6}
    config["keskar2017"]["trajectory"]["epochs"] = [1, 2, 5]
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))

    def command(output_dir):
        return [sys.executable, "-m", "replications.keskar2017", "--config", str(config_file), "train",
                "--network", "F1", "--run", "SB", "--seed", "0", "--output-dir", str(output_dir)]

    subprocess.run(command(tmp_path / "whole"), check=True, capture_output=True, timeout=300)

    killed = tmp_path / "killed"
    process = subprocess.Popen(command(killed), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    for line in process.stdout:  # kill -9 as soon as epoch 3 is logged, mid-run
        if "epoch 3 " in line or time.time() > deadline:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert (killed / "checkpoint.npz").exists() and not (killed / "metrics.json").exists()
    shutil.rmtree(killed / "snapshots", ignore_errors=True)  # Snakemake clears a killed job's declared outputs

    resumed = subprocess.run(command(killed), capture_output=True, text=True, timeout=300, check=True)
    assert "resuming from epoch" in resumed.stdout
    whole, again = (pd.read_csv(folder / "history.csv").drop(columns="wall_seconds") for folder in (tmp_path / "whole", killed))
    pd.testing.assert_frame_equal(whole, again, check_exact=True)
    assert not (killed / "checkpoint.npz").exists()
    # The snapshots taken before the kill waited outside the declared outputs and survived it.
    assert sorted(path.name for path in (killed / "snapshots").iterdir()) == [f"epoch{epoch}.weights.h5" for epoch in (1, 2, 5)]
    assert not (killed / "snapshots.partial").exists()


def test_paper_scale_runs_end_to_end_on_mocked_tensorflow_datasets(tmp_path):
    """config/paper.yaml with tiny epochs, F1 (MNIST), C1 and WRN-16-4 (CIFAR-10), on tfds.testing.mock_data; every part."""
    config = compose(f"{REPO}/config/paper.yaml")  # the whole config, to shrink: it replaces the workflow's (below)
    section = config["keskar2017"]
    config["results_dir"], config["report_dir"] = "results/paper", "results/paper/report"
    config["runtime"] = {"threads_per_job": 1, "eval_batch_size": 64, "deterministic_ops": False}
    config["verdicts"]["bootstrap_resamples"] = 50  # the stability check, exercised, not measured to two digits
    config["benchmarks"] = {"batch_sizes": [1, 8], "samples": 64}
    section["networks"] = {name: section["networks"][name] for name in ("F1", "C1")}
    for spec in section["networks"].values():
        spec["data"]["max_train_examples"] = spec["data"]["max_test_examples"] = 40
    section["not_reproduced"].update(C2="left out of this test", C3="left out of this test", C4="left out of this test")
    section["seeds"], section["budget"] = [0, 1], {"max_epochs": 2}
    section["small_batch"], section["min_batch_ratio"] = 2, 2  # 40 examples: LB is 4, so no 10x ratio here
    section["sweep"].update(batch_sizes=[2, 4, 8], seeds=[0])
    section["warm_start"].update(epochs=[0, 1], seeds=[0, 1])
    section["trajectory"]["epochs"] = [1, 2]
    section["sharpness"]["subspace_dimension"] = 5
    section["parametric"].update(points=7, batch_norm_examples=40)
    wilson = config["wilson2003"]
    wilson["tasks"] = {name: {"data": {"name": name}} for name in ("iris", "wine")}  # ucimlrepo would download
    wilson.update(large_task="wine", batch_sizes=[1], learning_rates=[0.1], seeds=[0, 1], max_epochs={"1": 2, "full": 3}, equal_budget_epochs=2,
                  size_series={"task": "wine", "max_train_examples": [60]})
    smith = config["smith2018"]
    smith["data"]["max_train_examples"] = smith["data"]["max_test_examples"] = 40
    smith.update(seeds=[0, 1], epochs=3, step_epochs=[1, 2], initial_batch_size=4, max_batch_size=20, variants={})
    smith["comparisons"] = {"momentum": ["decaying_learning_rate", "increasing_batch_size", "constant"]}
    science = config["batchscience"]
    for spec in [science, *science["throughput"]["networks"].values()]:
        spec["data"].update(max_train_examples=40, max_test_examples=40)
    science.update(seeds=[0, 1], regimes={"small_batch": 4, "large_batch": 16, "epochs": 2, "warmup_epochs": 1})
    science["throughput"].update(batch_sizes=[1, 4, 16], examples=32, sweeps=1)
    science["gradient_noise"].update(batch_sizes=[1, 2, 4], draws=4, training_batch=8, epochs=2, snapshot_epochs=[1, 2], small_batch=2, big_batch=16)
    science["steps_to_target"].update(batch_sizes=[4, 8, 16], learning_rates=[0.01], max_epochs=3, max_updates=50)
    config_file = tmp_path / "paper-tiny.yaml"
    config_file.write_text(yaml.safe_dump(config))

    environment = {**os.environ, "REPLICATIONS_TFDS_MOCK_EXAMPLES": "40"}
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(tmp_path), "--configfile", str(config_file), "--replace-workflow-config", "--cores", "2"],
        capture_output=True, text=True, timeout=1500, env=environment,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report_dir = tmp_path / "results" / "paper" / "report"
    table = pd.read_csv(report_dir / "tables" / "keskar2017_table2.csv")
    assert set(table["network"]) == {"F1", "C1"}
    assert table.set_index(["network", "regime"]).loc[("C1", "LB"), "batch_size"] == 4  # 10% of 40 examples
    report = (report_dir / "report.md").read_text()
    assert "`paper` scale" in report and "F2 not run: TIMIT" in report
    claims = pd.read_csv(report_dir / "claims.csv")
    expected = {"generalization_gap_F1", "generalization_gap_C1", "sweep_accuracy_falls_C1", "equivalent_accuracy_momentum_increasing_batch_size"}
    assert expected <= set(claims["claim_id"])
    smith = pd.read_csv(report_dir / "tables" / "smith2018_summary.csv").set_index("setting")
    assert smith.loc["momentum-increasing_batch_size", "batch_sizes"] == "4 → 20 → 20"  # 100 > the cap of 20: lr decays
    assert smith.loc["momentum-increasing_batch_size", "updates"] == 10 + 2 + 2
    throughput = pd.read_csv(report_dir / "tables" / "batchscience_throughput.csv")
    assert set(throughput["network"]) == {"F1", "C1", "WRN"}  # MNIST and CIFAR-10 networks, on the mocked sets
    assert "## Batch-size science" in report and "gradient_noise_slope_init" in set(claims["claim_id"])


def test_a_rule_changed_after_the_runs_is_refused_until_on_record_then_marked_post_hoc(smoke_run, tmp_path):
    """Change one Wilson rule after the runs: with no entry in its registry the claims step refuses, naming the rule;
    recorded, its analysis reruns without retraining, and its verdicts say post hoc."""
    from replications.config import load_config
    from replications.preregistration import claim_rule_hashes, register

    copy = tmp_path / "run"
    shutil.copytree(smoke_run, copy)  # with .snakemake: its metadata records the params each output was made with
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump({"wilson2003": {"claims": {"no_accuracy_gain": {"alpha": 0.05, "margin": 0.02}}}}))
    command = [*SNAKEMAKE, "--directory", str(copy), "--configfile", *SMOKE[1:], str(changed), "--cores", "2"]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert refused.returncode != 0
    log = (copy / "results" / "smoke" / "logs" / "wilson2003" / "analyse.log").read_text()
    assert "wilson2003.no_accuracy_gain: its rule in force" in log and "keskar2017." not in log
    registry = Path(REPO) / "replications" / "wilson2003" / "registered_rules.yaml"
    original = registry.read_text()
    try:  # on record (here as 'registered', a test's stand-in for an amendment), restored afterwards
        hashes = claim_rule_hashes(load_config(*SMOKE[1:], str(changed)), "wilson2003")
        register("wilson2003", hashes, registry, "registered", "test", "today", ["no_accuracy_gain"])
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    finally:
        registry.write_text(original)
    assert completed.returncode == 0, completed.stderr[-3000:]
    log = completed.stdout + completed.stderr
    assert "wilson2003_analyse" in log and "wilson2003_train" not in log and "keskar2017_train" not in log
    claims = pd.read_csv(copy / "results" / "smoke" / "report" / "claims.csv")
    wilson = claims["paper"] == "Wilson & Martinez 2003"
    assert claims.loc[wilson, "post_hoc"].all() and not claims.loc[~wilson, "post_hoc"].any()
    assert claims.loc[wilson, "detail"].str.contains("POST HOC: the runs were made under rules").all()
    report = (copy / "results" / "smoke" / "report" / "report.md").read_text()
    post_hoc_families = claims.loc[wilson, "family"].nunique()
    assert f"; {post_hoc_families} post hoc (" in report.split("\n## Summary", 1)[1].split("\n", 1)[0]


def test_report_is_rebuilt_from_existing_results_without_training(smoke_run):
    started = time.time()
    completed = subprocess.run(
        [*SNAKEMAKE, "report", "--directory", str(smoke_run), *SMOKE, "--cores", "2", "--forcerun", "report"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    log = completed.stdout + completed.stderr
    assert "keskar2017_train" not in log and "rule report" in log.replace("localrule", "rule")
    assert time.time() - started < 120


def test_html_report_opens_in_a_browser_with_every_figure(smoke_run, tmp_path):
    """Headless Chromium loads the self-contained HTML; a script counts the images that decoded."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run should have installed Debian's chromium")
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    page = (smoke_run / "results" / "smoke" / "report" / "report.html").read_text()
    assert "src=\"figures/" not in page  # every figure is embedded
    verdict_rows = ", ".join(f"tr.{css_class}" for css_class in VERDICT_CLASSES.values())  # every reading, "not a claim" too
    probe = (
        "<script>window.addEventListener('load', () => { const images = [...document.images];"
        " document.title = 'loaded ' + images.filter(i => i.complete && i.naturalWidth > 0).length + ' of ' + images.length"
        f" + '; verdict rows ' + document.querySelectorAll('{verdict_rows}').length"
        " + '; overflowing tables ' + [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right > "
        "document.body.getBoundingClientRect().right + 1).length"
        " + '; first screen ' + [...document.querySelectorAll('h2')].findIndex(h => h.textContent.startsWith('The papers in one sentence'))"
        " + '; summary ' + [...document.querySelectorAll('h2')].findIndex(h => h.textContent.startsWith('Summary')); });</script>"
    )
    checked = tmp_path / "report-check.html"
    checked.write_text(page.replace("</body>", probe + "</body>"))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    dom = subprocess.run([chromium, *flags, "--window-size=1400,2400", "--dump-dom", checked.as_uri()], capture_output=True, text=True, timeout=120).stdout
    title = re.search(r"<title>(.*?)</title>", dom).group(1)
    pattern = r"loaded (\d+) of (\d+); verdict rows (\d+); overflowing tables (\d+); first screen (-?\d+); summary (-?\d+)"
    loaded, total, rows, overflowing, first_screen, summary = map(int, re.fullmatch(pattern, title).groups())
    assert total >= 12 and loaded == total  # the papers' figures and one forest plot per paper
    claims = pd.read_csv(smoke_run / "results" / "smoke" / "report" / "claims.csv")
    assert rows == len(claims) + claims["family"].nunique()  # a coloured row per cell, and per family in the summary
    assert overflowing == 0  # every table fits the page at 1400 px: no horizontal scrolling
    assert (first_screen, summary) == (0, 1)  # the report opens with one sentence per paper, then the summary
    artifacts = Path(REPO) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    subprocess.run([chromium, *flags, "--window-size=1200,2400", f"--screenshot={artifacts / 'report.png'}", checked.as_uri()],
                   capture_output=True, timeout=120)
    assert (artifacts / "report.png").stat().st_size > 10_000


def test_snakemake_report_packs_the_annotated_results(smoke_run, tmp_path):
    archive = tmp_path / "snakemake-report.zip"
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(smoke_run), *SMOKE, "--report", str(archive)],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    import zipfile

    names = zipfile.ZipFile(archive).namelist()
    for expected in ("keskar2017_table2.png", "wilson2003_epochs.png", "toypaper_accuracy.png", "report.html", "claims.csv"):
        assert any(name.endswith(expected) for name in names), expected


def test_every_step_reads_only_its_declared_inputs(smoke_run, tmp_path):
    """Each step that reads other steps' files reruns in an empty folder holding only its declared inputs."""
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(smoke_run), *SMOKE, "--detailed-summary"], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    summary = pd.read_csv(io.StringIO(completed.stdout), sep="\t", dtype=str).fillna("")
    summary = summary.rename(columns={"log-file(s)": "logs", "input-file(s)": "inputs"})
    jobs = summary.drop_duplicates("shellcmd").groupby("rule").head(1)  # one job per rule
    checked = []
    for job in jobs.itertuples():
        inputs = [path for path in job.inputs.split(",") if path]
        if not [path for path in inputs if not path.endswith("config.resolved.yaml")]:
            continue  # a training or measurement job: it reads only the config
        folder = tmp_path / job.rule
        for path in (path for path in inputs if not os.path.isabs(path)):  # absolute: the repository's own files (amendments)
            source, target = smoke_run / path, folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
        for path in [*job.logs.split(","), job.output_file]:
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(job.shellcmd, shell=True, cwd=folder, capture_output=True, text=True, timeout=600,
                             env={**os.environ, "PYTHONPATH": REPO})
        log = (folder / job.logs).read_text() if job.logs and (folder / job.logs).exists() else ""
        assert run.returncode == 0, f"{job.rule} failed with only its declared inputs:\n{log[-3000:]}{run.stderr[-2000:]}"
        assert (folder / job.output_file).exists(), job.rule
        checked.append(job.rule)
    assert {"keskar2017_table2", "keskar2017_minima", "keskar2017_sweeps", "keskar2017_trajectory", "smith2018_analyse",
            "wilson2003_analyse", "batchscience_analyse", "toypaper_analyse", "report"} <= set(checked)


# --- a real single-node SLURM -----------------------------------------------------------------------------

SLURM_SCRIPT = f"{REPO}/tests/scripts/single_node_slurm.sh"


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running single-node SLURM (Debian's slurm-wlm and munge, as root); the environment its clients need."""
    if shutil.which("slurmctld") is None or os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("SLURM is missing in CI: .ci/run should have installed Debian's slurm-wlm and munge")
        pytest.skip("a single-node SLURM needs Debian's slurm-wlm and munge, and root (.ci/run installs them)")
    state = tmp_path_factory.mktemp("slurm")
    subprocess.run([SLURM_SCRIPT, "start", str(state)], check=True, timeout=120)
    yield {**os.environ, "SLURM_CONF": str(state / "slurm.conf")}
    subprocess.run([SLURM_SCRIPT, "stop", str(state)], timeout=60)


def node_profile(folder: Path) -> Path:
    """profiles/slurm adapted to the test node: its partition, no account, squeue instead of sacct (no slurmdbd),
    no GPU, small memory and 2 CPUs. Every rule the profile names keeps its entry, so its rule list is what runs."""
    profile = yaml.safe_load(Path(f"{REPO}/profiles/slurm/config.yaml").read_text())
    node = {"mem_mb": 1000, "runtime": 30}
    overlay = {
        "slurm-status-command": "squeue", "slurm-no-account": True, "slurm-init-seconds-before-status-checks": 2,
        "latency-wait": 5,
        "default-resources": {**profile["default-resources"], "slurm_partition": "test", **node},
        "set-resources": {rule: {**resources, **node, **({"gpu": 0} if "gpu" in resources else {})}
                          for rule, resources in profile["set-resources"].items()},
        "set-threads": {rule: 2 for rule in profile["set-threads"]},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(overlay))
    return folder


def slurm_jobs(environment: dict, run_name: str) -> list[str]:
    """The comments (Snakemake writes `rule_<name>_wildcards_...`) of every SLURM job of one Snakemake run."""
    listed = subprocess.run(["squeue", "--states=all", "--noheader", "--name", run_name, "--format=%k"],
                            capture_output=True, text=True, env=environment, check=True)
    return listed.stdout.split()


def through_slurm(workdir: Path, environment: dict, *arguments: str, timeout: int = 1800) -> tuple[subprocess.CompletedProcess, str]:
    profile = node_profile(workdir / "test-node-profile")
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(workdir), "--profile", f"{REPO}/profiles/slurm", "--profile", str(profile), *arguments],
        capture_output=True, text=True, timeout=timeout, env=environment,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    run_name = re.search(r"SLURM run ID: (\S+)", completed.stderr).group(1)
    return completed, run_name


def test_the_smoke_config_through_slurm_gives_the_local_claims(smoke_run, slurm, tmp_path):
    """Every job that is not local goes through sbatch; the claims equal those of the local run (same machine)."""
    started = time.time()
    completed, run_name = through_slurm(tmp_path, slurm, *SMOKE)
    seconds = time.time() - started
    submitted = [re.sub(r"^rule_", "", comment).split("_wildcards")[0] for comment in slurm_jobs(slurm, run_name)]
    planned = dry_run_jobs(smoke_run.parent / "planned", "smoke", extra=SMOKE[1:])  # the whole DAG, from scratch
    expected = {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", planned, flags=re.M)
                if rule not in ("all", "total") and not re.fullmatch(r"keskar2017|smith2018|wilson2003|batchscience|toypaper", rule)}
    assert pd.Series(submitted).value_counts().to_dict() == expected
    local, remote = (pd.read_csv(folder / "results" / "smoke" / "report" / "claims.csv") for folder in (smoke_run, tmp_path))
    # Every claim computed from training is equal; the throughput cells time the device at that moment (two local runs differ too).
    timed = local["family"] == "throughput_saturates"
    assert timed.any() and (remote["family"] == "throughput_saturates").equals(timed)
    pd.testing.assert_frame_equal(remote[~timed], local[~timed], check_exact=True)
    report = (tmp_path / "results" / "smoke" / "report" / "report.md").read_text()
    assert re.search(r"Devices of the jobs \(node: GPUs, or CPU\): \S+: CPU \d+ job\(s\)", report)
    print(f"through SLURM: {len(submitted)} jobs submitted, {seconds:.0f} s")


def test_a_training_job_cancelled_in_slurm_is_retried_and_resumes_to_the_same_numbers(slurm, tmp_path):
    """scancel a Smith training job once its first checkpoint is on disk: Snakemake retries it, the retry resumes from
    the checkpoint, and the history equals that of the same job run without interruption."""
    overlay = tmp_path / "longer.yaml"
    overlay.write_text(yaml.safe_dump({"smith2018": {"epochs": 40, "step_epochs": [10, 20, 30], "seeds_per_job": 1}}))
    setting = "momentum-decaying_learning_rate"
    target = f"results/smoke/smith2018/{setting}/seeds0.csv"  # one run in the job: the paper scale's layout
    arguments = [target, *SMOKE, str(overlay)]  # --configfile takes every value after it
    whole = subprocess.run([*SNAKEMAKE, "--directory", str(tmp_path / "whole"), *arguments, "--cores", "1"],
                           capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr[-3000:]

    workdir = tmp_path / "cancelled"
    checkpoint = workdir / f"results/smoke/smith2018/{setting}/seed0/checkpoint.npz"
    profile = node_profile(workdir / "test-node-profile")
    process = subprocess.Popen(
        [*SNAKEMAKE, "--directory", str(workdir), "--profile", f"{REPO}/profiles/slurm", "--profile", str(profile), *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=slurm,
    )
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert checkpoint.exists(), "the training job wrote no checkpoint"
    running = subprocess.run(["squeue", "--noheader", "--states=running", "--format=%i"], capture_output=True, text=True, env=slurm)
    job_ids = running.stdout.split()
    assert len(job_ids) == 1
    subprocess.run(["scancel", job_ids[0]], check=True, env=slurm)
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output[-4000:]
    log = (workdir / f"results/smoke/logs/smith2018/train_{setting}_seeds0.log").read_text()
    assert "resuming from epoch" in log, log[-2000:]
    histories = [pd.read_csv(folder / target).drop(columns="wall_seconds") for folder in (tmp_path / "whole", workdir)]
    pd.testing.assert_frame_equal(histories[1], histories[0], check_exact=True)
    resumed_at = re.search(r"resuming from epoch \d+", log).group(0)
    print(f"cancelled SLURM job {job_ids[0]}; the retry: {resumed_at}")


def test_the_paper_scale_through_the_slurm_profile_asks_gpus_for_training_only(tmp_path):
    """A dry run: which resources each paper-scale job would ask SLURM for (no scheduler needed)."""
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(tmp_path), "--profile", f"{REPO}/profiles/slurm", "--configfile", f"{REPO}/config/paper.yaml", "-n"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "SLURM_CONF": "/nonexistent"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    output = completed.stdout + completed.stderr
    resources = {}
    for rule, block in re.findall(r"^rule (\w+):\n(.*?)(?=\n\n|\Z)", output, flags=re.M | re.S):
        asked = re.search(r"resources: (.*)", block)
        resources.setdefault(rule, set()).add(asked.group(1) if asked else "")
    gpu_rules = {rule for rule, asked in resources.items() if all("gpu=1" in line for line in asked)}
    assert {"keskar2017_train", "keskar2017_sharpness", "smith2018_train", "batchscience_regime", "batchscience_throughput"} <= gpu_rules
    assert not any("gpu=" in line for rule in resources if rule.endswith(("_analyse", "_table2", "_minima", "_sweeps")) or rule == "report"
                   for line in resources[rule])
    assert all("runtime=60" in line and "mem_mb=4000" in line for line in resources["report"])


def test_the_local_profile_puts_no_core_count_on_cluster_jobs():
    """Snakemake merges profiles/default into every --profile run and caps each job's threads at --cores, remote jobs
    included (rules.py): a `cores:` in the local profile would give SLURM jobs the login node's core count. Parsed by
    Snakemake's own command line, a cluster run has no --cores, so the whole-machine rules get set-threads' count."""
    _, arguments = snakemake_cli.parse_args(
        ["--snakefile", f"{REPO}/Snakefile", "--profile", f"{REPO}/profiles/slurm", "--configfile", f"{REPO}/config/paper.yaml"]
    )
    assert arguments.executor == "slurm" and arguments.cores is None
    assert {rule: threads.value for rule, threads in arguments.set_threads.items()} == {"batchscience_throughput": 8, "benchmark_engine": 8}
