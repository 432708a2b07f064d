"""Assemble every replication's claims, tables and benchmarks into reports/<scale>/.

  python -m replications.report --config results/quick/config.resolved.yaml --config-source config/quick.yaml \
      --claims results/quick/keskar2017/claims.csv --engine-benchmark results/quick/benchmarks/engine.json \
      --rule-benchmarks results/quick/rule_benchmarks --output-dir reports/quick
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

from replications.batchscience import section as batchscience_section
from replications.claims import CLAIM_COLUMNS, VERDICTS
from replications.config import REPO_ROOT, config_hash, load_config
from replications.html import render_html
from replications.keskar2017 import section as keskar2017_section
from replications.smith2018 import section as smith2018_section
from replications.wilson2003 import section as wilson2003_section
from replications.report_tools import markdown_table

# Paper sections in report order; each renders Markdown from the tables in report_dir.
SECTIONS = {
    "keskar2017": keskar2017_section.render,
    "smith2018": smith2018_section.render,
    "wilson2003": wilson2003_section.render,
    "batchscience": batchscience_section.render,
}
TABLE_DICTIONARIES = {
    "keskar2017": keskar2017_section.TABLES,
    "smith2018": smith2018_section.TABLES,
    "wilson2003": wilson2003_section.TABLES,
    "batchscience": batchscience_section.TABLES,
}
LIBRARIES = ("tensorflow", "keras", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "snakemake", "mnist1d")


def verdict_table(claims: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "verdict": claims["verdict"].map(lambda verdict: f"**{verdict}**"),
        "paper": claims["paper"],
        "claim": claims["statement"],
        "paper's value": claims["paper_value"],
        "ours": claims["our_value"],
        "test": claims["test"],
        "statistic": claims["statistic"].map(_number),
        "p": claims["p_value"].map(_number),
        "CI": claims["ci"],
        "seeds": claims["n_seeds"],
        "why": claims["detail"],
    })  # fmt: skip
    return markdown_table(shown)


def _number(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.3g}"


def verdict_counts(claims: pd.DataFrame) -> str:
    counts = claims["verdict"].value_counts()
    return ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in VERDICTS)


def git_commit(repository: Path) -> str:
    """The commit of the code; '+ uncommitted changes' if code or config differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!reports", ":!results"],
            cwd=repository, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" + uncommitted changes" if status else "")


def device_description() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    try:
        import tensorflow as tf

        gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    except ImportError:
        gpus = []
    return f"{cpu}, {os.cpu_count()} cores" + (f", GPUs: {', '.join(gpus)}" if gpus else ", no GPU")


def rule_wall_times(benchmark_dir: Path) -> tuple[pd.DataFrame, float]:
    """Wall seconds per rule (summed over its jobs) from Snakemake's benchmark files, and the elapsed span."""
    rows = []
    for path in sorted(benchmark_dir.rglob("*.tsv")):
        seconds = float(pd.read_csv(path, sep="\t")["s"].iloc[0])
        rule = path.parent.name if path.parent != benchmark_dir else path.stem
        rows.append({"rule": rule, "seconds": seconds, "end": path.stat().st_mtime})
    if not rows:
        return pd.DataFrame(columns=["rule", "jobs", "wall seconds"]), 0.0
    frame = pd.DataFrame(rows)
    elapsed = busy_seconds(list(zip(frame["end"] - frame["seconds"], frame["end"])))
    per_rule = frame.groupby("rule").agg(jobs=("seconds", "size"), seconds=("seconds", "sum")).reset_index()
    per_rule["wall seconds"] = per_rule.pop("seconds").map("{:.1f}".format)
    return per_rule, elapsed


def busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of (start, end) intervals: wall time with at least one job running.

    Unlike last end - first start, a later rerun of a few rules adds only their own time.
    """
    total, covered_until = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > covered_until:
            total += end - max(start, covered_until)
            covered_until = end
    return total


def provenance(config: dict[str, Any], config_source: str, benchmark_dir: Path, repository: Path) -> tuple[str, float]:
    versions = ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    per_rule, elapsed = rule_wall_times(benchmark_dir)
    lines = [
        "## Provenance",
        "",
        f"- Commit: `{git_commit(repository)}`",
        f"- Config: `{config_source}` (scale `{config['scale']}`, hash of the validated config `{config_hash(config)}`)",
        f"- Python {platform.python_version()}; {versions}",
        f"- Device: {device_description()}",
        f"- Report written: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- Wall time of the workflow: **{elapsed / 60:.1f} minutes** with at least one job running "
        f"({os.cpu_count()} cores; job-seconds summed per rule below)",
        "",
        markdown_table(per_rule),
        "",
    ]
    return "\n".join(lines), elapsed


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def sharpness_speed_markdown(report_dir: Path) -> list[str]:
    """Seconds per sharpness measurement (10 L-BFGS-B iterations), from the Keskar sharpness table."""
    path = report_dir / "tables" / "keskar2017_sharpness.csv"
    if not path.exists():
        return []
    table = pd.read_csv(path)
    speed = table.groupby(["network", "space"], sort=False).agg(
        parameters=("num_parameters", "first"), examples=("num_examples", "first"),
        iterations=("mean_iterations", "mean"), evaluations=("mean_evaluations", "mean"), seconds=("mean_seconds", "mean"),
    ).reset_index()  # fmt: skip
    speed["seconds"] = speed["seconds"].map("{:.2f}".format)
    speed["iterations"] = speed["iterations"].map("{:.1f}".format)
    speed["evaluations"] = speed["evaluations"].map("{:.1f}".format)
    return [
        "## Sharpness metric",
        "",
        "Wall seconds per sharpness measurement (one model, one ε, one space; the loss and gradient over the whole "
        "training set at every evaluation), averaged over the models of Tables 3-4; one TensorFlow thread.",
        "",
        markdown_table(speed),
        "",
    ]


def rule_times_markdown(benchmark_dir: Path) -> list[str]:
    per_rule, elapsed = rule_wall_times(benchmark_dir)
    return [
        "## Wall time of the replications",
        "",
        f"Job-seconds per Snakemake rule (from its `benchmark:` files; jobs run {os.cpu_count()} at a time here), "
        f"and {elapsed / 60:.1f} minutes of wall time with at least one job running. The batch-1 runs of "
        "Wilson & Martinez are the rule `wilson2003_train`.",
        "",
        markdown_table(per_rule),
        "",
    ]


def benchmarks_markdown(engine: dict[str, Any], report_dir: Path, benchmark_dir: Path) -> str:
    frame = pd.DataFrame(engine["results"])
    shown = pd.DataFrame({
        "batch size": frame["batch_size"],
        "reference (samples/s)": frame["reference_samples_per_second"].map("{:,.0f}".format),
        "engine (samples/s)": frame["engine_samples_per_second"].map("{:,.0f}".format),
        "engine / reference": frame["engine_ratio"].map("{:.2f}".format),
        "engine epoch incl. evaluation (samples/s)": frame["engine_with_evaluation_samples_per_second"].map("{:,.0f}".format),
        "incl. evaluation / reference": frame["engine_with_evaluation_ratio"].map("{:.2f}".format),
    })  # fmt: skip
    data = engine["data"]
    return "\n".join([
        "# Benchmarks",
        "",
        "## Training engine vs a minimal reference loop",
        "",
        f"Network: {engine['model']}; data: {data['name']} ({data['train_examples']} training examples, "
        f"{data['test_examples']} test examples); device: {device_description()}, {engine['threads']} TensorFlow thread(s). "
        "The reference runs a whole epoch inside one XLA-compiled `tf.function` (gather, forward, backward, Adam). "
        "'Engine' is the same epoch through `Trainer.run_epoch` (shuffling, schedule, remainder batch); "
        "'incl. evaluation' is a whole epoch of `train()`: training, full evaluation of the training and test sets, "
        "the history row and the checkpoint. One timed epoch after a warm-up epoch; target: engine ≥ 0.8 × reference.",
        "",
        markdown_table(shown),
        "",
        "Produced by `python -m replications.bench` (Snakemake rule `benchmark_engine`).",
        "",
        *sharpness_speed_markdown(report_dir),
        *rule_times_markdown(benchmark_dir),
    ])  # fmt: skip


def data_dictionary(papers: list[str]) -> list[str]:
    """What each column of each table under tables/ means, with its unit."""
    lines = ["## Data dictionary", "", "Every table is also a CSV under `tables/`; `claims.csv` has the verdict table's columns.", ""]
    for paper in papers:
        for table, columns in TABLE_DICTIONARIES[paper].items():
            lines += [f"`{table}`", ""]
            lines += [f"- `{column}`: {meaning}" for column, meaning in columns.items()]
            lines += [""]
    return lines


def write_report(
    config: dict[str, Any],
    config_source: str,
    claim_files: list[str],
    engine_benchmark: str,
    rule_benchmarks: str,
    output_dir: str,
    repository: Path = REPO_ROOT,
) -> None:
    output_dir = Path(output_dir)
    claims = pd.concat([pd.read_csv(path) for path in claim_files], ignore_index=True)[CLAIM_COLUMNS]
    claims.to_csv(output_dir / "claims.csv", index=False)
    engine = json.loads(Path(engine_benchmark).read_text())
    (output_dir / "benchmarks.md").write_text(benchmarks_markdown(engine, output_dir, Path(rule_benchmarks)))
    provenance_text, _ = provenance(config, config_source, Path(rule_benchmarks), repository)
    parts = [
        f"# Batch size in neural-network training: replication report (`{config['scale']}` scale)",
        "",
        "Each claim of the papers gets a row: the paper's number, ours, the test, and a verdict computed from our runs "
        "by a rule fixed in the config before the runs. A claim that does not reproduce is a finding. "
        f"This report was produced at the **{config['scale']}** scale"
        + (": small offline networks and data sets on a CPU, not the papers' setups (deviations per section)."
           if config["scale"] != "paper" else ": the papers' networks and data sets."),
        "",
        f"## Verdicts ({verdict_counts(claims)})",
        "",
        verdict_table(claims),
        "",
        "Decision rules, fixed in the config before the runs:",
        "",
        *[f"- `{claim_id}`: {rule}" for claim_id, rule in zip(claims["claim_id"], claims["rule"])],
        "",
        "Data: `claims.csv`. Columns: paper, claim_id, statement, paper_value, our_value, test, statistic, "
        "p_value, ci (confidence interval of the effect), n_seeds, verdict, rule (the decision rule), detail (why).",
        "",
    ]
    parts += [render(config, output_dir) for name, render in SECTIONS.items() if name in config]
    parts += ["## Speed", "", "See [benchmarks.md](benchmarks.md) for the training engine's throughput.", ""]
    parts += data_dictionary([name for name in SECTIONS if name in config])
    parts += [provenance_text]
    (output_dir / "report.md").write_text("\n".join(parts))
    render_html(output_dir / "report.md", output_dir / "report.html")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Assemble the replication report")
    parser.add_argument("--config", required=True)
    parser.add_argument("--config-source", help="the config file the user gave (default: --config)")
    parser.add_argument("--claims", nargs="+", required=True)
    parser.add_argument("--engine-benchmark", required=True)
    parser.add_argument("--rule-benchmarks", required=True)
    parser.add_argument("--output-dir", required=True)
    arguments = parser.parse_args(argv)
    config = load_config(arguments.config)
    Path(arguments.output_dir).mkdir(parents=True, exist_ok=True)
    write_report(
        config, arguments.config_source or arguments.config, arguments.claims,
        arguments.engine_benchmark, arguments.rule_benchmarks, arguments.output_dir,
    )  # fmt: skip


if __name__ == "__main__":
    main()
