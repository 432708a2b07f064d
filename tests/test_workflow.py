"""The workflow end to end on the smoke config, the paper scale's dry run, and a real kill of a training job."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", f"{REPO}/Snakefile"]


def test_smoke_workflow_writes_the_report(tmp_path):
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(tmp_path), "--configfile", f"{REPO}/config/smoke.yaml", "--cores", "2"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    report_dir = tmp_path / "results" / "smoke" / "report"
    report = (report_dir / "report.md").read_text()
    claims = pd.read_csv(report_dir / "claims.csv")
    assert list(claims["claim_id"]) == ["generalization_gap_F1"]
    assert claims["verdict"].iloc[0] in {"reproduced", "not reproduced", "inconclusive"}
    assert "## Verdicts" in report and "generalization_gap_F1" in report and "## Provenance" in report
    assert "config/smoke.yaml" in report and "keskar2017_train | 4 |" in report
    table = pd.read_csv(report_dir / "tables" / "keskar2017_table2.csv")
    assert set(table["regime"]) == {"SB", "LB"} and (table["n_seeds"] == 2).all()
    assert (report_dir / "figures" / "keskar2017_table2.png").stat().st_size > 10_000
    engine = json.loads((tmp_path / "results" / "smoke" / "benchmarks" / "engine.json").read_text())
    assert [row["batch_size"] for row in engine["results"]] == [1, 64]
    assert "engine / reference" in (report_dir / "benchmarks.md").read_text()
    for rule in ("keskar2017_table2", "keskar2017_claims", "benchmark_engine", "report"):
        assert (tmp_path / "results" / "smoke" / "logs").rglob("*.log")
        assert (tmp_path / "results" / "smoke" / "rule_benchmarks" / f"{rule}.tsv").exists()


def test_paper_scale_dry_runs_and_lists_every_network(tmp_path):
    completed = subprocess.run(
        [*SNAKEMAKE, "--directory", str(tmp_path), "--configfile", f"{REPO}/config/paper.yaml", "-n", "--quiet", "rules"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    output = completed.stdout + completed.stderr
    assert "keskar2017_train" in output and "50" in output  # 5 networks x 2 regimes x 5 seeds


def test_a_killed_training_job_resumes_to_the_same_numbers(tmp_path):
    with open(f"{REPO}/config/smoke.yaml") as handle:
        config = yaml.safe_load(handle)
    config["results_dir"] = str(tmp_path / "results")
    config["keskar2017"]["budget"] = {"max_epochs": 6}
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))

    def command(output_dir):
        return [sys.executable, "-m", "replications.keskar2017", "--config", str(config_file), "train",
                "--network", "F1", "--regime", "SB", "--seed", "0", "--output-dir", str(output_dir)]  # fmt: skip

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

    resumed = subprocess.run(command(killed), capture_output=True, text=True, timeout=300, check=True)
    assert "resuming from epoch" in resumed.stdout
    whole, again = (pd.read_csv(folder / "history.csv").drop(columns="wall_seconds") for folder in (tmp_path / "whole", killed))
    pd.testing.assert_frame_equal(whole, again, check_exact=True)
    assert not (killed / "checkpoint.npz").exists()
